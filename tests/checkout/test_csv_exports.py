"""Every CSV the admin gives out, downloaded as its user does: Excel-ready in French, commas in English, no formula.

One week of the atelier (Pays de Morlaix, commission 8 %):
- Tue 24 November 2026 10:00 (Paris), two santons, 25.00, bought by a customer who typed
  `=HYPERLINK("http://x","y")` as their name and "+33 6 12 34 56 78" as their phone;
- Wed 25 10:00, a 50.00 gift voucher bought by Alice;
- Thu 26 09:00, 10.00 of the santons refunded (a credit note, negative amounts);
- the atelier's statement and payout of that week (123.45).
"""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from wagtail.users.models import UserProfile

from checkout.models import Invoice, InvoiceKind, Order
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, confirm_payment, place_order, refund_shop_order
from markets.editors import make_editor
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout import voucher_fixtures
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.test_payouts import make_payout
from tests.checkout.voucher_fixtures import client_for, merchant_of

PARIS = ZoneInfo("Europe/Paris")
FORMULA_NAME = '=HYPERLINK("http://x","y")'
MALLORY = Customer(FORMULA_NAME, "mallory@example.org", "+33 6 12 34 56 78")
BOM = "\ufeff"

gift = voucher_fixtures.gift


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def paid_order(m, product, quantity, customer, at):
    deliveries = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}
    order = place_order(m.territory.pk, [BasketLine(product.pk, quantity)], deliveries, customer)
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur", now=at)
    Order.objects.filter(pk=order.pk).update(created_at=at)
    order.refresh_from_db()
    return order


@pytest.fixture
def week(market, gift, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, amount, **options: f"re_test_{intent}")
    m = market
    santons = paid_order(m, m.santon, 2, MALLORY, paris(2026, 11, 24, 10, 0))
    voucher_order = paid_order(m, gift, 1, ALICE, paris(2026, 11, 25, 10, 0))
    refund_shop_order(santons.shop_orders.get().pk, Decimal("10.00"), now=paris(2026, 11, 26, 9, 0))
    payout = make_payout(m.atelier, "123.45")
    merchant = merchant_of(m.atelier, "atelier")
    editor = User.objects.create_user("editrice-morlaix")
    make_editor(editor, m.territory)
    return {
        "santons": santons, "voucher_order": voucher_order, "payout": payout, "merchant": merchant, "editor": editor,
    }


def speaking(user, language):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return client_for(user)


def download(client, url, params=None) -> str:
    """The body of a CSV download, checked to be UTF-8 text/csv led by a byte-order mark."""
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf"), url
    return body.decode("utf-8")[1:]


def rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def admin_exports(week):
    """Every CSV export of the admin: (name, who downloads it, URL, query)."""
    statement = week["payout"].statement
    dashboard = {"start": "2026-11-24", "end": "2026-11-26"}
    return [
        ("orders", "merchant", "/admin/commandes/", {"export": "csv"}),
        ("vouchers", "merchant", "/admin/bons/", {"export": "csv"}),
        ("invoices", "merchant", "/admin/factures/", {"export": "csv"}),
        ("statements", "merchant", "/admin/releves/", {"export": "csv"}),
        ("payouts", "merchant", "/admin/versements/", {"export": "csv"}),
        ("statement", "merchant", reverse("statement_csv", kwargs={"pk": statement.pk}), {}),
        ("sales_by_day", "editor", reverse("sales_dashboard"), {**dashboard, "export": "days"}),
        ("sales_by_shop", "editor", reverse("sales_dashboard"), {**dashboard, "export": "shops"}),
        ("commission_schedule", "editor", reverse("commission_schedule:index"), {"export": "csv"}),
    ]


def check_every_export(week, language, delimiter):
    """Download every export in `language`: separator, byte-order mark, decimal mark, rows as wide as the headings."""
    mark, other_mark = ("," if language == "fr" else "."), ("." if language == "fr" else ",")
    # An amount each export must show, written with the language's decimal mark
    expected = {
        "commission_schedule": "8{}00", "statements": "123{}45", "payouts": "123{}45", "vouchers": "50{}00",
        "sales_by_shop": "75{}00",  # the santons and the gift voucher
    }
    for name, who, url, params in admin_exports(week):
        table = rows(download(speaking(week[who], language), url, params), delimiter)
        assert len(table) >= 2 and len(table[0]) >= 3, name
        assert {len(row) for row in table} == {len(table[0])}, name
        cells = [value for row in table[1:] for value in row]
        assert expected.get(name, "25{}00").format(mark) in cells, name
        # no number anywhere with the other language's decimal mark
        assert not [v for v in cells if other_mark in v and v.lstrip("-").replace(other_mark, "", 1).isdigit()], name


def test_every_export_in_french_is_excel_ready_and_formula_free(week):
    # Every export: semicolons, decimal commas, the byte-order mark
    check_every_export(week, "fr", ";")
    client = speaking(week["merchant"], "fr")
    # The orders export, exactly: the name and the phone the customer typed are text, never a formula
    santons = week["santons"]
    table = rows(download(client, "/admin/commandes/", {"export": "csv"}), ";")
    assert table[0][:4] == ["N° de commande", "Date", "Boutique", "Client"]
    assert next(r for r in table if r[0] == santons.number) == [
        santons.number, "24/11/2026 10:00", "Atelier du Bois Flotté",
        "'" + FORMULA_NAME, "mallory@example.org", "'+33 6 12 34 56 78",
        "Payée", "Retrait en boutique", "", "2 × Santon en bois à 12,50\xa0€ = 25,00\xa0€",
        "25,00", "0,00", "25,00", "2,00", "10,00", "À préparer", "non",
    ]
    # The credit note of the refund: negative amounts stay numbers
    credit_note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE, shop_order=santons.shop_orders.get())
    invoices = rows(download(client, "/admin/factures/", {"export": "csv"}), ";")
    row = next(r for r in invoices if r[0] == credit_note.number)
    assert (row[2], row[4], row[8]) == ("26/11/2026", "'" + FORMULA_NAME, "-10,00")
    # Weeks and amounts of statements and payouts, for people
    statements = rows(download(client, "/admin/releves/", {"export": "csv"}), ";")
    assert statements[1][:2] == ["23/11/2026", "Atelier du Bois Flotté"]
    payouts = rows(download(client, "/admin/versements/", {"export": "csv"}), ";")
    assert payouts[1][1:4] == ["23/11/2026", "Atelier du Bois Flotté", "123,45"]


def test_every_export_in_english_uses_commas_and_points(week):
    check_every_export(week, "en", ",")
    client = speaking(week["merchant"], "en")
    # The formula stays inert in English too; in the raw line the name is quoted, its quotes doubled
    text = download(client, "/admin/commandes/", {"export": "csv"})
    row = next(r for r in rows(text, ",") if r[0] == week["santons"].number)
    assert row[3] == "'" + FORMULA_NAME
    assert row[10:15] == ["25.00", "0.00", "25.00", "2.00", "10.00"]
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text
    # The weekly statement: headings in English, the refund negative
    statement = week["payout"].statement
    table = rows(download(client, reverse("statement_csv", kwargs={"pk": statement.pk})), ",")
    assert table[0] == ["Date", "Type", "Order no.", "Customer", "Amount incl. VAT", "Commission", "Net"]
    assert table[1] == ["24/11/2026 10:00", "Sale", week["santons"].number, "'" + FORMULA_NAME, "25.00", "-2.00", "23.00"]
    assert table[-2][4:] == ["-10.00", "0.80", "-9.20"]


def test_the_spreadsheet_export_keeps_real_numbers_and_another_shop_exports_nothing(week, market):
    from openpyxl import load_workbook

    # The XLSX of the orders: amounts are numbers, the date a date in Paris time, the name a plain string cell
    response = speaking(week["merchant"], "fr").get("/admin/commandes/", {"export": "xlsx"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == week["santons"].number)
    assert row[1] == datetime(2026, 11, 24, 10, 0)
    assert row[3] == FORMULA_NAME
    assert (row[10], row[12], row[14]) == (25, 25, 10)
    # The épicerie's merchant downloads the same exports: headings, no row of the atelier
    client = speaking(merchant_of(market.epicerie, "epicerie"), "fr")
    for url in ("/admin/commandes/", "/admin/factures/", "/admin/releves/", "/admin/versements/", "/admin/bons/"):
        assert rows(download(client, url, {"export": "csv"}), ";")[1:] == [], url
