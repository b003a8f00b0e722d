"""Invoice PDFs: their text, rendered on first download and kept; the customer's link and e-mail; the merchants'
"Factures" in the admin, where another merchant's invoice answers 404."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from wagtail.admin.menu import admin_menu

from checkout.billing import invoice_pdf
from checkout.billing.invoice_pdf import render_invoice_html, render_invoice_pdf
from checkout.billing.invoices import issue_commission_invoice
from checkout.models import Invoice
from markets.editors import make_editor
from portal.private_storage import private_storage
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import make_statement, pay_at, refund, sale_invoice
from tests.checkout.voucher_fixtures import client_for, merchant_of, order_of
from tests.fixtures import factories as f

INDEX = "/admin/factures/"


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    # one space for any run of spaces, line breaks and babel's (narrow) no-break spaces
    return " ".join(re.sub(r"[\u00a0\u202f]", " ", text).split())


def customer_url(invoice):
    return f"/fr/panier/commande/{invoice.shop_order.order.token}/factures/{invoice.pk}.pdf"


def admin_pdf_url(invoice):
    return f"/admin/factures/{invoice.pk}/pdf/"


@pytest.fixture
def paid(market):
    """Alice's two-shop order (atelier 25.00, épicerie 8.30 + 5.00 delivery), paid."""
    from shops.models import ProductPage

    ProductPage.objects.filter(pk=market.miel.pk).update(vat_rate="5.50")
    order = two_shop_order(market)
    pay_at(order)
    atelier_so, epicerie_so = order.shop_orders.order_by("pk")
    return order, sale_invoice(atelier_so), sale_invoice(epicerie_so)


@pytest.fixture
def atelier_merchant(market):
    return merchant_of(market.atelier, "atelier")


@pytest.fixture
def epicerie_merchant(market):
    return merchant_of(market.epicerie, "epicerie")


# The document -----------------------------------------------------------------------


def test_the_pdf_shows_parties_number_lines_vat_and_totals(paid, market):
    _order, _atelier, invoice = paid
    text = pdf_text(render_invoice_pdf(invoice))
    assert "Facture" in text
    assert invoice.number in text
    assert "Date : 10 décembre 2025" in text
    assert market.epicerie.legal_name in text
    assert f"SIRET : {market.epicerie.siret}" in text
    assert f"N° de TVA : {market.epicerie.vat_number}" in text
    assert "Alice Le Goff" in text
    assert "Miel de bruyère" in text
    assert "5,5 %" in text and "20 %" in text
    for amount in ("7,87 €", "0,43 €", "4,17 €", "0,83 €", "12,04 €", "1,26 €", "13,30 €"):
        assert amount in text, amount
    assert "au nom et pour le compte de" in text


def test_an_exempt_merchants_pdf_carries_the_293_b_mention(market):
    from shops.models import ShopPage, VatStatus

    ShopPage.objects.filter(pk=market.atelier.pk).update(vat_status=VatStatus.FRANCHISE, vat_number="")
    order = order_of(market, [(market.santon, 1)])
    pay_at(order)
    text = pdf_text(render_invoice_pdf(sale_invoice(order.shop_orders.get())))
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "12,50 €" in text
    assert "N° de TVA" not in text


def test_a_credit_note_pdf_says_what_it_corrects_with_negative_totals(paid, monkeypatch):
    _order, _atelier, invoice = paid
    note = Invoice.objects.get(refund=refund(monkeypatch, invoice.shop_order, "5.00"))
    text = pdf_text(render_invoice_pdf(note))
    assert "Avoir" in text
    assert note.number in text
    assert f"Corrige la facture n° {invoice.number}" in text
    assert "-5,00 €" in text
    assert "-0,47 €" in text


def test_a_commission_invoice_pdf_is_from_the_platform_to_the_merchant(market):
    statement = make_statement(market.atelier, market.territory, commission="12.34", commission_returned="1.00",
                               transfer_fee="0.18")
    invoice = issue_commission_invoice(statement)
    text = pdf_text(render_invoice_pdf(invoice))
    assert "Facture de commission" in text
    assert invoice.number in text
    assert "Association Marché de Noël numérique" in text
    assert market.atelier.legal_name in text
    for amount in ("9,60 €", "1,92 €", "11,52 €"):
        assert amount in text, amount
    assert "Relevé de la semaine du 8 décembre 2025" in text


def test_the_pdf_is_rendered_in_the_invoices_language(market):
    order = order_of(market, [(market.santon, 1)], language="en")
    pay_at(order)
    invoice = sale_invoice(order.shop_orders.get())
    assert invoice.language == "en"
    assert '<html lang="en">' in render_invoice_html(invoice)


# Rendered once, on first download -----------------------------------------------------


def test_paying_renders_no_pdf_and_the_first_download_stores_it(paid, monkeypatch):
    order, invoice, _epicerie = paid
    assert not invoice.pdf  # nothing rendered inside the payment
    response = Client().get(customer_url(invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="facture-{invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert invoice.number in pdf_text(response.content)
    invoice.refresh_from_db()
    assert invoice.pdf.name.startswith("invoices/") and invoice.number in invoice.pdf.name
    # later downloads serve the stored file, not a new rendering
    monkeypatch.setattr(invoice_pdf, "render_invoice_pdf", lambda _invoice: pytest.fail("rendered again"))
    again = Client().get(customer_url(invoice))
    assert again.content == response.content
    invoice.refresh_from_db()
    assert invoice.total == Decimal("25.00")


def stored_files(directory):
    storage = private_storage()
    return set(storage.listdir(directory)[1]) if storage.exists(directory) else set()


def test_a_lost_race_to_store_the_pdf_keeps_the_first_file(paid):
    _order, invoice, _epicerie = paid
    ours = datetime.datetime.now().strftime("invoices/%Y/%m")  # where FileField.generate_filename puts ours
    before = stored_files(ours)
    # someone else stored theirs between our read and our write
    private_storage().save("invoices/2025/12/theirs.pdf", io.BytesIO(b"%PDF-theirs"))
    Invoice.objects.filter(pk=invoice.pk).update(pdf="invoices/2025/12/theirs.pdf")
    content = invoice_pdf.invoice_pdf(invoice)  # `invoice` still has no pdf in memory
    assert content == b"%PDF-theirs"
    invoice.refresh_from_db()
    assert invoice.pdf.name == "invoices/2025/12/theirs.pdf"
    # and the file we rendered meanwhile was removed from the storage
    assert stored_files(ours) == before


# The customer ---------------------------------------------------------------------------


def test_the_customer_downloads_with_the_orders_token_and_nothing_else(paid, market):
    order, atelier, epicerie = paid
    other = order_of(market, [(market.santon, 1)])
    pay_at(other)
    others_invoice = sale_invoice(other.shop_orders.get())
    client = Client()
    assert client.get(customer_url(atelier)).status_code == 200
    assert client.get(customer_url(epicerie)).status_code == 200
    assert client.get(f"/en/panier/commande/{order.token}/factures/{atelier.pk}.pdf").status_code == 200
    # a wrong token, another order's invoice with this token, an unknown id
    assert client.get(f"/fr/panier/commande/{'x' * 43}/factures/{atelier.pk}.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{order.token}/factures/{others_invoice.pk}.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{other.token}/factures/{atelier.pk}.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{order.token}/factures/999999.pdf").status_code == 404
    assert client.get(f"/fr/panier/commande/{'x' * 65}/factures/{atelier.pk}.pdf").status_code == 404
    assert client.post(customer_url(atelier)).status_code == 405
    # nothing was rendered for the refused requests
    others_invoice.refresh_from_db()
    assert not others_invoice.pdf


def test_the_customer_downloads_a_credit_note_but_never_a_commission_invoice(paid, market, monkeypatch):
    order, atelier, _epicerie = paid
    note = Invoice.objects.get(refund=refund(monkeypatch, atelier.shop_order, "2.00"))
    assert Client().get(customer_url(note)).status_code == 200
    commission = issue_commission_invoice(make_statement(market.atelier, market.territory, commission="2.00"))
    url = f"/fr/panier/commande/{order.token}/factures/{commission.pk}.pdf"
    assert Client().get(url).status_code == 404


def test_the_confirmation_email_links_each_merchants_invoice(market, django_capture_on_commit_callbacks):
    order = two_shop_order(market)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay_at(order)
    [message] = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    html = message.alternatives[0][0]
    for shop_order in order.shop_orders.order_by("pk"):
        invoice = sale_invoice(shop_order)
        link = f"http://testserver/fr/panier/commande/{order.token}/factures/{invoice.pk}.pdf"
        assert f"Facture (PDF) : {link}" in message.body
        assert f'href="{link}"' in html
        assert not Invoice.objects.get(pk=invoice.pk).pdf  # a link, not a rendering
    assert f"Télécharger la facture de {market.atelier.title} (PDF)" in html


def test_the_refund_email_links_the_credit_note(paid, monkeypatch, django_capture_on_commit_callbacks):
    order, invoice, _epicerie = paid
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = Invoice.objects.get(refund=refund(monkeypatch, invoice.shop_order, "5.00"))
    [message] = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    link = f"http://testserver/fr/panier/commande/{order.token}/factures/{note.pk}.pdf"
    assert f"Votre avoir n° {note.number} : {link}" in message.body
    assert f'href="{link}"' in message.alternatives[0][0]
    assert Client().get(link.removeprefix("http://testserver")).status_code == 200


def test_the_order_page_lists_the_invoices_and_credit_notes(paid, market, monkeypatch):
    order, atelier, epicerie = paid
    note = Invoice.objects.get(refund=refund(monkeypatch, atelier.shop_order, "5.00"))

    html = Client().get(f"/fr/panier/commande/{order.token}/").content.decode()

    for invoice, label in ((atelier, "Facture"), (note, "Avoir"), (epicerie, "Facture")):
        assert f'<a href="/fr/panier/commande/{order.token}/factures/{invoice.pk}.pdf">{label} n° {invoice.number}</a>' in html
    assert html.index(atelier.number) < html.index(note.number) < html.index(epicerie.number)
    unpaid = two_shop_order(market)
    assert "Factures et avoirs" not in Client().get(f"/fr/panier/commande/{unpaid.token}/").content.decode()


# The admin -------------------------------------------------------------------------------


def test_a_merchant_lists_and_downloads_their_own_invoices_only(paid, atelier_merchant, market):
    _order, atelier, epicerie = paid
    client = client_for(atelier_merchant)
    listing = client.get(INDEX)
    assert listing.status_code == 200
    assert atelier.number in listing.content.decode()
    assert epicerie.number not in listing.content.decode()
    response = client.get(admin_pdf_url(atelier))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert atelier.number in pdf_text(response.content)
    assert client.get(f"/admin/factures/{atelier.pk}/").status_code == 200


def not_found(client, url) -> bool:
    return client.get(url, follow=True).status_code == 404


def test_another_merchants_invoice_answers_404(paid, epicerie_merchant):
    _order, atelier, epicerie = paid
    client = client_for(epicerie_merchant)
    assert not_found(client, admin_pdf_url(atelier))
    assert not_found(client, f"/admin/factures/{atelier.pk}/")
    assert not_found(client, "/admin/factures/999999/pdf/")
    atelier.refresh_from_db()
    assert not atelier.pdf
    assert [x.pk for x in client.get(INDEX).context["object_list"]] == [epicerie.pk]


def test_commission_invoices_are_for_the_statements_merchant_and_superusers(paid, market, atelier_merchant,
                                                                             epicerie_merchant):
    commission = issue_commission_invoice(make_statement(market.atelier, market.territory, commission="2.00"))
    editor = User.objects.create_user("editor", password="x")
    make_editor(editor, market.territory)
    operator = User.objects.create_superuser("operator", password="x")

    assert client_for(atelier_merchant).get(admin_pdf_url(commission)).status_code == 200
    assert commission.number in client_for(atelier_merchant).get(INDEX).content.decode()
    assert not_found(client_for(epicerie_merchant), admin_pdf_url(commission))
    assert not_found(client_for(editor), admin_pdf_url(commission))
    assert commission.pk not in [x.pk for x in client_for(editor).get(INDEX).context["object_list"]]
    assert client_for(operator).get(admin_pdf_url(commission)).status_code == 200


def test_editors_see_their_territorys_sales_invoices_only(paid, market):
    _order, atelier, epicerie = paid
    editor = User.objects.create_user("editor", password="x")
    make_editor(editor, market.territory)
    other_territory = f.make_territory("Pays de Brest")
    f.make_shop(f.make_market(f.french_home(), other_territory), "Boutique de Brest")
    stranger = User.objects.create_user("stranger", password="x")
    make_editor(stranger, other_territory)

    listing = client_for(editor).get(INDEX).content.decode()
    assert atelier.number in listing and epicerie.number in listing
    assert client_for(editor).get(admin_pdf_url(epicerie)).status_code == 200
    assert not_found(client_for(stranger), admin_pdf_url(epicerie))
    assert not_found(client_for(stranger), f"/admin/factures/{epicerie.pk}/")
    assert list(client_for(stranger).get(INDEX).context["object_list"]) == []


def test_the_admin_offers_no_way_to_change_an_invoice(paid, atelier_merchant):
    _order, atelier, _epicerie = paid
    client = client_for(atelier_merchant)
    for url in (f"/admin/factures/{atelier.pk}/edit/", f"/admin/factures/{atelier.pk}/delete/", "/admin/factures/add/"):
        assert not_found(client, url)
    assert client.post(admin_pdf_url(atelier)).status_code == 405


def test_the_menu_shows_invoices_to_those_who_manage_a_shop(rf, paid, atelier_merchant, django_user_model):
    from django.urls import reverse

    reverse("factures:index")
    request = rf.get("/admin/")
    request.user = atelier_merchant
    assert "invoices" in [item.name for item in admin_menu.menu_items_for_request(request)]
    request.user = django_user_model.objects.create_user("visitor")
    assert "invoices" not in [item.name for item in admin_menu.menu_items_for_request(request)]


def test_the_export_lists_the_merchants_documents_for_the_accountant(paid, atelier_merchant, monkeypatch):
    _order, atelier, _epicerie = paid
    refund(monkeypatch, atelier.shop_order, "2.00")
    response = client_for(atelier_merchant).get(INDEX + "?export=csv")
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == ["Numéro", "Type", "Date", "Boutique", "Client ou émetteur", "Facture corrigée", "Total HT",
                       "TVA", "Total TTC"]
    assert sorted(rows[1:]) == sorted([
        [atelier.number, "Facture", "10/12/2025", "Atelier du Bois Flotté", "Alice Le Goff", "", "20,83", "4,17",
         "25,00"],
        [atelier.number[:-6] + "000002", "Avoir", "10/12/2025", "Atelier du Bois Flotté", "Alice Le Goff",
         atelier.number, "-1,67", "-0,33", "-2,00"],
    ])
