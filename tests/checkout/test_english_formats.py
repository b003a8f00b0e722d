"""An English customer and an English merchant read `€8.90` and `27 November 2027`, never `8.90 €` or `11/27/2027`.

The confirmation e-mail, the printable voucher and the invoice are written
in the order's language by `portal.money` / `portal.dates`; the admin's
order list in the merchant's language, with day-first dates.
"""

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.core import mail
from django.utils import timezone
from wagtail.users.models import UserProfile

from checkout.billing.invoice_pdf import render_invoice_pdf
from checkout.models import Order, Voucher
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order
from checkout.vouchers.pdf import render_voucher_pdf
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment, two_shop_order
from tests.checkout.invoice_fixtures import pay_at, sale_invoice
from tests.checkout.voucher_fixtures import client_for, merchant_of
from tests.fixtures import factories as f

NBSP = "\xa0"
# A number then a space and the euro sign ("8.90 €", "8,90 €"): the hand-made rendering this replaces.
EURO_AFTER_NUMBER = re.compile(r"\d[ \xa0\u202f]?€")
# A month written before its day: "November 27", "Nov. 27", "11/27/".
MONTH_FIRST = re.compile(r"\b(?:Nov(?:ember|\.)?|Dec(?:ember|\.)?) \d{1,2}\b|\b1[0-2]/(?:1[3-9]|2\d|3[01])/\d{2,4}\b")


def next_27_november() -> datetime.date:
    """The next 27 November still ahead, so the voucher can be sold whatever day the suite runs."""
    today = timezone.localdate()
    day = datetime.date(today.year, 11, 27)
    return day if day > today else datetime.date(today.year + 1, 11, 27)


@pytest.fixture
def cidrerie(market):
    """A shop delivering at home for 8.90, its cider (6.50) and a 25.00 gift voucher valid until the next 27 November."""
    shop = f.make_shop(market.market, "Cidrerie de Plougasnou", delivery_options=[f.home_delivery(fee="8.90")])
    cidre = f.make_product(shop, "Cidre fermier", price="6.50", stock=10)
    gift = f.make_product(
        shop, "Bon cadeau Cidrerie", price="25.00", kind="voucher", stock=None, valid_until=next_27_november()
    )
    return shop, cidre, gift


def paid_order(market, cidrerie, language, capture) -> Order:
    shop, cidre, gift = cidrerie
    deliveries = {
        shop.pk: DeliveryChoice(shop.delivery_options.get(kind=DeliveryKind.HOME).pk, "2 place des Otages\n29600 Morlaix")
    }
    order = place_order(market.territory.pk, [BasketLine(cidre.pk, 1), BasketLine(gift.pk, 1)], deliveries, ALICE,
                        language)
    fake_payment(order)
    mail.outbox.clear()
    with capture(execute=True):
        confirm_payment(f"pi_test_{order.pk}", to_cents(order.total), "eur")
    order.refresh_from_db()
    return order


def confirmation(order):
    [message] = [m for m in mail.outbox if m.to == [ALICE.email] and order.number in m.subject]
    return message.body, message.alternatives[0][0]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_english_confirmation_writes_euros_before_the_amount_and_the_day_first(
    market, cidrerie, django_capture_on_commit_callbacks
):
    # given an English customer's order: cider 6.50 + voucher 25.00 + home delivery 8.90
    order = paid_order(market, cidrerie, "en", django_capture_on_commit_callbacks)
    assert order.total == Decimal("40.40")
    year = next_27_november().year
    # when the confirmation is sent
    text, html = confirmation(order)
    # then every amount is written the English way, and the voucher's date day first
    lines = [line.strip() for line in text.splitlines()]
    for expected in (
        f"Thank you for your order no. {order.number}. We have received your payment of €40.40.",
        "Total : €40.40",
        "Total paid : €40.40",
        f"Valid until 27 November {year}",
    ):
        assert expected in lines, expected
    # (the names of the products and of the delivery are another matter: only their amounts are read here)
    for ending in (" : €6.50", " : €25.00", " (€8.90)", " (€25.00)"):
        assert len([line for line in lines if line.endswith(ending)]) == 1, ending
    assert re.search(r"<p>Delivery : [^<\n]+ \(€8\.90\)\n", html)
    assert f'<p style="margin:0 0 4px">Valid until 27 November {year}</p>' in html
    for part in (text, html):
        assert "€8.90" in part and "€25.00" in part
        assert f"27 November {year}" in part
        # and nothing is written the old way
        assert EURO_AFTER_NUMBER.search(part) is None, EURO_AFTER_NUMBER.search(part)
        assert MONTH_FIRST.search(part) is None, MONTH_FIRST.search(part)
        assert "8.90 €" not in part and f"27/11/{year}" not in part


def test_the_french_confirmation_writes_the_amount_then_euros(market, cidrerie, django_capture_on_commit_callbacks):
    # given the same order in French
    order = paid_order(market, cidrerie, "fr", django_capture_on_commit_callbacks)
    year = next_27_november().year
    # when the confirmation is sent
    text, html = confirmation(order)
    # then amounts are "8,90 €" with a no-break space, and the date in words
    assert f"Nous avons bien reçu votre paiement de 40,40{NBSP}€." in text
    for part in (text, html):
        assert f"(8,90{NBSP}€)" in part
        assert f"25,00{NBSP}€" in part
        assert f"Valable jusqu'au 27 novembre {year}" in part.replace("&#x27;", "'")
        assert "€8.90" not in part and "8.90" not in part


def test_the_english_voucher_pdf_says_euros_and_the_day_first(market, cidrerie, django_capture_on_commit_callbacks):
    # given an English customer's paid voucher
    order = paid_order(market, cidrerie, "en", django_capture_on_commit_callbacks)
    voucher = Voucher.objects.get(order_line__shop_order__order=order)
    assert voucher.language == "en"
    # when its PDF is printed
    text = " ".join(pdf_text(render_voucher_pdf(voucher)).split())
    # then it reads in English money and dates
    assert "€25.00" in text
    assert f"Valid until 27 November {next_27_november().year}" in text
    assert "25,00" not in text and "€ " not in text


def test_an_english_invoice_pdf_says_euros_and_the_day_first(market):
    # given an English customer's order paid on 10 December 2025 (atelier 25.00, épicerie 8.30 + 5.00 delivery)
    order = two_shop_order(market, language="en")
    pay_at(order)
    atelier, epicerie = (sale_invoice(so) for so in order.shop_orders.order_by("pk"))
    # when the épicerie's invoice is printed
    text = " ".join(pdf_text(render_invoice_pdf(epicerie)).split())
    # then its date, mention and amounts are English
    assert "Date : 10 December 2025" in text
    assert epicerie.mentions[-1] == f"Paid by card on 10 December 2025 (order no. {order.number})."
    assert epicerie.mentions[-1] in text
    assert "Total incl. VAT €13.30" in text and "€5.00" in text
    assert "13,30" not in text and "10/12/2025" not in text and "12/10/2025" not in text
    assert "€25.00" in " ".join(pdf_text(render_invoice_pdf(atelier)).split())


def test_the_english_admin_lists_orders_with_day_first_dates(market, django_capture_on_commit_callbacks, cidrerie):
    # given an order placed at 07:09 (Paris) on 1 December 2026, and the cidrerie's merchant using the admin in English
    order = paid_order(market, cidrerie, "fr", django_capture_on_commit_callbacks)
    Order.objects.filter(pk=order.pk).update(created_at=datetime.datetime(2026, 12, 1, 6, 9, tzinfo=datetime.UTC))
    merchant = merchant_of(cidrerie[0], "cidrerie")
    profile = UserProfile.get_for_user(merchant)
    profile.preferred_language = "en"
    profile.save()
    # when they open their orders
    response = client_for(merchant).get("/admin/commandes/")
    # then the order's date is day first on a 24-hour clock, and its total in English
    assert response.status_code == 200
    html = response.content.decode()
    assert "01/12/2026 07:09" in html
    assert "12/01/2026" not in html and "a.m." not in html
    assert "€40.40" in html
    # and a French merchant reads the same day, in French money
    profile.preferred_language = "fr"
    profile.save()
    french = client_for(merchant).get("/admin/commandes/").content.decode()
    assert "01/12/2026 07:09" in french and f"40,40{NBSP}€" in french
