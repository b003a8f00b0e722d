"""The queries of each step from a basket to a paid order, bounded, and the round trips it no longer makes.

The bounds are what the flow takes today (bench/checkout_profile.py counts
them per step; inside a test, transactions are savepoints and count too):
a step that starts reading per line, per shop or twice fails here first.
"""

from django.core import mail

from checkout.models import Invoice, LedgerEntry, Order, OrderStatus, PaymentState, WebhookEvent
from checkout.payments import gateway
from shops.models import DeliveryKind
from tests.checkout.helpers import stock
from tests.checkout.test_checkout_views import card_payment_method, checkout_data

WEBHOOK_URL = "/checkout/webhooks/stripe/"


def _no_stripe_read(*args, **kwargs):
    raise AssertionError("Stripe was asked again")


def test_each_step_from_basket_to_paid_order_stays_within_its_queries(
    client, market, stripe, django_assert_max_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    m = market
    # given a visitor adding a product of each of two shops
    with django_assert_max_num_queries(11):
        assert client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 2}).status_code == 302
    with django_assert_max_num_queries(10):
        assert client.post("/fr/panier/ajouter/", {"product": m.miel.pk, "quantity": 1}).status_code == 302
    # when they open the checkout page and place the order
    with django_assert_max_num_queries(13):
        assert client.get("/fr/panier/validation/").status_code == 200
    with django_assert_max_num_queries(33):  # 32 on SQLite; PostgreSQL locks the stock rows in one more
        placed = client.post("/fr/panier/validation/", checkout_data(m))
    order = Order.objects.get()
    assert placed["Location"] == f"/fr/panier/paiement/{order.token}/"
    # and open the payment page, which creates the PaymentIntent
    with django_assert_max_num_queries(13):
        page = client.get(placed["Location"])
    assert page.status_code == 200
    # and pay with the test card: the card confirmation records the payment
    card = card_payment_method(stripe, "4242424242424242")
    # 42 on SQLite, PostgreSQL locking as above; both shops' first invoices: their sequences are created and locked
    # again (a later order locks them in one query)
    with django_capture_on_commit_callbacks() as tasks, django_assert_max_num_queries(43):
        answer = client.post(f"{placed['Location']}carte/", {"payment_method": card})
    for task in tasks:  # the e-mails: tasks after the commit, not the request's queries
        task()
    assert answer.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock(m.santon) == (3, 2) and stock(m.miel) == (2, 1)
    assert LedgerEntry.objects.filter(shop_order__order=order).count() == 4
    assert Invoice.objects.filter(shop_order__order=order).count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "atelier@example.org",
        "epicerie@example.org",
    ]
    # then the return page finds the order paid and asks Stripe nothing
    monkeypatch.setattr(gateway, "retrieve_payment_intent", _no_stripe_read)
    with django_assert_max_num_queries(5):
        returned = client.get(f"{placed['Location']}retour/")
    assert returned["Location"] == f"/fr/panier/commande/{order.token}/"
    # and the order page
    with django_assert_max_num_queries(8):
        assert "Merci pour votre commande" in client.get(returned["Location"]).content.decode()
    # and Stripe's webhook for that payment is recorded without asking Stripe or doing the work again
    payment = order.payments.get()
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", payment.provider_id)
    with django_assert_max_num_queries(6), django_capture_on_commit_callbacks(execute=True):
        response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200
    assert WebhookEvent.objects.filter(type="payment_intent.succeeded").count() == 1
    assert LedgerEntry.objects.filter(shop_order__order=order).count() == 4
    assert Invoice.objects.filter(shop_order__order=order).count() == 2
    assert len(mail.outbox) == 3
    assert stock(m.santon) == (3, 2)


def test_reloading_the_payment_page_reuses_its_payment_intent(client, market, stripe):
    # given a placed order whose payment page was opened
    m = market
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})
    client.post(
        "/fr/panier/validation/",
        checkout_data(
            m,
            **{
                f"shop-{m.epicerie.pk}-option": None,
                f"shop-{m.epicerie.pk}-address": None,
                f"shop-{m.atelier.pk}-option": m.option(m.atelier, DeliveryKind.PICKUP).pk,
            },
        ),
    )
    order = Order.objects.get()
    first = client.get(f"/fr/panier/paiement/{order.token}/")
    # when the customer reloads it
    again = client.get(f"/fr/panier/paiement/{order.token}/")
    # then it is the same attempt and the same PaymentIntent
    assert again.context["client_secret"] == first.context["client_secret"]
    assert order.payments.get().state == PaymentState.CREATED


def test_the_return_page_still_confirms_an_order_the_card_step_left_pending(
    client, market, stripe, django_capture_on_commit_callbacks
):
    # given an order paid at Stripe outside the card step (3-D Secure in the browser, say)
    m = market
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 2})
    client.post("/fr/panier/ajouter/", {"product": m.miel.pk, "quantity": 1})
    client.post("/fr/panier/validation/", checkout_data(m))
    order = Order.objects.get()
    client.get(f"/fr/panier/paiement/{order.token}/")
    assert stripe.pay(order.payments.get().provider_id) == "succeeded"
    # when the browser comes back
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/fr/panier/paiement/{order.token}/retour/")
    # then the return page asked Stripe and confirmed it
    assert response["Location"] == f"/fr/panier/commande/{order.token}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Invoice.objects.filter(shop_order__order=order).count() == 2
