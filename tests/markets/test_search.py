"""The public search (markets.search): stemmed words, the visitor's language, only what is live and of this market."""

from urllib.parse import urlencode

import pytest

from markets.search import SHOPS_PER_RESULTS_PAGE
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count


def search_url(market, **params) -> str:
    return market.url + market.reverse_subpage("search") + "?" + urlencode(params)


def found(response) -> list[tuple[str, list[str]]]:
    """The results shown: each shop's title with its products' titles, in order."""
    assert response.status_code == 200
    return [(r.shop.title, [p.product.title for p in r.products]) for r in response.context["results"]]


def test_a_french_plural_finds_the_singular_product(client, tree):
    f.make_product(tree.epicerie_fr, "Fromage fermier", description="<p>Un fromage au lait cru.</p>")

    response = client.get(search_url(tree.market_fr, q="fromages"))

    assert found(response) == [("Épicerie Kerjean", ["Fromage fermier"])]
    assert response.context["outcome"].all_words is True
    assert "<mark>Fromage</mark> fermier" in response.content.decode()


def test_an_accented_word_finds_the_unaccented_product_and_back(client, tree):
    f.make_product(tree.epicerie_fr, "Creme de marrons")
    f.make_product(tree.epicerie_fr, "Pâté de campagne")

    assert found(client.get(search_url(tree.market_fr, q="crèmes"))) == [("Épicerie Kerjean", ["Creme de marrons"])]
    assert found(client.get(search_url(tree.market_fr, q="PATES"))) == [("Épicerie Kerjean", ["Pâté de campagne"])]


def test_a_shop_is_found_by_its_description_town_and_category(client, tree):
    tree.cafe_fr.description = "<p>Chocolats chauds et vins chauds sous les halles.</p>"
    f.publish(tree.cafe_fr)

    assert found(client.get(search_url(tree.market_fr, q="chocolat"))) == [("Café des Halles", [])]
    # The category's label, in the page's language.
    assert found(client.get(search_url(tree.market_fr, q="épiceries"))) == [("Épicerie Kerjean", [])]


def test_an_english_query_on_the_english_site_finds_the_english_product(client, tree):
    response = client.get(search_url(tree.market_en, q="figurines"))

    assert found(response) == [("Driftwood Workshop", ["Wooden figurine"])]
    assert response.context["results"][0].products[0].product.pk == tree.santon_en.pk
    # The French words are not those of the English pages.
    assert found(client.get(search_url(tree.market_en, q="santons"))) == []
    assert found(client.get(search_url(tree.market_fr, q="figurines"))) == []


def test_a_product_of_another_market_never_appears(client, tree):
    other_market = f.make_market(tree.home_fr, title="Marché de Noël du Trégor")
    f.make_product(f.make_shop(other_market, "Fromagerie du Trégor"), "Fromage de brebis")
    f.make_product(tree.epicerie_fr, "Fromage fermier")
    # Live pages of a market that is not published.
    f.make_product(f.make_shop(tree.draft_market, "Fromagerie du Léon"), "Fromage du Léon")

    assert found(client.get(search_url(tree.market_fr, q="fromages"))) == [("Épicerie Kerjean", ["Fromage fermier"])]
    # Searching within a shop of another market searches this market only.
    other_shop = other_market.get_children().get().pk
    assert found(client.get(search_url(tree.market_fr, q="fromages", shop=other_shop))) == [
        ("Épicerie Kerjean", ["Fromage fermier"])
    ]
    # Across markets: both live markets, grouped by shop; the unpublished market never.
    across = found(client.get("/fr/recherche/?" + urlencode({"q": "fromages"})))
    assert sorted(across) == [
        ("Fromagerie du Trégor", ["Fromage de brebis"]),
        ("Épicerie Kerjean", ["Fromage fermier"]),
    ]


def test_an_unpublished_shop_and_its_products_never_appear(client, tree):
    f.make_product(tree.withdrawn_shop, "Fromage retiré")
    f.make_product(tree.draft_shop, "Fromage en préparation")
    f.make_product(tree.atelier_fr, "Fromage brouillon", live=False)

    assert found(client.get(search_url(tree.market_fr, q="fromages"))) == []
    assert found(client.get(search_url(tree.market_fr, q="retirée"))) == []
    assert found(client.get(search_url(tree.market_fr, q="librairie"))) == []
    assert found(client.get("/fr/recherche/?q=fromage")) == []


def test_search_within_a_shop_finds_only_its_products(client, tree):
    f.make_product(tree.epicerie_fr, "Bougie de miel")

    in_atelier = found(client.get(search_url(tree.market_fr, q="bougies", shop=tree.atelier_fr.pk)))
    in_market = found(client.get(search_url(tree.market_fr, q="bougies")))

    assert in_atelier == [("Atelier du Bois Flotté", ["Bougie parfumée"])]
    assert sorted(in_market) == [
        ("Atelier du Bois Flotté", ["Bougie parfumée"]),
        ("Épicerie Kerjean", ["Bougie de miel"]),
    ]


def test_when_no_page_has_every_word_any_word_will_do(client, tree):
    response = client.get(search_url(tree.market_fr, q="santon licorne"))

    assert found(response) == [("Atelier du Bois Flotté", ["Santon en bois"])]
    assert response.context["outcome"].all_words is False
    assert found(client.get(search_url(tree.market_fr, q="santon bois"))) == [
        ("Atelier du Bois Flotté", ["Santon en bois"])
    ]


def test_no_result_suggests_the_market_filters(client, tree):
    response = client.get(search_url(tree.market_fr, q="licorne"))

    assert found(response) == []
    body = response.content.decode()
    assert "Aucun résultat pour « licorne »." in body
    assert f'href="{tree.market_fr.url}#shops-title"' in body


def test_the_market_filters_narrow_the_results_and_count_the_matched_shops(client, tree):
    # Given "panettone" in a product of the grocery (home delivery, pick-up) and of the café (pick-up only)
    f.make_product(tree.epicerie_fr, "Panettone aux fruits", price="30.00")
    f.make_product(tree.cafe_fr, "Panettone glacé", price="18.00")

    everything = client.get(search_url(tree.market_fr, q="panettone"))
    delivered = client.get(search_url(tree.market_fr, q="panettone", delivery="home"))
    cheap = client.get(search_url(tree.market_fr, q="panettone", max_price="20"))

    # The facets count the matched shops only, per value
    assert sorted(found(everything)) == [("Café des Halles", ["Panettone glacé"]), ("Épicerie Kerjean", ["Panettone aux fruits"])]
    counts = {v.value: v.count for v in everything.context["facets"].delivery}
    assert (counts["pickup"], counts["home"], counts["postal"]) == (2, 1, 0)
    # and each filter keeps the query and narrows the results
    assert found(delivered) == [("Épicerie Kerjean", ["Panettone aux fruits"])]
    assert found(cheap) == [("Café des Halles", ["Panettone glacé"])]
    assert '<input type="hidden" name="q" value="panettone">' in delivered.content.decode()
    assert delivered.context["querystring"] == "q=panettone&delivery=home"


def test_highlighting_escapes_the_page_text(client, tree):
    f.make_product(
        tree.epicerie_fr,
        'Fromage <b>"fort"</b>',
        description="<p>Fromage &lt;script&gt;alert(1)&lt;/script&gt; affiné</p>",
    )

    body = client.get(search_url(tree.market_fr, q="fromage")).content.decode()

    assert "<script>alert(1)" not in body and "<b>" not in body
    assert "<mark>Fromage</mark> &lt;b&gt;&quot;fort&quot;&lt;/b&gt;" in body
    assert "<mark>Fromage</mark> &lt;script&gt;alert(1)&lt;/script&gt; affiné" in body


def test_the_query_is_shown_escaped_and_bad_parameters_change_nothing(client, tree):
    response = client.get(search_url(tree.market_fr, q="<i>x</i>" * 100, page="abc", shop="99999999999999999999999"))

    assert response.status_code == 200
    assert "<i>x</i>" not in response.content.decode()
    assert response.context["query"] == ("<i>x</i>" * 100)[:200]
    assert found(client.get(search_url(tree.market_fr, q="  "))) == []


def test_the_home_search_sends_a_chosen_market_to_its_own_search(client, tree):
    response = client.get("/fr/recherche/?" + urlencode({"q": "santons", "market": tree.market_fr.pk}))

    assert response.status_code == 302
    assert response["Location"] == search_url(tree.market_fr, q="santons")
    # A market of the other language, or an unknown one, is not chosen: every market is searched.
    response = client.get("/fr/recherche/?" + urlencode({"q": "santons", "market": tree.market_en.pk}))
    assert found(response) == [("Atelier du Bois Flotté", ["Santon en bois"])]


def test_a_search_box_on_the_home_every_market_and_every_shop_page(client, tree):
    home = client.get(tree.home_fr.url).content.decode()
    market = client.get(tree.market_fr.url).content.decode()
    shop = client.get(tree.atelier_fr.url).content.decode()
    english_shop = client.get(tree.atelier_en.url).content.decode()

    assert 'action="/fr/recherche/"' in home and f'<option value="{tree.market_fr.pk}">' in home
    search_path = tree.market_fr.url + "recherche/"
    assert f'action="{search_path}"' in market
    assert f'action="{search_path}"' in shop and f'name="shop" value="{tree.atelier_fr.pk}"' in shop
    assert f'action="{tree.market_en.url}recherche/"' in english_shop
    for body in (home, market, shop):
        assert 'method="get" role="search"' in body and '<label for="' in body


def test_results_are_paginated_by_shop(client, tree, settings):
    for n in range(SHOPS_PER_RESULTS_PAGE + 1):
        f.make_product(f.make_shop(tree.market_fr, f"Fromagerie {n:02d}"), f"Fromage {n}")

    first = client.get(search_url(tree.market_fr, q="fromage"))
    second = client.get(search_url(tree.market_fr, q="fromage", page=2))

    assert len(found(first)) == SHOPS_PER_RESULTS_PAGE
    assert len(found(second)) == 1
    assert first.context["outcome"].shop_count == SHOPS_PER_RESULTS_PAGE + 1
    assert {title for title, _ in found(first) + found(second)} == {
        f"Fromagerie {n:02d}" for n in range(SHOPS_PER_RESULTS_PAGE + 1)
    }


def _consume(response):
    for result in response.context["results"]:
        _ = [option.kind for option in result.shop.active_delivery_options]
        _ = [(p.product.cover_image, p.product.availability) for p in result.products]


@pytest.mark.parametrize(
    "url_of", [lambda t: search_url(t.market_fr, q="fromages"), lambda t: "/fr/recherche/?q=fromages"]
)
def test_the_results_page_query_count_is_constant_in_the_number_of_results(
    client, tree, url_of, django_assert_max_num_queries
):
    def add_shops(count):
        for _ in range(count):
            shop = f.make_shop(tree.market_fr, "Fromagerie", cover_image=f.make_image())
            for title in ("Fromage de chèvre", "Plateau de fromages"):
                f.make_product(shop, title, cover_image=f.make_image())

    url = url_of(tree)
    add_shops(2)
    small = render_and_count(client, url, _consume)
    with django_assert_max_num_queries(len(small)):
        _consume(client.get(url))
    add_shops(8)
    large = render_and_count(client, url, _consume)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
        _consume(response)

    assert len(found(response)) == 10 and all(len(products) == 2 for _, products in found(response))
    assert len(large) == len(small), explain_difference(small, large)


@pytest.mark.parametrize("name", ["shop", "market"])
def test_a_digit_python_reads_but_no_id_is_ignored(client, tree, name):
    # "²" is a digit to str.isdigit() and not to int()
    url = search_url(tree.market_fr, q="santon", shop="²") if name == "shop" else "/fr/recherche/?q=santon&market=²"

    assert client.get(url).status_code == 200
