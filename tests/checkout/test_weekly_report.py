"""The merchant's weekly report: the e-mail (once, in their language), the statement's CSV and PDF, and who may download them.

The week of Monday 23 November 2026 at the atelier (commission 8 %):
- order B, Tue 24 at 10:00: 2 santons, 25.00 (commission 2.00);
- order C, Thu 26 at 15:30: a 50.00 gift voucher for Marie Tanguy (commission 4.00);
- Fri 27 at 09:00: 10.00 of order B refunded (commission returned 0.80).
Outside it: order A at 23:59:59 on Sunday 22 (the previous statement's), order D
at 00:00:00 on Monday 30 (next week's), and an order at the épicerie.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from checkout.billing import reports
from checkout.models import Order, WeeklyStatement
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from markets.editors import make_editor
from markets.models import Territory
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout import voucher_fixtures
from tests.checkout.helpers import ALICE, Customer, fake_payment
from tests.checkout.voucher_fixtures import client_for, merchant_of

PARIS = ZoneInfo("Europe/Paris")
BRUNO = Customer("Bruno Kerhervé", "bruno@example.org", "")

atelier_merchant = voucher_fixtures.atelier_merchant
epicerie_merchant = voucher_fixtures.epicerie_merchant
gift = voucher_fixtures.gift


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def paid_order(m, shop, lines, at, customer=ALICE):
    deliveries = {shop.pk: DeliveryChoice(m.option(shop, DeliveryKind.PICKUP).pk)}
    order = place_order(m.territory.pk, lines, deliveries, customer)
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=at)
    order.refresh_from_db()
    return order


@pytest.fixture
def no_provider_refunds(monkeypatch):
    refunds = iter(range(1, 100))
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, amount, **options: f"re_test_{next(refunds)}")


@pytest.fixture
def week(market, gift, no_provider_refunds):
    m = market
    order_a = paid_order(m, m.atelier, [BasketLine(m.santon.pk, 1)], paris(2026, 11, 22, 23, 59, 59))
    order_b = paid_order(m, m.atelier, [BasketLine(m.santon.pk, 2)], paris(2026, 11, 24, 10, 0))
    order_c = paid_order(
        m, m.atelier, [BasketLine(gift.pk, 1, beneficiary="Marie Tanguy")], paris(2026, 11, 26, 15, 30), BRUNO
    )
    refund_shop_order(order_b.shop_orders.get().pk, Decimal("10.00"), now=paris(2026, 11, 27, 9, 0))
    order_d = paid_order(m, m.atelier, [BasketLine(m.santon.pk, 1)], paris(2026, 11, 30, 0, 0, 0))
    order_e = paid_order(m, m.epicerie, [BasketLine(m.miel.pk, 1)], paris(2026, 11, 25, 12, 0))

    def statement(shop, week_start, period_end, **amounts):
        defaults = {
            "territory": m.territory, "trade_name": shop.title, "legal_name": shop.legal_name, "siret": shop.siret,
            "vat_status": shop.vat_status, "vat_number": shop.vat_number, "merchant_email": shop.email,
            "carried_in": Decimal("0.00"), "sales": Decimal("0.00"), "refunds": Decimal("0.00"),
            "commission": Decimal("0.00"), "commission_returned": Decimal("0.00"), "transfer_fee": Decimal("0.00"),
            "payout_amount": Decimal("0.00"), "carried_out": Decimal("0.00"),
        }
        return WeeklyStatement.objects.create(
            shop=shop, week_start=week_start, period_end=period_end, **{**defaults, **amounts}
        )

    previous = statement(
        m.atelier, date(2026, 11, 16), paris(2026, 11, 23), sales=Decimal("12.50"), commission=Decimal("1.00"),
        carried_out=Decimal("11.50"), orders_count=1,
    )
    this_week = statement(
        m.atelier, date(2026, 11, 23), paris(2026, 11, 30), orders_count=2, carried_in=Decimal("11.50"),
        sales=Decimal("75.00"), refunds=Decimal("10.00"), commission=Decimal("6.00"),
        commission_returned=Decimal("0.80"), transfer_fee=Decimal("0.18"), payout_amount=Decimal("71.12"),
    )
    epicerie_week = statement(
        m.epicerie, date(2026, 11, 23), paris(2026, 11, 30), sales=Decimal("8.30"), commission=Decimal("0.66"),
        carried_out=Decimal("7.64"), orders_count=1,
    )
    mail.outbox.clear()
    return {
        "orders": (order_a, order_b, order_c, order_d, order_e), "previous": previous,
        "statement": this_week, "epicerie": epicerie_week,
    }


def not_found(response) -> bool:
    """A 404, possibly after LocaleMiddleware's redirect of an unknown path to its /fr/ twin (a 404 too)."""
    hops = [target for target, _status in response.redirect_chain]
    return response.status_code == 404 and all(target.startswith("/fr/admin/rapports/") for target in hops)


def voucher_code(order):
    return order.shop_orders.get().lines.get().vouchers.get().display_code


# Movements ------------------------------------------------------------------------------------


def test_the_statement_counts_the_weeks_sales_and_refunds_only(week):
    # Given the atelier's statement of the week of 23 November
    _a, order_b, order_c, _d, _e = week["orders"]
    # When its movements are read from the ledger
    movements = reports.statement_movements(week["statement"])
    # Then they are B's sale, C's sale and B's refund; A (Sunday 23:59:59) and D (Monday 00:00) are not there
    assert [(m.kind, m.shop_order.order_id, m.amount, m.commission, m.net) for m in movements] == [
        ("sale", order_b.pk, Decimal("25.00"), Decimal("-2.00"), Decimal("23.00")),
        ("sale", order_c.pk, Decimal("50.00"), Decimal("-4.00"), Decimal("46.00")),
        ("refund", order_b.pk, Decimal("-10.00"), Decimal("0.80"), Decimal("-9.20")),
    ]
    # And they add up to the statement's figures
    totals = reports.movement_totals(movements)
    statement = week["statement"]
    assert totals.amount == statement.sales - statement.refunds == Decimal("65.00")
    assert totals.commission == statement.commission_returned - statement.commission == Decimal("-5.20")
    assert statement.balance - statement.transfer_fee == statement.payout_amount == Decimal("71.12")


def test_a_shops_first_statement_counts_from_its_first_sale(week):
    # The previous statement has no predecessor: it counts order A, and nothing after its end
    movements = reports.statement_movements(week["previous"])
    assert [(m.shop_order.order_id, m.amount) for m in movements] == [(week["orders"][0].pk, Decimal("12.50"))]


# The e-mail ----------------------------------------------------------------------------------


def test_the_weekly_report_in_french(week):
    # Given the atelier's statement
    statement = week["statement"]
    _a, order_b, order_c, order_d, order_e = week["orders"]
    # When the report task runs
    assert reports.send_weekly_report(statement.pk) is True
    # Then the atelier gets one e-mail, in French
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["atelier@example.org"]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == (
        "Atelier du Bois Flotté : votre relevé de la semaine du 23 novembre 2026 au 29 novembre 2026"
    )
    text, html = message.body, message.alternatives[0][0]
    # With the week's figures
    for line in (
        "Report de la semaine précédente : 11,50\xa0€",
        "Ventes : 75,00\xa0€",
        "Remboursements : 10,00\xa0€",
        "Commission : 6,00\xa0€",
        "Commission restituée : 0,80\xa0€",
        "Frais de virement TTC : 0,18\xa0€",
        "Net versé : 71,12\xa0€",
    ):
        assert line in text
    assert "Reporté à la semaine suivante" not in text
    # Its orders, the refund, and not the orders of other weeks or shops
    assert "Commandes de la semaine (2) :" in text
    assert f"- n° {order_b.number}, 24/11/2026 10:00, Alice Le Goff : 25,00\xa0€ (commission -2,00\xa0€)" in text
    assert f"- n° {order_c.number}, 26/11/2026 15:30, Bruno Kerhervé : 50,00\xa0€ (commission -4,00\xa0€)" in text
    assert f"- n° {order_b.number}, 27/11/2026 09:00 : -10,00\xa0€ (commission restituée 0,80\xa0€)" in text
    for other in (week["orders"][0], order_d, order_e):
        assert f"n° {other.number}" not in text and f"n° {other.number}" not in html
    # The voucher sold, with its code and holder
    code = voucher_code(order_c)
    assert f"- {code} : Bon cadeau Atelier, 50,00\xa0€, pour Marie Tanguy" in text
    assert code in html and "pour Marie Tanguy" in html
    # And absolute links to the PDF and the CSV in the admin
    pdf_url = f"http://testserver/admin/rapports/releves/{statement.pk}/pdf/"
    csv_url = f"http://testserver/admin/rapports/releves/{statement.pk}/csv/"
    assert f"Relevé (PDF) : {pdf_url}" in text and f"Détail des mouvements (CSV) : {csv_url}" in text
    assert f'href="{pdf_url}"' in html and f'href="{csv_url}"' in html
    assert "71,12\xa0€" in html
    statement.refresh_from_db()
    assert statement.report_sent_at is not None


def test_the_weekly_report_in_english(week):
    # Given a merchant who reads English, and a week whose balance is carried over
    statement = week["epicerie"]
    WeeklyStatement.objects.filter(pk=statement.pk).update(merchant_language="en")
    order_e = week["orders"][4]
    # When the report task runs
    assert reports.send_weekly_report(statement.pk) is True
    # Then the e-mail is in English (labels from the English catalogue, amounts written the English way)
    (message,) = mail.outbox
    assert message.to == ["epicerie@example.org"]
    assert message.extra_headers["Content-Language"] == "en"
    text, html = message.body, message.alternatives[0][0]
    with translation.override("en"):
        subject = gettext("%(shop)s : votre relevé de la semaine du %(start)s au %(end)s") % {
            "shop": "Épicerie Kerjean", "start": "23 November 2026", "end": "29 November 2026"
        }
        lines = [
            f"{gettext('Ventes')} : €8.30",
            f"{gettext('Commission')} : €0.66",
            f"{gettext('Frais de virement TTC')} : €0.00",
            f"{gettext('Reporté à la semaine suivante')} : €7.64",
            f"- {gettext('n° %(number)s') % {'number': order_e.number}}, 25/11/2026 12:00, Alice Le Goff : €8.30",
        ]
        paid_label = gettext("Net versé")
    assert message.subject == subject
    for line in lines:
        assert line in text
    assert f"{paid_label} :" not in text
    assert "8,30" not in text and "8,30" not in html
    assert f"http://testserver/admin/rapports/releves/{statement.pk}/pdf/" in text
    assert "€7.64" in html
    # And the active language is unchanged afterwards
    assert translation.get_language() == "fr"


def test_a_replayed_report_sends_nothing_twice(week):
    # Given a report already sent
    statement = week["statement"]
    assert reports.send_weekly_report(statement.pk) is True
    sent_at = WeeklyStatement.objects.get(pk=statement.pk).report_sent_at
    # When the task runs again (a retry, a second cluster)
    assert reports.send_weekly_report(statement.pk) is False
    # Then nothing more is sent and the claim is unchanged
    assert len(mail.outbox) == 1
    assert WeeklyStatement.objects.get(pk=statement.pk).report_sent_at == sent_at


def test_a_failed_send_is_retried(week, monkeypatch):
    # Given an SMTP server down for the first attempt
    statement = week["statement"]

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(reports, "send_templated_email", down)
    with pytest.raises(ConnectionRefusedError):
        reports.send_weekly_report(statement.pk)
    # Then the claim was rolled back
    assert WeeklyStatement.objects.get(pk=statement.pk).report_sent_at is None
    # And the retry sends it
    monkeypatch.undo()
    assert reports.send_weekly_report(statement.pk) is True
    assert len(mail.outbox) == 1


def test_no_report_without_an_address_or_for_an_unknown_statement(week):
    statement = week["statement"]
    WeeklyStatement.objects.filter(pk=statement.pk).update(merchant_email="")
    assert reports.send_weekly_report(statement.pk) is False
    assert reports.send_weekly_report(999_999) is False
    assert mail.outbox == []
    assert WeeklyStatement.objects.get(pk=statement.pk).report_sent_at is None


# CSV and PDF ---------------------------------------------------------------------------------


def test_the_statement_csv_has_one_row_per_movement_and_a_total(week, atelier_merchant):
    # Given the atelier's merchant
    statement = week["statement"]
    _a, order_b, order_c, _d, _e = week["orders"]
    # When they download the CSV
    response = client_for(atelier_merchant).get(reverse("statement_csv", kwargs={"pk": statement.pk}))
    # Then it is the week's movements and their total, to the cent
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="releve-atelier-du-bois-flotte-2026-11-23.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Date", "Nature", "Commande n°", "Client", "Montant TTC", "Commission", "Net"],
        ["24/11/2026 10:00", "Vente", order_b.number, "Alice Le Goff", "25,00", "-2,00", "23,00"],
        ["26/11/2026 15:30", "Vente", order_c.number, "Bruno Kerhervé", "50,00", "-4,00", "46,00"],
        ["27/11/2026 09:00", "Remboursement", order_b.number, "Alice Le Goff", "-10,00", "0,80", "-9,20"],
        ["", "Total", "", "", "65,00", "-5,20", "59,80"],
    ]


def test_a_customer_name_cannot_become_a_spreadsheet_formula(week, atelier_merchant):
    # Given a customer who typed a formula as their name
    order_b = week["orders"][1]
    Order.objects.filter(pk=order_b.pk).update(customer_name='=HYPERLINK("http://evil.example","x")')
    # When the merchant downloads the CSV
    response = client_for(atelier_merchant).get(reverse("statement_csv", kwargs={"pk": week["statement"].pk}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # Then the name is text, while negative amounts stay numbers
    assert rows[1][3] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[3][3:] == ['\'=HYPERLINK("http://evil.example","x")', "-10,00", "0,80", "-9,20"]


def test_the_statement_pdf_shows_the_net_paid(week, atelier_merchant):
    statement = week["statement"]
    response = client_for(atelier_merchant).get(reverse("statement_pdf", kwargs={"pk": statement.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Net versé" in text
    assert "71,12" in text
    assert "Atelier du Bois Flotté" in text and "Marie Tanguy" in text
    assert "59,80" in text  # the movements' total


def test_a_merchant_cannot_download_another_merchants_statement(week, atelier_merchant, epicerie_merchant):
    # Given the épicerie's merchant and the atelier's statement
    statement = week["statement"]
    client = client_for(epicerie_merchant)
    # When they ask for its CSV or PDF by id
    for name in ("statement_csv", "statement_pdf"):
        response = client.get(reverse(name, kwargs={"pk": statement.pk}), follow=True)
        # Then it does not exist for them
        assert not_found(response)
        assert b"Alice" not in response.content
    # While their own statement downloads, and an unknown id is 404 too
    assert client.get(reverse("statement_csv", kwargs={"pk": week["epicerie"].pk})).status_code == 200
    assert not_found(client.get(reverse("statement_csv", kwargs={"pk": 999_999}), follow=True))


def test_editors_download_their_territorys_statements_only(week, other_market):
    statement = week["statement"]
    morlaix_editor = User.objects.create_user("editrice-morlaix")
    brest_editor = User.objects.create_user("editeur-brest")
    make_editor(morlaix_editor, week["statement"].territory)
    brest_shop, _product = other_market
    make_editor(brest_editor, Territory.objects.get(name="Pays de Brest"))
    url = reverse("statement_csv", kwargs={"pk": statement.pk})
    assert client_for(morlaix_editor).get(url).status_code == 200
    assert not_found(client_for(brest_editor).get(url, follow=True))
    # A merchant of the Brest shop neither
    assert not_found(client_for(merchant_of(brest_shop, "brest")).get(url, follow=True))


def test_anonymous_visitors_are_sent_to_the_login_page(week, client):
    response = client.get(reverse("statement_pdf", kwargs={"pk": week["statement"].pk}))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
