"""Payments against a real localstripe: intents, cards, signed webhooks, refunds."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from checkout.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    WebhookEvent,
)
from checkout.services import (
    Confirmation,
    RefundRefused,
    expire_unpaid_orders,
    refund_shop_order,
    start_payment,
    sync_payment,
)
from tests.checkout.helpers import stock, two_shop_order

pytestmark = pytest.mark.urls("tests.checkout.urls")

WEBHOOK_URL = "/checkout/webhooks/stripe/"
DECLINED = "4000000000000341"  # localstripe declines this one when charging (4000000000000002 only on attach)
NEEDS_3DS = "4000002500003155"


def post_webhook(client, body, signature):
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def paid_order(m, stripe, client, capture):
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with capture(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    order.refresh_from_db()
    return order, payment


def test_happy_path_two_shops(market, stripe, client, django_capture_on_commit_callbacks):
    # given an order of 38.30 from two shops and its PaymentIntent
    m = market
    order = two_shop_order(m)
    client_secret = start_payment(order)
    payment = order.payments.get()
    assert client_secret.startswith(payment.provider_id + "_secret_")
    assert stripe.intent(payment.provider_id)["amount"] == 3830
    assert stripe.intent(payment.provider_id)["metadata"] == {"order": str(order.pk)}
    # when the customer pays with the test card and Stripe sends its signed webhook
    assert stripe.pay(payment.provider_id) == "succeeded"
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, body, signature)
    # then the order is paid, stock sold, the ledger written, everybody told
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock(m.santon) == (3, 2)
    assert stock(m.miel) == (2, 1)
    assert LedgerEntry.objects.filter(kind=LedgerKind.SALE).count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "atelier@example.org",
        "epicerie@example.org",
    ]


def test_start_payment_twice_reuses_the_intent(market, stripe):
    order = two_shop_order(market)
    first = start_payment(order)
    second = start_payment(order)
    assert first == second
    assert Payment.objects.count() == 1


def test_webhook_delivered_twice_has_one_effect(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order, payment = paid_order(m, stripe, client, django_capture_on_commit_callbacks)
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    # when Stripe delivers the same event again
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(client, body, signature)
    # then it is acknowledged and nothing happens
    assert response.status_code == 200
    assert callbacks == []
    assert WebhookEvent.objects.count() == 1
    assert LedgerEntry.objects.count() == 4
    assert stock(m.santon) == (3, 2)
    assert len(mail.outbox) == 3


def test_return_page_then_webhook_confirm_once(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    stripe.pay(payment.provider_id)
    # when the return page asks Stripe first
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_payment(payment.provider_id) == Confirmation.CONFIRMED
    # and the webhook arrives after
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    # then one effect
    assert LedgerEntry.objects.count() == 4
    assert stock(m.santon) == (3, 2)
    assert len(mail.outbox) == 3


def test_bad_signature_400_and_nothing_changes(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    stripe.pay(payment.provider_id)
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    tampered = body.replace(b'"amount": 3830', b'"amount": 3831')
    forged = signature.replace("v1=", "v1=0")
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            post_webhook(client, body, forged),
            post_webhook(client, tampered, signature),
            post_webhook(client, body, ""),
            client.post(WEBHOOK_URL, data=body, content_type="application/json"),
        ]
    assert [r.status_code for r in responses] == [400, 400, 400, 400]
    assert client.get(WEBHOOK_URL).status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert WebhookEvent.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    assert stock(m.santon) == (3, 0)
    assert mail.outbox == []


def test_amount_mismatch_refused(market, stripe, client, django_capture_on_commit_callbacks):
    # given the order total changed behind the PaymentIntent's back (38.30 charged, 40.00 expected)
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    Order.objects.filter(pk=order.pk).update(total=Decimal("40.00"))
    stripe.pay(payment.provider_id)
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, body, signature)
    # then the event is acknowledged (a retry would not change the amount) but the order is not paid
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert LedgerEntry.objects.count() == 0
    assert stock(m.santon) == (3, 0)
    assert mail.outbox == []


def test_declined_card_fails_the_attempt_and_the_order_stays_payable(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id, card=DECLINED) == "requires_payment_method"
    [(body, signature)] = stripe.webhooks("payment_intent.payment_failed", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert payment.state == PaymentState.FAILED
    assert stock(m.santon) == (3, 0)
    assert stock(m.miel) == (2, 0)
    assert LedgerEntry.objects.count() == 0
    assert mail.outbox == []


def test_card_requiring_authentication(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    client_secret = start_payment(order)
    payment = order.payments.get()
    # when the card asks for 3-D Secure, nothing is confirmed yet
    assert stripe.pay(payment.provider_id, card=NEEDS_3DS) == "requires_action"
    assert sync_payment(payment.provider_id) is None
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # then the customer completes the authentication and the webhook confirms
    assert stripe.authenticate(payment.provider_id, client_secret) == "succeeded"
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock(m.santon) == (3, 2)


def test_expiry_cancels_the_intent_so_it_can_no_longer_be_paid(market, stripe):
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now())
    assert expire_unpaid_orders(timezone.now()) == 1
    assert stripe.intent(payment.provider_id)["status"] == "canceled"
    assert stock(m.santon) == (5, 0)


def test_expiry_leaves_an_intent_that_just_succeeded_to_the_webhook(market, stripe):
    m = market
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    stripe.pay(payment.provider_id)
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now())
    assert expire_unpaid_orders(timezone.now()) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert stock(m.santon) == (3, 0)


def ledger_of(shop_order):
    return list(shop_order.ledger_entries.values_list("kind", "amount"))


def test_full_refund_returns_the_whole_commission(market, stripe, client, django_capture_on_commit_callbacks):
    # given a paid order; the épicerie's part is 13.30 with 1.06 commission
    m = market
    order, payment = paid_order(m, stripe, client, django_capture_on_commit_callbacks)
    epicerie = order.shop_orders.get(trade_name="Épicerie Kerjean")
    mail.outbox.clear()
    # when the merchant refunds it in full
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_shop_order(epicerie.pk, Decimal("13.30"))
    # then Stripe refunded 13.30 and the ledger gives the whole commission back
    assert refund.state == RefundState.SUCCEEDED
    assert [r["amount"] for r in stripe.refunds(payment.provider_id)] == [1330]
    assert ledger_of(epicerie) == [
        ("sale", Decimal("13.30")),
        ("commission", Decimal("-1.06")),
        ("refund", Decimal("-13.30")),
        ("commission_returned", Decimal("1.06")),
    ]
    assert sum(amount for _, amount in ledger_of(epicerie)) == Decimal("0.00")
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert "13.30" in mail.outbox[0].body or "13,30" in mail.outbox[0].body
    # and nothing more can be refunded
    with pytest.raises(RefundRefused):
        refund_shop_order(epicerie.pk, Decimal("0.01"))
    assert len(stripe.refunds(payment.provider_id)) == 1


def test_partial_refunds_add_up_to_the_commission(market, stripe, client, django_capture_on_commit_callbacks):
    m = market
    order, payment = paid_order(m, stripe, client, django_capture_on_commit_callbacks)
    epicerie = order.shop_orders.get(trade_name="Épicerie Kerjean")  # 13.30, commission 1.06
    # when refunded in three parts
    for amount in ("3.33", "5.00", "4.97"):
        refund_shop_order(epicerie.pk, Decimal(amount))
    # then each returns its share, and together exactly the commission taken
    returned = list(
        epicerie.ledger_entries.filter(kind=LedgerKind.COMMISSION_RETURNED).values_list("amount", flat=True)
    )
    # running totals: 1.06 × 3.33/13.30 = 0.2654 → 0.27; × 8.33/13.30 = 0.6639 → 0.66; × 13.30/13.30 = 1.06
    assert returned == [Decimal("0.27"), Decimal("0.39"), Decimal("0.40")]
    assert sum(returned) == Decimal("1.06")
    assert sorted(r["amount"] for r in stripe.refunds(payment.provider_id)) == [333, 497, 500]
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED  # the atelier's part is still paid


def test_partial_refund_keeps_shares_plus_commission_equal_to_net_paid(
    market, stripe, client, django_capture_on_commit_callbacks
):
    m = market
    order, payment = paid_order(m, stripe, client, django_capture_on_commit_callbacks)
    atelier = order.shop_orders.get(trade_name="Atelier du Bois Flotté")  # 25.00, commission 2.00
    refund_shop_order(atelier.pk, Decimal("12.50"))
    entries = LedgerEntry.objects.all()
    merchant_shares = sum(e.amount for e in entries)
    platform = -sum(e.amount for e in entries if e.kind in (LedgerKind.COMMISSION, LedgerKind.COMMISSION_RETURNED))
    net_paid = sum(e.amount for e in entries if e.kind in (LedgerKind.SALE, LedgerKind.REFUND))
    assert net_paid == Decimal("25.80")
    assert platform == Decimal("2.06")  # 1.00 left on the atelier + 1.06 on the épicerie
    assert merchant_shares + platform == net_paid


@pytest.mark.parametrize("amount", ["25.01", "0", "-1.00", "1.005", "NaN", 12.5])
def test_refund_beyond_paid_or_malformed_refused(market, stripe, client, django_capture_on_commit_callbacks, amount):
    m = market
    order, payment = paid_order(m, stripe, client, django_capture_on_commit_callbacks)
    atelier = order.shop_orders.get(trade_name="Atelier du Bois Flotté")
    with pytest.raises(RefundRefused):
        refund_shop_order(atelier.pk, amount if isinstance(amount, float) else Decimal(amount))
    assert Refund.objects.count() == 0
    assert stripe.refunds(payment.provider_id) == []
    assert atelier.ledger_entries.count() == 2


def test_unpaid_order_cannot_be_refunded(market, stripe):
    order = two_shop_order(market)
    start_payment(order)
    with pytest.raises(RefundRefused):
        refund_shop_order(order.shop_orders.first().pk, Decimal("1.00"))
    assert Refund.objects.count() == 0


def test_webhook_for_an_unknown_intent_is_acknowledged(stripe, client, db):
    payload = json.dumps(
        {"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {"object": "payment_intent", "id": "pi_nope", "amount": 100, "currency": "eur"}}}
    ).encode()
    import hashlib
    import hmac
    import time

    timestamp = int(time.time())
    mac = hmac.new(b"whsec_test_checkout_suite", b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
    response = post_webhook(client, payload, f"t={timestamp},v1={mac}")
    assert response.status_code == 200
    assert Order.objects.count() == 0


def test_paid_after_stock_went_to_someone_else_is_refunded_in_full(
    market, stripe, client, django_capture_on_commit_callbacks, monkeypatch
):
    # given an order that expired while its intent could not be cancelled, so its 3 honey jars
    # went back on sale and were sold
    m = market
    from checkout.payments import gateway
    from checkout.services import expire_unpaid_orders
    from tests.checkout.helpers import one_product_order

    order = two_shop_order(m, santons=1, miels=3)
    start_payment(order)
    payment = order.payments.get()
    with monkeypatch.context() as patch:
        patch.setattr(gateway, "cancel_payment_intent", lambda intent_id: None)
        Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
        assert expire_unpaid_orders() == 1
    one_product_order(m, m.miel, 3)
    # when the customer's next card succeeds on the same intent
    assert stripe.pay(payment.provider_id) == "succeeded"
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    # then the order is not paid, its money goes back, and the other buyer keeps the honey
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert payment.state == PaymentState.REFUNDED
    assert [r["amount"] for r in stripe.refunds(payment.provider_id)] == [order.total * 100]
    assert stock(m.miel) == (0, 0)
    assert stock(m.santon) == (5, 0)
    assert LedgerEntry.objects.count() == 0
    assert mail.outbox == []
