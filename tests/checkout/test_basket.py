"""The basket in the session: add, change, remove; bad input refused with nothing changed."""

import pytest

from checkout.basket import SESSION_KEY, Basket
from tests.fixtures import factories as f

ADD = "/fr/panier/ajouter/"
UPDATE = "/fr/panier/modifier/"


def basket_of(client) -> list[tuple[str, int, dict]]:
    data = client.session.get(SESSION_KEY) or {}
    return [(line["key"], line["quantity"], line["options"]) for line in data.get("lines", [])]


def add(client, product, quantity=1, **extra):
    return client.post(ADD, {"product": product.pk, "quantity": quantity, **extra})


def test_add_two_shops_then_the_same_product_again(client, market):
    m = market
    # when a visitor adds 2 santons, a honey jar, then 1 more santon
    response = add(client, m.santon, 2)
    add(client, m.miel, 1)
    add(client, m.santon, 1)
    # then the basket holds two lines by translation key, quantities merged, and leads to the basket page
    assert response.status_code == 302 and response["Location"] == "/fr/panier/"
    assert basket_of(client) == [(str(m.santon.translation_key), 3, {}), (str(m.miel.translation_key), 1, {})]
    assert client.session[SESSION_KEY]["territory"] == m.territory.pk


def test_options_are_stored_as_the_french_page_names_them(client, market):
    m = market
    add(client, market.bonnet, 1, **{"option-0": "2"})
    add(client, market.bonnet, 1, **{"option-0": "0"})
    assert basket_of(client) == [
        (str(m.bonnet.translation_key), 1, {"Taille": "L"}),
        (str(m.bonnet.translation_key), 1, {"Taille": "S"}),
    ]


@pytest.mark.parametrize(
    "extra",
    [{}, {"option-0": "3"}, {"option-0": "-1"}, {"option-0": "x"}, {"option-1": "0", "option-0": "0"}, {"option-x": "0"}],
)
def test_missing_or_bad_option_refused(client, market, extra):
    add(client, market.santon, 1)
    before = basket_of(client)
    response = add(client, market.bonnet, 1, **extra)
    assert response.status_code == 302
    assert basket_of(client) == before


@pytest.mark.parametrize("quantity", ["0", "-1", "100", "1000000000000", "1.5", "deux", ""])
def test_bad_quantity_refused_with_nothing_changed(client, market, quantity):
    add(client, market.santon, 1)
    response = client.post(ADD, {"product": market.santon.pk, "quantity": quantity}, follow=True)
    assert basket_of(client) == [(str(market.santon.translation_key), 1, {})]
    assert "quantité" in response.content.decode().lower()


def test_quantity_beyond_stock_refused(client, market):
    # given 3 honey jars in stock and 2 in the basket
    client.post(ADD, {"product": market.miel.pk, "quantity": 2}, follow=True)
    # when 2 more are asked
    response = client.post(ADD, {"product": market.miel.pk, "quantity": 2}, follow=True)
    # then nothing changes and the visitor is told how many remain
    assert basket_of(client) == [(str(market.miel.translation_key), 2, {})]
    assert [str(m) for m in response.context["messages"]] == ["Il reste 3 « Miel de bruyère » en stock."]


def test_unknown_shop_page_and_unpublished_products_refused(client, market):
    add(client, market.santon, 1)
    draft = f.make_product(market.atelier, "Brouillon", price="5.00", stock=3, live=False)
    for product_id in (999999, market.atelier.pk, draft.pk, "abc"):
        client.post(ADD, {"product": product_id, "quantity": 1})
    assert basket_of(client) == [(str(market.santon.translation_key), 1, {})]


def test_another_territory_refused_with_a_message(client, market, other_market):
    _shop, phare = other_market
    add(client, market.santon, 1)
    response = client.post(ADD, {"product": phare.pk, "quantity": 1}, follow=True)
    assert basket_of(client) == [(str(market.santon.translation_key), 1, {})]
    assert "autre marché" in response.content.decode()


def test_update_and_remove_lines(client, market):
    add(client, market.santon, 1)
    add(client, market.miel, 1)
    santon_line, miel_line = Basket(client.session).entries
    client.post(UPDATE, {"line": santon_line.line_id, "quantity": 4})
    client.post(UPDATE, {"line": miel_line.line_id, "quantity": 1, "remove": "1"})
    assert basket_of(client) == [(str(market.santon.translation_key), 4, {})]
    client.post(UPDATE, {"line": santon_line.line_id, "quantity": 0})
    assert basket_of(client) == []
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("quantity", ["-1", "100", "x", ""])
def test_bad_update_refused(client, market, quantity):
    add(client, market.santon, 2)
    (line,) = Basket(client.session).entries
    client.post(UPDATE, {"line": line.line_id, "quantity": quantity})
    client.post(UPDATE, {"line": "unknown", "quantity": 1})
    client.post(UPDATE, {"line": line.line_id, "quantity": 6})  # 5 in stock
    assert basket_of(client) == [(str(market.santon.translation_key), 2, {})]


def test_get_is_not_allowed_to_change_the_basket(client, market):
    assert client.get(ADD, {"product": market.santon.pk, "quantity": 1}).status_code == 405
    assert basket_of(client) == []


def test_basket_survives_login(client, market, django_user_model):
    add(client, market.santon, 2)
    client.force_login(django_user_model.objects.create_user("alice", password="secret-pass-123"))
    assert basket_of(client) == [(str(market.santon.translation_key), 2, {})]


def test_english_page_adds_the_same_product(client, market):
    # given the santon's English page
    f.english_home()
    f.translate(market.market, title="Christmas market")
    f.translate(market.atelier, title="Driftwood Workshop")
    santon_en = f.translate(market.santon, title="Wooden figurine")
    # when added from it, then from the French page
    add(client, santon_en, 1)
    add(client, market.santon, 1)
    # then one line of 2
    assert basket_of(client) == [(str(market.santon.translation_key), 2, {})]
