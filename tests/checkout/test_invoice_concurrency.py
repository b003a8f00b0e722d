"""Invoice numbers under concurrent payments: PostgreSQL only.

Each payment runs in its own thread with its own database connection,
closed at the end. SQLite serialises writers on the whole file, so the
race cannot happen there and these tests would prove nothing.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction

from checkout.billing import invoices
from checkout.models import Invoice, InvoiceKind, InvoiceSequence
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Confirmation, place_order
from shops.models import DeliveryKind
from tests.checkout.helpers import Customer
from tests.checkout.invoice_fixtures import PAID_AT, pay_at
from tests.checkout.races import POSTGRES_RACES, in_own_connection
from tests.fixtures import factories as f

pytestmark = POSTGRES_RACES

PAYERS = 12


@pytest.fixture
def unlimited(market):
    """One product without stock limit in each shop, so that every payer gets what they pay for."""
    return (
        f.make_product(market.atelier, "Étoile en paille", price="3.00", stock=None),
        f.make_product(market.epicerie, "Pain d'épices", price="6.40", stock=None),
    )


def order_for(market, n, products):
    pickup = {
        shop.pk: DeliveryChoice(market.option(shop, DeliveryKind.PICKUP).pk) for shop in (market.atelier, market.epicerie)
    }
    shops = {product.get_parent().pk for product in products}
    return place_order(
        market.territory.pk,
        [BasketLine(product.pk, 1) for product in products],
        {pk: choice for pk, choice in pickup.items() if pk in shops},
        Customer(f"Client {n}", f"client{n}@example.org"),
    )


def numbers(shop):
    return sorted(
        Invoice.objects.filter(kind=InvoiceKind.SALE, shop__translation_key=shop.translation_key).values_list(
            "sequence_number", flat=True
        )
    )


def test_without_the_lock_every_payer_takes_the_same_number(market):
    """Read-then-write, the way not to do it: all payers read 0 and all take number 1."""
    sequence = InvoiceSequence.objects.create(key="shop:naive", prefix="N")
    barrier = threading.Barrier(PAYERS)

    @in_own_connection
    def naive_next_number(_):
        with transaction.atomic():
            row = InvoiceSequence.objects.get(pk=sequence.pk)
            barrier.wait(timeout=10)
            row.last_number += 1
            row.save(update_fields=["last_number"])
            return row.last_number

    with ThreadPoolExecutor(PAYERS) as pool:
        taken = list(pool.map(naive_next_number, range(PAYERS)))
    assert taken == [1] * PAYERS
    sequence.refresh_from_db()
    assert sequence.last_number == 1


def test_concurrent_payments_of_one_merchant_are_numbered_without_gap(market, unlimited):
    star, _gingerbread = unlimited
    orders = [order_for(market, n, [star]) for n in range(PAYERS)]
    barrier = threading.Barrier(PAYERS)

    @in_own_connection
    def pay(order):
        barrier.wait(timeout=10)
        return pay_at(order)

    with ThreadPoolExecutor(PAYERS) as pool:
        results = list(pool.map(pay, orders))

    assert results == [Confirmation.CONFIRMED] * PAYERS
    assert numbers(market.atelier) == list(range(1, PAYERS + 1))
    # the merchant's sequence was created once, by whichever payment came first
    sequence = InvoiceSequence.objects.get(key=f"shop:{market.atelier.translation_key.hex}")
    assert sequence.last_number == PAYERS
    assert InvoiceSequence.objects.count() == 1


def crossed_invoicing(orders, invoice_one):
    """Two payments, each invoicing its shop orders in turn; each waits (a while) for the other's first invoice.

    Returns what each raised, or None.
    """
    first_done = [threading.Event(), threading.Event()]

    @in_own_connection
    def pay(index):
        try:
            with transaction.atomic():
                shop_orders = list(orders[index].shop_orders.order_by("pk"))
                invoice_one(shop_orders[0])
                first_done[index].set()
                first_done[1 - index].wait(timeout=2)
                invoice_one(shop_orders[1])
        except Exception as error:
            return error
        return None

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(pay, range(2)))


def test_locking_each_merchants_sequence_in_turn_deadlocks(market, unlimited):
    """The way not to do it: A then B against B then A."""
    star, gingerbread = unlimited
    orders = [order_for(market, 0, [star, gingerbread]), order_for(market, 1, [gingerbread, star])]

    def lock_own_sequence_only(shop_order):
        key, prefix = invoices._shop_sequence(shop_order)
        invoices._lock_sequences({key: prefix})

    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(key=key, prefix=prefix) for key, prefix in
         dict(invoices._shop_sequence(so) for so in orders[0].shop_orders.all()).items()]
    )
    errors = crossed_invoicing(orders, lock_own_sequence_only)
    assert sorted(type(error).__name__ for error in errors if error) == ["OperationalError"]
    assert "deadlock" in str(next(error for error in errors if error))


def test_invoicing_crossed_orders_locks_all_their_sequences_first(market, unlimited):
    star, gingerbread = unlimited
    orders = [order_for(market, 0, [star, gingerbread]), order_for(market, 1, [gingerbread, star])]
    errors = crossed_invoicing(orders, lambda shop_order: invoices.issue_sale_invoice(shop_order, PAID_AT))
    assert errors == [None, None]
    assert numbers(market.atelier) == [1, 2]
    assert numbers(market.epicerie) == [1, 2]


def test_orders_over_two_shops_in_opposite_orders_do_not_deadlock(market, unlimited):
    star, gingerbread = unlimited
    # half the baskets list the atelier first, half the épicerie: their shop orders come in opposite orders
    orders = [order_for(market, n, [star, gingerbread] if n % 2 else [gingerbread, star]) for n in range(PAYERS)]
    barrier = threading.Barrier(PAYERS)

    @in_own_connection
    def pay(order):
        barrier.wait(timeout=10)
        return pay_at(order)

    with ThreadPoolExecutor(PAYERS) as pool:
        results = list(pool.map(pay, orders))

    assert results == [Confirmation.CONFIRMED] * PAYERS
    assert numbers(market.atelier) == list(range(1, PAYERS + 1))
    assert numbers(market.epicerie) == list(range(1, PAYERS + 1))
