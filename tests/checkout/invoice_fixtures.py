"""Orders paid at a fixed time, refunds without a provider, statements made by hand: for the invoice tests."""

import datetime
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from checkout.models import Invoice, InvoiceKind, WeeklyStatement
from checkout.payments import gateway as stripe_gateway
from checkout.services import confirm_payment, refund_shop_order
from portal.money import to_cents
from tests.checkout.helpers import fake_payment

PARIS = ZoneInfo("Europe/Paris")
PAID_AT = datetime.datetime(2025, 12, 10, 15, 30, tzinfo=PARIS)
_refund_ids = itertools.count(1)


def pay_at(order, now=PAID_AT):
    payment = fake_payment(order)
    result = confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=now)
    order.refresh_from_db()
    return result


def sale_invoice(shop_order) -> Invoice:
    return Invoice.objects.get(kind=InvoiceKind.SALE, shop_order=shop_order)


def refund(monkeypatch, shop_order, amount: str, now=PAID_AT):
    """Refund through checkout.services, the provider answering yes."""
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, value, **options: f"re_test_{next(_refund_ids)}")
    return refund_shop_order(shop_order.pk, Decimal(amount), now=now)


def make_statement(shop, territory, *, week_start=datetime.date(2025, 12, 8), commission="0.00",
                   commission_returned="0.00", transfer_fee="0.00", language="fr") -> WeeklyStatement:
    """A statement as `checkout.billing.statements` would write it; only the fields an invoice reads matter here."""
    return WeeklyStatement.objects.create(
        shop=shop,
        territory=territory,
        week_start=week_start,
        period_end=datetime.datetime.combine(week_start + datetime.timedelta(days=7), datetime.time(), tzinfo=PARIS),
        trade_name=shop.title,
        legal_name=shop.legal_name,
        siret=shop.siret,
        vat_status=shop.vat_status,
        vat_number=shop.vat_number,
        merchant_email=shop.email,
        merchant_language=language,
        carried_in=Decimal("0.00"),
        sales=Decimal("100.00"),
        refunds=Decimal("0.00"),
        commission=Decimal(commission),
        commission_returned=Decimal(commission_returned),
        transfer_fee=Decimal(transfer_fee),
        payout_amount=Decimal("0.00"),
        carried_out=Decimal("0.00"),
    )
