"""A visitor buys a restaurant's bundle with a guest house's part; each merchant sees and uses its own part."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from checkout.models import Order, OrderStatus, Voucher, VoucherStatus
from markets.merchants import make_merchant
from portal.dates import long_date
from shops.models import ShopCategory
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BUNDLE = "Soirée de Noël à Morlaix"
DINNER = "Le dîner de Noël pour deux"
NIGHT = "Une nuit pour deux avec petit-déjeuner"
ORDER_PAGE = re.compile(r".*/fr/panier/commande/[^/]+/$")


def merchant_of(shop, username: str):
    user = get_user_model().objects.create_user(
        username, password=f"Noel-2026-{username}", email=f"{username}@example.org"
    )
    make_merchant(user, shop)
    return user


def admin_tab(web, live_server, username: str):
    """A merchant's own browser, logged in to the admin."""
    tab = web.context.browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill(username)
    tab.locator("#id_password").fill(f"Noel-2026-{username}")
    tab.locator("form button[type=submit]").click()
    tab.wait_for_url("**/admin/")
    return tab


def sees_its_part(tab, order, part: str) -> None:
    """The merchant's orders list has the order; the order shows the merchant's part of the bundle, and only it."""
    tab.goto("/admin/commandes/")
    assert order.number in tab.locator("main").inner_text()
    tab.get_by_role("link", name=order.number).first.click()
    tab.wait_for_url("**/admin/commandes/**")
    detail = tab.locator("main").inner_text()
    assert f"{BUNDLE} — {part}" in detail
    other = NIGHT if part == DINNER else DINNER
    assert other not in detail


def test_visitor_buys_a_two_merchant_bundle_and_the_guest_house_uses_its_part(web, live_stripe, live_server):
    # Given a restaurant selling a 150.00 bundle in which a guest house provides the night, for 60 % (90.00)
    home = f.french_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"), title="Marché de Noël du Pays de Morlaix")
    restaurant = f.make_shop(market, "Restaurant Ar Men", category=ShopCategory.RESTAURANT, email="armen@example.org")
    guest_house = f.make_shop(
        market, "Chambres d'hôtes Ty Glas", category=ShopCategory.STAY, email="tyglas@example.org"
    )
    bundle = f.make_bundle(
        restaurant, BUNDLE, price="150.00", bundle_own_part=DINNER, vat_rate="10.00",
        parts=[{"participant": guest_house, "share_percent": Decimal("60"), "vat_rate": "10.00", "description": NIGHT}],
    )
    merchant_of(restaurant, "armen")
    merchant_of(guest_house, "tyglas")

    # When a visitor puts the bundle in the basket, checks out (nothing to deliver) and pays by card
    web.goto(bundle.url)
    web.get_by_role("button", name="Ajouter au panier").click()
    assert web.get_by_role("heading", level=1).inner_text() == "Votre panier"
    web.get_by_role("link", name="Commander").click()
    web.get_by_label("Nom et prénom").fill("Alice Le Goff")
    web.get_by_label("E-mail").fill("alice@example.org")
    web.get_by_label("J'ai lu et j'accepte").check()
    web.get_by_role("button", name="Valider et payer").click()
    assert web.get_by_role("heading", level=1).inner_text() == "Paiement par carte"
    card = web.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("29600")
    web.get_by_role("button", name="Payer 150,00\u00a0€").click()

    # Then the order is paid, one shop order per merchant, each with its part and its voucher
    web.wait_for_url(ORDER_PAGE)
    assert web.get_by_role("heading", level=1).inner_text() == "Merci pour votre commande !"
    order_url = web.url
    order = Order.objects.get()
    assert (order.status, order.total) == (OrderStatus.PAID, Decimal("150.00"))
    assert dict(order.shop_orders.values_list("shop", "total")) == {
        restaurant.pk: Decimal("60.00"), guest_house.pk: Decimal("90.00")
    }
    night = Voucher.objects.get(shop=guest_house)
    dinner = Voucher.objects.get(shop=restaurant)

    # When each merchant opens their orders, they see the order and their own part of it
    restaurant_tab = admin_tab(web, live_server, "armen")
    sees_its_part(restaurant_tab, order, DINNER)
    guest_house_tab = admin_tab(web, live_server, "tyglas")
    sees_its_part(guest_house_tab, order, NIGHT)

    # When the guest house checks the code of its voucher and marks the night as used
    guest_house_tab.goto("/admin/bons/verifier/")
    guest_house_tab.get_by_label("Code du bon").fill(night.display_code)
    guest_house_tab.get_by_role("button", name="Vérifier").click()
    guest_house_tab.wait_for_url(re.compile(r".*/admin/bons/.+/$"))
    assert f"{BUNDLE} — {NIGHT}" in guest_house_tab.locator("main").inner_text()
    guest_house_tab.get_by_role("button", name="Marquer la prestation comme utilisée").click()
    guest_house_tab.get_by_text("90,00\u00a0€ utilisés sur le bon").wait_for()
    today = timezone.localdate()
    night.refresh_from_db()
    dinner.refresh_from_db()
    assert (night.status, night.balance) == (VoucherStatus.USED, Decimal("0.00"))
    assert (dinner.status, dinner.balance) == (VoucherStatus.ACTIVE, Decimal("60.00"))
    restaurant_tab.context.close()
    guest_house_tab.context.close()

    # Then the visitor's order page shows the bundle with the night used today and the dinner still to use
    web.goto(order_url)
    parts = web.get_by_role("region", name="Vos coffrets").get_by_role("listitem")
    night_part, dinner_part = parts.filter(has_text=NIGHT), parts.filter(has_text=DINNER)
    used_today = f"utilisé le {long_date(today)}"
    assert " ".join(night_part.inner_text().split()) == f"Chambres d'hôtes Ty Glas — {NIGHT} {used_today}"
    assert " ".join(dinner_part.inner_text().split()) == f"Restaurant Ar Men — {DINNER} à utiliser"
    # and each part's voucher with its own code and state
    vouchers = web.locator(".order-vouchers__item")
    night_voucher = vouchers.filter(has=web.get_by_text("part fournie par Chambres d'hôtes Ty Glas"))
    dinner_voucher = vouchers.filter(has=web.get_by_text("part fournie par Restaurant Ar Men"))
    assert f"Code : {night.display_code} Utilisé" in " ".join(night_voucher.inner_text().split())
    assert f"Code : {dinner.display_code} Valable" in " ".join(dinner_voucher.inner_text().split())
