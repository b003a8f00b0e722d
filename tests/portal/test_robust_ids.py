"""Ids a person can type: out of range, negative or zero, they get a 404 or a form error, never a 500.

Every URL pattern of the project that takes an id is found in the URL conf
itself (not a hand-kept list), so a new `<int:...>` view is checked the day
it is added. An unknown admin URL answers 404 where it is, without a detour
through /fr/admin/….
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from wagtail.users.models import UserProfile

from checkout.basket import SESSION_KEY
from portal.converters import MAX_ID, PkConverter, valid_id

PROJECT_MODULES = ("checkout", "home", "markets", "portal", "shops")
TOO_BIG = "9" * 20  # past 2**63 - 1: overflows SQLite's and PostgreSQL's integers
BAD_IDS = (TOO_BIG, str(2**63), "-1", "0", "007")


def _routes(resolver=None, prefix=""):
    """(route, view module, converters) of every pattern, with includes flattened; /fr/ for the language prefix."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            part = "fr/"
        elif isinstance(pattern, RoutePattern):
            part = str(pattern._route)
        else:
            part = None  # regex patterns (Wagtail's own) take no project id
        if isinstance(entry, URLResolver):
            if part is not None:
                yield from _routes(entry, prefix + part)
        elif isinstance(entry, URLPattern) and part is not None:
            view = getattr(entry.callback, "view_class", entry.callback)
            yield prefix + part, view.__module__, pattern.converters


def id_routes():
    """Routes of the project's own views whose path holds an integer id."""
    return [
        (route, module, converters)
        for route, module, converters in _routes()
        if module.split(".")[0] in PROJECT_MODULES
        and any(isinstance(c, IntConverter | PkConverter) for c in converters.values())
    ]


def with_id(route: str, bad: str) -> str:
    """The route's path with `bad` for each id and a harmless word for any other parameter."""

    def fill(match):
        converter = match.group(1)
        return bad if converter in ("int", "pk") else "x"

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
    return client


# The converter -----------------------------------------------------------------------------


def test_the_converter_accepts_every_id_the_database_holds_and_nothing_else():
    converter = PkConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(MAX_ID)) == 9223372036854775807
    for bad in (str(MAX_ID + 1), TOO_BIG, "0", "-1", "１２"):
        with pytest.raises(ValueError):
            converter.to_python(bad)
    assert re.fullmatch(converter.regex, "007") is None
    assert [valid_id(v) for v in ("42", " 42 ", 42, True, None, "4.2", "", TOO_BIG, -3)] == [
        42, 42, 42, None, None, None, None, None, None,
    ]


def test_reverse_refuses_an_id_out_of_range():
    assert reverse("markets:shop_visual", kwargs={"shop_id": 12}) == "/marches/visuel/12.png"
    with pytest.raises(NoReverseMatch):
        reverse("markets:shop_visual", kwargs={"shop_id": 2**63})


def test_the_public_and_admin_id_routes_are_found():
    routes = {route for route, _, _ in id_routes()}
    # The enumeration itself works: the known ones are in it.
    assert {"marches/visuel/<pk:shop_id>.png", "admin/stock/<pk:product_id>/", "admin/commissions/edit/<pk:pk>/"} <= routes


def test_every_project_route_taking_an_id_uses_the_pk_converter():
    # `<int:...>` accepts 20 digits and hands them to the database, which overflows.
    # Wagtail writes the paths of its snippet history (`<int:revision_id>`) and of the image chooser's
    # format step, whose view the project narrows; the 404 test below covers those.
    wagtails = {"admin/images/chooser/<int:image_id>/select_format/"}
    unbounded = sorted(route for route, _, converters in id_routes()
                       if route not in wagtails
                       and any(isinstance(c, IntConverter) for name, c in converters.items()
                               if not (name == "revision_id" and route.startswith("admin/snippets/"))))
    assert unbounded == []


# Every id route, every bad id: a 404 ------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "superuser"])
def test_a_bad_id_in_any_url_is_a_404_never_a_500(who, tree, admin_client):
    client = admin_client if who == "superuser" else Client()
    client.raise_request_exception = False
    answers = {}
    for route, _, _ in id_routes():
        for bad in BAD_IDS:
            url = with_id(route, bad)
            response = client.get(url)
            location = response.get("Location", "")
            # Wagtail sends an anonymous visitor of any admin URL to its login first.
            if response.status_code == 404 or (who == "anonymous" and location.startswith("/admin/login/")):
                continue
            answers[url] = (response.status_code, location)
    assert answers == {}


def test_a_good_id_still_reaches_the_view(client, tree):
    response = client.get(f"/marches/visuel/{tree.atelier_fr.pk}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert client.get(f"/marches/visuel/{tree.draft_shop.pk}.png").status_code == 404


# Forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("product", [TOO_BIG, str(2**63), "-1", "0", "12abc", ""])
def test_adding_an_impossible_product_id_says_so_and_changes_nothing(client, tree, product):
    response = client.post("/fr/panier/ajouter/", {"product": product, "quantity": "1"}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Produit inconnu."]
    assert client.session.get(SESSION_KEY, {}).get("lines", []) == []


def test_an_unknown_but_possible_product_id_is_not_for_sale(client, tree):
    response = client.post("/fr/panier/ajouter/", {"product": str(MAX_ID), "quantity": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Ce produit n'est pas en vente."]


def test_a_huge_quantity_or_line_is_a_form_error(client, tree):
    client.post("/fr/panier/ajouter/", {"product": tree.santon_fr.pk, "quantity": "1"}, follow=True)
    response = client.post("/fr/panier/ajouter/", {"product": tree.santon_fr.pk, "quantity": TOO_BIG}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Choisissez une quantité entre 1 et 99."]
    response = client.post("/fr/panier/modifier/", {"line": TOO_BIG * 3, "quantity": "2"}, follow=True)
    assert response.status_code == 200
    assert [line["quantity"] for line in client.session[SESSION_KEY]["lines"]] == [1]


@pytest.mark.parametrize("option", [TOO_BIG, "-1", "0"])
def test_an_impossible_delivery_option_is_a_form_error(client, tree, option):
    client.post("/fr/panier/ajouter/", {"product": tree.santon_fr.pk, "quantity": "1"})
    response = client.post("/fr/panier/validation/", {
        f"shop-{tree.atelier_fr.pk}-option": option,
        "name": "Alice Le Goff", "email": "alice@example.org", "accept_terms": "on",
    })
    assert response.status_code == 200
    assert response.context["groups"][0]["form"].errors == {"option": ["Choisissez un mode de livraison proposé."]}


# Query strings -----------------------------------------------------------------------------


@pytest.mark.parametrize("territory", [TOO_BIG, "-1", "0", "abc"])
def test_a_bad_territory_filter_on_the_commission_schedule_is_harmless(admin_client, tree, territory):
    response = admin_client.get("/admin/commissions/", {"territory": territory})
    assert response.status_code == 200


def test_a_huge_page_number_on_a_market_shows_its_last_page(client, tree):
    response = client.get(tree.market_fr.url, {"page": TOO_BIG})
    assert response.status_code == 200


# Unknown admin URLs ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/admin/nothing-here/", "/admin/commandes/abc/", f"/admin/stock/{TOO_BIG}/", "/documents/nothing/",
])
def test_an_unknown_admin_url_is_a_404_where_it_is(tree, admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.parametrize("url", ["/documents/nothing/", "/marches/nothing/", f"/marches/visuel/{TOO_BIG}.png"])
def test_an_unknown_url_outside_the_languages_is_a_404_for_a_visitor_too(tree, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Location" not in response


def test_a_visitor_of_an_unknown_admin_url_is_asked_to_log_in_first(tree, client):
    response = client.get("/admin/nothing-here/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/nothing-here/"


def test_a_public_url_without_its_language_is_still_redirected(client, tree):
    response = client.get("/panier/")
    assert response.status_code == 302
    assert response["Location"] == "/fr/panier/"


def test_the_admin_still_speaks_the_users_language(tree, admin_client):
    user = get_user_model().objects.get(username="root")
    UserProfile.get_for_user(user).__class__.objects.filter(user=user).update(preferred_language="en")
    html = admin_client.get("/admin/").content.decode()
    assert '<html lang="en"' in html
    response = admin_client.get("/admin/nothing-here/")
    assert response.status_code == 404
