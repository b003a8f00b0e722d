"""Orders paid and refunded at chosen instants, Paris time, for the statement tests."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def provider_refunds(monkeypatch):
    """The provider accepts every refund, without a network."""
    counter = iter(range(1, 10_000))
    monkeypatch.setattr(stripe_gateway, "refund", lambda payment_id, amount, **options: f"re_test_{next(counter)}")


def order_paid_at(m, shop, product, quantity, when, *, delivery=DeliveryKind.PICKUP):
    """An order of `quantity` × `product` from `shop`, paid at `when`; returns its shop order."""
    option = m.option(shop, delivery)
    address = "2 place des Otages\n29600 Morlaix" if delivery == DeliveryKind.HOME else ""
    order = place_order(
        m.territory.pk, [BasketLine(product.pk, quantity)], {shop.pk: DeliveryChoice(option.pk, address)}, ALICE
    )
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=when)
    return order.shop_orders.get()


def refund_at(shop_order, amount: str, when):
    """Needs the `provider_refunds` fixture."""
    return refund_shop_order(shop_order.pk, Decimal(amount), now=when)
