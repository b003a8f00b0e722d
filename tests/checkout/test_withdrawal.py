"""Which withdrawal rule applies to each product, said on its page, at checkout, in the e-mail and kept on the order.

Santon (atelier, an artisan's goods): 14 days. Tomme fraîche (a food
shop's goods): no withdrawal, perishable. Visite de la miellerie (a
service): no withdrawal, service on a set date.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.core import mail

from checkout.models import OrderLine
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order
from home.models import LegalPage
from portal.money import to_cents
from shops.models import (
    DeliveryKind,
    ProductKind,
    ProductPage,
    ShopCategory,
    Withdrawal,
    default_withdrawal,
)
from tests.checkout.helpers import ALICE, fake_payment
from tests.fixtures import factories as f

CHECKOUT_FR = "/fr/panier/validation/"
CHECKOUT_EN = "/en/panier/validation/"


@pytest.fixture
def fromagerie(market):
    """A food shop of the market, and its fresh cheese."""
    shop = f.make_shop(market.market, "Fromagerie du Port", category=ShopCategory.FOOD, delivery_options=[f.pickup()])
    tomme = f.make_product(shop, "Tomme fraîche", price="9.00", stock=5)
    return shop, tomme


def legal_pages(home, **fields) -> dict[str, LegalPage]:
    """The three legal pages under `home` (French), or their translations (`home` English: pass the French pages)."""
    pages = {}
    for kind, title, slug in (
        ("legal_notice", "Mentions légales", "mentions-legales"),
        ("terms", "Conditions générales de vente", "conditions-generales-de-vente"),
        ("withdrawal", "Droit de rétractation", "droit-de-retractation"),
    ):
        pages[kind] = f.add_page(home, LegalPage(title=title, slug=slug, kind=kind, body=f"<p>{title}</p>"))
    return pages


def english_legal_pages(french: dict[str, LegalPage]) -> dict[str, LegalPage]:
    titles = {"legal_notice": ("Legal notice", "legal-notice"), "terms": ("Terms of sale", "terms-of-sale"),
              "withdrawal": ("Right of withdrawal", "right-of-withdrawal")}
    return {
        kind: f.translate(page, title=titles[kind][0], slug=titles[kind][1], body=f"<p>{titles[kind][0]}</p>")
        for kind, page in french.items()
    }


def line_items(html: str) -> set[str]:
    """The text of each line of the checkout's `summary-lines`, without its price."""
    items = set()
    for block in re.findall(r'<ul class="summary-lines">(.*?)</ul>', html, re.S):
        for item in re.findall(r"<li>(.*?)</li>", block, re.S):
            item = re.sub(r'<span class="price">.*?</span>', "", item)
            items.add(" ".join(re.sub(r"<[^>]+>", " ", item).split()))
    return items


# The rule and its default ------------------------------------------------------


def test_the_default_rule_follows_the_kind_and_the_shops_category():
    assert default_withdrawal(ProductKind.PHYSICAL, ShopCategory.ARTISAN) == "14_days"
    assert default_withdrawal(ProductKind.PHYSICAL, ShopCategory.SHOP) == "14_days"
    assert default_withdrawal(ProductKind.PHYSICAL, ShopCategory.FOOD) == "perishable"
    assert default_withdrawal(ProductKind.PHYSICAL, ShopCategory.RESTAURANT) == "perishable"
    assert default_withdrawal(ProductKind.PHYSICAL, None) == "14_days"
    assert default_withdrawal(ProductKind.SERVICE, ShopCategory.ACTIVITY) == "dated_service"
    assert default_withdrawal(ProductKind.SERVICE, ShopCategory.FOOD) == "dated_service"
    # a gift voucher is not a service on a set date, even from a food shop or a restaurant
    assert default_withdrawal(ProductKind.VOUCHER, ShopCategory.FOOD) == "14_days"
    assert default_withdrawal(ProductKind.VOUCHER, ShopCategory.RESTAURANT) == "14_days"


def test_a_new_product_gets_the_default_unless_its_merchant_chose(market, fromagerie):
    m = market
    shop, tomme = fromagerie
    # when products are added with no rule chosen
    voucher = f.make_product(shop, "Bon cadeau fromager", kind=ProductKind.VOUCHER, stock=None)
    visite = f.make_product(shop, "Dégustation de Noël", kind=ProductKind.SERVICE, stock=None)
    # and one whose merchant chose the rule
    engraved = f.make_product(m.atelier, "Santon gravé à votre nom", withdrawal=Withdrawal.PERSONALISED)

    # then each has the rule of its kind and shop, the chosen one is kept
    assert {p.title: ProductPage.objects.get(pk=p.pk).withdrawal for p in (m.santon, tomme, voucher, visite, engraved)} == {
        "Santon en bois": "14_days",
        "Tomme fraîche": "perishable",
        "Bon cadeau fromager": "14_days",
        "Dégustation de Noël": "dated_service",
        "Santon gravé à votre nom": "personalised",
    }
    # and a later revision does not reset a rule the merchant changed
    tomme.withdrawal = Withdrawal.FOURTEEN_DAYS
    f.publish(tomme)
    assert ProductPage.objects.get(pk=tomme.pk).withdrawal == "14_days"


def test_the_translation_shares_the_rule(market, fromagerie):
    shop, tomme = fromagerie
    f.english_home()
    f.translate(market.market)
    f.translate(shop, title="Harbour Cheese Shop")
    english = f.translate(tomme, title="Fresh tomme")
    assert english.withdrawal == "perishable"
    # wagtail-localize copies it as a fact, which translators may not override
    from wagtail_localize.fields import get_translatable_fields

    synchronised = {field.field_name: field for field in get_translatable_fields(ProductPage)}
    assert synchronised["withdrawal"].is_synchronized(tomme) is True
    assert synchronised["withdrawal"].is_overridable(tomme) is False


def test_the_data_migration_gives_existing_products_their_default(market, fromagerie):
    m = market
    shop, tomme = fromagerie
    engraved = f.make_product(m.atelier, "Santon gravé", withdrawal=Withdrawal.PERSONALISED)
    # given products from before the field (empty rule), and one whose merchant chose already
    ProductPage.objects.exclude(pk=engraved.pk).update(withdrawal="")

    # when the migration's step runs
    migration = importlib.import_module("shops.migrations.0004_product_withdrawal_shop_terms")
    migration.fill_withdrawal_defaults(apps, None)

    # then each has the default of its kind and shop; the chosen rule is left alone
    rules = dict(ProductPage.objects.values_list("title", "withdrawal"))
    assert rules == {
        "Santon en bois": "14_days",
        "Bonnet en laine": "14_days",
        "Miel de bruyère": "14_days",  # the épicerie of the fixture is a plain shop
        "Visite de la miellerie": "dated_service",
        "Tomme fraîche": "perishable",
        "Santon gravé": "personalised",
    }


# Where the customer reads it ---------------------------------------------------------


def test_the_product_page_says_which_rule_applies(client, market, fromagerie):
    m = market
    _, tomme = fromagerie
    santon = client.get(m.santon.url).content.decode()
    cheese = client.get(tomme.url).content.decode()
    visite = client.get(m.atelier_visite.url).content.decode()

    assert "Rétractation : 14 jours" in santon and "Pas de rétractation" not in santon
    assert "Pas de rétractation (denrée périssable)" in cheese and "Rétractation : 14 jours" not in cheese
    assert "Pas de rétractation (prestation à date fixe)" in visite


def test_the_product_page_says_it_in_english(client, market, fromagerie):
    shop, tomme = fromagerie
    f.english_home()
    f.translate(market.market)
    f.translate(shop, title="Harbour Cheese Shop")
    english = f.translate(tomme, title="Fresh tomme")
    html = client.get(english.url).content.decode()
    assert english.url.startswith("/en/")
    assert "No withdrawal (perishable food)" in html
    assert "denrée périssable" not in html


def test_checkout_says_the_rule_on_each_line(client, market, fromagerie):
    m = market
    _, tomme = fromagerie
    for product in (m.santon, tomme, m.atelier_visite):
        client.post("/fr/panier/ajouter/", {"product": product.pk, "quantity": 1})

    lines = line_items(client.get(CHECKOUT_FR).content.decode())

    assert lines == {
        "1 × Santon en bois Rétractation : 14 jours",
        "1 × Tomme fraîche Pas de rétractation (denrée périssable)",
        "1 × Visite de la miellerie Pas de rétractation (prestation à date fixe)",
    }


# What the order keeps ------------------------------------------------------------------


def three_line_order(m, tomme, fromagerie_shop, language="fr"):
    lines = [BasketLine(m.santon.pk, 2), BasketLine(tomme.pk, 1), BasketLine(m.atelier_visite.pk, 1)]
    deliveries = {
        m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk),
        fromagerie_shop.pk: DeliveryChoice(fromagerie_shop.delivery_options.get().pk),
    }
    return place_order(m.territory.pk, lines, deliveries, ALICE, language)


def test_the_order_line_keeps_the_rule_of_the_day_of_purchase(market, fromagerie):
    m = market
    shop, tomme = fromagerie
    order = three_line_order(m, tomme, shop)

    # when the merchant later changes the rules of two products
    tomme.withdrawal = Withdrawal.FOURTEEN_DAYS
    f.publish(tomme)
    m.santon.withdrawal = Withdrawal.PERSONALISED
    f.publish(m.santon)

    # then the order still says what applied when it was placed
    stored = dict(OrderLine.objects.filter(shop_order__order=order).values_list("name", "withdrawal"))
    assert stored == {"Santon en bois": "14_days", "Tomme fraîche": "perishable", "Visite de la miellerie": "dated_service"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["2 × Santon en bois : 25,00\xa0€", "  Rétractation : 14 jours",
                "1 × Tomme fraîche : 9,00\xa0€", "  Pas de rétractation (denrée périssable)",
                "1 × Visite de la miellerie : 15,00\xa0€", "  Pas de rétractation (prestation à date fixe)"]),
        ("en", ["2 × Santon en bois : €25.00", "  Withdrawal: 14 days",
                "1 × Tomme fraîche : €9.00", "  No withdrawal (perishable food)",
                "1 × Visite de la miellerie : €15.00", "  No withdrawal (service on a set date)"]),
    ],
)
def test_the_confirmation_email_says_the_rule_of_each_line(
    market, fromagerie, django_capture_on_commit_callbacks, language, expected
):
    m = market
    shop, tomme = fromagerie
    order = three_line_order(m, tomme, shop, language=language)
    # the merchant changes a rule between the order and the e-mail: the e-mail tells what was bought
    tomme.withdrawal = Withdrawal.FOURTEEN_DAYS
    f.publish(tomme)

    fake_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(f"pi_test_{order.pk}", to_cents(order.total), "eur")

    customer = [message for message in mail.outbox if message.to == ["alice@example.org"]]
    assert len(customer) == 1
    text = customer[0].body.splitlines()
    for line in expected:
        assert line in text, line
    # each mention follows its own line
    for item, mention in zip(expected[::2], expected[1::2], strict=True):
        assert text[text.index(item) + 1] == mention
    html = customer[0].alternatives[0][0]
    assert html.count("<small>") == 3
    assert f"<small>{expected[3].strip()}</small>" in html


# The terms the customer accepts ---------------------------------------------------------


def test_checkout_links_each_shops_terms_and_the_platforms_pages_in_french(client, market, fromagerie):
    m = market
    shop, tomme = fromagerie
    pages = legal_pages(f.french_home())
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})
    client.post("/fr/panier/ajouter/", {"product": tomme.pk, "quantity": 1})

    html = client.get(CHECKOUT_FR).content.decode()

    label = re.search(r'<label for="id_accept_terms">(.*?)</label>', html, re.S).group(1)
    assert label.startswith("J&#x27;ai lu et j&#x27;accepte les conditions de vente de : ")
    assert f'<a href="{m.atelier.url}#conditions-de-vente" data-shop-terms="{m.atelier.pk}">Atelier du Bois Flotté</a>' in label
    assert f'<a href="{shop.url}#conditions-de-vente" data-shop-terms="{shop.pk}">Fromagerie du Port</a>' in label
    assert "Épicerie Kerjean" not in label  # nothing bought there
    assert f'<a href="{pages["terms"].url}" data-legal="terms">conditions générales de vente</a>' in label
    assert pages["terms"].url == "/fr/conditions-generales-de-vente/"
    assert '<a href="/fr/droit-de-retractation/" data-legal="withdrawal">Vos droits et le formulaire de rétractation</a>' in html


def test_checkout_links_the_english_pages_in_english(client, market, fromagerie):
    m = market
    shop, tomme = fromagerie
    french = legal_pages(f.french_home())
    f.english_home()
    f.translate(m.market)
    atelier_en = f.translate(m.atelier, title="Driftwood Workshop")
    shop_en = f.translate(shop, title="Harbour Cheese Shop")
    english = english_legal_pages(french)
    client.post("/en/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})
    client.post("/en/panier/ajouter/", {"product": tomme.pk, "quantity": 1})

    html = client.get(CHECKOUT_EN).content.decode()

    label = re.search(r'<label for="id_accept_terms">(.*?)</label>', html, re.S).group(1)
    assert label.startswith("I have read and accept the terms of sale of: ")
    assert atelier_en.url.startswith("/en/") and shop_en.url.startswith("/en/")
    assert f'<a href="{atelier_en.url}#conditions-de-vente" data-shop-terms="{m.atelier.pk}">Driftwood Workshop</a>' in label
    assert f'<a href="{shop_en.url}#conditions-de-vente" data-shop-terms="{shop.pk}">Harbour Cheese Shop</a>' in label
    assert f'<a href="{english["terms"].url}" data-legal="terms">terms of sale</a>' in label
    assert english["terms"].url == "/en/terms-of-sale/"
    assert '<a href="/en/right-of-withdrawal/" data-legal="withdrawal">Your rights and the withdrawal form</a>' in html
    assert "/fr/conditions-generales-de-vente/" not in html
    # and each line's rule in English
    assert "Withdrawal: 14 days" in html and "No withdrawal (perishable food)" in html


def test_without_legal_pages_checkout_still_lists_each_shops_terms(client, market):
    m = market
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})
    html = client.get(CHECKOUT_FR).content.decode()
    assert f'href="{m.atelier.url}#conditions-de-vente"' in html
    assert 'data-legal="terms"' not in html and 'href=""' not in html
