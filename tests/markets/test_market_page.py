import pytest
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage
from markets.models import HelpPage, MarketPage
from shops.models import ProductPage, ShopPage
from tests.fixtures.pages import assert_served_in_its_language

rules = WagtailPageTestCase()


def titles(response):
    return [shop.title for shop in response.context["shops"].object_list]


def test_market_page_sits_under_a_home_page_and_holds_shops_and_help():
    rules.assertAllowedParentPageTypes(MarketPage, {HomePage})
    rules.assertAllowedSubpageTypes(MarketPage, {ShopPage, HelpPage})
    rules.assertCanCreateAt(MarketPage, ShopPage)
    rules.assertCanCreateAt(MarketPage, HelpPage)
    rules.assertCanNotCreateAt(MarketPage, ProductPage)
    rules.assertCanNotCreateAt(MarketPage, MarketPage)
    rules.assertCanNotCreateAt(ShopPage, MarketPage)


def test_help_page_sits_under_a_market_page_and_holds_nothing():
    rules.assertAllowedParentPageTypes(HelpPage, {MarketPage})
    rules.assertAllowedSubpageTypes(HelpPage, set())
    rules.assertCanNotCreateAt(HomePage, HelpPage)
    rules.assertCanNotCreateAt(ShopPage, HelpPage)


@pytest.mark.parametrize(
    ("page_name", "language", "title"),
    [
        ("market_fr", "fr", "Marché de Noël du Pays de Morlaix"),
        ("market_en", "en", "Christmas market of the Morlaix area"),
        ("help_fr", "fr", "Comment commander"),
        ("help_en", "en", "How to order"),
    ],
)
def test_market_and_help_pages_render_in_each_language(tree, client, page_name, language, title):
    # given a page of the tree
    page = getattr(tree, page_name)

    # when a visitor opens it at its public URL,
    # then it answers in the page's language, with the page's title
    assert_served_in_its_language(client, page, language, title)


def test_market_page_lists_its_live_shops_by_title(tree, client):
    # given three live shops, a draft shop and an unpublished one
    # when the market page is opened
    response = client.get(tree.market_fr.url)

    # then only the live shops are listed, by title
    assert titles(response) == ["Atelier du Bois Flotté", "Café des Halles", "Épicerie Kerjean"]
    assert response.context["filters"].active is False
    assert [p.title for p in response.context["help_pages"]] == ["Comment commander"]


def test_english_market_page_lists_the_english_shops_only(tree, client):
    # given two of the three shops translated
    response = client.get(tree.market_en.url)

    # then the English market lists those two, under their English names
    assert titles(response) == ["Driftwood Workshop", "Kerjean Grocery"]
    assert [p.title for p in response.context["help_pages"]] == ["How to order"]


def test_untranslated_shop_has_no_english_url(tree, client):
    # given a French-only shop / when its French path is asked under /en/
    french_path = tree.cafe_fr.url

    # then there is no such English page
    assert client.get(french_path).status_code == 200
    assert client.get("/en/" + french_path.removeprefix("/fr/")).status_code == 404


def test_unpublishing_a_shop_takes_it_off_the_list(tree, client):
    # given a listed shop
    assert "Café des Halles" in titles(client.get(tree.market_fr.url))

    # when its merchant unpublishes it
    tree.cafe_fr.unpublish()

    # then the market no longer lists it and its page is gone
    assert titles(client.get(tree.market_fr.url)) == ["Atelier du Bois Flotté", "Épicerie Kerjean"]
    assert client.get(tree.cafe_fr.url).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "artisan"}, ["Atelier du Bois Flotté"]),
        ({"category": "food"}, ["Épicerie Kerjean"]),
        ({"category": "restaurant"}, ["Café des Halles"]),
        ({"category": "stay"}, []),
        # the unpublished shop offers home delivery: it must not show up
        ({"delivery": "home"}, ["Épicerie Kerjean"]),
        # the café has two pick-up points: listed once
        ({"delivery": "pickup"}, ["Atelier du Bois Flotté", "Café des Halles", "Épicerie Kerjean"]),
        # the atelier's postal option is switched off
        ({"delivery": "postal"}, []),
        ({"category": "food", "delivery": "pickup"}, ["Épicerie Kerjean"]),
        ({"category": "artisan", "delivery": "home"}, []),
    ],
)
def test_market_page_filters_by_category_and_delivery_mode(tree, client, query, expected):
    # when the visitor filters the list
    response = client.get(tree.market_fr.url, query)

    # then exactly the matching live shops are listed
    assert titles(response) == expected
    assert response.context["filters"].active is True
    assert response.context["shops"].paginator.count == len(expected)


@pytest.mark.parametrize(
    "query",
    [
        {"category": "casino"},
        {"delivery": "drone"},
        {"category": "Artisan"},
        {"delivery": "pickup'; DROP TABLE shops_shoppage; --"},
        {"category": ""},
    ],
)
def test_market_page_ignores_unknown_filter_values(tree, client, query):
    response = client.get(tree.market_fr.url, query)

    assert response.status_code == 200
    assert titles(response) == ["Atelier du Bois Flotté", "Café des Halles", "Épicerie Kerjean"]
    assert response.context["filters"].category == ""
    assert response.context["filters"].delivery == ""
    assert response.context["filters"].active is False


def test_english_market_filters_its_own_delivery_options(tree, client):
    # the translation copied the atelier's options, the postal one still off
    assert titles(client.get(tree.market_en.url, {"delivery": "postal"})) == []
    assert titles(client.get(tree.market_en.url, {"delivery": "home"})) == ["Kerjean Grocery"]


def test_switching_a_delivery_option_off_drops_the_shop_from_that_filter(tree, client):
    # given the épicerie delivering at home
    assert titles(client.get(tree.market_fr.url, {"delivery": "home"})) == ["Épicerie Kerjean"]

    # when the merchant switches home delivery off
    tree.epicerie_fr.delivery_options.filter(kind="home").update(active=False)

    # then the filter no longer finds it, and its card no longer shows that mode
    assert titles(client.get(tree.market_fr.url, {"delivery": "home"})) == []
    card = next(s for s in client.get(tree.market_fr.url).context["shops"] if s.title == "Épicerie Kerjean")
    assert [option.kind for option in card.active_delivery_options] == ["pickup"]


def test_shop_cards_carry_only_active_delivery_options(tree, client):
    shops = {s.title: s for s in client.get(tree.market_fr.url).context["shops"]}

    assert [o.kind for o in shops["Atelier du Bois Flotté"].active_delivery_options] == ["pickup"]
    assert [o.kind for o in shops["Épicerie Kerjean"].active_delivery_options] == ["home", "pickup"]
    assert [o.kind for o in shops["Café des Halles"].active_delivery_options] == ["pickup", "pickup"]


@pytest.mark.parametrize(
    ("page", "expected_number", "expected"),
    [
        ("1", 1, ["Atelier du Bois Flotté", "Café des Halles"]),
        ("2", 2, ["Épicerie Kerjean"]),
        ("99", 2, ["Épicerie Kerjean"]),  # past the end: the last page
        ("0", 2, ["Épicerie Kerjean"]),
        ("abc", 1, ["Atelier du Bois Flotté", "Café des Halles"]),  # not a number: the first page
        ("", 1, ["Atelier du Bois Flotté", "Café des Halles"]),
    ],
)
def test_market_page_paginates_shops(tree, client, settings, page, expected_number, expected):
    # given two shops per page
    settings.SHOPS_PER_PAGE = 2

    # when a page of the list is asked
    response = client.get(tree.market_fr.url, {"page": page})

    # then that page (or the nearest that exists) is shown
    shops = response.context["shops"]
    assert response.status_code == 200
    assert shops.number == expected_number
    assert titles(response) == expected
    assert shops.paginator.num_pages == 2
    assert shops.paginator.count == 3


def test_market_page_paginates_filtered_shops(tree, client, settings):
    settings.SHOPS_PER_PAGE = 2

    response = client.get(tree.market_fr.url, {"delivery": "pickup", "page": "2"})

    assert titles(response) == ["Épicerie Kerjean"]
    assert response.context["filters"].querystring() == "delivery=pickup"
    # the filtered pages are views of the market's list: their links are not followed by search engines
    html = response.content.decode()
    assert '<a href="?delivery=pickup&amp;page=1#shops-title" rel="prev nofollow">' in html
    unfiltered = client.get(tree.market_fr.url, {"page": "2"}).content.decode()
    assert '<a href="?page=1#shops-title" rel="prev">' in unfiltered


def test_market_page_shows_live_partners_only(tree, client):
    from markets.models import MarketPagePartner, PartnerContact

    # given a published partner and a draft one on the market
    fr = tree.market_fr.locale
    office = PartnerContact.objects.create(kind="tourism_office", name="Office de tourisme de Morlaix", locale=fr)
    draft = PartnerContact.objects.create(kind="chamber", name="CCI (brouillon)", locale=fr, live=False)
    for order, partner in enumerate([office, draft]):
        MarketPagePartner.objects.create(page=tree.market_fr, partner=partner, sort_order=order)

    # when the market page is opened
    response = client.get(tree.market_fr.url)

    # then only the live partner is shown
    assert [p.name for p in response.context["partners"]] == ["Office de tourisme de Morlaix"]


def test_the_english_market_page_shows_its_partners_in_english(tree, client):
    from markets.models import MarketPagePartner, PartnerContact

    # given two partners chosen on the French page, one translated into English and one not
    fr, en = tree.market_fr.locale, tree.market_en.locale
    office = PartnerContact.objects.create(kind="tourism_office", name="Office de tourisme de Morlaix", locale=fr)
    chamber = PartnerContact.objects.create(kind="chamber", name="CCI Bretagne ouest", locale=fr)
    english_office = office.copy_for_translation(en)
    english_office.name = "Morlaix tourist office"
    english_office.save()
    for order, partner in enumerate([office, chamber]):
        MarketPagePartner.objects.create(page=tree.market_en, partner=partner, sort_order=order)

    # when the English market page is opened
    response = client.get(tree.market_en.url)

    # then the translated partner shows in English, the other in French, in the editor's order
    assert [p.name for p in response.context["partners"]] == ["Morlaix tourist office", "CCI Bretagne ouest"]
    # and the French page shows its French contact
    MarketPagePartner.objects.create(page=tree.market_fr, partner=office, sort_order=0)
    assert [p.name for p in tree.market_fr.specific.partners_shown()] == ["Office de tourisme de Morlaix"]
