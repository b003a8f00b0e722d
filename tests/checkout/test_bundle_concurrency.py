"""Races for the stock a bundle takes: its participant's product, and the bundle's own. PostgreSQL only.

The atelier provides a lantern with each bundle of the épicerie, and sells
it on its own too; buyers of both race in their own threads and
connections. Whatever the order they come in, no more lanterns are sold
than the atelier had, nor more bundles than the épicerie offered, and
every order placed can be paid.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from checkout.models import Order, OrderStatus, Voucher
from checkout.pricing import BasketLine
from checkout.services import Confirmation, OutOfStock, confirm_payment, place_order
from portal.money import to_cents
from tests.checkout.helpers import Customer, fake_payment, one_product_order, stock
from tests.checkout.races import POSTGRES_RACES, in_own_connection
from tests.fixtures import factories as f

pytestmark = POSTGRES_RACES

BUYERS = 16  # half for the bundle, half for the lantern alone


@pytest.fixture
def lantern(market):
    return f.make_product(market.atelier, "Lanterne en bois flotté", price="24.00", stock=3)


def bundle_of(market, lantern, stock=None):
    return f.make_bundle(
        market.epicerie, "Coffret Lumière", price="40.00", stock=stock,
        parts=[{"participant": market.atelier, "share_amount": Decimal("20.00"), "vat_rate": "20.00",
                "description": "Une lanterne", "product": lantern}],
    )


def race(market, bundle, lantern) -> dict:
    """Every buyer at once, half of them for the bundle; returns {"bundle": [order ids], "lantern": [...]}."""
    barrier = threading.Barrier(BUYERS)

    @in_own_connection
    def buy(n):
        customer = Customer(f"Client {n}", f"client{n}@example.org")
        what = "bundle" if n % 2 else "lantern"
        barrier.wait(timeout=10)
        try:
            if what == "bundle":
                order = place_order(market.territory.pk, [BasketLine(bundle.pk, 1)], {}, customer)
            else:
                order = one_product_order(market, lantern, 1, customer)
        except OutOfStock as error:
            return what, None, error.product_name
        return what, order.pk, None

    with ThreadPoolExecutor(BUYERS) as pool:
        results = list(pool.map(buy, range(BUYERS)))
    placed = {"bundle": [], "lantern": []}
    for what, order_id, _refusal in results:
        if order_id is not None:
            placed[what].append(order_id)
    # a refused buyer is told what ran out as they asked for it: the bundle, not the lantern inside it
    refusals = {(what, refusal) for what, _pk, refusal in results if refusal is not None}
    assert refusals <= {("bundle", "Coffret Lumière"), ("lantern", "Lanterne en bois flotté")}
    return placed


def pay_all():
    for order in Order.objects.all():
        payment = fake_payment(order)
        assert confirm_payment(payment.provider_id, to_cents(order.total), "eur") == Confirmation.CONFIRMED
    return Order.objects.filter(status=OrderStatus.PAID).count()


def test_bundle_and_lantern_buyers_share_the_last_three_lanterns(market, lantern):
    # given 3 lanterns, and bundles without a limit of their own
    bundle = bundle_of(market, lantern)

    placed = race(market, bundle, lantern)

    # then exactly 3 lanterns went, through bundles or alone, and nobody holds one that is not there
    assert len(placed["bundle"]) + len(placed["lantern"]) == 3
    assert Order.objects.count() == 3
    assert stock(lantern) == (0, 0)
    assert stock(bundle) == (None, 0)
    assert pay_all() == 3
    assert stock(lantern) == (0, 3)
    assert stock(bundle) == (None, len(placed["bundle"]))
    # each bundle paid gave the atelier one voucher for its part
    assert Voucher.objects.filter(shop=market.atelier, kind="bundle").count() == len(placed["bundle"])


def test_the_bundles_own_stock_is_never_oversold_either(market, lantern):
    # given 2 bundles on offer and 3 lanterns
    bundle = bundle_of(market, lantern, stock=2)

    placed = race(market, bundle, lantern)

    # then at most 2 bundles, and the lanterns, 3 in all, are all sold (8 buyers want one alone)
    bundles = len(placed["bundle"])
    assert bundles <= 2
    assert bundles + len(placed["lantern"]) == 3
    assert stock(bundle) == (2 - bundles, 0)
    assert stock(lantern) == (0, 0)
    assert pay_all() == 3
    assert (stock(bundle), stock(lantern)) == ((2 - bundles, bundles), (0, 3))
    assert Order.objects.filter(status=OrderStatus.PAID, bundle_sales__isnull=False).count() == bundles
