"""One payable order per basket: the back button, a double submission, a declined card, holds that end.

The customer's retries are where a marketplace loses money or stock: the
same basket checked out twice makes one order and holds its stock once; a
changed basket replaces the order; a declined card or a failed 3-D Secure
check fails only that attempt, and the next card pays the same order.
"""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from checkout.basket import Basket
from checkout.models import Order, OrderStatus, PaymentState
from checkout.pricing import BasketError, BasketLine, DeliveryChoice
from checkout.services import Customer, expire_unpaid_orders, extend_hold, place_order
from shops.models import DeliveryKind
from tests.checkout.helpers import stock
from tests.checkout.test_checkout_views import (
    CHECKOUT,
    DECLINED,
    NEEDS_3DS,
    card_payment_method,
    checkout_data,
    fill_basket,
)

ALICE = Customer("Alice Le Goff", "alice@example.org")


def payment_url(order, tail=""):
    return f"/fr/panier/paiement/{order.token}/{tail}"


def test_submitting_the_same_basket_twice_makes_one_payable_order_holding_stock_once(client, market):
    # given a basket of 2 santons (stock 5) and 1 honey jar (stock 3)
    fill_basket(client, market)
    # when the checkout form is submitted, then submitted again (the back button, or a double click)
    first = client.post(CHECKOUT, checkout_data(market))
    second = client.post(CHECKOUT, checkout_data(market))
    # then both lead to the same order, and the stock is held once
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == payment_url(order)
    assert order.status == OrderStatus.PENDING
    assert (stock(market.santon), stock(market.miel)) == ((3, 0), (2, 0))


def test_going_back_and_changing_the_basket_replaces_the_order_and_its_hold(client, market, stripe):
    # given an order placed for the last 3 honey jars, and its payment page opened
    fill_basket(client, market, santons=2, miels=3)
    client.post(CHECKOUT, checkout_data(market))
    first = Order.objects.get()
    assert client.get(payment_url(first)).status_code == 200
    assert stock(market.miel) == (0, 0)
    # when the customer goes back, drops a santon and checks out again
    entry = next(entry for entry in Basket(client.session).entries if entry.quantity == 2)
    client.post("/fr/panier/modifier/", {"line": entry.line_id, "quantity": 1})
    response = client.post(CHECKOUT, checkout_data(market))
    # then the new order holds the stock, the old one is replaced and can no longer be paid
    first.refresh_from_db()
    second = Order.objects.exclude(pk=first.pk).get()
    assert response["Location"] == payment_url(second)
    assert (first.status, second.status) == (OrderStatus.REPLACED, OrderStatus.PENDING)
    assert first.payments.get().state == PaymentState.FAILED  # its intent was cancelled before the release
    assert (stock(market.santon), stock(market.miel)) == ((4, 0), (0, 0))
    old_page = html.unescape(client.get(payment_url(first)).content.decode())
    assert "remplacée par une commande plus récente de votre panier : rien n'a été débité" in old_page
    assert f'href="{payment_url(second)}"' in old_page
    refused = client.post(payment_url(first, "carte/"), {"payment_method": "pm_123"})
    assert refused.status_code == 409 and "remplacée" in refused.json()["error"]


def test_a_double_submission_landing_between_look_and_lock_keeps_the_order_already_placed(market, monkeypatch):
    """The second click looked before the first committed: under the lock it finds that order and keeps it."""
    pickup = {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)}
    basket = [BasketLine(market.santon.pk, 2)]
    first = place_order(market.territory.pk, basket, pickup, ALICE, basket_key="one-basket")
    # the look before the transaction saw no payable order yet
    monkeypatch.setattr("checkout.services._payable_order_of", lambda basket_key: None)
    second = place_order(market.territory.pk, basket, pickup, ALICE, basket_key="one-basket")
    assert second.pk == first.pk
    assert list(Order.objects.values_list("status", flat=True)) == [OrderStatus.PENDING]
    assert stock(market.santon) == (3, 0)


def test_an_order_of_another_basket_is_not_replaced(market):
    lines = [BasketLine(market.santon.pk, 1)]
    pickup = {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)}
    mine = place_order(market.territory.pk, lines, pickup, ALICE, basket_key="basket-a")
    theirs = place_order(market.territory.pk, lines, pickup, ALICE, basket_key="basket-b")
    assert mine.pk != theirs.pk
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 2
    assert stock(market.santon) == (3, 0)


def test_a_basket_holds_at_most_ten_of_one_product(client, market, settings):
    settings.CHECKOUT_MAX_UNITS_PER_PRODUCT = 3
    response = client.post("/fr/panier/ajouter/", {"product": market.santon.pk, "quantity": 4}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Un panier peut contenir au plus 3 « Santon en bois »."]
    with pytest.raises(BasketError, match="au plus 3"):
        place_order(
            market.territory.pk, [BasketLine(market.santon.pk, 2), BasketLine(market.santon.pk, 2)],
            {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)}, ALICE,
        )
    assert stock(market.santon) == (5, 0)


# Attempts ---------------------------------------------------------------------------


def placed(client, market):
    fill_basket(client, market)
    client.post(CHECKOUT, checkout_data(market))
    order = Order.objects.get()
    assert client.get(payment_url(order)).status_code == 200
    return order


def test_a_declined_card_then_a_good_one_pays_the_same_order_with_a_new_intent(
    client, market, stripe, django_capture_on_commit_callbacks
):
    order = placed(client, market)
    declined = client.post(payment_url(order, "carte/"), {"payment_method": card_payment_method(stripe, DECLINED)})
    assert declined.status_code == 402
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and stock(market.santon) == (3, 0)

    good = client.post(payment_url(order, "carte/"), {"payment_method": card_payment_method(stripe, "4242424242424242")})
    assert good.json()["status"] == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(payment_url(order, "retour/"))

    order.refresh_from_db()
    first, second = order.payments.order_by("pk")
    assert order.status == OrderStatus.PAID
    assert (first.state, second.state) == (PaymentState.FAILED, PaymentState.SUCCEEDED)
    assert first.provider_id != second.provider_id
    assert stripe.intent(first.provider_id)["status"] == "canceled"
    assert stock(market.santon) == (3, 2)


def test_a_failed_3d_secure_check_then_a_good_card_pays_the_same_order(
    client, market, stripe, django_capture_on_commit_callbacks
):
    order = placed(client, market)
    answer = client.post(payment_url(order, "carte/"), {"payment_method": card_payment_method(stripe, NEEDS_3DS)})
    assert answer.json()["status"] == "requires_action"
    first = order.payments.get()
    assert stripe.authenticate(first.provider_id, answer.json()["client_secret"], success=False) == "requires_payment_method"

    good = client.post(payment_url(order, "carte/"), {"payment_method": card_payment_method(stripe, "4242424242424242")})
    assert good.json()["status"] == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(payment_url(order, "retour/"))

    order.refresh_from_db()
    first.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert first.state == PaymentState.FAILED
    assert order.payments.filter(state=PaymentState.SUCCEEDED).count() == 1


# Holds ------------------------------------------------------------------------------


def test_the_hold_lasts_fifteen_minutes_is_extended_while_the_page_is_open_and_never_past_forty_five(market):
    lines = [BasketLine(market.santon.pk, 2)]
    pickup = {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)}
    order = place_order(market.territory.pk, lines, pickup, ALICE, basket_key="k")
    created = order.created_at
    assert order.hold_expires_at - created == pytest.approx(timedelta(minutes=15), abs=timedelta(seconds=2))

    assert extend_hold(order, created + timedelta(minutes=10)) == created + timedelta(minutes=25)
    assert extend_hold(order, created + timedelta(minutes=24)) == created + timedelta(minutes=39)
    assert extend_hold(order, created + timedelta(minutes=38)) == created + timedelta(minutes=45)
    # past its end, a hold is not revived: the order expires and its stock comes back, once
    assert extend_hold(order, created + timedelta(minutes=46)) is None
    assert expire_unpaid_orders(created + timedelta(minutes=46)) == 1
    assert expire_unpaid_orders(created + timedelta(minutes=47)) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert stock(market.santon) == (5, 0)


def test_the_payment_page_keeps_the_hold_and_tells_the_customer_when_it_ended(client, market, stripe):
    order = placed(client, market)
    hold = client.post(payment_url(order, "reservation/"))
    order.refresh_from_db()
    assert hold.json() == {"status": "pending", "expires_at": order.hold_expires_at.isoformat()}

    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    ended = client.post(payment_url(order, "reservation/"))
    assert ended.status_code == 409
    assert ended.json()["status"] == "expired"
    assert ended.json()["error"] == "La réservation de vos articles a expiré : validez à nouveau votre panier."
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    assert (stock(market.santon), stock(market.miel)) == ((5, 0), (3, 0))
    page = client.get(payment_url(order)).content.decode()
    assert "La réservation de vos articles a été levée" in page
    # the basket is kept: checking out again makes a new payable order
    client.post(CHECKOUT, checkout_data(market))
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 1
