"""Alice's account: a two-shop order and a gift voucher, paid at fixed times; Bob, another customer."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from checkout.models import FulfilmentStatus, Order, ShopOrder
from checkout.pricing import BasketLine
from checkout.services import Customer, place_order
from tests.checkout.helpers import ALICE, two_shop_order
from tests.checkout.invoice_fixtures import pay_at
from tests.checkout.voucher_fixtures import gift  # noqa: F401 (a fixture)

PASSWORD = "Sapin-de-Noel-2024"
BOB = Customer("Bob Kerouac", "bob@example.org", "07 00 00 00 01")
UTC = datetime.UTC
JOINED = datetime.datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
FIRST_AT = datetime.datetime(2025, 12, 10, 14, 0, tzinfo=UTC)
GIFT_AT = datetime.datetime(2025, 12, 11, 10, 0, tzinfo=UTC)
ADDRESS = "2 place des Otages\n29600 Morlaix"
BENEFICIARY = "Yann Le Goff"
MESSAGE = "Joyeux Noël !"


@dataclass
class Alice:
    user: User
    first: Order  # santons (pick-up at the atelier) + honey (home delivery to ADDRESS), 38.30
    gift_order: Order  # a 50.00 gift voucher for BENEFICIARY with MESSAGE


def gift_order(m, gift_product, customer=ALICE) -> Order:
    return place_order(
        m.territory.pk,
        [BasketLine(gift_product.pk, 1, beneficiary=BENEFICIARY, message=MESSAGE)],
        {},
        customer,
        "fr",
    )


def paid_at(order, at, *, handed_over: bool = True) -> Order:
    """`order` paid at `at`; handed over (delivered) unless told otherwise, as erasure waits for orders in progress."""
    pay_at(order, at)
    Order.objects.filter(pk=order.pk).update(created_at=at)
    if handed_over:
        ShopOrder.objects.filter(order=order).exclude(delivery_kind="").update(
            fulfilment_status=FulfilmentStatus.DELIVERED
        )
    order.refresh_from_db()
    return order


@pytest.fixture
def alice(market, gift) -> Alice:
    user = User.objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    User.objects.filter(pk=user.pk).update(date_joined=JOINED)
    user.refresh_from_db()
    first = paid_at(two_shop_order(market), FIRST_AT)
    voucher_order = paid_at(gift_order(market, gift), GIFT_AT)
    Order.objects.filter(pk__in=[first.pk, voucher_order.pk]).update(customer=user)
    first.refresh_from_db()
    voucher_order.refresh_from_db()
    return Alice(user, first, voucher_order)


@pytest.fixture
def bob(market):
    """Bob's account and his paid order of one santon."""
    from tests.checkout.helpers import one_product_order

    user = User.objects.create_user("bob@example.org", email="bob@example.org", password=PASSWORD)
    order = paid_at(one_product_order(market, market.santon, customer=BOB), FIRST_AT)
    Order.objects.filter(pk=order.pk).update(customer=user)
    order.refresh_from_db()
    return user, order
