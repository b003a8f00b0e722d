"""Security headers on every kind of page: the public policy, the payment page's exception, the admin's policy."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from checkout.payments import gateway
from portal.security_headers import PERMISSIONS_POLICY
from tests.checkout.test_checkout_views import placed_order
from tests.checkout.voucher_fixtures import order_of, pay

PUBLIC_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: sorted(sources) for name, *sources in parts}


def assert_public_headers(response, referrer="same-origin"):
    assert directives(response["Content-Security-Policy"]) == directives(PUBLIC_POLICY), response.request["PATH_INFO"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == referrer


def test_every_public_page_type_carries_the_strict_policy(market, client):
    # given a paid order, so that its page and vouchers exist
    order = order_of(market, [(market.santon, 1)])
    pay(order)
    client.post("/fr/panier/ajouter/", {"product": market.santon.pk, "quantity": "1"})

    pages = [
        "/fr/", "/en/", market.market.url, market.atelier.url, market.santon.url,
        "/fr/panier/", "/fr/panier/validation/", "/healthz", "/fr/compte/connexion/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_public_headers(response)
    # a page reached by its private token never hands the token on in a referrer
    assert_public_headers(client.get(f"/fr/panier/commande/{order.token}/"), referrer="no-referrer")


def test_the_registration_form_has_no_inline_style_or_script(db, client):
    from tests.markets.onboarding_helpers import portal, registration_url

    _territory, market_fr, _market_en = portal()
    response = client.get(registration_url(market_fr))
    html = response.content.decode()

    assert_public_headers(response)
    assert "<style" not in html and " style=" not in html
    assert "<script>" not in html and "<script type=\"text/javascript\">" not in html


def test_the_payment_page_alone_adds_the_payment_providers_hosts(market, stripe):
    client = Client()
    order, response = placed_order(client, market)

    origin = gateway.js_url().split("/js.stripe.com")[0]
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == sorted(["'self'", origin])
    assert policy["connect-src"] == sorted(["'self'", origin])
    assert policy["frame-src"] == sorted(["'none'", origin])
    assert policy["style-src"] == ["'self'"]
    # and the next page, the order's, is back to the strict policy
    assert_public_headers(client.get(f"/fr/panier/commande/{order.token}/"), referrer="no-referrer")


def test_stripes_own_hosts_without_localstripe(settings):
    settings.STRIPE_API_BASE = ""

    assert gateway.csp_sources() == {
        "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    }


@pytest.mark.parametrize("url", ["/admin/login/", "/admin/", "/admin/pages/"])
def test_the_admin_has_its_own_policy(db, url):
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))

    response = client.get(url)

    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
