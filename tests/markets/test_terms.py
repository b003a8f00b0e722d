"""Merchants accept the current terms before using the admin; a new version asks again."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from wagtail.models.audit_log import ModelLogEntry

from markets.emails import set_password_url
from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, harvest_form, terms


def merchant_and_shop():
    home = f.french_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"))
    shop = f.make_shop(market, "Atelier")
    merchant = User.objects.create_user("atelier")
    make_merchant(merchant, shop)
    return merchant, shop, market


def test_without_any_terms_version_nothing_is_asked(db, client):
    merchant, shop, _ = merchant_and_shop()
    client.force_login(merchant)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[shop.pk])).status_code == 200


def test_a_draft_or_future_version_is_not_asked(db, client):
    merchant, shop, _ = merchant_and_shop()
    TermsVersion.objects.create(version="brouillon", text="<p>x</p>")
    TermsVersion.objects.create(version="futur", text="<p>x</p>",
                                published_at=timezone.now() + datetime.timedelta(days=3))
    client.force_login(merchant)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_every_admin_page_waits_for_acceptance_then_a_new_version_asks_again(db, client):
    # Given a merchant and terms v1
    merchant, shop, _ = merchant_and_shop()
    v1 = terms("v1", days_ago=10)
    client.force_login(merchant)

    # Then each admin page (GET or POST) sends them to the acceptance screen, keeping where they were going
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    response = client.get(edit_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("markets_terms_accept") + "?next=" + edit_url.replace("/", "%2F")
    assert client.post(reverse("shops_stock_edit", args=[1]), {}).status_code == 302
    page = client.get(reverse("markets_terms_accept"))
    assert page.status_code == 200 and "v1" in page.content.decode()

    # Not ticking the box accepts nothing
    response = client.post(reverse("markets_terms_accept"), {"next": edit_url})
    assert response.status_code == 200 and not TermsAcceptance.objects.exists()

    # When they accept, the version, time and IP are recorded, and they go on
    response = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": edit_url},
                           REMOTE_ADDR="198.51.100.23")
    assert response["Location"] == edit_url
    acceptance = TermsAcceptance.objects.get()
    assert (acceptance.user, acceptance.version, acceptance.ip_address) == (merchant, v1, "198.51.100.23")
    assert timezone.now() - acceptance.accepted_at < datetime.timedelta(minutes=1)
    assert client.get(edit_url).status_code == 200

    # When a new version is published, they are asked again, and v1's acceptance stays
    v2 = terms("v2", days_ago=0)
    assert client.get(edit_url).status_code == 302
    client.post(reverse("markets_terms_accept"), {"accept": "on"}, REMOTE_ADDR="198.51.100.24")
    assert list(TermsAcceptance.objects.filter(user=merchant).order_by("accepted_at", "pk")
                .values_list("version__version", "ip_address")) == [("v1", "198.51.100.23"), ("v2", "198.51.100.24")]
    assert client.get(edit_url).status_code == 200
    assert v2 == TermsVersion.current()


def test_an_off_site_next_is_ignored(db, client):
    merchant, _, _ = merchant_and_shop()
    terms("v1")
    client.force_login(merchant)
    response = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": "https://evil.example/"})
    assert response["Location"] == reverse("wagtailadmin_home")


def test_editors_and_the_operator_are_not_asked(db, client):
    _, shop, market = merchant_and_shop()
    terms("v1")
    editor = editor_of(market.territory)
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[shop.pk])).status_code == 200
    client.force_login(User.objects.create_superuser("operator"))
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert not TermsAcceptance.objects.exists()


def test_a_merchant_cannot_skip_the_terms_to_the_dashboard_login_still_works(db, client):
    merchant, _, _ = merchant_and_shop()
    merchant.set_password("Sapin-2026!")
    merchant.save()
    terms("v1")
    assert client.get(reverse("wagtailadmin_login")).status_code == 200
    assert client.post(reverse("wagtailadmin_login"), {"username": "atelier", "password": "Sapin-2026!"}).status_code == 302
    assert client.get(reverse("wagtailadmin_home"))["Location"].startswith(reverse("markets_terms_accept"))


# What a merchant reaches before accepting -----------------------------------


def merchant_without_terms(client):
    """A logged-in merchant and the terms v1 they have not accepted."""
    merchant, shop, market = merchant_and_shop()
    version = terms("v1")
    client.force_login(merchant)
    return merchant, shop, version


def is_sent_to_terms(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("markets_terms_accept"))


def test_what_every_admin_page_loads_is_served_before_acceptance(db, client, settings):
    merchant_without_terms(client)

    # The icon sprite, which the admin's JavaScript injects into every page
    sprite = client.get(reverse("wagtailadmin_sprite") + "?h=abc", HTTP_SEC_FETCH_MODE="cors",
                        HTTP_SEC_FETCH_DEST="empty")
    assert (sprite.status_code, sprite["Content-Type"]) == (200, "image/svg+xml; charset=utf-8")
    assert b"<svg>" in sprite.content and b"<symbol id=\"icon-" in sprite.content
    # Both JavaScript catalogues (Wagtail's, wagtail-localize's)
    for name in ("wagtailadmin_javascript_catalog", "wagtail_localize:javascript_catalog"):
        catalogue = client.get(reverse(name), HTTP_SEC_FETCH_MODE="no-cors", HTTP_SEC_FETCH_DEST="script")
        assert catalogue.status_code == 200 and "javascript" in catalogue["Content-Type"], name
    # Static files
    static = client.get(settings.STATIC_URL + "wagtailadmin/js/icons.js")
    assert static.status_code != 302


def test_logging_out_and_choosing_a_password_are_reachable_before_acceptance(db, client):
    merchant, _, _ = merchant_without_terms(client)

    for name in ("wagtailadmin_password_reset", "wagtailadmin_password_reset_done",
                 "wagtailadmin_password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name
    # The invitation's link, and the form it leads to
    path = set_password_url(merchant).removeprefix("http://testserver")
    assert path.startswith("/admin/password_reset/confirm/")
    page = client.get(path, follow=True)
    assert page.status_code == 200 and page.context["validlink"] is True
    assert page.redirect_chain[-1][0].endswith("/set-password/")

    response = client.post(reverse("wagtailadmin_logout"))
    assert response["Location"] == reverse("wagtailadmin_login")
    assert "_auth_user_id" not in client.session


def test_a_page_visit_or_form_post_goes_to_the_terms_anything_else_gets_403(db, client):
    _, shop, _ = merchant_without_terms(client)
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    terms_url = reverse("markets_terms_accept")

    # A browser navigating to the page, or an old client asking for HTML: redirected, with where it was going
    navigation = client.get(edit_url, HTTP_SEC_FETCH_MODE="navigate", HTTP_SEC_FETCH_DEST="document")
    assert navigation["Location"] == terms_url + "?next=" + edit_url.replace("/", "%2F")
    assert is_sent_to_terms(client.get(edit_url, HTTP_ACCEPT="text/html,application/xhtml+xml"))
    # A form post: redirected, without a next (a POST cannot be replayed by a redirect)
    assert client.post(edit_url, {"title": "x"})["Location"] == terms_url

    # A fetch, an XHR, an image, a JSON post, a DELETE: 403 naming the terms screen, never an HTML redirect
    answers = [
        client.get(edit_url, HTTP_SEC_FETCH_MODE="cors", HTTP_SEC_FETCH_DEST="empty"),
        client.get(edit_url, HTTP_X_REQUESTED_WITH="XMLHttpRequest"),
        client.get(edit_url, HTTP_SEC_FETCH_MODE="no-cors", HTTP_SEC_FETCH_DEST="image"),
        client.get(edit_url, HTTP_SEC_FETCH_MODE="navigate", HTTP_SEC_FETCH_DEST="iframe"),
        client.get(edit_url, HTTP_ACCEPT="application/json"),
        client.post(edit_url, '{"title": "x"}', content_type="application/json"),
        client.delete(edit_url),
    ]
    for answer in answers:
        assert answer.status_code == 403
        assert answer.json() == {"error": "terms_not_accepted", "terms_url": terms_url}
    assert not shop.revisions.filter(content__title="x").exists()


def test_the_terms_page_has_exactly_one_accept_form_and_the_dashboard_then_no_terms_step(db, client):
    merchant, _, _ = merchant_without_terms(client)
    dashboard_url = reverse("wagtailadmin_home")

    # The dashboard sends the merchant to the terms, which show one form to accept them
    response = client.get(dashboard_url)
    assert response["Location"] == reverse("markets_terms_accept") + "?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('method="post"') == 1
    assert html.count('name="accept"') == 1
    assert harvest_form(html.replace("<form ", '<form id="terms" ', 1), "terms") == {
        "csrfmiddlewaretoken": page.context["csrf_token"], "next": dashboard_url,
    }

    # Accepting lands on the dashboard, which no longer asks for the terms
    response = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": dashboard_url})
    assert response["Location"] == dashboard_url
    dashboard = client.get(dashboard_url)
    content = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert "Conditions générales acceptées" in content
    assert "Conditions générales à accepter" not in content and "Accepter les conditions générales" not in content
    assert reverse("markets_terms_accept") not in content
    # and the terms screen now only sends them on
    assert client.get(reverse("markets_terms_accept"))["Location"] == dashboard_url


def test_accepting_records_the_address_the_trusted_proxy_saw(db, client, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    merchant, _, version = merchant_without_terms(client)

    # The client forged a first entry; the proxy appended the address it really came from
    client.post(reverse("markets_terms_accept"), {"accept": "on"}, REMOTE_ADDR="10.0.0.5",
                HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.77")

    acceptance = TermsAcceptance.objects.get()
    assert (acceptance.user, acceptance.version, acceptance.ip_address) == (merchant, version, "198.51.100.77")
    assert timezone.now() - acceptance.accepted_at < datetime.timedelta(minutes=1)


def test_accepting_twice_records_one_acceptance(db, client):
    merchant, shop, version = merchant_without_terms(client)
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])

    first = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": edit_url}, REMOTE_ADDR="198.51.100.1")
    # (a second tab, a double click)
    second = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": edit_url}, REMOTE_ADDR="198.51.100.2")

    assert first["Location"] == second["Location"] == edit_url
    assert list(TermsAcceptance.objects.values_list("user", "version", "ip_address")) == [
        (merchant.pk, version.pk, "198.51.100.1")
    ]
    assert ModelLogEntry.objects.filter(action="markets.terms.accept", user=merchant).count() == 1


@pytest.mark.parametrize("next_url", [
    "http://evil.example/",
    "//evil.example/admin/",
    "https://evil.example/admin/",
    "/fr/",  # this site, not the admin
    "/admin/sprite/?h=abc",  # a file the admin loads: the browser would show raw XML
    "/admin/jsi18n/",
    "/admin/conditions/",
    "/admin/logout/",
])
def test_a_next_that_is_not_an_admin_page_of_this_site_is_ignored(db, client, next_url):
    merchant_without_terms(client)
    response = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": next_url})
    assert response["Location"] == reverse("wagtailadmin_home")
    assert TermsAcceptance.objects.count() == 1


def test_a_next_on_this_site_with_its_query_is_kept(db, client):
    merchant_without_terms(client)
    next_url = reverse("wagtailadmin_explore_root") + "?ordering=title"
    assert client.post(reverse("markets_terms_accept"), {"accept": "on", "next": next_url})["Location"] == next_url
    response = client.post(reverse("markets_terms_accept") + "?next=" + "http%3A%2F%2Fevil.example%2F")
    assert response["Location"] == reverse("wagtailadmin_home")


def test_editors_and_the_operator_never_see_the_terms_screen(db, client):
    _, shop, market = merchant_and_shop()
    terms("v1")
    editor = editor_of(market.territory)
    operator = User.objects.create_superuser("operator")
    for user in (editor, operator):
        client.force_login(user)
        assert client.get(reverse("markets_terms_accept")).status_code == 302
        assert client.get(reverse("markets_terms_accept"))["Location"] == reverse("wagtailadmin_home")
        response = client.post(reverse("markets_terms_accept"), {"accept": "on"})
        assert response["Location"] == reverse("wagtailadmin_home")
        dashboard = client.get(reverse("wagtailadmin_home"))
        assert dashboard.status_code == 200
    assert not TermsAcceptance.objects.exists()
