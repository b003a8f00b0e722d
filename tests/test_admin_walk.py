"""A walk over every admin URL the project registers, with territory B's real ids, as every kind of actor.

The URLs come from Django's resolver (includes flattened: every snippet,
viewset, chooser, wagtail-localize and bulk-action route), not from a
hand-kept list, so a route added tomorrow is walked tomorrow. Each id in a
route is one of territory B's rows of the right kind (its partner contact,
commission step, shop page, image, order…); each bulk action of the
registry is asked with `?id=` of B's rows of its model.

Asserted for every URL:
- the anonymous visitor is sent to the login page;
- no response to a user of territory A (merchants of shops A1 and A2, the
  editor of A) shows B's private texts (tests.markets.scoping_world.B_PRIVATE:
  partner name, e-mail and person, commission rate, page owner, draft
  title, registration, image and document titles, customer);
- nothing of B changes when they GET every URL and POST to every
  state-changing one (delete, bulk actions, publish, move…);
- no URL answers them with a server error;
- the editor of B gets 200, with B's rows shown, on representative URLs
  of B's own rows, and A's users on theirs.

SQLite only: the walk makes a few thousand requests, and the rules it
checks do not depend on the database.
"""

import json
import re

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.models import Locale, Page, Site

from tests.markets.scoping_world import A_USERS, ACTORS, World, b_rows, b_secrets_in, client_for, world_fixture

pytestmark = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="a few thousand requests; the rules walked do not depend on the database"
)

_world = world_fixture()

# Routes that are not scoped admin screens: the login and its password reset, static-like assets,
# Wagtail's deliberate error page, the log-out (which would end the walk) and the catch-all 404.
NOT_WALKED = re.compile(r"^admin/(login/|logout/|password_reset/|sprite/|jsi18n/|failwhale/|test404/|\^\.\*/\$)")
# A POST to these changes something: A's users try them all on B's rows.
CHANGING = re.compile(
    r"(delete|bulk/|unpublish|publish|revert|move|copy|lock|unlock|approve|reject|payer|archiver|rembourser|"
    r"utiliser|convert|stop|upload|remove|disable|enable|workflow/action|set_privacy|reorder|exporter|"
    r"accepter|refuser|retirer|relancer)"
)
MISSING = 99999999  # an id of no row: the view's 404
# Regex routes with unnamed groups: their positional arguments.
POSITIONAL = {"wagtailadmin_pages:revisions_compare": lambda w: [w.shop_b1, "earliest", "latest"]}


@pytest.fixture
def world(_world, db):
    return World(_world)


def admin_routes(resolver=None, prefix="", namespace=""):
    """(route, namespaced URL name, pattern) of every URL pattern, includes flattened, regexes kept as text."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            part = "fr/"
        elif isinstance(pattern, RoutePattern):
            part = str(pattern._route)
        else:
            part = pattern._regex
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from admin_routes(entry, prefix + part, inner)
        elif isinstance(entry, URLPattern) and (prefix + part).startswith("admin/"):
            yield prefix + part, (namespace + entry.name) if entry.name else None, pattern


def page_revision(world):
    return Page.objects.get(pk=world.shop_b1).latest_revision_id


# Which of B's rows an id stands for: by the route's start, then by the parameter's name.
PK_BY_PREFIX = (
    ("admin/snippets/markets/partnercontact/", "partner_b"),
    ("admin/snippets/choose/markets/partnercontact/", "partner_b"),
    ("admin/snippets/markets/territory/", "territory_b"),
    ("admin/snippets/choose/markets/territory/", "territory_b"),
    ("admin/snippets/markets/termsversion/", "terms"),
    ("admin/snippets/choose/markets/termsversion/", "terms"),
    ("admin/commissions/", "step_b"),
    ("admin/inscriptions/", "registration_b"),
    ("admin/chaines/", "chain"),
    ("admin/factures/", "invoice_b"),
    ("admin/rapports/releves/", "statement_b"),
    ("admin/releves/", "statement_b"),
    ("admin/versements/lots/", None),
    ("admin/versements/", "payout_b"),
    ("admin/commandes/", "shop_order_b"),
    ("admin/users/", "user_b"),
    ("admin/groups/", "editors_group_b"),
    ("admin/collections/", "collection_b"),
    ("admin/workflows/tasks/", "task_b"),
    ("admin/workflows/", "workflow_b"),
    ("admin/images/", "image_b"),
    ("admin/documents/", "document_b"),
    ("admin/api/main/pages/", "shop_b1"),
    ("admin/api/main/images/", "image_b"),
    ("admin/api/main/documents/", "document_b"),
    ("admin/localize/api/snippets/", "partner_b"),
    ("admin/localize/submit/snippet/", "partner_b"),
)
BY_NAME = {
    "page_id": "shop_b1",
    "parent_page_id": "shop_b1",
    "page_pk": "shop_b1",
    "page_to_move_id": "product_b1",
    "destination_id": "shop_a1",
    "image_id": "image_b",
    "document_id": "document_b",
    "doc_id": "document_b",
    "collection_id": "collection_b",
    "shop_pk": "shop_b1",
    "product_id": "product_b1",
    "territory_id": "territory_b",
    "workflow_pk": "workflow_b",
    "task_id": "task_b",
    "user_id": "user_b",
}
LOCALIZE = {
    "translation_source_id": "source",
    "translation_id": "translation",
    "string_segment_id": "string",
    "overridable_segment_id": "string",
}
WORDS = {
    "app_label": "markets",
    "model_name": "partnercontact",
    "app_name": "markets",
    "content_type_app_name": "shops",
    "content_type_model_name": "shoppage",
    "action_name": "approve",
    "mode": "",
    "filter_spec": "original",
    "object_id": None,
    "revision_id_a": "earliest",
    "revision_id_b": "latest",
}


def id_for(world, route: str, name: str):
    if name in LOCALIZE:
        return world.localize_b[LOCALIZE[name]]
    if name == "revision_id":
        return page_revision(world)
    if name in BY_NAME:
        return getattr(world, BY_NAME[name])
    if route.startswith("admin/sites/"):
        return Site.objects.get(is_default_site=True).pk
    if route.startswith("admin/locales/"):
        return Locale.objects.get(language_code="en").pk
    for prefix, key in PK_BY_PREFIX:
        if route.startswith(prefix):
            return getattr(world, key) if key else MISSING
    return MISSING


def value_for(world, route: str, name: str):
    if name in WORDS:
        return WORDS[name] if WORDS[name] is not None else world.partner_b
    if name == "token":
        return "x"
    return id_for(world, route, name)


def url_for(world, route: str, url_name, pattern):
    """The route with B's ids filled in, or None when the route cannot be written."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
    kwargs = {name: value_for(world, route, name) for name in names}
    if url_name in POSITIONAL:
        return reverse(url_name, args=POSITIONAL[url_name](world))
    if url_name is None or isinstance(pattern, RegexPattern) or "(?P<" in route or "^" in route:
        try:
            return reverse(url_name, kwargs={k: v for k, v in kwargs.items() if v != ""}) if url_name else None
        except Exception:  # a route no kwargs can fill: reported by the walk
            return None
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    return "/" + path.replace("//", "/")


def bulk_urls(world) -> list[str]:
    """Every registered bulk action, with `?id=` of B's rows of its model."""
    b_ids = {
        ("wagtailcore", "page"): [world.draft_b1, world.shop_b1],
        ("wagtailimages", "image"): [world.image_b],
        ("wagtaildocs", "document"): [world.document_b],
        ("markets", "partnercontact"): [world.partner_b],
        ("markets", "territory"): [world.territory_b],
        ("markets", "termsversion"): [world.terms],
        ("auth", "user"): [world.user_b],
        ("custom_user", "user"): [world.user_b],
    }
    bulk_action_registry._scan_for_bulk_actions()
    urls = []
    for app_label, models in bulk_action_registry.actions.items():
        for model_name, actions in models.items():
            ids = b_ids[(app_label, model_name)]
            for action in actions:
                query = "&".join(f"id={pk}" for pk in ids)
                urls.append(reverse("wagtail_bulk_action", args=[app_label, model_name, action]) + "?" + query)
    return urls


def walked_urls(world) -> tuple[list[str], list[str]]:
    urls, unwritable = [], []
    for route, url_name, pattern in admin_routes():
        if NOT_WALKED.match(route):
            continue
        if route.startswith("admin/bulk/"):
            urls.extend(bulk_urls(world))
            continue
        url = url_for(world, route, url_name, pattern)
        (urls.append(url) if url else unwritable.append(route))
    return urls, unwritable


def text_of(response) -> str:
    """The response as a person would read it: JSON decoded (its strings escape accents), HTML as is."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def ask(client, method, url):
    try:
        return getattr(client, method)(url), None
    except Exception as error:  # a server error is what the walk looks for
        return None, f"{method.upper()} {url}: {type(error).__name__}: {error}"


def test_the_walk_covers_every_admin_route(world):
    urls, unwritable = walked_urls(world)

    assert unwritable == []
    # Snippets and choosers of the three snippet models, the project's viewsets, localize and bulk actions.
    assert any("/admin/snippets/choose/markets/partnercontact/chosen/" in url for url in urls)
    assert any(url.startswith("/admin/commissions/history/") for url in urls)
    assert any(url.startswith("/admin/localize/") for url in urls)
    assert any(url.startswith("/admin/bulk/markets/partnercontact/delete/") for url in urls)
    assert len(urls) > 300


def test_anonymous_is_sent_to_the_login_page_everywhere(world):
    client = client_for(world, "anonymous")
    login = reverse("wagtailadmin_login")
    wrong = []
    for url in walked_urls(world)[0]:
        for method in ("get", "post"):
            response, error = ask(client, method, url)
            if error or response.status_code != 302 or not response["Location"].startswith(login):
                wrong.append((method, url, error or response.status_code))

    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.parametrize("actor", A_USERS)
def test_users_of_territory_a_see_and_change_nothing_of_b(world, actor):
    client = client_for(world, actor)
    before = b_rows(world)
    shown, errors, changed = [], [], []
    for url in walked_urls(world)[0]:
        methods = ("get", "post") if CHANGING.search(url) else ("get",)
        for method in methods:
            response, error = ask(client, method, url)
            if error or response.status_code >= 500:
                errors.append(error or f"{method.upper()} {url}: {response.status_code}")
                continue
            text = text_of(response)
            shown.extend((method, url, secret) for secret in b_secrets_in(text))
            if method == "post" and b_rows(world) != before:
                changed.append(url)
                before = b_rows(world)

    assert errors == [], "\n".join(errors)
    assert shown == [], "\n".join(map(str, shown))
    assert changed == [], "\n".join(changed)


def test_editor_b_sees_their_own_rows(world):
    client = client_for(world, "editor_b")
    own = {
        reverse("wagtailsnippets_markets_partnercontact:edit", args=[world.partner_b]): "Office de Bélénos",
        reverse("commission_schedule:history", args=[world.step_b]): "Bothorel",
        reverse("commission_schedule:usage", args=[world.step_b]): None,
        reverse("commission_schedule:index"): "6,83",
        reverse("shops_bundles"): None,
        reverse("wagtailadmin_explore", args=[world.shop_b1]): "Brouillon secret Bélénos",
        reverse("wagtailsnippetchoosers_markets_partnercontact:choose"): "Office de Bélénos",
        reverse("wagtail_bulk_action", args=["markets", "partnercontact", "delete"])
        + f"?id={world.partner_b}": "Office de Bélénos",
    }
    for url, text in own.items():
        response = client.get(url)
        assert response.status_code == 200, url
        if text:
            assert text in text_of(response), url


@pytest.mark.parametrize("actor", ACTORS[:3])
def test_users_of_a_get_their_own_screens(world, actor):
    client = client_for(world, actor)
    own = {
        "merchant_a": [
            reverse("wagtailadmin_explore", args=[world.shop_a1]),
            reverse("wagtailadmin_pages:edit", args=[world.shop_a1]),
        ],
        "merchant_a2": [reverse("wagtailadmin_explore", args=[world.shop_a2]), reverse("shops_bundles")],
        "editor_a": [
            reverse("wagtailadmin_explore", args=[world.market_a]),
            reverse("wagtailsnippets_markets_partnercontact:edit", args=[world.partner_a]),
            reverse("commission_schedule:history", args=[world.step_a]),
        ],
    }[actor]

    assert [client.get(url).status_code for url in own] == [200] * len(own)
