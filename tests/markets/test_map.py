"""A market's map: its published shops with coordinates, in the visitor's language, from one query."""

import json
from decimal import Decimal
from html.parser import HTMLParser

from django.utils import translation

from markets.map import market_markers
from shops.models import ShopPage
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count
from tests.markets.test_queries import consume_market


def place(page, latitude: str, longitude: str) -> ShopPage:
    """Give a French shop coordinates and publish it (its English translation follows)."""
    page = ShopPage.objects.get(pk=page.pk)
    page.latitude, page.longitude = Decimal(latitude), Decimal(longitude)
    page.save_revision().publish()
    return page


def place_draft(page, latitude: str, longitude: str) -> None:
    ShopPage.objects.filter(pk=page.pk).update(latitude=Decimal(latitude), longitude=Decimal(longitude))


class JsonBlocks(HTMLParser):
    """The page's <script> elements: their attributes and text."""

    def __init__(self):
        super().__init__()
        self.scripts, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = {"attrs": dict(attrs), "text": ""}
            self.scripts.append(self._current)

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None


def scripts(response) -> list[dict]:
    parser = JsonBlocks()
    parser.feed(response.content.decode())
    return parser.scripts


def test_markers_are_the_published_shops_with_coordinates_of_this_market_only(tree, django_assert_num_queries):
    # Given coordinates on two live shops, on a draft, on a withdrawn shop and on a shop of another market
    place(tree.atelier_fr, "48.577001", "-3.828502")
    place(tree.epicerie_fr, "48.578123", "-3.830000")
    place_draft(tree.draft_shop, "48.5", "-3.8")
    place_draft(tree.withdrawn_shop, "48.5", "-3.8")
    other_market = f.make_market(tree.home_fr, f.make_territory("Trégor"), title="Marché du Trégor")
    f.make_shop(other_market, "Ailleurs", latitude=Decimal("48.7"), longitude=Decimal("-3.4"))
    # (the café has no coordinates)

    # When the markers of the French market are built
    market_url = tree.market_fr.url
    with django_assert_num_queries(1):
        markers = market_markers(tree.market_fr, market_url)

    # Then they are the two live shops with coordinates, by name, with their active delivery modes only
    assert markers == [
        {
            "name": "Atelier du Bois Flotté",
            "url": tree.atelier_fr.url,
            "category": "Artisan et créateur",
            "lat": 48.577001,
            "lon": -3.828502,
            "modes": ["Retrait en boutique"],  # its postal option is switched off
        },
        {
            "name": "Épicerie Kerjean",
            "url": tree.epicerie_fr.url,
            "category": "Épicerie et produits du terroir",
            "lat": 48.578123,
            "lon": -3.83,
            "modes": ["Retrait en boutique", "Livraison à domicile"],
        },
    ]


def test_the_english_market_lists_the_english_shops_with_the_french_coordinates(tree):
    # Given a French shop placed and published: its English translation gets the coordinates (a fact)
    place(tree.atelier_fr, "48.577001", "-3.828502")
    place(tree.epicerie_fr, "48.578123", "-3.830000")

    # When the English market's markers are built, in English
    with translation.override("en"):
        markers = market_markers(tree.market_en, tree.market_en.url)
        expected_category = str(tree.atelier_fr.get_category_display())

    # Then they name the English pages at their English URLs; the café, untranslated, is not there
    assert [(m["name"], m["url"], m["lat"], m["lon"]) for m in markers] == [
        ("Driftwood Workshop", tree.atelier_en.url, 48.577001, -3.828502),
        ("Kerjean Grocery", tree.epicerie_en.url, 48.578123, -3.83),
    ]
    assert markers[0]["category"] == expected_category != "Artisan et créateur"
    assert "Retrait en boutique" not in markers[1]["modes"] and len(markers[1]["modes"]) == 2


def test_the_market_page_carries_the_markers_as_a_json_data_block_and_a_list(tree, client):
    # Given two placed shops
    place(tree.atelier_fr, "48.577001", "-3.828502")
    place(tree.epicerie_fr, "48.578123", "-3.830000")

    # When a visitor opens the market page
    response = client.get(tree.market_fr.url)

    # Then the markers are a JSON data block (not run, so the policy allows it), equal to the markers' data
    html = response.content.decode()
    blocks = [s for s in scripts(response) if s["attrs"].get("id") == "market-map-data"]
    assert len(blocks) == 1 and blocks[0]["attrs"]["type"] == "application/json"
    assert json.loads(blocks[0]["text"]) == market_markers(tree.market_fr, tree.market_fr.url)
    # every other script is a file of the site, the map's script among them
    sources = [s["attrs"]["src"] for s in scripts(response) if "src" in s["attrs"]]
    assert all(s["text"].strip() == "" for s in scripts(response) if "src" in s["attrs"])
    assert {"/static/vendor/leaflet/leaflet.js", "/static/js/market_map.js"} <= set(sources)
    assert not any(src.startswith(("http:", "https:", "//")) for src in sources)
    # the map waits hidden for its script; the list beside it links every shop, for everyone
    assert 'id="market-map" hidden' in html
    assert f'<a href="{tree.atelier_fr.url}">Atelier du Bois Flotté</a>' in html
    assert "Retrait en boutique · Livraison à domicile" not in html  # the list says modes of its own shop only
    assert "Épicerie et produits du terroir · Retrait en boutique, Livraison à domicile" in html


def test_a_market_without_placed_shops_shows_no_map(tree, client):
    response = client.get(tree.market_fr.url)

    assert "market-map" not in response.content.decode()
    assert "leaflet" not in response.content.decode()


def test_the_map_costs_the_market_page_the_same_queries_for_3_or_12_placed_shops(tree, client, settings):
    # Given a market of three shops without coordinates, then placed, then twelve placed shops
    settings.SHOPS_PER_PAGE = 100
    market = f.make_market(tree.home_fr, f.make_territory("Trégor"), title="Marché du Trégor")
    shops = [
        f.make_shop(market, cover_image=f.make_image(), delivery_options=[f.pickup(), f.home_delivery()])
        for _ in range(3)
    ]
    unplaced = render_and_count(client, market.url, consume_market)
    for n, shop in enumerate(shops):
        place(shop, f"48.{n}", "-3.5")
    three = render_and_count(client, market.url, consume_market)
    for n in range(9):
        f.make_shop(
            market,
            cover_image=f.make_image(),
            latitude=Decimal(f"48.{n}1"),
            longitude=Decimal("-3.6"),
            delivery_options=[f.pickup(), f.postal()],
        )

    # When the page is rendered with 12 markers
    twelve = render_and_count(client, market.url, consume_market)

    # Then the markers cost the same whatever their number, and nothing more than the page without them
    assert len(json.loads(market_map_data(client.get(market.url)))) == 12
    assert len(twelve) == len(three) == len(unplaced), explain_difference(unplaced, twelve)


def market_map_data(response) -> str:
    return next(s["text"] for s in scripts(response) if s["attrs"].get("id") == "market-map-data")


def test_a_search_maps_the_shops_it_found_and_only_those(tree, client):
    # Given two placed shops, one of them selling a panettone
    place(tree.atelier_fr, "48.577001", "-3.828502")
    place(tree.epicerie_fr, "48.578123", "-3.830000")
    f.make_product(tree.epicerie_fr, "Panettone aux fruits")

    # When a visitor searches the market for it
    search = tree.market_fr.url + tree.market_fr.reverse_subpage("search") + "?q=panettone"
    response = client.get(search)

    # Then the map holds the shop found, and the market page still maps both
    [block] = [s for s in scripts(response) if s["attrs"].get("id") == "market-map-data"]
    assert [marker["name"] for marker in json.loads(block["text"])] == ["Épicerie Kerjean"]
    [block] = [s for s in scripts(client.get(tree.market_fr.url)) if s["attrs"].get("id") == "market-map-data"]
    assert [marker["name"] for marker in json.loads(block["text"])] == ["Atelier du Bois Flotté", "Épicerie Kerjean"]
