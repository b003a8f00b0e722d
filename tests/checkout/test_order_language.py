"""An order speaks its customer's language: English names from the basket to the invoice, kept as bought.

The basket prices the French pages; what an English customer reads comes
from the English translations (product, shop, delivery option), copied onto
the order when it is placed. Merchants read their e-mails in their
account's language.
"""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.users.models import UserProfile

from checkout.billing.invoice_pdf import render_invoice_html
from checkout.emails import notify_merchants
from checkout.models import Invoice, InvoiceKind, Order, OrderStatus
from checkout.pricing import BasketLine, DeliveryChoice, price_basket
from checkout.services import _other_languages_words, confirm_payment
from markets.merchants import make_merchant
from portal.money import to_cents
from shops.models import DeliveryKind, DeliveryOption, ShopPage
from tests.checkout.helpers import ALICE, fake_payment
from tests.fixtures import factories as f

PICKUP_EN = "In the shop, Tuesday to Saturday, 10 am – 7 pm"
PICKUP_FR = "En boutique, du mardi au samedi, 10 h – 19 h"
AREA_EN = "Morlaix and 10 km around"


@dataclass
class English:
    market: object
    atelier: ShopPage
    epicerie: ShopPage
    santon: object
    miel: object


@pytest.fixture
def english(market) -> English:
    """The market's English pages: the atelier, the épicerie, the santon and the honey translated."""
    m = market
    f.english_home()
    market_en = f.translate(m.market, title="Christmas market of the Morlaix area", slug="morlaix-en")
    atelier = f.translate(m.atelier, title="Driftwood Workshop", slug="driftwood-workshop")
    epicerie = f.translate(m.epicerie, title="Kerjean Grocery", slug="kerjean-grocery")
    santon = f.translate(m.santon, title="Wooden santon", slug="wooden-santon")
    miel = f.translate(m.miel, title="Heather honey", slug="heather-honey")
    DeliveryOption.objects.filter(page__in=[atelier, epicerie], kind=DeliveryKind.PICKUP).update(instructions=PICKUP_EN)
    DeliveryOption.objects.filter(page=epicerie, kind=DeliveryKind.HOME).update(area=AREA_EN)
    return English(market_en, atelier, epicerie, santon, miel)


def checkout_data(m, **overrides):
    data = {
        f"shop-{m.atelier.pk}-option": m.option(m.atelier, DeliveryKind.PICKUP).pk,
        f"shop-{m.epicerie.pk}-option": m.option(m.epicerie, DeliveryKind.HOME).pk,
        f"shop-{m.epicerie.pk}-address": "2 place des Otages\n29600 Morlaix",
        "name": "Alice Le Goff",
        "email": "alice@example.org",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def english_order(client, m, en, santon=None) -> Order:
    """Two santons (pick-up at the atelier) and a honey jar (home delivery), checked out in English."""
    client.post("/en/panier/ajouter/", {"product": (santon or en.santon).pk, "quantity": 2})
    client.post("/en/panier/ajouter/", {"product": m.miel.pk, "quantity": 1})  # a French id: same product
    response = client.post("/en/panier/validation/", checkout_data(m))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/panier/paiement/{order.token}/"
    return order


def pay(order):
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# The customer's pages ---------------------------------------------------------------


def test_the_english_basket_and_checkout_show_english_names_and_delivery_words(client, market, english):
    m = market
    client.post("/en/panier/ajouter/", {"product": english.santon.pk, "quantity": 2})
    client.post("/en/panier/ajouter/", {"product": m.miel.pk, "quantity": 1})
    # the basket
    basket = client.get("/en/panier/").content.decode()
    assert '<a href="/en/morlaix-en/driftwood-workshop/">Driftwood Workshop</a>' in basket
    assert '<a href="/en/morlaix-en/driftwood-workshop/wooden-santon/">Wooden santon</a>' in basket
    assert "Heather honey" in basket and "Kerjean Grocery" in basket
    assert "Santon en bois" not in basket and "Atelier du Bois Flotté" not in basket
    # the checkout page: the options' words come from the English rows, their ids stay the French ones
    page = client.get("/en/panier/validation/")
    html = page.content.decode()
    assert f'<span class="delivery-option__detail">{PICKUP_EN}</span>' in html
    assert f"Area served: {AREA_EN}" in html
    assert PICKUP_FR not in html
    form = page.context["groups"][0]["form"]
    pickup = m.option(m.atelier, DeliveryKind.PICKUP)
    assert [value for value, _label in form.fields["option"].choices][0] == pickup.pk
    # under the atelier's pick-up radio, which posts the French row's id
    radio_id = f"id_shop-{m.atelier.pk}-option_{pickup.pk}"
    label = html[html.index(f'<label for="{radio_id}">'):]
    label = label[: label.index("</label>")]
    assert f'id="{radio_id}" value="{pickup.pk}" data-kind="pickup"' in html
    assert " ".join(label.split()) == (
        f'<label for="{radio_id}"> <strong>In-store pick-up</strong> — free '
        f'<span class="delivery-option__detail">{PICKUP_EN}</span>'
    )


def test_the_english_basket_names_the_english_product_in_its_refusals(client, market, english):
    m = market
    client.post("/en/panier/ajouter/", {"product": english.santon.pk, "quantity": 2})
    # when more santons are asked than the stock holds
    response = client.post("/en/panier/ajouter/", {"product": english.santon.pk, "quantity": 4}, follow=True)
    # then the refusal names the product in English
    assert "Only 5 “Wooden santon” left in stock." in response.content.decode()
    # and a product whose shop went offline is named in English when it leaves the basket
    m.atelier.unpublish()
    html = client.get("/en/panier/").content.decode()
    assert "“Wooden santon” is no longer on sale and has been removed from your basket." in html


def test_an_english_order_keeps_both_names_and_its_pages_speak_english(client, market, english, stripe):
    m = market
    # when an English customer checks out
    order = english_order(client, m, english)
    # then each line keeps the French designation and the English name, each shop order its English words
    assert order.language == "en"
    atelier, epicerie = order.shop_orders.order_by("pk")
    assert [(line.name, line.translations) for line in atelier.lines.all()] == [
        ("Santon en bois", {"en": {"name": "Wooden santon"}})
    ]
    assert [(line.name, line.translations) for line in epicerie.lines.all()] == [
        ("Miel de bruyère", {"en": {"name": "Heather honey"}})
    ]
    assert (atelier.trade_name, atelier.delivery_detail) == ("Atelier du Bois Flotté", PICKUP_FR)
    assert atelier.translations == {
        "en": {"trade_name": "Driftwood Workshop", "shop_opening_hours": "", "delivery_detail": PICKUP_EN}
    }
    assert epicerie.translations["en"]["delivery_detail"] == AREA_EN
    # and the payment page names them in English
    payment = client.get(f"/en/panier/paiement/{order.token}/").content.decode()
    assert f'<h2 id="order-shop-{atelier.pk}">Driftwood Workshop</h2>' in payment
    assert "2 × Wooden santon" in payment and "1 × Heather honey" in payment
    assert f"<p>{PICKUP_EN}</p>" in payment
    assert "Santon en bois" not in payment and "Atelier du Bois Flotté" not in payment
    # and so does the order page once paid, in French at its French address
    pay(order)
    page = client.get(f"/en/panier/commande/{order.token}/").content.decode()
    assert "2 × Wooden santon" in page and "Kerjean Grocery" in page and "Santon en bois" not in page
    french = client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert "2 × Santon en bois" in french and "Atelier du Bois Flotté" in french and "Wooden santon" not in french


def test_a_later_rename_of_the_english_page_does_not_change_a_past_order(client, market, english):
    m = market
    order = english_order(client, m, english)
    pay(order)
    # when the merchant renames the English product page and publishes it
    english.santon.title = "Hand-carved santon"
    f.publish(english.santon)
    # then the order still reads as bought
    page = client.get(f"/en/panier/commande/{order.token}/").content.decode()
    assert "2 × Wooden santon" in page and "Hand-carved santon" not in page


def test_a_product_without_a_live_english_page_keeps_its_french_name(client, market, english):
    m = market
    english.santon.unpublish()
    order = english_order(client, m, english, santon=m.santon)
    atelier = order.shop_orders.order_by("pk").first()
    assert [(line.name, line.translations) for line in atelier.lines.all()] == [("Santon en bois", {})]
    payment = client.get(f"/en/panier/commande/{order.token}/").content.decode()
    assert "2 × Santon en bois" in payment and "Driftwood Workshop" in payment


def test_the_confirmation_e_mail_names_the_english_products_and_shops(
    client, market, english, django_capture_on_commit_callbacks
):
    m = market
    order = english_order(client, m, english)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    customer = next(message for message in mail.outbox if message.to == ["alice@example.org"])
    assert customer.subject == f"Your order no. {order.number} is confirmed"
    assert "— Driftwood Workshop —" in customer.body
    assert "2 × Wooden santon : €25.00" in customer.body
    assert "1 × Heather honey : €8.30" in customer.body
    assert PICKUP_EN in customer.body
    html = customer.alternatives[0][0]
    assert "<h2>Driftwood Workshop</h2>" in html and "Santon en bois" not in html
    # the merchants (French, no account of their own language) read the French names
    atelier = next(message for message in mail.outbox if message.to == ["atelier@example.org"])
    assert "2 × Santon en bois" in atelier.body and "Wooden santon" not in atelier.body


def test_the_english_invoice_names_the_english_product(client, market, english):
    m = market
    order = english_order(client, m, english)
    pay(order)
    atelier = order.shop_orders.order_by("pk").first()
    invoice = Invoice.objects.get(kind=InvoiceKind.SALE, shop_order=atelier)
    assert [line["name"] for line in invoice.lines] == ["Wooden santon"]
    assert invoice.seller["name"] == "Driftwood Workshop"
    html = render_invoice_html(invoice)
    assert "<td>Wooden santon</td>" in html and "Santon en bois" not in html


def test_a_french_invoice_keeps_the_french_designation(market, english):
    # given a French customer's order of a product that has an English page
    m = market
    order = price_and_place(m, "fr")
    pay(order)
    atelier = order.shop_orders.order_by("pk").first()
    invoice = Invoice.objects.get(kind=InvoiceKind.SALE, shop_order=atelier)
    assert [line["name"] for line in invoice.lines] == ["Santon en bois"]
    assert invoice.seller["name"] == "Atelier du Bois Flotté"


# Queries ---------------------------------------------------------------------------


def basket_lines(m):
    return [BasketLine(m.santon.pk, 1), BasketLine(m.bonnet.pk, 1, {"Taille": "M"}), BasketLine(m.miel.pk, 1)]


def deliveries(m):
    return {
        m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk),
        m.epicerie.pk: DeliveryChoice(m.option(m.epicerie, DeliveryKind.HOME).pk, "2 place des Otages"),
    }


def price_and_place(m, language):
    from checkout.services import place_order

    return place_order(m.territory.pk, [BasketLine(m.santon.pk, 2)], {
        m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)
    }, ALICE, language)


def test_the_words_of_a_basket_take_four_queries_whatever_its_size(market, english):
    m = market
    basket = price_basket(m.territory.pk, basket_lines(m), deliveries(m))
    # when the words of three products of two shops are read
    with CaptureQueriesContext(connection) as queries:
        words = _other_languages_words(basket)
    # then one query each for products, shops, delivery options and merchants' languages
    assert len(queries) == 4, "\n".join(q["sql"] for q in queries)
    assert words.products == {
        m.santon.translation_key: {"en": {"name": "Wooden santon"}},
        m.miel.translation_key: {"en": {"name": "Heather honey"}},
    }
    assert words.options[m.option(m.atelier, DeliveryKind.PICKUP).translation_key] == {
        "en": {"delivery_detail": PICKUP_EN}
    }
    assert words.merchant_languages == {m.atelier.translation_key: "fr", m.epicerie.translation_key: "fr"}


def test_the_english_order_page_reads_no_more_than_the_french_one(client, market, english, django_assert_max_num_queries):
    m = market
    order = english_order(client, m, english)
    pay(order)
    other = client.__class__()
    with CaptureQueriesContext(connection) as french:
        other.get(f"/fr/panier/commande/{order.token}/")
    # the names are on the order: English costs nothing more
    with django_assert_max_num_queries(len(french)):
        other.get(f"/en/panier/commande/{order.token}/")


def test_the_english_checkout_page_adds_one_query_for_the_delivery_words(client, market, english):
    m = market
    client.post("/en/panier/ajouter/", {"product": english.santon.pk, "quantity": 1})
    client.post("/en/panier/ajouter/", {"product": m.miel.pk, "quantity": 1})
    with CaptureQueriesContext(connection) as french:
        client.get("/fr/panier/validation/")
    with CaptureQueriesContext(connection) as english_page:
        client.get("/en/panier/validation/")
    assert len(english_page) == len(french) + 1


# Merchants' e-mails in their own language -----------------------------------------------


def merchant(shop, username, language):
    from django.contrib.auth.models import User

    user = User.objects.create_user(username, email=f"{username}@example.org")
    make_merchant(user, shop)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


def test_the_new_order_e_mail_goes_to_each_merchant_account_in_its_language(market, english):
    # given an épicerie without an e-mail of its own, run by an English-speaking and a French-speaking account
    m = market
    ShopPage.objects.filter(pk=m.epicerie.pk).update(email="")
    merchant(m.epicerie, "erwan", "en")
    merchant(m.epicerie, "soizic", "fr")
    order = price_and_place_honey(m)
    pay(order)
    mail.outbox.clear()
    # when the merchants are told
    assert notify_merchants(order.pk) == 1
    # then each account gets its own e-mail in its own language, with the names in that language
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["erwan@example.org", "soizic@example.org"]
    english_mail, french_mail = by_address["erwan@example.org"], by_address["soizic@example.org"]
    assert english_mail.subject == f"New order no. {order.number}"
    assert english_mail.body.startswith(f"Kerjean Grocery: new order no. {order.number}.")
    assert "1 × Heather honey : €8.30" in english_mail.body
    assert english_mail.extra_headers["Content-Language"] == "en"
    assert french_mail.subject == f"Nouvelle commande n° {order.number}"
    assert french_mail.body.startswith(f"Épicerie Kerjean : nouvelle commande n° {order.number}.")
    assert "1 × Miel de bruyère : 8,30\xa0€" in french_mail.body
    assert french_mail.extra_headers["Content-Language"] == "fr"


def test_the_shop_address_is_written_to_in_the_language_of_its_account(market, english):
    # given the épicerie's own address is its English-speaking merchant's
    m = market
    ShopPage.objects.filter(pk=m.epicerie.pk).update(email="erwan@example.org")
    merchant(m.epicerie, "erwan", "en-gb")  # the English admin's language
    order = price_and_place_honey(m)
    epicerie = order.shop_orders.get()
    assert epicerie.merchant_language == "en"
    pay(order)
    mail.outbox.clear()
    notify_merchants(order.pk)
    assert [(message.to, message.extra_headers["Content-Language"]) for message in mail.outbox] == [
        (["erwan@example.org"], "en")
    ]
    assert "Heather honey" in mail.outbox[0].body


def price_and_place_honey(m):
    from checkout.services import place_order

    return place_order(m.territory.pk, [BasketLine(m.miel.pk, 1)], {
        m.epicerie.pk: DeliveryChoice(m.option(m.epicerie, DeliveryKind.HOME).pk, "2 place des Otages")
    }, ALICE, "fr")


def test_bank_details_changed_goes_to_the_owner_and_the_shop_each_in_its_language(market, english):
    # given the atelier's owner reads English, and the shop's own address belongs to no account
    from checkout.billing.emails import send_bank_details_changed
    from checkout.models import PayoutAccount

    m = market
    owner = merchant(m.atelier, "yann", "en")
    ShopPage.objects.filter(pk=m.atelier.pk).update(owner=owner)
    account = PayoutAccount.objects.create(shop=m.atelier, holder="Atelier SARL", iban="FR7630004000031234567890143")
    mail.outbox.clear()
    # when the merchants are told the account changed
    assert send_bank_details_changed(account.pk, None) == 2
    # then the owner reads it in English with the English shop name, the shop's address in its merchants' language
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["yann@example.org"].subject == "Bank details of Driftwood Workshop changed"
    assert by_address["yann@example.org"].extra_headers["Content-Language"] == "en"
    assert by_address["atelier@example.org"].extra_headers["Content-Language"] == "en"  # yann is its only merchant
    # and with a French merchant as the oldest account, the shop's address goes in French
    ShopPage.objects.filter(pk=m.epicerie.pk).update(owner=None)
    merchant(m.epicerie, "soizic", "fr")
    account = PayoutAccount.objects.create(shop=m.epicerie, holder="Épicerie", iban="FR7630004000031234567890143")
    mail.outbox.clear()
    assert send_bank_details_changed(account.pk, None) == 1
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["epicerie@example.org"], "Coordonnées bancaires de Épicerie Kerjean modifiées")
    ]
