"""The page of a bundle: each part with the shop that sells it, its legal details, terms and withdrawal, FR and EN.

The épicerie sells the bundle (60.00) and provides honey (perishable: no
withdrawal); the atelier provides a santon for 30 % (14 days' withdrawal,
terms of sale of its own). Each part's share stays between the merchants.
"""

from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from home.models import LegalPage
from shops.bundles import withdraw
from shops.models import (
    BundleConsent,
    BundlePart,
    ConsentStatus,
    ProductPage,
    ProductStock,
    ShopCategory,
    ShopPage,
    Withdrawal,
)
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count

SIRET_EPICERIE = f.siret_number(9101)
SIRET_ATELIER = f.siret_number(9102)


@dataclass
class Bundle:
    market: object
    epicerie: ShopPage
    atelier: ShopPage
    bundle: ProductPage


def shop(market, title, siret, **fields) -> ShopPage:
    return f.make_shop(market, title, siret=siret, vat_number=f.vat_number_for(siret), postcode="29600", city="Morlaix",
                       **fields)


@pytest.fixture
def sold(home_fr) -> Bundle:
    market = f.make_market(home_fr, f.make_territory("Pays de Morlaix"), slug="morlaix")
    epicerie = shop(market, "Épicerie Kerjean", SIRET_EPICERIE, slug="epicerie", legal_name="SARL Kerjean",
                    street="3 place Allende", category=ShopCategory.FOOD)
    atelier = shop(market, "Atelier du Bois Flotté", SIRET_ATELIER, slug="atelier", legal_name="EURL Bois Flotté",
                   street="12 quai de Léon", terms_of_sale="<p>Échange sous 30 jours.</p>")
    santon = f.make_product(atelier, "Santon en bois", price="12.50", stock=5)
    bundle = f.make_bundle(
        epicerie, "Coffret Noël breton", price="60.00", slug="coffret",
        parts=[{"participant": atelier, "share_percent": Decimal("30"), "vat_rate": "20.00",
                "description": "Un santon sculpté", "withdrawal": Withdrawal.FOURTEEN_DAYS, "product": santon}],
        bundle_own_part="Un pot de miel", vat_rate="5.50", withdrawal=Withdrawal.PERISHABLE,
    )
    f.add_page(home_fr, LegalPage(title="Conditions générales de vente", slug="cgv", kind="terms", body="<p>CGV</p>"))
    return Bundle(market, epicerie, atelier, bundle)


@pytest.fixture
def english(sold):
    """The market, both shops, the bundle and the platform's terms in English."""
    f.english_home()
    f.translate(sold.market, title="Christmas market", slug="christmas")
    f.translate(sold.epicerie, title="Kerjean Grocery", slug="grocery")
    f.translate(sold.atelier, title="Driftwood Workshop", slug="workshop", terms_of_sale="<p>Exchange within 30 days.</p>")
    bundle_en = f.translate(sold.bundle, title="Breton Christmas box", slug="box", bundle_own_part="A jar of honey")
    BundlePart.objects.filter(page=bundle_en).update(description="A carved santon")
    f.translate(LegalPage.objects.get(kind="terms"), title="Terms of sale", slug="terms")
    return bundle_en


class _Parts(HTMLParser):
    """The text and links of each part of the page's `bundle-part` items."""

    def __init__(self):
        super().__init__()
        self.parts, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and "bundle-part" in (attrs.get("class") or "").split():
            self.parts.append({"text": "", "links": []})
            self.depth = 1
        elif self.depth and tag == "li":
            self.depth += 1
        elif self.depth and tag == "a":
            self.parts[-1]["links"].append(attrs["href"])

    def handle_endtag(self, tag):
        if self.depth and tag == "li":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts[-1]["text"] += " " + data


def parts_of(html: str) -> list[tuple[str, list[str]]]:
    parser = _Parts()
    parser.feed(html)
    return [(" ".join(part["text"].split()), part["links"]) for part in parser.parts]


def add_to_basket_shown(html: str) -> bool:
    return 'class="add-to-basket"' in html


def test_french_page_names_each_part_its_seller_legal_details_terms_and_withdrawal(client, sold):
    response = client.get(sold.bundle.url)
    html = response.content.decode()

    assert parts_of(html) == [
        (
            "Épicerie Kerjean vend le coffret Un pot de miel Pas de rétractation (denrée périssable) "
            f"Raison sociale SARL Kerjean SIRET {SIRET_EPICERIE} Adresse 3 place Allende, 29600 Morlaix "
            "Conditions générales de vente de la plateforme",
            ["/fr/morlaix/epicerie/", "/fr/cgv/"],
        ),
        (
            "Atelier du Bois Flotté Un santon sculpté Rétractation : 14 jours "
            f"Raison sociale EURL Bois Flotté SIRET {SIRET_ATELIER} Adresse 12 quai de Léon, 29600 Morlaix "
            "Conditions de vente de la boutique",
            ["/fr/morlaix/atelier/", "/fr/morlaix/atelier/#conditions-de-vente"],
        ),
    ]
    # The whole price, never a part's share (18.00 to the atelier, 42.00 to the épicerie).
    assert "<p class=\"price price--large\">60,00\xa0€</p>" in html
    assert "18,00" not in html and "42,00" not in html
    assert add_to_basket_shown(html)


def test_english_page_shows_the_english_words_shop_pages_and_terms(client, sold, english):
    response = client.get(english.url)
    html = response.content.decode()

    assert parts_of(html) == [
        (
            "Kerjean Grocery sells the box A jar of honey No withdrawal (perishable food) "
            f"Registered company name SARL Kerjean SIRET {SIRET_EPICERIE} Address 3 place Allende, 29600 Morlaix "
            "The platform's general terms of sale",
            ["/en/christmas/grocery/", "/en/terms/"],
        ),
        (
            "Driftwood Workshop A carved santon Withdrawal: 14 days "
            f"Registered company name EURL Bois Flotté SIRET {SIRET_ATELIER} Address 12 quai de Léon, 29600 Morlaix "
            "The shop's terms of sale",
            ["/en/christmas/workshop/", "/en/christmas/workshop/#conditions-de-vente"],
        ),
    ]
    assert "In this box" in html and "€18.00" not in html
    assert add_to_basket_shown(html)


def test_a_part_not_accepted_takes_the_add_to_basket_button_away(client, sold, english):
    consent = BundleConsent.objects.get(participant=sold.atelier, status=ConsentStatus.ACCEPTED)
    withdraw(consent.pk, None)

    french = client.get(sold.bundle.url).content.decode()
    english_html = client.get(english.url).content.decode()

    assert '<p class="message message--info">« Coffret Noël breton » n&#x27;est pas en vente pour le moment.</p>' in french
    assert "“Breton Christmas box” is not for sale at the moment." in english_html
    assert not add_to_basket_shown(french) and not add_to_basket_shown(english_html)
    # The parts are still described.
    assert len(parts_of(french)) == 2


def test_a_bundle_is_as_available_as_its_parts_products(client, sold):
    santon_key = BundlePart.objects.get(page=sold.bundle).product.translation_key
    ProductStock.objects.filter(translation_key=santon_key).update(quantity=0)

    html = client.get(sold.bundle.url).content.decode()

    assert "availability--out" in html and not add_to_basket_shown(html)


def consume(response) -> list:
    """What the template reads of each part, so that a lazy lookup would be counted."""
    return [
        (part.shop.title, part.source.legal_name, part.shop_url, part.terms_url, part.withdrawal_notice)
        for part in response.context["bundle_parts"]
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_queries_do_not_grow_with_the_number_of_parts(client, sold, english, language):
    # given a second bundle of the épicerie with three participants instead of one
    others = [
        shop(sold.market, title, f.siret_number(9110 + n), slug=f"shop-{n}", legal_name=f"SARL {title}",
             street=f"{n} rue Haute")
        for n, title in enumerate(["Gîte de Kerozar", "Cidrerie du Trégor"])
    ]
    for other, title in zip(others, ["Kerozar Lodge", "Trégor Cider"], strict=True):
        f.translate(other, title=title, slug=f"{other.slug}-en")
    three = f.make_bundle(
        sold.epicerie, "Grand coffret", price="90.00", slug="grand",
        parts=[{"participant": participant, "share_amount": Decimal("10.00"), "description": f"Part {n}"}
               for n, participant in enumerate([sold.atelier, *others])],
    )
    three_en = f.translate(three, title="Big box", slug="big")
    one_url = sold.bundle.url if language == "fr" else english.url
    three_url = three.url if language == "fr" else three_en.url

    one_part = render_and_count(client, one_url, consume)
    three_parts = render_and_count(client, three_url, consume)

    assert len(client.get(three_url).context["bundle_parts"]) == 4
    assert len(three_parts) == len(one_part), explain_difference(one_part, three_parts)
