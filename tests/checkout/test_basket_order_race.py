"""One basket submitted many times at once: one payable order, its stock held once. PostgreSQL only."""

import threading
from concurrent.futures import ThreadPoolExecutor

from checkout.models import Order, OrderStatus
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, place_order
from shops.models import DeliveryKind
from tests.checkout.helpers import stock
from tests.checkout.races import POSTGRES_RACES, in_own_connection

pytestmark = POSTGRES_RACES

CLICKS = 8


def test_eight_simultaneous_submissions_of_one_basket_make_one_order_holding_stock_once(market):
    m = market
    pickup = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}
    barrier = threading.Barrier(CLICKS)

    @in_own_connection
    def submit(_):
        barrier.wait(timeout=10)
        return place_order(
            m.territory.pk, [BasketLine(m.santon.pk, 2)], pickup, Customer("Alice", "alice@example.org"),
            basket_key="one-basket",
        ).pk

    with ThreadPoolExecutor(CLICKS) as pool:
        order_ids = set(pool.map(submit, range(CLICKS)))

    assert len(order_ids) == 1
    assert list(Order.objects.values_list("status", flat=True)) == [OrderStatus.PENDING]
    assert stock(m.santon) == (3, 0)


def test_without_the_basket_key_the_same_submissions_hold_the_stock_twice(market):
    """What the key prevents: two orders, each holding two santons."""
    m = market
    pickup = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}
    for _ in range(2):
        place_order(m.territory.pk, [BasketLine(m.santon.pk, 2)], pickup, Customer("Alice", "alice@example.org"))
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 2
    assert stock(m.santon) == (1, 0)
