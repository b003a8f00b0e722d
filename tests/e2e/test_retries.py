"""Paying again: back from the payment page with a changed basket, and a declined card then a good one.

A basket has one payable order: the same basket checked out twice leads to
the same order, a changed one replaces it (its stock held once). Each card
tried is its own PaymentIntent, and a declined card leaves the page usable.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest

from checkout.models import Order, OrderStatus, PaymentState
from shops.models import ProductStock
from tests.e2e.test_buy import small_market

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # localstripe: the card is accepted, charging it is declined
PAYMENT_URL = re.compile(r".*/fr/panier/paiement/(?P<token>[^/]+)/$")
SCREENSHOTS = Path("var/screenshots")


def stock(product) -> tuple[int, int]:
    row = ProductStock.objects.get(translation_key=product.translation_key)
    return row.quantity, row.sold


def fill_basket(web, santon, miel):
    """2 santons from the atelier, a honey jar from the épicerie."""
    web.goto(santon.url)
    web.get_by_label("Quantité").fill("2")
    web.get_by_role("button", name="Ajouter au panier").click()
    web.goto(miel.url)
    web.get_by_role("button", name="Ajouter au panier").click()
    assert web.get_by_role("heading", level=1).inner_text() == "Votre panier"


def check_out(web, first_time=True):
    """The checkout form, pick-up at both shops; submitted with "Valider et payer". Returns the order's token."""
    if first_time:
        for shop in ("Atelier du Bois Flotté", "Épicerie Kerjean"):
            section = web.locator("section", has=web.get_by_role("heading", name=shop))
            section.get_by_label("Retrait en boutique").check()
        web.get_by_label("Nom et prénom").fill("Alice Le Goff")
        web.get_by_label("E-mail").fill("alice@example.org")
    else:
        # What was given the first time is still there.
        assert web.get_by_label("Nom et prénom").input_value() == "Alice Le Goff"
        assert web.get_by_label("E-mail").input_value() == "alice@example.org"
        for shop in ("Atelier du Bois Flotté", "Épicerie Kerjean"):
            section = web.locator("section", has=web.get_by_role("heading", name=shop))
            assert section.get_by_label("Retrait en boutique").is_checked()
    web.get_by_label("J'ai lu et j'accepte").check()
    web.get_by_role("button", name="Valider et payer").click()
    web.wait_for_url(PAYMENT_URL)
    assert web.get_by_role("heading", level=1).inner_text() == "Paiement par carte"
    return PAYMENT_URL.match(web.url)["token"]


def type_card(web, number):
    """Type a card in localstripe's fake Card Element (plain inputs in the page), over what was there."""
    card = web.locator("#card-element")
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "29600"),
    ):
        box = card.locator(f"input[placeholder={field}]")
        box.clear()
        box.fill(value)


def test_back_from_payment_change_the_basket_and_pay_once(web, live_stripe):
    # Given a basket of 2 santons (24.00) and a honey jar (8.30) from two shops, checked out with pick-ups
    _market, _atelier, _epicerie, santon, miel = small_market()
    fill_basket(web, santon, miel)
    web.get_by_role("link", name="Commander").click()
    first = check_out(web)
    assert web.get_by_role("button", name="Payer 56,30\u00a0€").is_enabled()
    assert (stock(santon), stock(miel)) == ((3, 0), (2, 0))

    # When the customer goes back and submits the same basket again: the same order's payment page
    web.go_back()
    assert check_out(web, first_time=False) == first
    assert Order.objects.count() == 1
    assert (stock(santon), stock(miel)) == ((3, 0), (2, 0))
    # (and that payment page stays open in another tab)
    stale_tab = web.context.new_page()
    stale_tab.goto(f"/fr/panier/paiement/{first}/")
    first_intent = Order.objects.get().payments.get().provider_id
    web.bring_to_front()

    # When they go back again, then to the basket, and take 3 santons instead of 2
    web.go_back()
    web.locator(".basket-link").click()
    assert web.get_by_role("heading", level=1).inner_text() == "Votre panier"
    line = web.locator("li.basket-line", has_text="Santon en bois")
    line.get_by_label("Quantité").fill("3")
    line.get_by_role("button", name="Mettre à jour").click()
    assert "La quantité a été mise à jour." in web.locator("main").inner_text()
    assert "80,30\u00a0€" in web.locator(".basket-summary").inner_text()  # 3 × 24.00 + 8.30
    assert "4 articles" in web.locator(".basket-link").inner_text()
    web.get_by_role("link", name="Commander").click()
    second = check_out(web, first_time=False)

    # Then it is a new order, the first one replaced, and the stock is held once, for the new one
    assert second != first
    assert web.get_by_role("button", name="Payer 80,30\u00a0€").is_enabled()
    assert dict(Order.objects.values_list("token", "status")) == {
        first: OrderStatus.REPLACED,
        second: OrderStatus.PENDING,
    }
    assert (stock(santon), stock(miel)) == ((2, 0), (2, 0))
    assert live_stripe.intent(first_intent)["status"] == "canceled"

    # And the first order can no longer be paid from the tab still open on it
    stale_tab.bring_to_front()
    type_card(stale_tab, GOOD_CARD)
    stale_tab.get_by_role("button", name="Payer 56,30\u00a0€").click()
    stale_tab.locator("#card-errors").filter(has_text=re.compile(r"\S")).wait_for()
    assert PAYMENT_URL.match(stale_tab.url)["token"] == first

    # When they switch back to their tab and pay the new order with the good card
    web.bring_to_front()
    type_card(web, GOOD_CARD)
    web.get_by_role("button", name="Payer 80,30\u00a0€").click()

    # Then they see the confirmation of the new order, and the basket is empty
    web.wait_for_url(f"**/panier/commande/{second}/")
    assert web.get_by_role("heading", level=1).inner_text() == "Merci pour votre commande !"
    assert "80,30\u00a0€" in web.locator("main").inner_text()
    assert web.locator(".basket-link").inner_text() == "Panier"

    # And the first order's page, reloaded, says its payment did not go through, with no card field
    stale_tab.bring_to_front()
    stale_tab.reload()
    assert stale_tab.get_by_role("heading", level=1).inner_text() == "Le paiement n’a pas abouti"
    assert "Aucun montant n’a été débité" in stale_tab.locator("main").inner_text()
    assert stale_tab.locator("#payment-form").count() == 0
    stale_tab.close()

    # And exactly one order is paid, the first one replaced unpaid, each stock taken once for what was paid
    paid = Order.objects.get(status=OrderStatus.PAID)
    assert (paid.token, paid.total) == (second, Decimal("80.30"))
    replaced = Order.objects.get(token=first)
    assert replaced.status == OrderStatus.REPLACED
    assert set(replaced.payments.values_list("state", flat=True)) == {PaymentState.FAILED}
    (payment,) = paid.payments.all()
    assert payment.state == PaymentState.SUCCEEDED
    assert live_stripe.intent(payment.provider_id)["status"] == "succeeded"
    assert (stock(santon), stock(miel)) == ((2, 3), (2, 1))


def test_declined_then_good_card_on_the_same_page(web, live_stripe):
    # Given a basket checked out, on its payment page
    _market, _atelier, _epicerie, santon, miel = small_market()
    fill_basket(web, santon, miel)
    web.get_by_role("link", name="Commander").click()
    token = check_out(web)
    payment_page = web.url
    pay = web.get_by_role("button", name="Payer 56,30\u00a0€")

    # When the customer pays with a card the bank declines
    type_card(web, DECLINED_CARD)
    pay.click()

    # Then the page says so in French under the card, and stays usable
    error = web.locator("#card-errors")
    error.filter(has_text=re.compile(r"\S")).wait_for()
    assert error.inner_text() == "Votre carte a été refusée. Essayez une autre carte ou contactez votre banque."
    assert web.url == payment_page
    assert pay.is_enabled() and pay.get_attribute("aria-busy") is None
    assert web.locator("#card-element input[placeholder=number]").is_editable()
    assert Order.objects.get().status == OrderStatus.PENDING
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    web.screenshot(path=str(SCREENSHOTS / "declined.png"))

    # When they type the good card over it, on the same page, and pay
    type_card(web, GOOD_CARD)
    pay.click()

    # Then they see the confirmation
    web.wait_for_url(f"**/panier/commande/{token}/")
    assert web.get_by_role("heading", level=1).inner_text() == "Merci pour votre commande !"
    assert "56,30\u00a0€" in web.locator("main").inner_text()

    # And the order is paid once, by a second attempt with its own PaymentIntent
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    declined, paid = order.payments.order_by("pk")
    assert (declined.state, paid.state) == (PaymentState.FAILED, PaymentState.SUCCEEDED)
    assert declined.provider_id != paid.provider_id
    assert declined.payment_method != paid.payment_method
    assert live_stripe.intent(declined.provider_id)["status"] == "canceled"
    assert live_stripe.intent(paid.provider_id)["status"] == "succeeded"
    assert (stock(santon), stock(miel)) == ((3, 2), (2, 1))
