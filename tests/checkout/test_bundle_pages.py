"""What the customer sees of a bundle bought: basket, checkout, order page, e-mails, account and vouchers.

The épicerie sells the "Coffret Noël breton" (60.00): its own part, a jar
of honey and a visit (42.00), and the atelier's carved santon (30 %,
18.00). Each part is a line of its shop's order with a voucher per unit.
"""

import io
import re
from decimal import Decimal

import pypdf
import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone, translation

from checkout import services
from checkout.emails import send_order_confirmation
from checkout.models import Order, Voucher
from checkout.pricing import BasketLine
from checkout.vouchers.emails import send_voucher_reminder
from checkout.vouchers.pdf import render_voucher_pdf
from checkout.vouchers.services import redeem
from home.models import LegalPage
from portal.dates import long_date
from shops.models import BundlePart
from tests.checkout import voucher_fixtures
from tests.checkout.helpers import ALICE, breton_bundle
from tests.checkout.voucher_fixtures import pay
from tests.fixtures import factories as f

epicerie_merchant = voucher_fixtures.epicerie_merchant

BASKET = "/fr/panier/"
CHECKOUT = "/fr/panier/validation/"
NBSP = "\xa0"


@pytest.fixture
def bundle(market):
    f.add_page(f.french_home(), LegalPage(title="Conditions générales de vente", slug="cgv", kind="terms", body="<p>CGV</p>"))
    market.atelier.terms_of_sale = "<p>Échange sous 30 jours.</p>"
    f.publish(market.atelier)
    return breton_bundle(market)


@pytest.fixture
def english(market, bundle):
    f.english_home()
    f.translate(market.market, title="Christmas market", slug="christmas")
    f.translate(market.atelier, title="Driftwood Workshop", slug="workshop")
    f.translate(market.epicerie, title="Kerjean Grocery", slug="grocery")
    bundle_en = f.translate(bundle, title="Breton Christmas box", slug="box", bundle_own_part="A jar of honey and a visit")
    BundlePart.objects.filter(page=bundle_en).update(description="A carved santon")
    return bundle_en


def buy(market, bundle, quantity=1, language="fr") -> Order:
    return services.place_order(market.territory.pk, [BasketLine(bundle.pk, quantity)], {}, ALICE, language)


def texts(html: str, css_class: str, tag: str = "li") -> list[str]:
    """The text of each `tag` of `css_class` (a whole class name), tags dropped and spaces (no-break ones too) collapsed."""
    found = re.findall(rf'<{tag} class="[^"]*\b{css_class}\b[^"]*"[^>]*>(.*?)</{tag}>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).replace("&#x27;", "'").split()) for item in found]


def section(html: str, css_class: str) -> str:
    match = re.search(rf'<section class="[^"]*\b{css_class}\b.*?</section>', html, re.S)
    return match.group(0) if match else ""


def part_voucher(order, shop, index=1) -> Voucher:
    return Voucher.objects.get(order_line__shop_order__order=order, shop=shop, index=index)


def today() -> str:
    return long_date(timezone.localdate())


# Basket and checkout ----------------------------------------------------------------


def test_the_basket_line_of_a_bundle_names_the_shops_taking_part(client, market, bundle, english):
    client.post("/fr/panier/ajouter/", {"product": bundle.pk, "quantity": 1})

    french = client.get(BASKET).content.decode()
    english_html = client.get("/en/panier/").content.decode()

    assert '<span class="muted basket-line__bundle">Coffret avec : Atelier du Bois Flotté</span>' in french
    assert '<span class="muted basket-line__bundle">Box with: Driftwood Workshop</span>' in english_html
    # One line, under the seller, at the bundle's price.
    assert len(texts(french, "basket-line")) == 1


def test_checkout_shows_each_shop_as_seller_of_its_part(client, market, bundle):
    client.post("/fr/panier/ajouter/", {"product": bundle.pk, "quantity": 2})

    html = client.get(CHECKOUT).content.decode()

    sellers = re.findall(r'<p class="checkout-shop__seller muted">(.*?)</p>', html)
    assert sellers == [
        f'Vendeur : {market.epicerie.legal_name} · <a href="/fr/cgv/" data-seller-terms="platform">'
        "conditions générales de vente de la plateforme</a>",
        f"Vendeur : {market.atelier.legal_name} · "
        f'<a href="{market.atelier.url}#conditions-de-vente" data-seller-terms="shop">ses conditions de vente</a>',
    ]
    assert texts(html, "summary-lines__part") == [
        "2 × Un pot de miel et une visite Part du coffret « Coffret Noël breton » vendu par Épicerie Kerjean "
        "Pas de rétractation (prestation à date fixe) 84,00 €",
        "2 × Un santon sculpté Part du coffret « Coffret Noël breton » vendu par Épicerie Kerjean "
        "Pas de rétractation (prestation à date fixe) 36,00 €",
    ]
    assert f"120,00{NBSP}€" in html


def test_a_bundle_needs_no_delivery_at_checkout(client, market, bundle):
    client.post("/fr/panier/ajouter/", {"product": bundle.pk, "quantity": 1})

    response = client.post(CHECKOUT, {"name": "Alice Le Goff", "email": "alice@example.org", "accept_terms": "on"})

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fr/panier/paiement/{order.token}/"
    assert order.total == Decimal("60.00")


# The order page, the e-mails, the account ------------------------------------------------


def test_the_order_page_shows_the_bundle_once_and_which_part_is_left(client, market, bundle, epicerie_merchant):
    order = buy(market, bundle)
    pay(order)
    redeem(epicerie_merchant, part_voucher(order, market.epicerie).pk)
    atelier_code = part_voucher(order, market.atelier).display_code
    epicerie_code = part_voucher(order, market.epicerie).display_code

    html = client.get(f"/fr/panier/commande/{order.token}/").content.decode()

    bundles = section(html, "order-bundles")
    assert re.findall(r"<h3[^>]*>(.*?)</h3>", bundles) == ["Coffret Noël breton"]
    assert texts(bundles, "order-bundle__total", "p") == ["1 × 60,00 € · à utiliser jusqu'au 30 juin 2027 60,00 €"]
    assert texts(bundles, "order-bundle__part") == [
        f"Épicerie Kerjean — Un pot de miel et une visite utilisé le {today()}",
        "Atelier du Bois Flotté — Un santon sculpté à utiliser",
    ]
    # Each shop's order keeps its part and its total.
    assert re.findall(r"<dt>Total boutique</dt><dd><strong>(.*?)</strong>", html) == [f"42,00{NBSP}€", f"18,00{NBSP}€"]
    # The voucher of the part left says which bundle, and gives the other part's code.
    vouchers = texts(html, "order-vouchers__item")
    assert any(
        "Coffret « Coffret Noël breton » — part fournie par Atelier du Bois Flotté : Un santon sculpté" in item
        and f"Épicerie Kerjean — Un pot de miel et une visite : {epicerie_code}" in item
        and atelier_code in item
        for item in vouchers
    ), vouchers


def test_the_english_order_page_speaks_english(client, market, bundle, english, epicerie_merchant):
    order = buy(market, english, language="en")
    pay(order)
    redeem(epicerie_merchant, part_voucher(order, market.epicerie).pk)

    html = client.get(f"/en/panier/commande/{order.token}/").content.decode()

    bundles = section(html, "order-bundles")
    assert "Your boxes" in bundles
    assert re.findall(r"<h3[^>]*>(.*?)</h3>", bundles) == ["Breton Christmas box"]
    with translation.override("en"):
        used_on = today()
    assert texts(bundles, "order-bundle__part") == [
        f"Kerjean Grocery — A jar of honey and a visit used on {used_on}",
        "Driftwood Workshop — A carved santon to be used",
    ]


def test_the_confirmation_shows_the_bundle_once_with_its_parts_and_codes(market, bundle, django_capture_on_commit_callbacks):
    order = buy(market, bundle)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    epicerie_code = part_voucher(order, market.epicerie).display_code
    atelier_code = part_voucher(order, market.atelier).display_code

    [message] = [m for m in mail.outbox if m.to == ["alice@example.org"]]

    body = message.body
    assert body.count("Coffret Noël breton :") == 1
    assert f"* Coffret Noël breton : 1 × 60,00{NBSP}€ = 60,00{NBSP}€ (à utiliser jusqu'au 30 juin 2027)" in body
    assert "  - Épicerie Kerjean — Un pot de miel et une visite : à utiliser\n" in body
    assert "  - Atelier du Bois Flotté — Un santon sculpté : à utiliser\n" in body
    # Each part's voucher names its bundle and gives the other part's code.
    assert "* Coffret « Coffret Noël breton » — part fournie par Atelier du Bois Flotté : Un santon sculpté" in body
    assert f"    Épicerie Kerjean — Un pot de miel et une visite : {epicerie_code}\n" in body
    assert f"    Atelier du Bois Flotté — Un santon sculpté : {atelier_code}\n" in body
    html = message.alternatives[0][0]
    assert html.count("<h3>Coffret Noël breton</h3>") == 1
    assert "<li><strong>Atelier du Bois Flotté</strong> — Un santon sculpté : à utiliser" in html


def test_an_e_mail_sent_after_a_part_was_used_says_so(market, bundle, epicerie_merchant, django_capture_on_commit_callbacks):
    # given the confirmation still to send when the épicerie's part is used
    order = buy(market, bundle)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pay(order)
    redeem(epicerie_merchant, part_voucher(order, market.epicerie).pk)

    # when the e-mail task runs, and the atelier's voucher is reminded
    for callback in callbacks:
        callback()
    send_voucher_reminder(part_voucher(order, market.atelier))

    confirmation, reminder = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert f"  - Épicerie Kerjean — Un pot de miel et une visite : utilisé le {today()}\n" in confirmation.body
    assert "  - Atelier du Bois Flotté — Un santon sculpté : à utiliser\n" in confirmation.body
    assert confirmation.body.count("Coffret Noël breton :") == 1
    epicerie_code = part_voucher(order, market.epicerie).display_code
    assert (
        "Votre part du coffret « Coffret Noël breton » fournie par Atelier du Bois Flotté (Un santon sculpté) "
        "est valable jusqu'au 30 juin 2027 : pensez à l'utiliser."
    ) in reminder.body
    assert "18,00" not in reminder.body  # the atelier's share stays between the merchants
    assert (
        f"Les autres parts du coffret « Coffret Noël breton » :\n"
        f"  Épicerie Kerjean — Un pot de miel et une visite : {epicerie_code} (utilisé le {today()})\n"
    ) in reminder.body
    assert send_order_confirmation(order.pk) is False  # sent once


def test_the_accounts_order_list_shows_each_bundle_and_its_parts(client, market, bundle, epicerie_merchant):
    user = User.objects.create_user("alice@example.org", email="alice@example.org", password="secret")
    order = buy(market, bundle)
    pay(order)
    Order.objects.filter(pk=order.pk).update(customer=user)
    redeem(epicerie_merchant, part_voucher(order, market.epicerie).pk)
    client.force_login(user)

    html = client.get("/fr/compte/commandes/").content.decode()

    assert f"Coffret « Coffret Noël breton » × 1 : 60,00{NBSP}€" in html
    assert texts(html, "order-bundle__part") == [
        f"Épicerie Kerjean — Un pot de miel et une visite utilisé le {today()}",
        "Atelier du Bois Flotté — Un santon sculpté à utiliser",
    ]


# The printable voucher --------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def test_a_part_voucher_pdf_lists_the_other_parts_of_its_unit_with_their_codes(market, bundle):
    order = buy(market, bundle, quantity=2)
    pay(order)
    atelier_second = part_voucher(order, market.atelier, index=2)
    epicerie_first, epicerie_second = (part_voucher(order, market.epicerie, index) for index in (1, 2))

    text = pdf_text(render_voucher_pdf(atelier_second))

    assert text.startswith("Coffret ")
    assert "Coffret « Coffret Noël breton » — part fournie par Atelier du Bois Flotté : Un santon sculpté" in text
    assert f"Code : {atelier_second.display_code}" in text
    assert (
        "Les autres parts de ce coffret, chacune à présenter dans sa boutique avec son propre code : "
        f"Épicerie Kerjean — Un pot de miel et une visite : {epicerie_second.display_code}"
    ) in text
    # Only the other part of the same unit: the first bundle's code is on the first bundle's vouchers.
    assert epicerie_first.display_code not in text
    assert "Prestation" not in text
    # What each shop gets of the price stays between the merchants.
    assert "18,00" not in text
    seller_text = pdf_text(render_voucher_pdf(epicerie_first))
    assert f"Atelier du Bois Flotté — Un santon sculpté : {part_voucher(order, market.atelier).display_code}" in seller_text
