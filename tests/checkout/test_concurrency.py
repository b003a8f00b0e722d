"""Races that need real row locks: PostgreSQL only.

Each buyer runs in its own thread with its own database connection, closed
at the end. SQLite serialises writers on the whole file, so these races
cannot happen there and the tests would prove nothing.
"""

import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction
from django.test import Client

from checkout.models import LedgerEntry, Order, OrderStatus, WebhookEvent
from checkout.payments import gateway
from checkout.services import Confirmation, OutOfStock, confirm_payment
from shops.models import ProductStock
from tests.checkout.conftest import WEBHOOK_SECRET
from tests.checkout.helpers import Customer, fake_payment, one_product_order, stock
from tests.checkout.races import POSTGRES_RACES, in_own_connection

pytestmark = POSTGRES_RACES

BUYERS = 20


def test_without_the_conditional_update_the_race_oversells(market):
    """Check-then-act, the way not to do it: every buyer sees 5 left, and 20 sell."""
    m = market
    barrier = threading.Barrier(BUYERS)

    @in_own_connection
    def naive_buy(_):
        row = ProductStock.objects.get(translation_key=m.santon.translation_key)
        barrier.wait(timeout=10)
        if row.quantity >= 1:
            row.quantity -= 1
            row.save(update_fields=["quantity"])
            return True
        return False

    with ThreadPoolExecutor(BUYERS) as pool:
        sales = sum(pool.map(naive_buy, range(BUYERS)))
    assert sales == BUYERS  # 20 sold for 5 in stock
    assert stock(m.santon) == (4, 0)


def test_twenty_buyers_for_the_last_five(market):
    m = market
    barrier = threading.Barrier(BUYERS)

    @in_own_connection
    def buy(n):
        barrier.wait(timeout=10)
        try:
            return one_product_order(m, m.santon, 1, Customer(f"Client {n}", f"client{n}@example.org")).pk
        except OutOfStock:
            return None

    with ThreadPoolExecutor(BUYERS) as pool:
        placed = [pk for pk in pool.map(buy, range(BUYERS)) if pk is not None]

    assert len(placed) == 5
    assert Order.objects.count() == 5
    assert stock(m.santon) == (0, 0)
    # and every placed order can be paid, with nobody paying for a missing item
    for order in Order.objects.all():
        fake_payment(order)
        assert confirm_payment(f"pi_test_{order.pk}", 1250, "eur") == Confirmation.CONFIRMED
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 5
    assert stock(m.santon) == (0, 5)


def test_return_page_and_webhook_together_confirm_once(market, mailoutbox):
    m = market
    order = one_product_order(m, m.santon, 2)
    payment = fake_payment(order)
    barrier = threading.Barrier(2)

    @in_own_connection
    def confirm(_):
        barrier.wait(timeout=10)
        return confirm_payment(payment.provider_id, 2500, "eur")

    with ThreadPoolExecutor(2) as pool:
        results = sorted(r.value for r in pool.map(confirm, range(2)))

    assert results == [Confirmation.ALREADY_PAID.value, Confirmation.CONFIRMED.value]
    assert LedgerEntry.objects.count() == 2
    assert stock(m.santon) == (3, 2)
    assert sorted(message.to[0] for message in mailoutbox) == ["alice@example.org", "atelier@example.org"]


def signed(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), b"%d.%s" % (timestamp, body), hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={mac}"


@pytest.mark.urls("tests.checkout.urls")
def test_lock_timeout_answers_503_and_the_retry_is_processed(market, settings, monkeypatch):
    # given the order row is locked by a slow transaction, and Stripe has the intent paid
    m = market
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.CHECKOUT_LOCK_TIMEOUT_MS = 200
    order = one_product_order(m, m.santon, 1)
    payment = fake_payment(order)
    monkeypatch.setattr(
        gateway, "retrieve_payment_intent",
        lambda intent_id: gateway.PaymentIntentInfo(intent_id, "succeeded", 1250, "eur"),
    )
    body, signature = signed(
        {
            "id": "evt_locked",
            "type": "payment_intent.succeeded",
            "data": {"object": {"object": "payment_intent", "id": payment.provider_id, "amount": 1250, "currency": "eur"}},
        }
    )
    locked, release = threading.Event(), threading.Event()

    @in_own_connection
    def hold_lock():
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            locked.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(timeout=10)
    try:
        # when the webhook arrives meanwhile
        response = Client().post(
            "/checkout/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
    finally:
        release.set()
        holder.join()
    # then Stripe is told to retry, and nothing was recorded
    assert response.status_code == 503
    assert WebhookEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # when Stripe retries
    retry = Client().post(
        "/checkout/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert retry.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert WebhookEvent.objects.count() == 1
