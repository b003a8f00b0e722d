"""The merchant's dashboard panel: shop status, stock alerts and next steps, on the tree of tests/fixtures/tree.py.

The merchant of these tests runs three shops of the tree: "Atelier du Bois
Flotté" (live; Santon en bois 5 units, Atelier sculpture without limit,
Couronne de Noël 0, Bougie parfumée without stock row, Brouillon de
produit 3, every threshold at the default 3), "Épicerie Kerjean" (live, no
product) and "Librairie en préparation" (a draft, no product). Another
merchant runs "Café des Halles", whose one product is nearly sold out.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from wagtail.models import WorkflowPage
from wagtail.users.models import UserProfile

from markets import onboarding
from markets.dashboard import MerchantPanel
from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from shops.models import DEFAULT_ALERT_THRESHOLD, ProductPage, ProductStock
from tests.fixtures import factories as f

STOCK = reverse("shops_stock")
ORDERS = reverse("commandes:index")
TERMS = reverse("markets_terms_accept")

REFILL = "Réapprovisionner les produits en alerte de stock"
SET_STOCK = "Indiquer le stock de vos produits"
KEEP_STOCK = "Tenir votre stock à jour, surtout après vos ventes en boutique"
FOLLOW_ORDERS = "Suivre et préparer vos commandes"
ADD_PRODUCTS = "Ajouter vos produits"
COMPLETE = "Compléter la présentation, les horaires et les modes de livraison"
SUBMIT = "Soumettre la boutique à l'office de tourisme pour sa mise en ligne"
ACCEPT_TERMS = "Accepter les conditions générales"
PRODUCTS_FIRST = "Une boutique sans produit ne peut pas être soumise : commencez par vos produits."


@pytest.fixture
def merchant(tree):
    user = User.objects.create_user("kuehn", email="kuehn@example.org")
    for shop in (tree.atelier_fr, tree.epicerie_fr, tree.draft_shop):
        make_merchant(user, shop)
    accept_terms(user)
    return user


@pytest.fixture
def other_merchant(tree):
    user = User.objects.create_user("halles", email="halles@example.org")
    make_merchant(user, tree.cafe_fr)
    f.make_product(tree.cafe_fr, "Vin chaud des Halles", stock=1)
    return user


def accept_terms(user):
    version = TermsVersion.objects.first() or TermsVersion.objects.create(
        version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    TermsAcceptance.objects.create(user=user, version=version)


def panel_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return MerchantPanel.for_request(request), request


def context_for(user) -> dict:
    panel, request = panel_for(user)
    return panel.get_context_data({"request": request})


def by_title(context) -> dict:
    return {item["shop"].title: item for item in context["shops"]}


def steps(item) -> list[tuple]:
    return [(step["label"], step["url"], step.get("hint")) for step in item["next_steps"]]


def alerts(item) -> list[tuple]:
    return [(a["title"], a["quantity"], a["sold_out"]) for a in item["stock_alerts"]]


def set_threshold(product, threshold):
    ProductStock.objects.filter(translation_key=product.translation_key).update(alert_threshold=threshold)


def edit(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def add_product(shop):
    return reverse("wagtailadmin_pages:add", args=["shops", "productpage", shop.pk])


def stock_edit(product):
    return reverse("shops_stock_edit", args=[product.pk])


def test_the_panel_shows_each_shop_with_its_status_alerts_and_next_steps(tree, merchant, other_merchant):
    # Given the merchant's three shops, every stock row at the default threshold
    assert set(ProductStock.objects.values_list("alert_threshold", flat=True)) == {DEFAULT_ALERT_THRESHOLD}

    # When their panel is read
    shops = by_title(context_for(merchant))

    # Then each shop has its status, counts, alerts and steps; the other merchant's shop is not there
    assert list(shops) == ["Atelier du Bois Flotté", "Épicerie Kerjean", "Librairie en préparation"]
    atelier, epicerie, draft = shops.values()
    assert (atelier["status"], atelier["status_label"]) == ("live", "En ligne")
    assert (epicerie["status"], epicerie["status_label"]) == ("live", "En ligne")
    assert (draft["status"], draft["status_label"]) == ("draft", "Brouillon")
    assert (atelier["products"], atelier["products_without_stock"]) == (5, 1)  # the candle has no stock row
    # sold out first, then the fewest left; 5 units is above the threshold of 3, no limit is never an alert
    assert alerts(atelier) == [("Couronne de Noël", 0, True), ("Brouillon de produit", 3, False)]
    assert [a["url"] for a in atelier["stock_alerts"]] == [stock_edit(tree.couronne), stock_edit(tree.draft_product)]
    assert alerts(epicerie) == alerts(draft) == []
    assert steps(atelier) == [
        (REFILL, STOCK, None), (SET_STOCK, STOCK, None), (KEEP_STOCK, STOCK, None), (FOLLOW_ORDERS, ORDERS, None),
    ]
    assert steps(epicerie) == [
        (ADD_PRODUCTS, add_product(tree.epicerie_fr), None), (KEEP_STOCK, STOCK, None), (FOLLOW_ORDERS, ORDERS, None),
    ]
    # a draft without product: products first, and no submission step since it could not be submitted
    assert steps(draft) == [(ADD_PRODUCTS, add_product(tree.draft_shop), PRODUCTS_FIRST), (COMPLETE, edit(tree.draft_shop), None)]


@pytest.mark.parametrize(("product", "threshold", "expected"), [
    ("santon_fr", 5, [("Couronne de Noël", 0, True), ("Brouillon de produit", 3, False), ("Santon en bois", 5, False)]),
    ("santon_fr", 4, [("Couronne de Noël", 0, True), ("Brouillon de produit", 3, False)]),
    ("draft_product", 2, [("Couronne de Noël", 0, True)]),
    ("couronne", 0, [("Couronne de Noël", 0, True), ("Brouillon de produit", 3, False)]),
    ("sculpture", 9999, [("Couronne de Noël", 0, True), ("Brouillon de produit", 3, False)]),
])
def test_a_product_is_in_alert_at_or_under_its_own_threshold(tree, merchant, product, threshold, expected):
    # Given one product's threshold set by the merchant (5 units at 5: alert; at 4: none; 0 units at 0: sold out)
    set_threshold(getattr(tree, product), threshold)

    # When the panel is read
    atelier = by_title(context_for(merchant))["Atelier du Bois Flotté"]

    # Then exactly the products at or under their threshold are listed
    assert alerts(atelier) == expected


def test_the_panel_html_lists_alerts_with_links_and_never_another_merchants_products(tree, merchant, other_merchant):
    set_threshold(tree.santon_fr, 5)
    client = Client()
    client.force_login(merchant)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert f'<a href="{stock_edit(tree.couronne)}">Couronne de Noël</a> — <strong>épuisé</strong>' in html
    assert f'<a href="{stock_edit(tree.draft_product)}">Brouillon de produit</a> — 3 restants' in html
    assert f'<a href="{stock_edit(tree.santon_fr)}">Santon en bois</a> — 5 restants' in html
    assert html.count('class="merchant-panel__alert"') == 3
    assert f'<a href="{STOCK}">Mettre à jour le stock</a>' in html
    assert "Vin chaud des Halles" not in html and "Café des Halles" not in html
    assert "Votre boutique est en ligne : les clients peuvent commander." in html
    assert "Votre boutique n'est pas encore visible : préparez-la, puis soumettez-la à l'office de tourisme." in html
    assert PRODUCTS_FIRST.replace("'", "&#x27;") in html


def test_the_other_merchant_sees_only_their_own_shop_and_alert(tree, merchant, other_merchant):
    accept_terms(other_merchant)

    shops = by_title(context_for(other_merchant))

    assert list(shops) == ["Café des Halles"]
    assert alerts(shops["Café des Halles"]) == [("Vin chaud des Halles", 1, False)]


def test_a_draft_shop_with_products_leads_to_its_submission(tree, merchant):
    # Given the draft shop has a product whose stock is not set yet
    product = f.make_product(tree.draft_shop, "Carnet de Noël", stock=False, live=False)

    draft = by_title(context_for(merchant))["Librairie en préparation"]

    assert (draft["products"], draft["products_without_stock"]) == (1, 1)
    assert steps(draft) == [(COMPLETE, edit(tree.draft_shop), None), (SET_STOCK, STOCK, None),
                            (SUBMIT, edit(tree.draft_shop), None)]

    # When its stock is set, the stock step goes
    ProductStock.objects.create(translation_key=product.translation_key, quantity=20)
    draft = by_title(context_for(merchant))["Librairie en préparation"]
    assert steps(draft) == [(COMPLETE, edit(tree.draft_shop), None), (SUBMIT, edit(tree.draft_shop), None)]


def test_a_shop_in_moderation_waits_for_the_tourism_office(tree, merchant):
    # Given the draft shop, with one stocked product, submitted for its first publication
    f.make_product(tree.draft_shop, "Carnet de Noël", stock=2, live=False)
    workflow = onboarding.first_publication_workflow(tree.territory)
    WorkflowPage.objects.create(workflow=workflow, page=tree.draft_shop)
    workflow.start(tree.draft_shop, merchant)
    client = Client()
    client.force_login(merchant)

    draft = by_title(context_for(merchant))["Librairie en préparation"]
    html = client.get(reverse("wagtailadmin_home")).content.decode()

    # Then it is in moderation, with its low stock as the only thing to act on
    assert (draft["status"], draft["status_label"]) == ("moderation", "En cours de validation par l'office de tourisme")
    assert steps(draft) == [(REFILL, STOCK, None)]
    assert "L'office de tourisme examine votre boutique avant sa première mise en ligne" in html

    # When the stock is above the threshold, nothing is left to do but wait
    ProductStock.objects.filter(translation_key=ProductPage.objects.get(title="Carnet de Noël").translation_key
                                ).update(quantity=10)
    draft = by_title(context_for(merchant))["Librairie en préparation"]
    assert steps(draft) == []
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Rien à faire pour l'instant." in html


def test_terms_not_accepted_come_first_in_every_shop(tree, merchant):
    TermsAcceptance.objects.filter(user=merchant).delete()

    shops = by_title(context_for(merchant))

    assert [steps(item)[0] for item in shops.values()] == [(ACCEPT_TERMS, TERMS, None)] * 3
    assert context_for(merchant)["terms_ok"] is False


def test_the_panel_is_in_english_for_an_english_speaking_merchant(tree, merchant):
    set_threshold(tree.santon_fr, 5)
    profile = UserProfile.get_for_user(merchant)
    profile.preferred_language = "en"
    profile.save()
    client = Client()
    client.force_login(merchant)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    for text in (
        "My shop", "Online", "Draft", "Stock alerts", "Couronne de Noël</a> — <strong>sold out</strong>",
        "Brouillon de produit</a> — 3 left", "Santon en bois</a> — 5 left", "Update stock",
        "Restock the products on stock alert", "Enter stock levels for your products",
        "Keep your stock up to date, especially after sales in your shop", "Follow and prepare your orders",
        "Add your products", "A shop without products cannot be submitted: start with your products.",
        "5 products — 1 without stock set", "Your shop is live: customers can order.",
        "Your shop is not visible yet: get it ready, then submit it to the tourism office.",
    ):
        assert text in html, text
    for french in ("épuisé", "restants", "Prochaines étapes", "Réapprovisionner", "Alertes de stock"):
        assert french not in html, french


def _shop_with_products(market, n):
    shop = f.make_shop(market, f"Boutique {n}")
    for i in range(3):
        f.make_product(shop, f"Produit {n}-{i}", stock=i)
    return shop


def queries_of_panel(user, django_assert_max_num_queries, limit):
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(limit) as captured:
        panel, request = panel_for(user)
        panel.render_html({"request": request})
    return len(captured.captured_queries)


def test_the_panel_reads_a_fixed_number_of_queries_for_any_number_of_shops(tree, django_assert_max_num_queries):
    # Given a merchant with one shop and another with four, each shop with three products
    one, four = User.objects.create_user("one"), User.objects.create_user("four")
    make_merchant(one, _shop_with_products(tree.market_fr, 1))
    for n in range(2, 6):
        make_merchant(four, _shop_with_products(tree.market_fr, n))
    accept_terms(one), accept_terms(four)

    # When each panel is built and rendered
    single = queries_of_panel(one, django_assert_max_num_queries, 16)
    several = queries_of_panel(four, django_assert_max_num_queries, 16)

    # Then the count does not grow with the shops
    assert several == single
