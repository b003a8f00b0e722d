import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from home.models import HomePage, LegalPage
from markets.models import HelpPage, MarketPage
from shops.models import ProductPage, ShopPage
from tests.fixtures.pages import assert_served_in_its_language

rules = WagtailPageTestCase()


def test_home_page_sits_at_the_root_and_holds_only_markets():
    rules.assertAllowedParentPageTypes(HomePage, {Page})
    rules.assertAllowedSubpageTypes(HomePage, {MarketPage, LegalPage})
    rules.assertCanCreateAt(Page, HomePage)
    rules.assertCanCreateAt(HomePage, MarketPage)
    for other in (ShopPage, ProductPage, HelpPage, HomePage):
        rules.assertCanNotCreateAt(HomePage, other)


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Marché de Noël numérique"), ("en", "Digital Christmas market")]
)
def test_home_page_renders_in_each_language(tree, client, language, title):
    # given the home page and its English translation
    home = tree.home_fr if language == "fr" else tree.home_en

    # when a visitor opens it at its URL,
    # then it is served in that language with its own title
    assert home.url == f"/{language}/"
    assert_served_in_its_language(client, home, language, title)


def test_home_page_lists_the_live_markets_of_its_own_language(tree, client):
    # given a live market (fr and en) and a draft market (fr)
    # when each home page is opened
    french = client.get(tree.home_fr.url).context["markets"]
    english = client.get(tree.home_en.url).context["markets"]

    # then each lists its own language's live market, not the draft
    assert [m.title for m in french] == ["Marché de Noël du Pays de Morlaix"]
    assert [m.title for m in english] == ["Christmas market of the Morlaix area"]
