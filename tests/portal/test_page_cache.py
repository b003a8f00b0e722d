"""The page cache (portal.page_cache): shared pages for anonymous visitors, renewed by publication and stock."""

import json

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import resolve, reverse

from checkout.basket import SESSION_KEY
from portal import page_cache
from shops.models import ProductStock
from tests.portal.test_production_settings import production_env, run

STATE = "/fr/panier/etat.json"
SHARED = "public, max-age=0, s-maxage=60"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    # Off in the test settings (portal/settings/test.py); on here, empty before and after each test.
    settings.PAGE_CACHE_ENABLED = True
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def hit(response) -> bool:
    return getattr(response.wsgi_request, "page_cache_hit", False)


def visit(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_an_anonymous_visitor_gets_the_stored_page_and_its_shared_cache_control(tree):
    url = tree.santon_fr.url

    first, second = visit(Client(), url), visit(Client(), url)

    assert (hit(first), hit(second)) == (False, True)
    assert first["Cache-Control"] == second["Cache-Control"] == SHARED
    assert first.content == second.content
    assert "Set-Cookie" not in str(second.cookies) and not second.cookies


def test_publishing_a_page_shows_the_change_at_the_next_anonymous_request(tree, django_capture_on_commit_callbacks):
    url, english = tree.santon_fr.url, tree.santon_en.url
    for page_url in (url, english):
        visit(Client(), page_url)
        assert hit(visit(Client(), page_url))

    santon = tree.santon_fr
    santon.title = "Santon peint à la main"
    with django_capture_on_commit_callbacks(execute=True):
        santon.save_revision().publish()

    response = visit(Client(), url)
    assert not hit(response)
    assert "Santon peint à la main" in response.content.decode()
    # the English page shows the same facts (price, stock): renewed too
    assert not hit(visit(Client(), english))


def test_publishing_a_product_renews_its_shop_page_which_lists_it(tree, django_capture_on_commit_callbacks):
    shop_url = tree.atelier_fr.url
    visit(Client(), shop_url)
    assert hit(visit(Client(), shop_url))

    santon = tree.santon_fr
    santon.title = "Santon du pays"
    with django_capture_on_commit_callbacks(execute=True):
        santon.save_revision().publish()

    response = visit(Client(), shop_url)
    assert not hit(response) and "Santon du pays" in response.content.decode()


def test_unpublishing_a_shop_removes_it_from_its_cached_market_page(tree, django_capture_on_commit_callbacks):
    market_url = tree.market_fr.url
    assert "Épicerie Kerjean" in visit(Client(), market_url).content.decode()
    assert hit(visit(Client(), market_url))

    with django_capture_on_commit_callbacks(execute=True):
        tree.epicerie_fr.unpublish()

    response = visit(Client(), market_url)
    assert not hit(response) and "Épicerie Kerjean" not in response.content.decode()


def test_publishing_a_market_renews_the_pages_of_its_shops_and_products(tree, django_capture_on_commit_callbacks):
    url = tree.santon_fr.url
    visit(Client(), url)
    assert hit(visit(Client(), url))

    with django_capture_on_commit_callbacks(execute=True):
        tree.market_fr.save_revision().publish()

    assert not hit(visit(Client(), url))


def test_selling_the_last_items_shows_the_product_sold_out(tree, django_capture_on_commit_callbacks):
    from checkout.services import _reserve_stock

    url, key = tree.santon_fr.url, tree.santon_fr.translation_key
    assert "Ajouter au panier" in visit(Client(), url).content.decode()
    assert hit(visit(Client(), url))

    with django_capture_on_commit_callbacks(execute=True):
        _reserve_stock({key: 5}, {key: "Santon en bois"})

    response = visit(Client(), url)
    html = response.content.decode()
    assert ProductStock.objects.get(translation_key=key).quantity == 0
    assert not hit(response) and "Épuisé" in html and "Ajouter au panier" not in html


def test_a_merchant_restocking_a_sold_out_product_puts_it_back_on_sale(
    tree, django_capture_on_commit_callbacks, django_user_model
):
    from shops.stock_admin import change_stock

    url = tree.couronne.url
    assert "Épuisé" in visit(Client(), url).content.decode()
    assert hit(visit(Client(), url))

    with django_capture_on_commit_callbacks(execute=True):
        change_stock(tree.couronne, "set", 4, django_user_model.objects.create_superuser("admin", "a@example.org", "x"))

    html = visit(Client(), url).content.decode()
    assert "Épuisé" not in html and "Ajouter au panier" in html


def test_a_stock_change_not_yet_committed_renews_nothing(tree, django_capture_on_commit_callbacks):
    from checkout.services import _reserve_stock

    url, key = tree.santon_fr.url, tree.santon_fr.translation_key
    visit(Client(), url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _reserve_stock({key: 1}, {key: "Santon en bois"})

    assert len(callbacks) == 1
    assert hit(visit(Client(), url))


def add_to_basket(client, product, quantity):
    response = client.post("/fr/panier/ajouter/", {"product": product.pk, "quantity": quantity, "next": product.url})
    assert response.status_code == 302
    visit(client, product.url)  # reads the "added" message: a page for this visitor alone


def test_two_visitors_with_different_baskets_each_see_their_own_count(tree):
    alice, bob = Client(), Client()
    add_to_basket(alice, tree.santon_fr, 1)
    add_to_basket(bob, tree.santon_fr, 2)

    alice_page, bob_page = visit(alice, tree.santon_fr.url), visit(bob, tree.santon_fr.url)

    assert hit(bob_page) and alice_page.content == bob_page.content
    assert "basket-link__count" not in bob_page.content.decode()
    assert 'src="/static/js/visitor.js" data-visitor-state="/fr/panier/etat.json"' in bob_page.content.decode()
    alice_state, bob_state = alice.get(STATE).json(), bob.get(STATE).json()
    assert (alice_state["basket_count"], alice_state["basket_label"]) == (1, "1 article")
    assert (bob_state["basket_count"], bob_state["basket_label"]) == (2, "2 articles")
    assert alice.get(STATE)["Cache-Control"] == "private, no-store"
    assert (alice_state["authenticated"], alice_state["account_url"]) == (False, reverse("account:login"))


def test_the_form_of_a_cached_page_posts_with_the_token_of_the_visitor_endpoint(tree):
    visit(Client(), tree.santon_fr.url)
    client = Client(enforce_csrf_checks=True)
    page = visit(client, tree.santon_fr.url)
    assert hit(page)
    assert 'name="csrfmiddlewaretoken" value=""' in page.content.decode()

    token = client.get(STATE).json()["csrf_token"]
    response = client.post("/fr/panier/ajouter/", {
        "csrfmiddlewaretoken": token, "product": tree.santon_fr.pk, "quantity": 2, "next": tree.santon_fr.url,
    })

    assert response.status_code == 302
    assert client.session[SESSION_KEY]["lines"][0]["quantity"] == 2


def test_without_javascript_the_add_to_basket_comes_back_to_a_fresh_form_that_works(tree):
    visit(Client(), tree.santon_fr.url)
    client = Client(enforce_csrf_checks=True)
    assert hit(visit(client, tree.santon_fr.url))
    data = {"product": tree.santon_fr.pk, "quantity": 1, "next": tree.santon_fr.url}

    refused = client.post("/fr/panier/ajouter/", {**data, "csrfmiddlewaretoken": ""})

    assert (refused.status_code, refused["Location"]) == (302, tree.santon_fr.url)
    assert SESSION_KEY not in client.session
    fresh = visit(client, tree.santon_fr.url)
    html = fresh.content.decode()
    assert not hit(fresh) and fresh["Cache-Control"] == "private, no-store"
    assert "confirmez l&#x27;ajout au panier" in html or "confirmez l'ajout au panier" in html
    token = fresh.context["csrf_token"]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in html
    added = client.post("/fr/panier/ajouter/", {**data, "csrfmiddlewaretoken": str(token)})
    assert added.status_code == 302
    assert client.session[SESSION_KEY]["lines"][0]["quantity"] == 1


def test_another_form_without_token_is_still_refused(tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/fr/panier/modifier/", {"next": tree.santon_fr.url})
    assert response.status_code == 403


def test_a_logged_in_user_is_never_served_from_the_cache(tree, django_user_model):
    url = tree.santon_fr.url
    visit(Client(), url)
    client = Client()
    client.force_login(django_user_model.objects.create_user("alice", "alice@example.org", "x"))

    response = visit(client, url)

    html = response.content.decode()
    assert not hit(response) and response["Cache-Control"] == "private, no-store"
    assert "Mes commandes" in html and 'name="csrfmiddlewaretoken" value=""' not in html
    assert "js/visitor.js" not in html


def test_a_visitor_with_a_pending_message_gets_a_page_of_their_own(tree):
    url = tree.santon_fr.url
    visit(Client(), url)
    client = Client()
    client.post("/fr/panier/ajouter/", {"product": tree.santon_fr.pk, "quantity": 1, "next": url})

    response = visit(client, url)

    assert not hit(response) and response["Cache-Control"] == "private, no-store"
    assert "basket-link__count" in response.content.decode()


@pytest.mark.parametrize("url", [
    "/fr/panier/commande/abcdef/",
    "/fr/panier/paiement/abcdef/",
    "/fr/panier/commande/abcdef/bons/1.pdf",
    "/fr/panier/commande/abcdef/factures/1.pdf",
    "/fr/panier/",
    "/fr/panier/validation/",
])
def test_token_and_checkout_pages_are_django_views_outside_the_page_cache(tree, url):
    assert resolve(url).func is not page_cache.serve

    Client().get(url)

    assert not caches["pages"]._cache  # nothing stored, not even a generation


def test_the_registration_form_under_a_market_page_is_not_cached(tree):
    url = tree.market_fr.url + "inscription/"
    Client().get(url)
    second = Client().get(url)

    assert second.status_code == 200 and not hit(second)
    assert 'name="csrfmiddlewaretoken" value=""' not in second.content.decode()


def test_a_hit_makes_no_query_for_a_new_visitor_and_one_with_a_basket(tree, django_assert_max_num_queries):
    url = tree.santon_fr.url
    visit(Client(), url)
    with django_assert_max_num_queries(0):
        assert hit(visit(Client(), url))

    shopper = Client()
    add_to_basket(shopper, tree.santon_fr, 1)
    # The session, to know the visitor is anonymous (a cache read in production); never the basket.
    with django_assert_max_num_queries(1):
        assert hit(visit(shopper, url))


def test_pages_of_every_opted_in_type_are_cached(tree):
    for page in (tree.home_fr, tree.market_fr, tree.help_fr, tree.atelier_fr, tree.santon_fr, tree.market_en):
        visit(Client(), page.url)
        assert hit(visit(Client(), page.url)), page.url


PROBE = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({
    "pages": settings.CACHES["pages"]["LOCATION"],
    "default": settings.CACHES["default"]["LOCATION"],
    "queue_in_redis": settings.Q_CLUSTER.get("redis"),
}))
"""


@pytest.mark.parametrize(("redis_url", "page_cache_url", "expected"), [
    ("redis://127.0.0.1:6379/0", None, "redis://127.0.0.1:6379/1"),
    ("redis://127.0.0.1:6379", None, "redis://127.0.0.1:6379/1"),
    ("redis://:secret@redis.internal:6379/3", None, "redis://:secret@redis.internal:6379/4"),
    ("redis://127.0.0.1:6379/0", "redis://cache.internal:6379/0", "redis://cache.internal:6379/0"),
])
def test_production_keeps_the_page_cache_apart_from_the_task_queue(redis_url, page_cache_url, expected):
    # Clearing the page cache (FLUSHDB of its database) must leave the queued tasks and the default cache alone.
    result = run(["-c", PROBE], production_env(REDIS_URL=redis_url, PAGE_CACHE_URL=page_cache_url))

    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # The task queue itself is in PostgreSQL (ORM broker): no Redis database of its own to protect.
    assert found == {"pages": expected, "default": redis_url, "queue_in_redis": None}


def test_production_refuses_a_page_cache_in_the_queue_database():
    result = run(["-c", "import django; django.setup()"], production_env(
        REDIS_URL="redis://127.0.0.1:6379/2", PAGE_CACHE_URL="redis://127.0.0.1:6379/2",
    ))

    assert result.returncode != 0
    assert "Set PAGE_CACHE_URL to another Redis database than REDIS_URL's." in result.stderr


def test_a_bundle_page_is_renewed_when_a_participant_withdraws(
    tree, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from shops.bundles import withdraw
    from shops.models import BundleConsent
    from tests.fixtures import factories as f

    bundle = f.make_bundle(tree.epicerie_fr, "Coffret Noël breton", price="60.00",
                           parts=[{"participant": tree.atelier_fr, "share_percent": Decimal("30")}])
    visit(Client(), bundle.url)
    assert "Ajouter au panier" in visit(Client(), bundle.url).content.decode()

    # When the atelier withdraws its part, the cached page no longer offers the bundle
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(BundleConsent.objects.get(participant=tree.atelier_fr).pk, None)
    response = visit(Client(), bundle.url)
    assert not hit(response)
    assert "Ajouter au panier" not in response.content.decode()
    assert "n'est pas en vente pour le moment" in response.content.decode().replace("&#x27;", "'")
