from wagtail.models import Page

from tests.fixtures import factories as f


def test_migration_makes_the_french_home_the_default_site_root(db):
    # given a freshly migrated database
    home = f.french_home()
    site = home.get_site()

    # then the French home page is live, the only depth-2 page, the default site's root
    assert home.title == "Marché de Noël numérique"
    assert home.live
    assert site.is_default_site and site.root_page_id == home.pk
    assert list(Page.objects.filter(depth=2).values_list("pk", flat=True)) == [home.pk]
    assert sorted(f.locale(code).language_code for code in ("fr", "en")) == ["en", "fr"]


def test_root_redirects_to_french(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_root_redirects_an_english_browser_to_english(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")

    assert response.status_code == 302
    assert response["Location"] == "/en/"


