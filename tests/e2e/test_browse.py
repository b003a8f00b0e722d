"""A visitor browses the market as a person would, in French then English."""

import pytest

# live_server needs committed data; serialized_rollback brings back the rows
# made by migrations (locales, the home page) after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_visitor_walks_from_home_to_a_product_and_switches_to_english(web, live_tree):
    # Given the small market of the tree fixture
    # When a visitor opens the portal's root
    web.goto("/")

    # Then they land on the French home page, which lists the market
    assert web.url.endswith("/fr/")
    web.get_by_role("link", name="Marché de Noël du Pays de Morlaix").first.click()
    assert web.get_by_role("heading", level=1).inner_text() == "Marché de Noël du Pays de Morlaix"

    # The market lists its live shops only
    main = web.locator("main")
    assert main.get_by_role("link", name="Atelier du Bois Flotté").count() >= 1
    assert main.get_by_role("link", name="Librairie en préparation").count() == 0

    # The shop page lists its products; the product page shows the price
    main.get_by_role("link", name="Atelier du Bois Flotté").first.click()
    assert web.get_by_role("heading", level=1).inner_text() == "Atelier du Bois Flotté"
    web.locator("main").get_by_role("link", name="Santon en bois").first.click()
    assert web.get_by_role("heading", level=1).inner_text() == "Santon en bois"
    assert "24,00\u00a0€" in web.locator("main").inner_text()

    # The product can go to the basket, with a quantity
    assert web.get_by_role("button", name="Ajouter au panier").is_enabled()
    assert web.get_by_label("Quantité").input_value() == "1"

    # Switching language leads to the English translation of the product
    web.get_by_role("link", name="English").click()
    assert "/en/" in web.url
    assert web.locator("html").get_attribute("lang") == "en"
    assert web.get_by_role("heading", level=1).inner_text() == "Wooden figurine"
