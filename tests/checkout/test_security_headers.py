"""Security headers on every kind of page: the public policy, the payment page's exception, the admin's policy."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from wagtail.models import Page, get_page_models

from checkout.models import Order
from checkout.payments import gateway
from home.models import LegalKind, LegalPage
from portal.security_headers import PERMISSIONS_POLICY
from tests.checkout.test_checkout_views import placed_order
from tests.checkout.voucher_fixtures import order_of, pay
from tests.fixtures import factories as f

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


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' blocks in a page: inline scripts, styles, handlers, `javascript:` links."""

    # Data blocks are not run: a policy does not apply to them.
    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in self.DATA_TYPES:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "nonce":
                self.found.append(f"<{tag} nonce=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(response) -> list[str]:
    finder = InlineCode()
    finder.feed(response.content.decode())
    return finder.found


def public_pages(market) -> dict[type, str]:
    """A published page of each page type a site may have, by its model."""
    home = Page.objects.get(pk=market.market.get_parent().pk).specific
    english = f.english_home()
    legal = f.add_page(
        home,
        LegalPage(
            title="Mentions légales",
            slug="mentions-legales",
            kind=LegalKind.LEGAL_NOTICE,
            body="<p>Éditeur : l'office de tourisme.</p>",
        ),
    )
    help_page = f.make_help_page(market.market, "Questions fréquentes")
    pages = [home, english, legal, market.market, market.atelier, market.santon, help_page]
    return {type(page.specific): page.specific.url for page in pages}


def test_every_public_page_carries_the_strict_policy_and_nothing_inline(market, client, stripe):
    # Given one page of each page type, a basket, a placed order and a paid one, a customer's account
    urls_by_model = public_pages(market)
    creatable = {model for model in get_page_models() if model.is_creatable}
    # A page type added tomorrow fails here until a page of it is walked.
    assert set(urls_by_model) == creatable
    _order, payment_page = placed_order(client, market)  # the basket's items, then its payment page
    paid_order = order_of(market, [(market.santon, 1)])
    pay(paid_order)
    customer = User.objects.create_user("alice@example.org", email="alice@example.org")
    linked_order = order_of(market, [(market.miel, 1)])
    pay(linked_order)
    Order.objects.filter(pk=linked_order.pk).update(customer=customer)  # listed on the customer's orders page
    registration = f"{market.market.url}{market.market.reverse_subpage('registration')}"
    client.post("/fr/panier/ajouter/", {"product": market.santon.pk, "quantity": "1"})
    anonymous = [
        *urls_by_model.values(),
        registration,
        "/fr/panier/",
        "/fr/panier/validation/",
        "/healthz",
        "/fr/compte/connexion/",
        "/fr/compte/mot-de-passe/",
        "/fr/compte/mot-de-passe/envoye/",
        f"/fr/compte/creer/{paid_order.token}/",
    ]
    pages = [(url, client.get(url)) for url in anonymous]
    pages.append((f"/fr/panier/commande/{paid_order.token}/", client.get(f"/fr/panier/commande/{paid_order.token}/")))
    missing = client.get("/fr/nulle-part/")
    signed_in = Client()
    signed_in.force_login(customer)
    pages.append(("/fr/compte/commandes/", signed_in.get("/fr/compte/commandes/")))

    # Then every page answers with the strict policy, nothing inline for it to block, and no nonce:
    # pages may be cached and shared, and a nonce served twice protects nothing.
    for url, response in [*pages, ("/fr/nulle-part/", missing)]:
        assert response.status_code == (404 if response is missing else 200), url
        # The order's page, reached by its private token, hands it on to nobody; the account creation page,
        # also reached by the token, posts a form and keeps same-origin (checkout.accounts.views).
        order_page = url.startswith("/fr/panier/commande/")
        assert_public_headers(response, referrer="no-referrer" if order_page else "same-origin")
        assert "nonce-" not in response["Content-Security-Policy"], url
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response) == [], url
    assert "Commande n°" in pages[-1][1].content.decode()
    # and the payment page has its own policy (below), with no nonce either: its script is a file too
    assert "nonce-" not in payment_page["Content-Security-Policy"]
    assert inline_code(payment_page) == []


def test_the_registration_form_has_no_inline_style_or_script(db, client):
    from tests.markets.onboarding_helpers import portal, registration_url

    _territory, market_fr, _market_en = portal()
    response = client.get(registration_url(market_fr))
    html = response.content.decode()

    assert_public_headers(response)
    assert "<style" not in html and " style=" not in html
    assert "<script>" not in html and '<script type="text/javascript">' not in html


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
