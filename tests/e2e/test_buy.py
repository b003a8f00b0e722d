"""A visitor buys from two shops with the test card; the merchant sees the order."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from checkout.models import Order, OrderStatus
from markets.merchants import make_merchant
from shops.models import DeliveryKind, ProductStock
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def small_market():
    home = f.french_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"), title="Marché de Noël du Pays de Morlaix")
    atelier = f.make_shop(
        market, "Atelier du Bois Flotté", email="atelier@example.org", delivery_options=[f.pickup(), f.postal()]
    )
    epicerie = f.make_shop(
        market, "Épicerie Kerjean", email="epicerie@example.org", delivery_options=[f.pickup(), f.home_delivery()]
    )
    santon = f.make_product(atelier, "Santon en bois", price="24.00", stock=5)
    miel = f.make_product(epicerie, "Miel de bruyère", price="8.30", stock=3)
    return market, atelier, epicerie, santon, miel


def test_visitor_buys_from_two_shops_and_the_merchant_sees_the_order(web, live_stripe, live_server):
    # Given a market of two shops, and a merchant of the épicerie
    _market, _atelier, epicerie, santon, miel = small_market()
    merchant = get_user_model().objects.create_user("epicerie", password="Noel-2024-epicerie", email="m@example.org")
    make_merchant(merchant, epicerie)

    # When a visitor puts 2 santons in the basket from the atelier's page...
    web.goto(santon.url)
    web.get_by_label("Quantité").fill("2")
    web.get_by_role("button", name="Ajouter au panier").click()
    assert web.get_by_role("heading", level=1).inner_text() == "Votre panier"
    assert "2 articles" in web.locator(".basket-link").inner_text()
    # ...and a honey jar from the épicerie's
    web.goto(miel.url)
    web.get_by_role("button", name="Ajouter au panier").click()
    basket = web.locator("main").inner_text()
    assert "Atelier du Bois Flotté" in basket and "Épicerie Kerjean" in basket
    assert "56,30\u00a0€" in basket  # 2 × 24.00 + 8.30

    # Then checks out: postal shipping for the atelier (address), pick-up at the épicerie
    web.get_by_role("link", name="Commander").click()
    atelier_section = web.locator("section", has=web.get_by_role("heading", name="Atelier du Bois Flotté"))
    atelier_section.get_by_label("Envoi postal").check()
    atelier_section.get_by_label("Adresse de livraison").fill("3 rue du Mur\n29600 Morlaix")
    epicerie_section = web.locator("section", has=web.get_by_role("heading", name="Épicerie Kerjean"))
    epicerie_section.get_by_label("Retrait en boutique").check()
    assert epicerie_section.get_by_label("Adresse de livraison").is_hidden()
    assert "64,20\u00a0€" in web.locator("[data-grand-total]").inner_text()  # + 7.90 postage
    web.get_by_label("Nom et prénom").fill("Alice Le Goff")
    web.get_by_label("E-mail").fill("alice@example.org")
    web.get_by_label("J'ai lu et j'accepte").check()
    web.get_by_role("button", name="Valider et payer").click()

    # And pays with the test card in the Card Element (localstripe's fake one: plain inputs)
    assert web.get_by_role("heading", level=1).inner_text() == "Paiement par carte"
    card = web.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("29600")
    web.get_by_role("button", name="Payer 64,20\u00a0€").click()

    # Then the confirmation shows every shop with its delivery
    web.wait_for_url("**/panier/commande/**")
    assert web.get_by_role("heading", level=1).inner_text() == "Merci pour votre commande !"
    confirmation = web.locator("main").inner_text()
    assert "Envoi postal" in confirmation and "3 rue du Mur" in confirmation
    assert "Retrait en boutique" in confirmation
    assert "64,20\u00a0€" in confirmation
    order = Order.objects.get()
    assert (order.status, order.total) == (OrderStatus.PAID, Decimal("64.20"))
    assert ProductStock.objects.get(translation_key=santon.translation_key).quantity == 3
    assert web.locator(".basket-link").inner_text() == "Panier"
    (epicerie_order,) = order.shop_orders.filter(shop=epicerie)
    assert epicerie_order.delivery_kind == DeliveryKind.PICKUP

    # When the épicerie's merchant logs in to the admin
    merchant_tab = web.context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    merchant_tab.goto("/admin/login/")
    merchant_tab.locator("#id_username").fill("epicerie")
    merchant_tab.locator("#id_password").fill("Noel-2024-epicerie")
    merchant_tab.locator("form button[type=submit]").click()
    merchant_tab.wait_for_url("**/admin/")
    merchant_tab.goto("/admin/commandes/")

    # Then their orders list shows this order, and only their part of it
    orders = merchant_tab.locator("main").inner_text()
    assert f"{order.number}" in orders
    assert "Alice Le Goff" in orders
    assert "Atelier du Bois Flotté" not in orders
    merchant_tab.context.close()
