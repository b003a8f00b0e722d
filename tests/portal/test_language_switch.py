"""The language switch keeps the visitor where they are, in the other language.

A Wagtail page switches to its live translation (the same sub-route of a
routable page, query string kept); the basket, checkout,
payment, order and account pages to the same view under the other
prefix, query string kept; anything else to the other language's home.
Only a page's real translations are announced as hreflang alternates.
"""

import re

import pytest

from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, place_order
from shops.models import DeliveryKind


def switch(html: str) -> dict[str, str]:
    """{language: href} of the language switcher."""
    nav = html[html.index('<nav class="language-switcher"'):]
    nav = nav[: nav.index("</nav>")]
    return {code: href for href, code in re.findall(r'<a href="([^"]*)" lang="(\w+)" hreflang="\w+"', nav)}


def alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">', html))


@pytest.fixture
def order(tree):
    option = tree.atelier_fr.delivery_options.get(kind=DeliveryKind.PICKUP)
    return place_order(
        tree.territory.pk, [BasketLine(tree.santon_fr.pk, 1)], {tree.atelier_fr.pk: DeliveryChoice(option.pk)},
        Customer("Alice Le Goff", "alice@example.org"), "fr",
    )


def test_a_shop_page_switches_to_its_english_translation(client, tree):
    response = client.get(tree.atelier_fr.url)
    html = response.content.decode()
    assert switch(html) == {
        "fr": "/fr/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/atelier-du-bois-flott%C3%A9/",
        "en": "/en/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/atelier-du-bois-flott%C3%A9/",
    }
    assert alternates(html) == {
        "fr": "http://testserver" + tree.atelier_fr.url,
        "en": "http://testserver/en/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/atelier-du-bois-flott%C3%A9/",
    }
    # and back from the English page
    assert switch(client.get(tree.atelier_en.url).content.decode())["fr"] == tree.atelier_fr.url


def test_the_registration_form_of_a_market_switches_to_the_english_registration_form(client, tree):
    # given the French market's registration form, a sub-route of the routable market page
    french = tree.market_fr.url + "inscription/"
    response = client.get(french)
    assert response.status_code == 200
    # then the switch leads to the same form under the English market page, not to its home
    assert switch(response.content.decode()) == {
        "fr": "/fr/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/inscription/",
        "en": "/en/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/inscription/",
    }
    # and back from the English form, which is there
    english = client.get(tree.market_en.url + "inscription/")
    assert english.status_code == 200
    assert switch(english.content.decode())["fr"] == french


def test_a_market_page_switches_with_its_filters(client, tree):
    html = client.get(tree.market_fr.url + "?category=food&page=1").content.decode()
    assert switch(html) == {
        "fr": "/fr/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/?category=food&amp;page=1",
        "en": "/en/march%C3%A9-de-no%C3%ABl-du-pays-de-morlaix/?category=food&amp;page=1",
    }
    # the market's own address, without a sub-route, when it is the page itself
    assert switch(client.get(tree.market_fr.url).content.decode())["en"] == tree.market_en.url


def test_a_page_without_a_live_translation_switches_to_the_other_home_with_no_alternate(client, tree):
    html = client.get(tree.cafe_fr.url).content.decode()
    assert switch(html) == {"fr": tree.cafe_fr.url, "en": "/en/"}
    assert alternates(html) == {"fr": "http://testserver" + tree.cafe_fr.url}


def test_the_basket_switches_to_the_english_basket_keeping_the_query_string(client, tree, django_assert_max_num_queries):
    html = client.get("/fr/panier/?from=newsletter&utm_source=mail").content.decode()
    assert switch(html) == {
        "fr": "/fr/panier/?from=newsletter&amp;utm_source=mail",
        "en": "/en/panier/?from=newsletter&amp;utm_source=mail",
    }
    # not a page: no hreflang alternate is claimed
    assert alternates(html) == {}
    assert switch(client.get("/en/panier/").content.decode()) == {"fr": "/fr/panier/", "en": "/en/panier/"}


def test_the_order_and_payment_pages_switch_to_the_same_order_in_english(client, tree, order):
    html = client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert switch(html)["en"] == f"/en/panier/commande/{order.token}/"
    english = client.get(f"/en/panier/commande/{order.token}/").content.decode()
    assert switch(english)["fr"] == f"/fr/panier/commande/{order.token}/"


def test_the_account_pages_switch_in_place(client, tree):
    html = client.get("/fr/compte/connexion/?next=/fr/compte/commandes/").content.decode()
    assert switch(html)["en"] == "/en/compte/connexion/?next=/fr/compte/commandes/"


def test_an_unknown_address_switches_to_the_other_home(client, tree):
    response = client.get("/fr/marche-de-noel-du-pays-de-morlaix/nulle-part/")
    assert response.status_code == 404
    assert switch(response.content.decode()) == {"fr": "/fr/", "en": "/en/"}


def test_the_switch_costs_no_query_on_a_view(client, tree, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get("/fr/panier/?a=1")
    request.resolver_match = resolve("/fr/panier/")
    template = Template("{% load portal_tags %}{% language_links as links %}{% for l in links %}{{ l.url }} {% endfor %}")
    with django_assert_num_queries(0):
        rendered = template.render(Context({"request": request}))
    assert rendered == "/fr/panier/?a=1 /en/panier/?a=1 "


# The territory's name ------------------------------------------------------------


def test_the_territory_is_named_in_french_on_french_pages_and_by_its_english_market_in_english(client, tree):
    french_home = client.get("/fr/").content.decode()
    assert '<p class="card__eyebrow">Pays de Morlaix</p>' in french_home
    assert '<p class="hero__eyebrow">Pays de Morlaix</p>' in client.get(tree.market_fr.url).content.decode()
    # in English the market's English title names it, and the French name is not shown
    english_home = client.get("/en/").content.decode()
    assert "Christmas market of the Morlaix area</a></h3>" in english_home
    assert "card__eyebrow" not in english_home  # it would repeat the title
    english_market = client.get(tree.market_en.url).content.decode()
    assert "<h1>Christmas market of the Morlaix area</h1>" in english_market
    assert "hero__eyebrow" not in english_market


def test_the_english_home_reads_as_many_queries_for_more_markets(client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.fixtures import factories as f

    client.get("/en/")  # warm the site's root paths cache
    with CaptureQueriesContext(connection) as one:
        client.get("/en/")
    for name in ("Pays de Brest", "Cornouaille"):
        market = f.make_market(tree.home_fr, f.make_territory(name))
        f.translate(market, title=f"Christmas market of {name}", slug=f"{market.slug}-en")
    with CaptureQueriesContext(connection) as three:
        html = client.get("/en/").content.decode()
    assert "Christmas market of Cornouaille</a></h3>" in html
    assert len(three) == len(one)
