"""A shop's coordinates: validated, a fact shared with its translation, placed on a map in the admin."""

import math
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Locale

from home.demo.content import TERRITORIES, TOWN_CENTRES
from home.demo.plan import coordinates_near, plan_shops
from home.demo.translation import english_copy, translate
from portal.settings.base import map_tile_origin
from shops.map_widget import LocationMapWidget
from shops.models import ShopPage
from tests.fixtures import factories as f


@pytest.fixture
def market(db):
    return f.make_market(f.french_home())


def test_coordinates_are_facts_never_offered_to_translators():
    facts = {field.field_name: field.overridable for field in ShopPage.override_translatable_fields}
    assert facts["latitude"] is False and facts["longitude"] is False


@pytest.mark.parametrize(
    ("latitude", "longitude", "errors"),
    [
        ("48.577001", "-3.828502", set()),
        (None, None, set()),
        ("90", "180", set()),
        ("-90", "-180", set()),
        ("90.000001", "7.3585", {"latitude"}),
        ("48.0794", "-180.000001", {"longitude"}),
        ("48.0794", None, {"longitude"}),
        (None, "7.3585", {"latitude"}),
        ("48.07940001", "7.3585", {"latitude"}),  # more than six places
    ],
)
def test_coordinates_are_validated(market, latitude, longitude, errors):
    shop = f.make_shop(market)
    shop.latitude = Decimal(latitude) if latitude else None
    shop.longitude = Decimal(longitude) if longitude else None

    found = set()
    try:
        shop.full_clean()
    except ValidationError as error:
        found = set(error.message_dict) & {"latitude", "longitude"}

    assert found == errors


def test_publishing_the_french_shop_puts_its_coordinates_on_the_english_one(market):
    # Given a shop translated through wagtail-localize, without coordinates
    english = Locale.objects.get(language_code="en")
    home_fr = market.get_parent().specific
    translate(home_fr, english_copy(home_fr, title="Digital Christmas market"), english)
    translate(market, english_copy(market, title="Christmas market", slug="christmas-market"), english)
    shop = f.make_shop(market, "Ty Gwechall")
    translate(shop, english_copy(shop, title="Ty Gwechall"), english)
    english_shop = ShopPage.objects.get(translation_key=shop.translation_key, locale=english)
    assert (english_shop.latitude, english_shop.longitude) == (None, None)

    # When the merchant places the French shop and publishes it
    shop = ShopPage.objects.get(pk=shop.pk)
    shop.latitude, shop.longitude = Decimal("48.577001"), Decimal("-3.828502")
    shop.save_revision().publish()

    # Then the English page has them at once, live revision included; moved again, it follows
    english_shop.refresh_from_db()
    assert (english_shop.latitude, english_shop.longitude) == (Decimal("48.577001"), Decimal("-3.828502"))
    assert english_shop.live_revision.as_object().latitude == Decimal("48.577001")
    shop.latitude, shop.longitude = None, None
    shop.save_revision().publish()
    english_shop.refresh_from_db()
    assert (english_shop.latitude, english_shop.longitude) == (None, None)


def test_the_shop_page_shows_its_place_on_a_map_beside_its_address(market, client):
    placed = f.make_shop(market, "Ty Gwechall", latitude=Decimal("48.577001"), longitude=Decimal("-3.828502"))
    unplaced = f.make_shop(market, "Ailleurs")

    html = client.get(placed.url).content.decode()

    assert 'data-lat="48.577001" data-lon="-3.828502" data-name="Ty Gwechall"' in html
    assert f"<strong>Ty Gwechall</strong><br>{placed.street}<br>29600 Morlaix" in " ".join(html.split())
    assert '<script src="/static/js/market_map.js" defer></script>' in html
    assert "data-shop-location" not in client.get(unplaced.url).content.decode()


def test_the_admin_edit_form_places_the_shop_on_a_map_from_the_vendored_leaflet(market, client):
    # Given a placed shop and its editor (the operator)
    shop = f.make_shop(market, latitude=Decimal("48.577001"), longitude=Decimal("-3.828502"))
    client.force_login(User.objects.create_superuser("operator"))

    # When the edit form is opened
    response = client.get(reverse("wagtailadmin_pages:edit", args=[shop.pk]))

    # Then both inputs are there, editable, with the map under them, on files of the site only
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="latitude" value="48.577001"' in html
    assert 'name="longitude" value="-3.828502"' in html
    assert 'data-location-map data-latitude-name="latitude" data-longitude-name="longitude"' in html
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert 'src="/static/shops/js/location_widget.js"' in html
    assert "unpkg.com" not in html and "cdnjs" not in html and "jsdelivr" not in html


def test_the_widget_names_the_latitude_input_of_its_own_form_prefix():
    html = LocationMapWidget().render("shop-longitude", Decimal("7.3585"), attrs={"id": "id_shop-longitude"})

    assert 'data-latitude-name="shop-latitude" data-longitude-name="shop-longitude"' in html
    assert 'value="7.3585"' in html and 'step="0.000001"' in html


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.net/light/{z}/{x}/{y}@2x.png?key=abc", "https://*.tiles.example.net"),
        ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("/static/tiles/{z}/{x}/{y}.png", None),
        ("data:image/png;base64,iVBORw0KGgo=", None),
    ],
)
def test_the_pages_policies_allow_the_tiles_origin(url, origin):
    assert map_tile_origin(url) == origin


def test_the_tests_blank_tile_needs_no_host_and_the_policies_allow_none(settings):
    assert settings.MAP_TILE_URL.startswith("data:image/png;base64,")
    for policy in (settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_ADMIN):
        assert not [s for s in policy["DIRECTIVES"]["img-src"] if "openstreetmap" in s]


def metres_between(a, b) -> float:
    (lat1, lon1), (lat2, lon2) = ((float(x), float(y)) for x, y in (a, b))
    north = (lat2 - lat1) * 111_320
    east = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


def test_every_demo_shop_stands_a_few_hundred_metres_from_its_towns_centre_each_at_its_own_place():
    for territory in TERRITORIES:
        plans = plan_shops(territory, 12, 1, 1)
        places = [plan.coordinates for plan in plans]
        assert len(set(places)) == len(places), territory.name
        for plan, place in zip(plans, places, strict=True):
            assert 50 <= metres_between(TOWN_CENTRES[plan.town.name], place) <= 300, (plan.name, place)
    # the same shop is planned at the same place on every run
    assert coordinates_near(("48.0794", "7.3585"), 0) == (Decimal("48.080029"), Decimal("7.358500"))  # 70 m north
    assert {town.name for territory in TERRITORIES for town in territory.towns} == set(TOWN_CENTRES)
