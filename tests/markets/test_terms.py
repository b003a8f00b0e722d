"""Merchants accept the current terms before using the admin; a new version asks again."""

import datetime

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, terms


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
