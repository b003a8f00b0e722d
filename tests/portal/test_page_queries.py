"""Query budgets of the public pages for an anonymous visitor, rendered (never answered from the page cache).

Each page is requested once first, so that what is cached across requests
(image renditions, sites' root paths) is warm; the second request is counted.
The counts must not depend on the number of shops or products.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference

# What each page costs now (see the report of each query below when one is over):
# - every page: the home page's specific row (Wagtail's router); the page's translations (language switcher and
#   hreflang). The site, the active locale, the page's locale and the view restrictions (none while no page is
#   restricted) come from each process's copy, checked against one version in the shared cache
#   (portal.locale_cache): no query;
# - home: the markets, their heroes' renditions;
# - market, shop and product: the page with its market and shop above it (home.routing, one query);
# - market: facets and total, partners, the page of shop cards, their covers' renditions, their delivery
#   options, the map's markers, the help pages;
# - shop: its products with their stock, their covers' renditions, delivery options, opening hours, photos;
# - product: its stock, its photos.
BUDGETS = {"home": 4, "market": 10, "shop": 8, "product": 5}


@dataclass
class Scene:
    home: object
    market: object
    shops: list = field(default_factory=list)
    products: list = field(default_factory=list)  # the first shop's


def build_scene(shops: int, products: int) -> Scene:
    home = f.french_home()
    f.english_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"), hero_image=f.make_image("Marché"))
    f.make_help_page(market)
    scene = Scene(home=home, market=market)
    grow(scene, shops, products)
    return scene


def grow(scene: Scene, shops: int, products: int) -> None:
    """Up to `shops` shops, each with a cover, coordinates, delivery options and a product; `products` in the first."""
    while len(scene.shops) < shops:
        shop = f.make_shop(
            scene.market, cover_image=f.make_image(),
            delivery_options=[f.pickup(), f.home_delivery(), f.postal(active=False)],
            latitude=Decimal("48.577"), longitude=Decimal("-3.828"),
        )
        product = f.make_product(shop, cover_image=f.make_image())
        scene.shops.append(shop)
        if len(scene.shops) == 1:
            scene.products.append(product)
    while len(scene.products) < products:
        scene.products.append(f.make_product(scene.shops[0], cover_image=f.make_image()))


def page_urls(scene: Scene) -> dict[str, str]:
    return {
        "home": scene.home.url,
        "market": scene.market.url,
        "shop": scene.shops[0].url,
        "product": scene.products[0].url,
    }


def count_queries(client, url) -> list[str]:
    """The SQL of a GET of `url`, after a first GET that warms the renditions and Wagtail's caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert "Cache-Control" not in response or "public" not in response["Cache-Control"]
    return [query["sql"] for query in captured.captured_queries]


def measure(client, scene: Scene) -> dict[str, list[str]]:
    return {name: count_queries(client, url) for name, url in page_urls(scene).items()}


@pytest.fixture
def uncached(settings):
    # Counts are of the render: the page cache (portal.page_cache) would answer the second request.
    settings.PAGE_CACHE_ENABLED = False


def assert_within_budgets(counted: dict[str, list[str]]) -> None:
    over = {name: sql for name, sql in counted.items() if len(sql) > BUDGETS[name]}
    report = "\n\n".join(
        f"{name}: {len(sql)} queries, budget {BUDGETS[name]}\n" + "\n".join(sql) for name, sql in over.items()
    )
    assert not over, report


def test_public_pages_stay_within_their_query_budgets(client, db, uncached):
    # given a market of 3 shops, the first one with 2 products
    scene = build_scene(shops=3, products=2)

    # when an anonymous visitor opens each page
    counted = measure(client, scene)

    # then each costs at most its budget
    assert_within_budgets(counted)


def test_query_counts_do_not_grow_with_shops_and_products(client, db, uncached, settings):
    # given 3 shops and 2 products, then 12 shops (one page of the market, as configured) and 8 products
    assert settings.SHOPS_PER_PAGE == 12
    scene = build_scene(shops=3, products=2)
    small = measure(client, scene)
    grow(scene, shops=12, products=8)

    # when the same pages are opened again
    large = measure(client, scene)

    # then each page costs exactly the same
    for name in small:
        assert len(large[name]) == len(small[name]), f"{name}:\n" + explain_difference(small[name], large[name])
    assert len(client.get(scene.market.url).context["shops"].object_list) == 12
    assert len(client.get(scene.shops[0].url).context["products"]) == 8
    assert_within_budgets(large)


def test_a_page_found_in_one_query_is_served_as_wagtail_would(client, db, uncached):
    # given the scene's pages, a help page and a market sub-route that the one-query routing leaves to Wagtail
    scene = build_scene(shops=1, products=1)
    help_page = scene.market.get_children().type(f.HelpPage).first()

    # then each answers, and an unpublished product or an unknown path is not found
    for url in (*page_urls(scene).values(), help_page.url, scene.market.url + "recherche/?q=produit"):
        assert client.get(url).status_code == 200, url
    draft = f.make_product(scene.shops[0], live=False)
    assert client.get(scene.shops[0].url + draft.slug + "/").status_code == 404
    assert client.get(scene.shops[0].url + "nothing-here/").status_code == 404
    assert client.get(scene.market.url + "nothing/here/at-all/").status_code == 404


def test_the_routed_page_knows_its_parents_without_queries(client, db, uncached):
    # given a product page as the router found it
    scene = build_scene(shops=1, products=1)
    response = client.get(scene.products[0].url)

    # then its shop and market are those of the context, and reading them again costs nothing
    page = response.context["page"]
    with CaptureQueriesContext(connection) as captured:
        shop = page.get_parent()
        market = shop.get_parent()
        home = market.get_parent()
    assert (shop.pk, market.pk, home.pk) == (scene.shops[0].pk, scene.market.pk, scene.home.pk)
    assert (type(shop).__name__, type(market).__name__) == ("ShopPage", "MarketPage")
    assert captured.captured_queries == []
