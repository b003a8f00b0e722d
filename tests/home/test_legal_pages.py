"""The platform's legal pages (legal notice, terms of sale, withdrawal, privacy, cookies, merchants' terms),
their links, the cookies page's list, and each shop's terms."""

import re

import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from home.demo.builder import DemoBuilder
from home.legal import legal_page_url
from home.models import HomePage, LegalPage
from markets.models import HelpPage, MarketPage, TermsVersion
from shops.models import ProductPage, ShopPage
from tests.fixtures import factories as f
from tests.fixtures.pages import assert_served_in_its_language

rules = WagtailPageTestCase()

FRENCH = {
    "legal_notice": ("Mentions légales", "mentions-legales"),
    "terms": ("Conditions générales de vente", "conditions-generales-de-vente"),
    "withdrawal": ("Droit de rétractation", "droit-de-retractation"),
    "privacy": ("Données personnelles", "donnees-personnelles"),
    "cookies": ("Cookies", "cookies"),
    "merchant_terms": ("Conditions d'utilisation des commerçants", "conditions-utilisation-commercants"),
}
ENGLISH = {
    "legal_notice": ("Legal notice", "legal-notice"),
    "terms": ("Terms of sale", "terms-of-sale"),
    "withdrawal": ("Right of withdrawal", "right-of-withdrawal"),
    "privacy": ("Personal data", "personal-data"),
    "cookies": ("Cookies", "cookies"),
    "merchant_terms": ("Merchants' terms of use", "merchants-terms-of-use"),
}
FIRST_THREE = ("legal_notice", "terms", "withdrawal")


def french_pages(home, kinds=tuple(FRENCH), live=True) -> dict[str, LegalPage]:
    return {
        kind: f.add_page(
            home,
            LegalPage(title=FRENCH[kind][0], slug=FRENCH[kind][1], kind=kind, body=f"<p>Texte : {FRENCH[kind][0]}</p>"),
            live=live,
        )
        for kind in kinds
    }


def english_pages(french: dict[str, LegalPage]) -> dict[str, LegalPage]:
    return {
        kind: f.translate(page, title=ENGLISH[kind][0], slug=ENGLISH[kind][1], body=f"<p>Text: {ENGLISH[kind][0]}</p>")
        for kind, page in french.items()
    }


def footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">'):]


def test_legal_pages_sit_under_a_home_and_hold_nothing():
    rules.assertAllowedParentPageTypes(LegalPage, {HomePage})
    rules.assertAllowedSubpageTypes(LegalPage, set())
    rules.assertCanCreateAt(HomePage, LegalPage)
    for parent in (Page, MarketPage, HelpPage, ShopPage, ProductPage, LegalPage):
        rules.assertCanNotCreateAt(parent, LegalPage)


def test_the_admin_refuses_a_second_page_of_the_same_kind(client, home_fr, django_user_model):
    # given a live terms page, and the platform operator in the admin
    french_pages(home_fr, kinds=("terms",))
    client.force_login(django_user_model.objects.create_superuser("operateur", "op@example.org", "x"))
    add = reverse("wagtailadmin_pages:add", args=("home", "legalpage", home_fr.pk))

    def post(kind, slug):
        return client.post(add, nested_form_data({
            "title": "Conditions", "slug": slug, "kind": kind, "body": rich_text("<p>Nos conditions.</p>"),
            "comments": inline_formset([]), "action-publish": "publish",
        }))

    # when a second terms page is submitted
    refused = post("terms", "autres-conditions")
    # then it is refused next to the kind, and nothing is created
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "kind": ["Ce site a déjà une page de ce type : modifiez-la plutôt que d'en créer une autre."]
    }
    assert LegalPage.objects.filter(kind="terms").count() == 1
    # while a page of another kind is created
    assert post("legal_notice", "mentions-legales").status_code == 302
    french = LegalPage.objects.get(kind="legal_notice", locale__language_code="fr")
    assert french.live is True
    # with its English alias, which shows the French text until it is translated
    english = LegalPage.objects.get(kind="legal_notice", locale__language_code="en")
    assert (english.alias_of_id, english.live) == (french.pk, True)


@pytest.mark.parametrize(
    ("kind", "language", "title", "text"),
    [("terms", "fr", "Conditions générales de vente", "Texte : Conditions générales de vente"),
     ("withdrawal", "en", "Right of withdrawal", "Text: Right of withdrawal")],
)
def test_a_legal_page_is_served_in_its_language(client, home_fr, home_en, kind, language, title, text):
    french = french_pages(home_fr)
    pages = french if language == "fr" else english_pages(french)
    response = assert_served_in_its_language(client, pages[kind], language, title)
    assert text in response.content.decode()


def test_the_footer_links_the_three_pages_in_each_language(client, home_fr, home_en):
    english_pages(french_pages(home_fr))

    french = footer(client.get("/fr/").content.decode())
    english = footer(client.get("/en/").content.decode())

    assert '<a href="/fr/mentions-legales/" data-legal="legal_notice">Mentions légales</a>' in french
    assert '<a href="/fr/conditions-generales-de-vente/" data-legal="terms">Conditions générales de vente</a>' in french
    assert '<a href="/fr/droit-de-retractation/" data-legal="withdrawal">Droit de rétractation</a>' in french
    assert '<a href="/en/legal-notice/" data-legal="legal_notice">Legal notice</a>' in english
    assert '<a href="/en/terms-of-sale/" data-legal="terms">Terms of sale</a>' in english
    assert '<a href="/en/right-of-withdrawal/" data-legal="withdrawal">Right of withdrawal</a>' in english


def test_an_untranslated_page_is_linked_in_french_and_a_draft_not_at_all(client, home_fr, home_en):
    # given French terms not yet translated, and a withdrawal page still in draft
    french_pages(home_fr, kinds=("terms",))
    french_pages(home_fr, kinds=("withdrawal",), live=False)

    english = footer(client.get("/en/").content.decode())

    assert '<a href="/fr/conditions-generales-de-vente/" data-legal="terms">Terms of sale</a>' in english
    assert 'data-legal="withdrawal"' not in english
    assert 'data-legal="legal_notice"' not in english


def test_the_links_are_cached_until_a_legal_page_changes(home_fr, home_en, django_assert_num_queries):
    french = french_pages(home_fr, kinds=FIRST_THREE)
    english = english_pages(french)
    with translation.override("en"):
        legal_page_url("terms", RequestFactory().get("/en/"))  # the first page view looks them up

        # when other pages are viewed, their footers ask no query
        with django_assert_num_queries(0):
            urls = [legal_page_url(kind, RequestFactory().get("/en/")) for kind in ("legal_notice", "terms", "withdrawal")]
        assert urls == ["/en/legal-notice/", "/en/terms-of-sale/", "/en/right-of-withdrawal/"]
        assert legal_page_url("privacy", RequestFactory().get("/en/")) == ""

        # when the platform renames the English terms, then unpublishes the withdrawal page
        english["terms"].slug = "conditions"
        f.publish(english["terms"])
        english["withdrawal"].unpublish()

        # then the links follow at once: the French withdrawal page stands in
        assert legal_page_url("terms", RequestFactory().get("/en/")) == "/en/conditions/"
        assert legal_page_url("withdrawal", RequestFactory().get("/en/")) == "/fr/droit-de-retractation/"


# Each shop's terms of sale ----------------------------------------------------------


def test_each_shops_terms_are_reachable_and_name_the_merchant(client, home_fr):
    # given the platform's terms, a shop with no terms of its own and one that wrote some
    terms = french_pages(home_fr, kinds=("terms",))["terms"]
    market = f.make_market(home_fr)
    plain = f.make_shop(market, "Atelier du Bois Flotté", legal_name="SARL Bois Flotté")
    own = f.make_shop(
        market, "Épicerie Kerjean", legal_name="EURL Kerjean",
        terms_of_sale="<p>Les colis de produits frais sont expédiés le lundi uniquement.</p>",
    )

    plain_html = client.get(plain.url + "#conditions-de-vente")
    own_html = client.get(own.url + "#conditions-de-vente")

    assert plain_html.status_code == own_html.status_code == 200
    plain_terms = plain_html.content.decode().split('id="conditions-de-vente"', 1)[1]
    own_terms = own_html.content.decode().split('id="conditions-de-vente"', 1)[1]
    assert "SARL Bois Flotté" in plain_terms and plain.siret in plain_terms
    assert "Le vendeur est SARL Bois Flotté ; le marché de Noël numérique n’est qu’un intermédiaire." in plain_terms
    assert f'Ses ventes suivent les <a href="{terms.url}">conditions générales de vente de la plateforme</a>.' in plain_terms
    assert "EURL Kerjean" in own_terms
    assert "Les colis de produits frais sont expédiés le lundi uniquement." in own_terms
    assert f'les <a href="{terms.url}">conditions générales de vente de la plateforme</a> s’appliquent' in own_terms
    assert "Ses ventes suivent" not in own_terms


def test_a_shops_terms_in_english(client, home_fr, home_en):
    english_pages(french_pages(home_fr, kinds=("terms", "withdrawal")))
    market = f.make_market(home_fr)
    f.translate(market)
    shop = f.make_shop(market, "Atelier du Bois Flotté", legal_name="SARL Bois Flotté")
    shop_en = f.translate(shop, title="Driftwood Workshop")

    response = assert_served_in_its_language(client, shop_en, "en", "Driftwood Workshop")

    terms = response.content.decode().split('id="conditions-de-vente"', 1)[1]
    assert "The seller is SARL Bois Flotté; the digital Christmas market is only an intermediary." in terms
    assert "Its sales follow the <a href=\"/en/terms-of-sale/\">platform's terms of sale</a>." in terms
    assert '<a href="/en/right-of-withdrawal/">Right of withdrawal and form</a>' in terms


# The demo --------------------------------------------------------------------------


def test_the_demo_seeds_the_six_pages_in_french_and_english_once(db, django_capture_on_commit_callbacks):
    # when the demo is built (no territory: only the homes and the platform's pages), twice
    with django_capture_on_commit_callbacks(execute=True):
        DemoBuilder(territories=(), orders=False).build()
    pages = Page.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        second = DemoBuilder(territories=(), orders=False).build()

    # then the second run made nothing
    assert Page.objects.count() == pages
    assert second.created["page"] == 0
    # and each kind is live once per language, the English page a translation of the French one
    for language, slugs in (("fr", [s for _, s in FRENCH.values()]), ("en", [s for _, s in ENGLISH.values()])):
        live = LegalPage.objects.live().filter(locale__language_code=language).order_by("path")
        assert [(p.kind, p.slug) for p in live] == list(zip(FRENCH, slugs, strict=True)), language
    french = {p.kind: p for p in LegalPage.objects.filter(locale__language_code="fr")}
    english = {p.kind: p for p in LegalPage.objects.filter(locale__language_code="en")}
    assert {k: p.translation_key for k, p in english.items()} == {k: p.translation_key for k, p in french.items()}
    # the legal notice names the platform from the settings
    platform = settings.PLATFORM
    for page in (french["legal_notice"], english["legal_notice"]):
        assert platform["legal_name"] in page.body and platform["siret"] in page.body
        assert platform["vat_number"] in page.body and platform["email"] in page.body
    # the terms say who sells, the withdrawal page gives the model form
    assert "le commerçant est le vendeur" in french["terms"].body and "est un intermédiaire" in french["terms"].body
    assert "the merchant is the seller" in english["terms"].body and "is an intermediary" in english["terms"].body
    assert "Modèle de formulaire de rétractation" in french["withdrawal"].body
    assert "Annexe à l'article R221-1" in french["withdrawal"].body
    assert "Model withdrawal form" in english["withdrawal"].body
    assert english["terms"].url == "/en/terms-of-sale/"
    # privacy: the retention periods and how to use one's rights, in both languages
    assert "anonymisées trois ans après votre dernière commande" in french["privacy"].body
    assert "Les factures sont conservées dix ans" in french["privacy"].body
    assert "anonymised three years after your last order" in english["privacy"].body
    assert "Invoices are kept for ten years" in english["privacy"].body
    assert "aucun bandeau de cookies" in french["cookies"].body and "no cookie banner" in english["cookies"].body
    # what merchants accept on first login is the French text of their terms page
    assert french["merchant_terms"].body == TermsVersion.objects.get().text
    assert "Fermeture du compte" in french["merchant_terms"].body
    assert "Closing the account" in english["merchant_terms"].body


# Footer and registration links on every kind of page ------------------------------------


def _legal_links(html: str) -> dict[str, str]:
    return {kind: href for href, kind in re.findall(r'<a href="([^"]+)" data-legal="(\w+)"', html)}


def _site(home_fr):
    english_pages(french_pages(home_fr))
    market = f.make_market(home_fr, title="Marché de Noël de Morlaix")
    market_en = f.translate(market, title="Morlaix Christmas market", slug="morlaix-christmas-market")
    shop = f.make_shop(market, "Atelier du Bois Flotté")
    shop_en = f.translate(shop, title="Driftwood Workshop")
    return market, market_en, shop, shop_en


def test_the_footer_links_every_legal_page_from_home_market_and_shop_pages_in_both_languages(client, home_fr, home_en):
    market, market_en, shop, shop_en = _site(home_fr)
    expected = {
        "fr": {kind: f"/fr/{slug}/" for kind, (_title, slug) in FRENCH.items()},
        "en": {kind: f"/en/{slug}/" for kind, (_title, slug) in ENGLISH.items()},
    }

    for language, url in (
        ("fr", "/fr/"),
        ("en", "/en/"),
        ("fr", market.url),
        ("en", market_en.url),
        ("fr", shop.url),
        ("en", shop_en.url),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        links = _legal_links(footer(response.content.decode()))
        assert links == expected[language], url

    # each link opens the page of its kind, in its language
    for language, links in expected.items():
        for kind, href in links.items():
            page = client.get(href)
            assert page.status_code == 200, href
            html = page.content.decode()
            assert f'data-legal-kind="{kind}"' in html and f'<html lang="{language}"' in html, href


def test_the_registration_form_links_the_merchants_terms_and_the_privacy_page(client, home_fr, home_en):
    market, market_en, _shop, _shop_en = _site(home_fr)

    french = client.get(market.url + "inscription/")
    english = client.get(market_en.url + "inscription/")

    assert french.status_code == english.status_code == 200
    french_html = french.content.decode()
    intro = french_html[french_html.index("data-registration-legal") :]
    assert (
        'En vous inscrivant, vous acceptez les <a href="/fr/conditions-utilisation-commercants/" '
        'data-legal="merchant_terms">conditions d\'utilisation des commerçants</a>.' in intro
    )
    assert '<a href="/fr/donnees-personnelles/" data-legal="privacy">données personnelles</a>' in intro
    english_html = english.content.decode()
    intro = english_html[english_html.index("data-registration-legal") :]
    assert (
        'By registering, you accept the <a href="/en/merchants-terms-of-use/" '
        'data-legal="merchant_terms">merchants\' terms of use</a>.' in intro
    )
    assert '<a href="/en/personal-data/" data-legal="privacy">personal data</a>' in intro
    for href in (
        "/fr/conditions-utilisation-commercants/",
        "/fr/donnees-personnelles/",
        "/en/merchants-terms-of-use/",
        "/en/personal-data/",
    ):
        assert client.get(href).status_code == 200, href


def test_the_registration_form_says_nothing_of_terms_that_are_not_published(client, home_fr):
    market = f.make_market(home_fr)

    html = client.get(market.url + "inscription/").content.decode()

    assert "data-registration-legal" not in html


# The cookies page --------------------------------------------------------------------


def expected_cookies() -> list[str]:
    """What the site sets, from the settings that name the cookies: the page must list exactly these."""
    names = [settings.SESSION_COOKIE_NAME]
    if not settings.CSRF_USE_SESSIONS:
        names.append(settings.CSRF_COOKIE_NAME)
    if settings.MESSAGE_STORAGE in (
        "django.contrib.messages.storage.fallback.FallbackStorage",
        "django.contrib.messages.storage.cookie.CookieStorage",
    ):
        names.append(CookieStorage.cookie_name)
    # Wagtail's admin script, then Stripe.js on the payment page.
    return [*names, "wagtail_sidebar_collapsed", "__stripe_mid", "__stripe_sid"]


def listed_cookies(html: str) -> list[tuple[str, ...]]:
    rows = re.findall(r'<tr data-cookie="([^"]+)">(.*?)</tr>', html, re.S)
    return [
        (name, *[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)])
        for name, row in rows
    ]


def test_the_cookies_page_lists_exactly_the_cookies_named_in_the_settings(client, home_fr, home_en):
    pages = french_pages(home_fr, kinds=("cookies",))
    english_pages(pages)

    french = listed_cookies(client.get("/fr/cookies/").content.decode())
    english = listed_cookies(client.get("/en/cookies/").content.decode())

    assert [row[0] for row in french] == [row[0] for row in english] == expected_cookies()
    assert french == [
        (
            settings.SESSION_COOKIE_NAME,
            settings.SESSION_COOKIE_NAME,
            "ce site",
            "Garde votre panier et vos coordonnées pendant la commande, et votre connexion à votre compte ou à "
            "l&#x27;espace commerçants.",
            "2 semaines",
        ),
        (
            settings.CSRF_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            "ce site",
            "Protège vos formulaires : seul ce site peut envoyer une commande ou un message en votre nom.",
            "52 semaines",
        ),
        (
            "messages",
            "messages",
            "ce site",
            "Transmet un message d&#x27;une page à la suivante (« Produit ajouté au panier »), puis s&#x27;efface.",
            "jusqu&#x27;à l&#x27;affichage du message",
        ),
        (
            "wagtail_sidebar_collapsed",
            "wagtail_sidebar_collapsed",
            "l&#x27;espace commerçants",
            "Retient si le menu de l&#x27;espace commerçants et offices de tourisme est replié.",
            "jusqu&#x27;à la fermeture du navigateur",
        ),
        (
            "__stripe_mid",
            "__stripe_mid",
            "Stripe",
            "Sur la page de paiement seulement : aide Stripe, qui traite le paiement par carte, à détecter les fraudes.",
            "1 an",
        ),
        (
            "__stripe_sid",
            "__stripe_sid",
            "Stripe",
            "Sur la page de paiement seulement : aide Stripe, qui traite le paiement par carte, à détecter les fraudes.",
            "30 minutes",
        ),
    ]
    assert [(row[0], row[2], row[4]) for row in english] == [
        (settings.SESSION_COOKIE_NAME, "this site", "2 weeks"),
        (settings.CSRF_COOKIE_NAME, "this site", "52 weeks"),
        ("messages", "this site", "until the message is shown"),
        ("wagtail_sidebar_collapsed", "the merchants&#x27; area", "until the browser is closed"),
        ("__stripe_mid", "Stripe", "1 year"),
        ("__stripe_sid", "Stripe", "30 minutes"),
    ]
    # and no language cookie: the switch links to the other language's page
    assert settings.LANGUAGE_COOKIE_NAME not in [row[0] for row in french]


@override_settings(
    SESSION_COOKIE_NAME="mdn_session",
    SESSION_COOKIE_AGE=3600,
    CSRF_USE_SESSIONS=True,
    MESSAGE_STORAGE="django.contrib.messages.storage.session.SessionStorage",
)
def test_the_cookies_page_follows_a_change_of_the_settings(client, home_fr):
    french_pages(home_fr, kinds=("cookies",))

    listed = listed_cookies(client.get("/fr/cookies/").content.decode())

    assert (
        [row[0] for row in listed]
        == expected_cookies()
        == ["mdn_session", "wagtail_sidebar_collapsed", "__stripe_mid", "__stripe_sid"]
    )
    assert listed[0][4] == "1 heure"


def test_the_cookies_a_visitor_actually_receives_are_all_listed(client, home_fr, home_en, django_user_model):
    # given the whole site, and a merchant's account
    market, market_en, shop, shop_en = _site(home_fr)
    django_user_model.objects.create_user("commercant", "c@example.org", "un mot de passe solide")
    listed = {row[0] for row in listed_cookies(client.get("/fr/cookies/").content.decode())}

    # when a visitor walks the public pages in both languages, opens the registration form,
    # switches language, and logs into the merchants' area (which adds a message)
    for url in ("/fr/", market.url, shop.url, market.url + "inscription/", "/en/", market_en.url, shop_en.url):
        assert client.get(url).status_code == 200, url
    client.post(reverse("wagtailadmin_login"), {"username": "commercant", "password": "un mot de passe solide"})
    client.get(reverse("wagtailadmin_home"))

    # then every cookie they hold is on the list, and none is the language cookie
    received = set(client.cookies.keys())
    assert settings.SESSION_COOKIE_NAME in received and settings.CSRF_COOKIE_NAME in received
    assert received <= listed
    assert settings.LANGUAGE_COOKIE_NAME not in received
