"""The per-process copies of locales, sites and the restriction flag (portal.locale_cache) follow every change."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, PageViewRestriction, Site

from portal import locale_cache
from tests.fixtures import factories as f


@pytest.fixture
def uncached(settings):
    # The page cache would answer a repeated request before Wagtail's checks: these tests are of the render.
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def market(db):
    return f.make_market(f.french_home(), f.make_territory("Pays de Morlaix"))


def test_a_login_restriction_added_to_a_market_applies_on_the_next_request(client, market, uncached):
    # given a market page an anonymous visitor has opened
    shop = f.make_shop(market)
    assert client.get(market.url).status_code == 200

    # when an editor restricts it to logged-in visitors
    PageViewRestriction.objects.create(page=market, restriction_type=PageViewRestriction.LOGIN)

    # then the market and the shop under it send the visitor to the login form
    for url in (market.url, shop.url):
        response = client.get(url)
        assert response.status_code == 302
        assert parse_qs(urlsplit(response["Location"]).query)["next"] == [url]

    # and lifting the restriction opens them again
    PageViewRestriction.objects.filter(page=market).delete()
    assert client.get(market.url).status_code == 200
    assert client.get(shop.url).status_code == 200


def test_a_password_restriction_asks_for_the_password(client, market, uncached):
    # given a market page already served
    assert client.get(market.url).status_code == 200

    # when it is protected by a password
    restriction = PageViewRestriction.objects.create(
        page=market, restriction_type=PageViewRestriction.PASSWORD, password="sapin"
    )

    # then the visitor gets the password form of that restriction, not the page
    response = client.get(market.url)
    assert response.status_code == 200
    action = reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, market.pk])
    assert action in response.content.decode()
    assert market.tourism_office not in response.content.decode()


def test_another_host_renewing_the_version_is_seen_by_this_process(client, market, uncached):
    # given this process knows that no page is restricted
    assert client.get(market.url).status_code == 200

    # when a restriction appears without this process hearing of it (as on another web host)
    PageViewRestriction.objects.bulk_create([PageViewRestriction(page=market, restriction_type="login")])
    assert client.get(market.url).status_code == 200  # this process's copy, still valid for the shared version

    # and that host draws a new version in the shared cache, as its signal handler does
    cache.set(locale_cache.VERSION_KEY, "drawn-by-another-host", timeout=None)

    # then this process reloads on its next request
    assert client.get(market.url).status_code == 302


def test_a_site_change_is_seen_on_the_next_request(client, db, uncached, settings):
    settings.ALLOWED_HOSTS = ["testserver", "marche.example.org"]
    # given the default site answering for the test server
    home = f.french_home()
    assert client.get(home.url).status_code == 200

    # when the operator gives it another hostname and no site is the default any more
    Site.objects.filter(root_page=home).update(is_default_site=False)  # no signal: the save below renews
    site = Site.objects.get(root_page=home)
    site.hostname = "marche.example.org"
    site.save()

    # then the test server has no site: nothing is served
    assert client.get(home.url).status_code == 404
    assert client.get(home.url, HTTP_HOST="marche.example.org").status_code == 200


def test_locales_cost_no_query_once_known_and_a_new_one_is_seen(db):
    # given the active locale looked up once
    with translation.override("en"):
        english = Locale.get_active()

        # then looking it up again costs no query, and gives a copy of the same row
        with CaptureQueriesContext(connection) as captured:
            again = Locale.get_active()
        assert captured.captured_queries == []
        assert (again.pk, again.language_code) == (english.pk, "en")
        assert again is not english

        # when the English locale is removed, English falls back to the default locale
        Locale.objects.filter(pk=english.pk).delete()
        assert Locale.get_active().language_code == "fr"

        # and when it is created again, the new row is the active one
        created = Locale.objects.create(language_code="en")
        assert Locale.get_active().pk == created.pk
