"""A visitor finds shops on the market's map and follows one to its page (blank tiles: no network)."""

from decimal import Decimal

import pytest

from shops.models import ShopPage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def place(page, latitude: str, longitude: str) -> None:
    page = ShopPage.objects.get(pk=page.pk)
    page.latitude, page.longitude = Decimal(latitude), Decimal(longitude)
    page.save_revision().publish()


def test_visitor_sees_the_shops_on_the_map_and_follows_a_marker_to_its_shop(web, live_tree):
    # Given two shops of the market placed in Morlaix, some 200 m apart (the café is not placed)
    place(live_tree.atelier_fr, "48.577001", "-3.828502")
    place(live_tree.epicerie_fr, "48.578800", "-3.829900")

    # When a visitor opens the market page
    web.goto(live_tree.market_fr.url)

    # Then the map shows one marker per placed shop, on blank tiles, beside the list of those shops
    map_region = web.get_by_role("region", name="Carte des boutiques du marché")
    map_region.wait_for()
    markers = map_region.locator(".leaflet-marker-icon")
    markers.first.wait_for()
    assert sorted(markers.evaluate_all("els => els.map(e => e.title)")) == [
        "Atelier du Bois Flotté",
        "Épicerie Kerjean",
    ]
    tiles = map_region.locator("img.leaflet-tile").evaluate_all("els => els.map(e => e.src)")
    assert tiles and all(src.startswith("data:image/png") for src in tiles)
    shop_list = web.get_by_role("list", name="Liste des boutiques de la carte")
    assert shop_list.get_by_role("link").all_inner_texts() == ["Atelier du Bois Flotté", "Épicerie Kerjean"]

    # When they open a marker, its popup names the shop, its category and delivery modes
    map_region.locator('.leaflet-marker-icon[title="Épicerie Kerjean"]').click()
    popup = map_region.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Épicerie et produits du terroir" in popup.inner_text()
    assert "Livraison à domicile" in popup.inner_text()

    # and its link leads to the shop, whose page shows its own place on a map
    popup.get_by_role("link", name="Voir la boutique").click()
    web.wait_for_url(f"**{live_tree.epicerie_fr.url}")
    assert web.get_by_role("heading", level=1).inner_text() == "Épicerie Kerjean"
    shop_map = web.get_by_role("region", name="Carte : emplacement de Épicerie Kerjean")
    shop_map.locator(".leaflet-marker-icon").wait_for()
    assert shop_map.locator(".leaflet-marker-icon").get_attribute("title") == "Épicerie Kerjean"


def test_without_javascript_the_list_stands_in_for_the_map(browser, live_server, live_tree):
    place(live_tree.atelier_fr, "48.577001", "-3.828502")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    web = context.new_page()

    web.goto(live_tree.market_fr.url)

    assert not web.locator("#market-map").is_visible()
    web.get_by_role("list", name="Liste des boutiques de la carte").get_by_role("link").click()
    web.wait_for_url(f"**{live_tree.atelier_fr.url}")
    assert web.get_by_role("heading", level=1).inner_text() == "Atelier du Bois Flotté"
    context.close()


def test_an_editor_places_the_shop_by_clicking_the_admin_map_and_saves_it(web, live_tree, settings):
    # Given the operator on the edit form of a shop without coordinates
    from django.contrib.auth.models import User

    User.objects.create_superuser("operator", "operator@example.org", "a-long-test-password")
    shop = live_tree.cafe_fr
    web.goto("/admin/login/")
    web.locator("#id_username").fill("operator")
    web.locator("#id_password").fill("a-long-test-password")
    with web.expect_navigation():
        web.locator("form button[type=submit]").click()
    web.goto(f"/admin/pages/{shop.pk}/edit/")
    widget = web.locator("[data-location-map]")
    widget.scroll_into_view_if_needed()
    widget.locator(".leaflet-tile-container").first.wait_for(state="attached")

    # When they click the map, the marker lands there and both inputs are filled
    box = widget.bounding_box()
    web.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    widget.locator(".leaflet-marker-icon").wait_for()
    latitude, longitude = web.locator("#id_latitude").input_value(), web.locator("#id_longitude").input_value()
    assert abs(float(latitude) - 46.6) < 1 and abs(float(longitude) - 2.4) < 1  # the map opens on France
    assert len(latitude.split(".")[1]) == 6

    # and the inputs stay editable by hand: saving keeps the typed values
    web.locator("#id_latitude").fill("48.577001")
    web.locator("#id_longitude").fill("-3.828502")
    # (the form posts to the page it is on: wait for the answer, not for a URL already there)
    with web.expect_navigation():
        web.get_by_role("button", name="Enregistrer le brouillon").click()
    draft = ShopPage.objects.get(pk=shop.pk).get_latest_revision_as_object()
    assert (draft.latitude, draft.longitude) == (Decimal("48.577001"), Decimal("-3.828502"))
