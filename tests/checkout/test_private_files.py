"""Invoices and other private documents: never under a public URL, served only by views that check, never cached."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from checkout.models import Invoice
from portal.private_storage import PrivateFileSystemStorage, private_storage
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import pay_at, sale_invoice
from tests.checkout.voucher_fixtures import gift, order_of, pay, vouchers_of  # noqa: F401 (gift is a fixture)

NO_STORE = "private, no-store"


@pytest.fixture
def invoice(market):
    order = two_shop_order(market)
    pay_at(order)
    return sale_invoice(order.shop_orders.order_by("pk").first())


def test_an_invoice_pdf_is_stored_in_the_private_storage_only(invoice):
    # when the customer downloads their invoice for the first time, which stores it
    response = Client().get(f"/fr/panier/commande/{invoice.shop_order.order.token}/factures/{invoice.pk}.pdf")
    assert response.status_code == 200
    invoice.refresh_from_db()

    # then the file is in the private storage, and nothing of it in the public media
    assert Invoice._meta.get_field("pdf").storage is private_storage()
    assert private_storage().exists(invoice.pdf.name)
    assert not default_storage.exists(invoice.pdf.name)
    assert response["Cache-Control"] == NO_STORE


def test_a_private_file_on_disk_has_no_url(tmp_path):
    storage = PrivateFileSystemStorage(location=tmp_path)
    name = storage.save("invoices/2026/12/F-0001.pdf", io.BytesIO(b"%PDF-1.7"))

    assert (tmp_path / name).read_bytes() == b"%PDF-1.7"
    with pytest.raises(ValueError, match="private file"):
        storage.url(name)


def test_the_private_folder_is_outside_the_served_media(settings):
    assert not settings.PRIVATE_MEDIA_ROOT.is_relative_to(settings.MEDIA_ROOT)


def test_every_token_page_and_document_of_an_order_is_never_cached(market, gift):
    order = order_of(market, [(gift, 1)])
    pay(order)
    voucher = vouchers_of(order)[0]
    client = Client()
    base = f"/fr/panier/commande/{order.token}/"

    for url in (base, f"{base}bons/{voucher.pk}.pdf"):
        response = client.get(url)
        assert (url, response.status_code, response["Cache-Control"]) == (url, 200, NO_STORE)


def test_invoices_stored_under_the_public_media_before_move_to_the_private_storage(invoice):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("checkout.migrations.0014_invoice_pdf_private_storage")
    # given an invoice whose PDF was stored in the public media, as before
    default_storage.save("invoices/2026/11/F-old.pdf", io.BytesIO(b"%PDF-old"))
    Invoice.objects.filter(pk=invoice.pk).update(pdf="invoices/2026/11/F-old.pdf")

    # when the migration runs (twice: a re-run finds nothing left to move)
    migration.move_stored_pdfs(apps, None)
    migration.move_stored_pdfs(apps, None)

    # then the same file is in the private storage only, and the row still points at it
    invoice.refresh_from_db()
    assert invoice.pdf.name == "invoices/2026/11/F-old.pdf"
    with private_storage().open(invoice.pdf.name, "rb") as stored:
        assert stored.read() == b"%PDF-old"
    assert not default_storage.exists("invoices/2026/11/F-old.pdf")
