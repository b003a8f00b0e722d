import pytest
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage
from markets.models import HelpPage, MarketPage
from shops.models import ProductPage, ProductStock, ShopPage
from shops.stock import Availability
from tests.fixtures.pages import assert_served_in_its_language

rules = WagtailPageTestCase()


def test_shop_page_sits_under_a_market_and_holds_products():
    rules.assertAllowedParentPageTypes(ShopPage, {MarketPage})
    rules.assertAllowedSubpageTypes(ShopPage, {ProductPage})
    rules.assertCanNotCreateAt(HomePage, ShopPage)
    rules.assertCanNotCreateAt(ShopPage, ShopPage)


def test_product_page_sits_under_a_shop_and_holds_nothing():
    rules.assertAllowedParentPageTypes(ProductPage, {ShopPage})
    rules.assertAllowedSubpageTypes(ProductPage, set())
    for parent in (HomePage, MarketPage, HelpPage, ProductPage):
        rules.assertCanNotCreateAt(parent, ProductPage)


@pytest.mark.parametrize(
    ("page_name", "language", "title"),
    [
        ("atelier_fr", "fr", "Atelier du Bois Flotté"),
        ("atelier_en", "en", "Driftwood Workshop"),
        ("santon_fr", "fr", "Santon en bois"),
        ("santon_en", "en", "Wooden figurine"),
    ],
)
def test_shop_and_product_pages_render_in_each_language(tree, client, page_name, language, title):
    # given a page of the tree
    page = getattr(tree, page_name)

    # when a visitor opens it at its public URL,
    # then it answers in the page's language, with the page's title
    assert_served_in_its_language(client, page, language, title)


def test_product_page_knows_its_shop(tree, client):
    assert client.get(tree.santon_fr.url).context["shop"].pk == tree.atelier_fr.pk
    assert client.get(tree.santon_en.url).context["shop"].pk == tree.atelier_en.pk


def test_draft_and_withdrawn_pages_are_not_served(tree, client):
    # given a draft product, a draft shop and a withdrawn shop, at the paths they would have
    paths = [
        tree.atelier_fr.url + "brouillon-de-produit/",
        tree.market_fr.url + "librairie-en-préparation/",
        tree.market_fr.url + "boutique-retirée/",
    ]
    assert [tree.draft_product.slug, tree.draft_shop.slug, tree.withdrawn_shop.slug] == [
        "brouillon-de-produit", "librairie-en-préparation", "boutique-retirée",
    ]

    # then no visitor gets them
    assert [client.get(path).status_code for path in paths] == [404, 404, 404]


def test_shop_page_lists_its_live_products_with_their_availability(tree, client):
    # given four live products (stock 5, unlimited, 0, no stock row) and a draft
    # when the shop page is opened
    products = client.get(tree.atelier_fr.url).context["products"]

    # then the live ones are listed in the merchant's order, each with what can be bought
    assert [(p.title, p.availability) for p in products] == [
        ("Santon en bois", Availability(5)),
        ("Atelier sculpture", Availability(None)),
        ("Couronne de Noël", Availability(0)),
        ("Bougie parfumée", Availability(0)),
    ]
    assert [p.availability.in_stock for p in products] == [True, True, False, False]
    assert [p.availability.unlimited for p in products] == [False, True, False, False]


def test_english_shop_page_lists_its_translated_products_with_the_shared_stock(tree, client):
    products = client.get(tree.atelier_en.url).context["products"]

    assert [(p.title, p.availability) for p in products] == [("Wooden figurine", Availability(5))]


def test_shop_page_shows_active_delivery_options_only(tree, client):
    # given the atelier's pick-up (active) and postal (inactive)
    options = client.get(tree.atelier_fr.url).context["delivery_options"]

    # then only the pick-up is offered
    assert [(o.kind, o.fee, o.detail) for o in options] == [
        ("pickup", 0, "En boutique, du mardi au samedi, 10 h – 19 h"),
    ]


def test_shop_page_shows_an_option_again_when_switched_on(tree, client):
    tree.atelier_fr.delivery_options.filter(kind="postal").update(active=True)

    options = client.get(tree.atelier_fr.url).context["delivery_options"]

    assert [o.kind for o in options] == ["pickup", "postal"]


@pytest.mark.parametrize(
    ("product_name", "expected"),
    [("santon_fr", Availability(5)), ("santon_en", Availability(5)), ("sculpture", Availability(None)),
     ("couronne", Availability(0)), ("bougie", Availability(0))],
)
def test_product_page_shows_its_availability(tree, client, product_name, expected):
    product = getattr(tree, product_name)

    assert client.get(product.url).context["availability"] == expected


def test_french_and_english_product_pages_share_one_stock_row(tree, client):
    # given the santon in French and English
    assert tree.santon_fr.translation_key == tree.santon_en.translation_key
    assert ProductStock.objects.filter(translation_key=tree.santon_fr.translation_key).count() == 1
    stock_rows = ProductStock.objects.count()

    # when two are sold (a conditional update, as checkout does)
    ProductStock.objects.filter(translation_key=tree.santon_fr.translation_key).update(quantity=3, sold=2)

    # then both languages show the same remaining stock, and no row was added
    assert client.get(tree.santon_fr.url).context["availability"] == Availability(3)
    assert client.get(tree.santon_en.url).context["availability"] == Availability(3)
    assert ProductStock.objects.count() == stock_rows


def test_republishing_a_product_does_not_bring_old_stock_back(tree, client):
    # given a product whose first revision was published with stock 5
    first_revision = tree.santon_fr.live_revision
    ProductStock.objects.filter(translation_key=tree.santon_fr.translation_key).update(quantity=1, sold=4)

    # when an editor edits and publishes the page, then rolls back to the first revision
    tree.santon_fr.title = "Santon en bois (nouveau)"
    tree.santon_fr.save_revision().publish()
    first_revision.publish()

    # then the stock is still what sales left, in both languages
    row = ProductStock.objects.get(translation_key=tree.santon_fr.translation_key)
    assert (row.quantity, row.sold) == (1, 4)
    assert client.get(tree.santon_fr.url).context["availability"] == Availability(1)
    assert client.get(tree.santon_en.url).context["availability"] == Availability(1)
