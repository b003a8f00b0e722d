"""What search engines and social networks read: meta tags, JSON-LD, canonical URLs, sitemap.xml, robots.txt."""

import datetime
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote_plus
from xml.etree import ElementTree

import pytest
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images import get_image_model

from home import seo
from home.models import LegalKind, LegalPage
from shops.models import ProductKind, ShopOpeningHours, ShopPage, Weekday
from tests.checkout.test_security_headers import inline_code
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count

BASE = "http://testserver"


class Head(HTMLParser):
    """The <meta>, <link> and JSON-LD blocks of a page."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_json = {}, [], [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta.setdefault(a.get("property") or a["name"], []).append(a["content"])
        if tag == "link":
            self.links.append(a)
        self._in_json = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_json = False

    def one(self, name):
        (value,) = self.meta[name]
        return value

    def of_type(self, schema_type):
        (found,) = [d for d in self.json_ld if d["@type"] == schema_type]
        return found

    def canonical(self):
        (link,) = [link for link in self.links if link.get("rel") == "canonical"]
        return link["href"]

    def alternates(self):
        return {link["hreflang"]: link["href"] for link in self.links if link.get("rel") == "alternate"}


def head_of(client, url) -> Head:
    response = client.get(url)
    assert response.status_code == 200, url
    head = Head()
    head.feed(response.content.decode())
    return head


def big_image(title="Vitrine"):
    return get_image_model().objects.create(
        title=title, file=ImageFile(io.BytesIO(f.png_bytes(1600, 900)), name="vitrine.png")
    )


# A shop: LocalBusiness, Open Graph ----------------------------------------------------------------


def test_a_shop_is_a_store_with_its_address_contact_and_breadcrumb(client, tree):
    ShopPage.objects.filter(pk=tree.atelier_fr.pk).update(phone="02 98 88 00 00", opening_hours="Du mardi au samedi")

    head = head_of(client, tree.atelier_fr.url)

    url = BASE + tree.atelier_fr.url
    business = head.of_type("Store")  # an artisan's shop
    assert business["@context"] == "https://schema.org"
    assert business["name"] == "Atelier du Bois Flotté"
    assert business["url"] == url
    assert business["telephone"] == "02 98 88 00 00"
    assert business["address"] == {
        "@type": "PostalAddress",
        "streetAddress": tree.atelier_fr.street,
        "postalCode": "29600",
        "addressLocality": "Morlaix",
        "addressCountry": "FR",
    }
    assert business["openingHoursSpecification"]["description"] == "Du mardi au samedi"
    assert business["image"].startswith(BASE + "/media/") and ".fill-1200x630" in business["image"]
    assert [(i["position"], i["name"], i["item"]) for i in head.of_type("BreadcrumbList")["itemListElement"]] == [
        (1, "Marché de Noël numérique", BASE + "/fr/"),
        (2, "Marché de Noël du Pays de Morlaix", BASE + tree.market_fr.url),
        (3, "Atelier du Bois Flotté", url),
    ]


def test_a_shop_with_hours_by_day_states_each_period_from_monday_in_both_languages(client, tree):
    # Given hours by day typed in no particular order, one closing at midnight, and a remark
    shop = ShopPage.objects.get(pk=tree.atelier_fr.pk)
    shop.opening_hours = "Fermé le 25 décembre"
    shop.opening_periods = [
        ShopOpeningHours(weekday=Weekday.SATURDAY, opens=datetime.time(14), closes=datetime.time(19)),
        ShopOpeningHours(weekday=Weekday.TUESDAY, opens=datetime.time(14), closes=datetime.time(19)),
        ShopOpeningHours(weekday=Weekday.TUESDAY, opens=datetime.time(9), closes=datetime.time(12, 30)),
        ShopOpeningHours(weekday=Weekday.SUNDAY, opens=datetime.time(18), closes=datetime.time(0)),
    ]
    shop.save_revision().publish()

    # When search engines read the shop in French and in English
    french = head_of(client, tree.atelier_fr.url).of_type("Store")
    english = head_of(client, tree.atelier_en.url).of_type("Store")

    # Then each period is one specification, by day from Monday then by time, midnight as the day's end
    day = "https://schema.org/"
    assert french["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": day + "Tuesday", "opens": "09:00", "closes": "12:30"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": day + "Tuesday", "opens": "14:00", "closes": "19:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": day + "Saturday", "opens": "14:00", "closes": "19:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": day + "Sunday", "opens": "18:00", "closes": "23:59"},
    ]
    # the English page has the same facts
    assert english["openingHoursSpecification"] == french["openingHoursSpecification"]


def test_the_business_type_follows_the_shop_category(client, tree):
    assert head_of(client, tree.epicerie_fr.url).of_type("GroceryStore")["name"] == "Épicerie Kerjean"
    assert head_of(client, tree.cafe_fr.url).of_type("FoodEstablishment")["name"] == "Café des Halles"
    assert seo.business_type("culture") == "Museum"
    assert seo.business_type("stay") == "LodgingBusiness"


@pytest.mark.skipif(not hasattr(ShopPage, "latitude"), reason="shops hold no coordinates yet")
def test_a_shop_with_coordinates_has_its_geo(client, tree):
    ShopPage.objects.filter(pk=tree.atelier_fr.pk).update(latitude="48.577500", longitude="-3.827800")

    geo = head_of(client, tree.atelier_fr.url).of_type("Store")["geo"]

    assert geo == {"@type": "GeoCoordinates", "latitude": "48.577500", "longitude": "-3.827800"}


def test_a_shop_without_coordinates_claims_no_geo(client, tree):
    assert "geo" not in head_of(client, tree.cafe_fr.url).of_type("FoodEstablishment")


def test_the_open_graph_tags_of_a_shop_are_absolute_with_a_1200_by_630_image(client, tree):
    ShopPage.objects.filter(pk=tree.atelier_fr.pk).update(cover_image=big_image())

    head = head_of(client, tree.atelier_fr.url)

    url = BASE + tree.atelier_fr.url
    assert head.one("og:url") == url
    assert head.canonical() == url
    assert head.one("og:title") == "Atelier du Bois Flotté"
    assert head.one("og:site_name") == "Marché de Noël numérique"
    assert head.one("og:type") == "website"
    assert head.one("og:locale") == "fr_FR"
    assert head.meta["og:locale:alternate"] == ["en_GB"]
    image = head.one("og:image")
    assert image.startswith(BASE + "/media/images/") and ".fill-1200x630" in image
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "630")
    assert head.one("og:image:alt") == "Vitrine"
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("twitter:image") == image
    assert head.one("twitter:title") == "Atelier du Bois Flotté"
    assert "robots" not in head.meta


def test_a_page_without_a_picture_shows_its_markets_then_the_sites_card(client, tree):
    # the café has no photo: its market's picture, then the site's own card
    assert head_of(client, tree.cafe_fr.url).one("og:image") == BASE + "/static/img/share-default.png"
    tree.market_fr.hero_image = big_image("Les halles")
    f.publish(tree.market_fr)

    head = head_of(client, tree.cafe_fr.url)

    assert ".fill-1200x630" in head.one("og:image")
    assert head.one("og:image:alt") == "Les halles"


def test_hreflang_alternates_name_every_live_translation_and_the_french_one_as_default(client, tree):
    head = head_of(client, tree.atelier_en.url)

    assert head.alternates() == {
        "fr": BASE + tree.atelier_fr.url,
        "en": BASE + tree.atelier_en.url,
        "x-default": BASE + tree.atelier_fr.url,
    }
    assert head.one("og:locale") == "en_GB"
    assert head.meta["og:locale:alternate"] == ["fr_FR"]
    # a page without translation: itself only, and no alternate locale
    cafe = head_of(client, tree.cafe_fr.url)
    assert cafe.alternates() == {"fr": BASE + tree.cafe_fr.url, "x-default": BASE + tree.cafe_fr.url}
    assert "og:locale:alternate" not in cafe.meta


# Descriptions -------------------------------------------------------------------------------------


def test_the_editors_search_description_comes_first(client, tree):
    tree.atelier_fr.search_description = "Santons et couronnes en bois flotté, sculptés à Morlaix."
    f.publish(tree.atelier_fr)

    head = head_of(client, tree.atelier_fr.url)

    assert head.one("description") == "Santons et couronnes en bois flotté, sculptés à Morlaix."
    assert head.one("og:description") == "Santons et couronnes en bois flotté, sculptés à Morlaix."
    assert head.one("twitter:description") == "Santons et couronnes en bois flotté, sculptés à Morlaix."


def test_without_one_the_description_is_the_start_of_the_presentation_cut_on_a_word(client, tree):
    tree.atelier_fr.description = (
        "<p>Des <b>santons</b> &amp; des couronnes,</p><p>sculptés dans le bois flotté ramassé sur les grèves "
        "de la baie de Morlaix, peints à la main dans notre atelier du port, et emballés dans du papier recyclé "
        "pour les fêtes.</p>"
    )
    f.publish(tree.atelier_fr)

    description = head_of(client, tree.atelier_fr.url).one("description")

    assert description == (
        "Des santons & des couronnes, sculptés dans le bois flotté ramassé sur les grèves de la baie de Morlaix, "
        "peints à la main dans notre atelier du port, et…"
    )
    assert len(description) <= 160


def test_without_any_text_the_description_says_what_and_where_the_shop_is(client, tree):
    assert head_of(client, tree.cafe_fr.url).one("description") == (
        "Café des Halles, restaurant, bar, café à Morlaix : commandez en ligne sur le marché de Noël numérique."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Court.", "Court."),
        ("un deux trois quatre", "un deux…"),
        ("un deux, trois", "un deux…"),
        ("anticonstitutionnellement", "anticonst…"),
        ("  des   blancs  ", "des blancs"),
    ],
)
def test_summary_cuts_on_a_word_boundary(text, expected):
    assert seo.summary(text, limit=10) == expected


# A product: Product and Offer ---------------------------------------------------------------------


def test_a_product_in_stock_has_its_offer_in_euros(client, tree):
    product = f.make_product(tree.atelier_fr, "Boule de Noël", price="12.50", stock=10)

    head = head_of(client, product.url)

    data = head.of_type("Product")
    assert data["name"] == "Boule de Noël"
    assert data["url"] == BASE + product.url
    assert data["brand"] == {"@type": "Brand", "name": "Atelier du Bois Flotté"}
    assert data["offers"] == {
        "@type": "Offer",
        "url": BASE + product.url,
        "price": "12.50",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
        "seller": {"@type": "Store", "@id": BASE + tree.atelier_fr.url + "#shop", "name": "Atelier du Bois Flotté"},
    }
    assert [i["name"] for i in head.of_type("BreadcrumbList")["itemListElement"]] == [
        "Marché de Noël numérique",
        "Marché de Noël du Pays de Morlaix",
        "Atelier du Bois Flotté",
        "Boule de Noël",
    ]
    # the product has no picture: its shop's
    assert head.one("og:image") == data["image"]


def test_the_availability_follows_the_stock_rows(client, tree):
    def availability(product):
        return head_of(client, product.url).of_type("Product")["offers"]["availability"]

    assert availability(tree.santon_fr) == "https://schema.org/InStock"  # 5 left
    assert availability(tree.couronne) == "https://schema.org/OutOfStock"  # 0 left
    assert availability(tree.bougie) == "https://schema.org/OutOfStock"  # no stock row: not for sale
    assert availability(f.make_product(tree.atelier_fr, stock=2)) == "https://schema.org/LimitedAvailability"
    # the English page shares the French stock
    assert availability(tree.santon_en) == "https://schema.org/InStock"


def test_a_service_offer_is_valid_until_its_last_day(client, tree):
    last_day = timezone.localdate() + datetime.timedelta(days=40)
    service = f.make_product(
        tree.atelier_fr, "Atelier modelage", price="45.00", kind=ProductKind.SERVICE, stock=None, valid_until=last_day
    )

    offer = head_of(client, service.url).of_type("Product")["offers"]

    assert offer["validThrough"] == last_day.isoformat()
    assert offer["price"] == "45.00"
    assert offer["availability"] == "https://schema.org/InStock"  # no stock limit


def test_an_expired_voucher_is_discontinued(client, tree):
    voucher = f.make_product(
        tree.atelier_fr,
        kind=ProductKind.VOUCHER,
        price="30.00",
        stock=None,
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )

    offer = head_of(client, voucher.url).of_type("Product")["offers"]

    assert offer["availability"] == "https://schema.org/Discontinued"
    assert offer["validThrough"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def test_a_free_amount_voucher_states_its_range(client, tree):
    voucher = f.make_product(
        tree.atelier_fr,
        kind=ProductKind.VOUCHER,
        price="50.00",
        stock=None,
        voucher_min_amount="20.00",
        voucher_max_amount="200.00",
    )

    offer = head_of(client, voucher.url).of_type("Product")["offers"]

    assert offer["priceSpecification"] == {
        "@type": "PriceSpecification",
        "price": "50.00",
        "minPrice": "20.00",
        "maxPrice": "200.00",
        "priceCurrency": "EUR",
    }


def test_a_product_without_text_is_described_by_its_facts(client, tree):
    assert head_of(client, tree.couronne.url).one("description") == (
        "Couronne de Noël, produit de Atelier du Bois Flotté à Morlaix, à commander en ligne."
    )


# The market, home, help and legal pages -----------------------------------------------------------


def test_the_market_is_an_event_in_its_territory(client, tree):
    head = head_of(client, tree.market_fr.url)

    event = head.of_type("Event")
    url = BASE + tree.market_fr.url
    assert event["name"] == "Marché de Noël du Pays de Morlaix"
    assert event["url"] == url
    assert event["startDate"] == tree.market_fr.market_opens.isoformat()
    assert event["endDate"] == tree.market_fr.market_closes.isoformat()
    assert event["location"][0] == {
        "@type": "Place",
        "name": "Pays de Morlaix",
        "address": {"@type": "PostalAddress", "addressRegion": "Pays de Morlaix", "addressCountry": "FR"},
    }
    assert event["organizer"] == {
        "@type": "Organization",
        "name": "Office de tourisme de Pays de Morlaix",
        "email": "marche@example.org",
    }
    # in English, the territory is named by the English market
    english = head_of(client, tree.market_en.url).of_type("Event")
    assert english["location"][0]["name"] == "Christmas market of the Morlaix area"


def test_home_help_and_legal_pages_have_their_breadcrumb(client, tree):
    home = head_of(client, "/en/")
    assert home.of_type("WebSite")["url"] == BASE + "/en/"
    assert home.of_type("WebSite")["inLanguage"] == "en"
    assert [i["item"] for i in home.of_type("BreadcrumbList")["itemListElement"]] == [BASE + "/en/"]

    help_page = head_of(client, tree.help_fr.url)
    assert [i["name"] for i in help_page.of_type("BreadcrumbList")["itemListElement"]] == [
        "Marché de Noël numérique",
        "Marché de Noël du Pays de Morlaix",
        "Comment commander",
    ]
    legal = f.add_page(
        tree.home_fr,
        LegalPage(
            title="Mentions légales",
            slug="mentions-legales",
            kind=LegalKind.LEGAL_NOTICE,
            body="<p>Éditeur : l'office de tourisme du Pays de Morlaix.</p>",
        ),
    )
    legal_head = head_of(client, legal.url)
    assert legal_head.one("description") == "Éditeur : l'office de tourisme du Pays de Morlaix."
    assert legal_head.one("og:image") == BASE + "/static/img/share-default.png"


def test_json_ld_cannot_be_closed_by_a_shops_text(client, tree):
    tree.atelier_fr.title = "Atelier </script><script>alert(1)</script> & Cie"
    f.publish(tree.atelier_fr)

    response = client.get(tree.atelier_fr.url)
    html = response.content.decode()

    assert "<script>alert(1)" not in html
    head = Head()
    head.feed(html)
    assert head.of_type("Store")["name"] == "Atelier </script><script>alert(1)</script> & Cie"
    assert inline_code(response) == []


# Canonical URLs and robots ------------------------------------------------------------------------


def test_a_filtered_market_page_is_not_indexed_and_points_at_the_market(client, tree):
    head = head_of(client, tree.market_fr.url + "?category=food&page=2")

    assert head.one("robots") == "noindex,follow"
    assert head.canonical() == BASE + tree.market_fr.url
    assert head.alternates()["en"] == BASE + tree.market_en.url  # never a filter in an alternate


def test_a_later_page_of_the_market_is_its_own_canonical(client, tree, settings):
    settings.SHOPS_PER_PAGE = 1

    head = head_of(client, tree.market_fr.url + "?page=2")

    assert head.canonical() == BASE + tree.market_fr.url + "?page=2"
    assert "robots" not in head.meta
    assert head_of(client, tree.market_fr.url + "?page=1").canonical() == BASE + tree.market_fr.url


def test_basket_and_account_pages_are_not_indexed_and_have_no_preview(client, tree):
    for url in ("/fr/panier/", "/en/panier/", "/fr/compte/connexion/"):
        head = head_of(client, url)
        assert head.one("robots") == "noindex", url
        assert "og:title" not in head.meta and head.json_ld == [], url
        assert [link for link in head.links if link.get("rel") in ("canonical", "alternate")] == [], url


# sitemap.xml and robots.txt -----------------------------------------------------------------------

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap_of(client) -> dict[str, dict]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    return {
        url.find("s:loc", NS).text: {
            "lastmod": getattr(url.find("s:lastmod", NS), "text", None),
            "alternates": {a.get("hreflang"): a.get("href") for a in url.findall("x:link", NS)},
        }
        for url in root.findall("s:url", NS)
    }


def test_the_sitemap_lists_the_live_pages_of_both_languages_with_their_alternates(client, tree):
    urls = sitemap_of(client)

    french, english = BASE + tree.atelier_fr.url, BASE + tree.atelier_en.url
    assert urls[french]["alternates"] == {"fr": french, "en": english, "x-default": french}
    assert urls[english]["alternates"] == {"fr": french, "en": english, "x-default": french}
    assert urls[english]["lastmod"] == timezone.localtime(tree.atelier_en.last_published_at).date().isoformat()
    assert {BASE + "/fr/", BASE + "/en/", BASE + tree.market_en.url, BASE + tree.santon_en.url} <= set(urls)
    # a page without translation has no alternates
    assert urls[BASE + tree.cafe_fr.url]["alternates"] == {"fr": BASE + tree.cafe_fr.url}
    # drafts and withdrawn pages are not listed
    for page in (tree.draft_shop, tree.withdrawn_shop, tree.draft_market, tree.draft_product):
        assert not any(url.endswith(f"/{page.slug}/") for url in urls), page.title
    assert len(urls) == 2 + 2 + 2 + 2 + 2 + 1 + 4 + 1  # homes, markets, help, atelier, épicerie, café, products


def test_robots_txt_keeps_robots_out_of_baskets_accounts_and_the_admin(client, tree):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /fr/panier/",
        "Disallow: /fr/compte/",
        "Disallow: /en/panier/",
        "Disallow: /en/compte/",
        "Allow: /",
        "",
        "Sitemap: http://testserver/sitemap.xml",
    ]


# Share links --------------------------------------------------------------------------------------


def test_shop_and_product_pages_have_plain_share_links_and_no_third_party_script(client, tree):
    for page in (tree.atelier_fr, tree.santon_fr):
        html = client.get(page.url).content.decode()
        url = BASE + page.url
        encoded = re.escape(quote_plus(url))
        assert re.search(rf'href="https://www\.facebook\.com/sharer/sharer\.php\?u={encoded}"', html), page.title
        assert re.search(rf'href="https://www\.linkedin\.com/sharing/share-offsite/\?url={encoded}"', html)
        assert re.search(rf'href="https://wa\.me/\?text=[^"]+{encoded}"', html)
        assert re.search(rf'href="https://x\.com/intent/post\?text=[^"]+&amp;url={encoded}"', html)
        assert 'href="mailto:?subject=' in html
        assert f'value="{url}" readonly' in html  # the link to copy, without JavaScript
        assert re.findall(r'<script src="([^"]+)"', html) == ["/static/js/share.js"]


def test_seo_tags_cost_a_constant_few_queries_on_the_shop_page(
    client, tree, monkeypatch, django_assert_max_num_queries
):
    def consume(response):
        list(response.context["products"])

    with_seo = render_and_count(client, tree.atelier_fr.url, consume)
    monkeypatch.setattr(seo, "page_head", lambda context: {})
    without = render_and_count(client, tree.atelier_fr.url, consume)

    # the ancestors for the breadcrumb (one query); the share rendition at most one more
    assert len(with_seo) - len(without) <= 2, explain_difference(without, with_seo)
    monkeypatch.undo()
    for n in range(5):
        f.make_product(tree.atelier_fr, f"Boule {n}", cover_image=f.make_image())
    client.get(tree.atelier_fr.url)
    with django_assert_max_num_queries(len(with_seo)):
        consume(client.get(tree.atelier_fr.url))


def test_a_page_number_python_reads_as_a_digit_but_not_as_a_number_is_ignored(client, tree):
    head = head_of(client, tree.atelier_fr.url + "?page=%C2%B2")

    assert head.canonical() == BASE + tree.atelier_fr.url
