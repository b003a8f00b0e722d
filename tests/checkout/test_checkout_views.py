"""The customer's checkout pages: validation, placing, paying, the private order page."""

from decimal import Decimal

import pytest

from checkout.basket import SESSION_KEY
from checkout.models import Order, OrderLine, OrderStatus
from shops.models import DeliveryKind
from tests.checkout.conftest import PUBLISHABLE_KEY
from tests.checkout.helpers import stock
from tests.fixtures.queries import explain_difference, render_and_count

CHECKOUT = "/fr/panier/validation/"
DECLINED = "4000000000000341"
NEEDS_3DS = "4000002500003155"


def fill_basket(client, m, santons=2, miels=1):
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": santons})
    client.post("/fr/panier/ajouter/", {"product": m.miel.pk, "quantity": miels})


def checkout_data(m, **overrides):
    data = {
        f"shop-{m.atelier.pk}-option": m.option(m.atelier, DeliveryKind.PICKUP).pk,
        f"shop-{m.epicerie.pk}-option": m.option(m.epicerie, DeliveryKind.HOME).pk,
        f"shop-{m.epicerie.pk}-address": "2 place des Otages\n29600 Morlaix",
        "name": "Alice Le Goff",
        "email": "alice@example.org",
        "phone": "06 12 34 56 78",
        "accept_terms": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_checkout_page_shows_each_shop_with_its_active_options(client, market):
    m = market
    fill_basket(client, m)
    response = client.get(CHECKOUT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Atelier du Bois Flotté" in html and "Épicerie Kerjean" in html
    assert m.option(m.atelier, DeliveryKind.PICKUP).instructions in html
    # the épicerie's inactive postal option is not offered
    assert f'value="{m.option(m.epicerie, DeliveryKind.POSTAL, active=False).pk}"' not in html
    assert "Pas besoin de compte" in html


def test_home_delivery_without_address_is_refused_next_to_the_field(client, market):
    m = market
    fill_basket(client, m)
    response = client.post(CHECKOUT, checkout_data(m, **{f"shop-{m.epicerie.pk}-address": ""}))
    assert response.status_code == 200
    form = response.context["groups"][1]["form"]
    assert form.errors == {"address": ["Indiquez l'adresse de livraison."]}
    assert Order.objects.count() == 0
    assert stock(m.miel) == (3, 0)


def test_postal_without_address_is_refused(client, market):
    m = market
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})
    data = checkout_data(m, **{f"shop-{m.atelier.pk}-option": m.option(m.atelier, DeliveryKind.POSTAL).pk})
    response = client.post(CHECKOUT, data)
    assert response.context["groups"][0]["form"].errors == {"address": ["Indiquez l'adresse de livraison."]}
    assert Order.objects.count() == 0


def test_terms_and_contact_are_required(client, market):
    m = market
    fill_basket(client, m)
    response = client.post(CHECKOUT, checkout_data(m, accept_terms=None, email="not-an-email", name=""))
    assert response.context["contact"].errors == {
        "name": ["Indiquez votre nom."],
        "email": ["Indiquez une adresse e-mail valide."],
        "accept_terms": ["Acceptez les conditions générales de vente pour commander."],
    }
    assert 'role="alert"' in response.content.decode()
    assert Order.objects.count() == 0


def test_delivery_option_of_another_shop_is_refused(client, market):
    m = market
    fill_basket(client, m)
    data = checkout_data(m, **{f"shop-{m.atelier.pk}-option": m.option(m.epicerie, DeliveryKind.PICKUP).pk})
    response = client.post(CHECKOUT, data)
    assert response.context["groups"][0]["form"].errors == {"option": ["Choisissez un mode de livraison proposé."]}
    assert Order.objects.count() == 0


def test_placing_creates_the_order_with_server_prices_ignoring_a_tampered_price(client, market):
    m = market
    fill_basket(client, m, santons=2, miels=1)
    # when the browser also posts prices and totals of its own
    data = checkout_data(m, price="0.01", unit_price="0.01", total="0.01", fee="0", **{f"shop-{m.epicerie.pk}-fee": "0"})
    response = client.post(CHECKOUT, data)
    # then the order is priced by the server and the visitor goes to the payment page
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/fr/panier/paiement/{order.token}/"
    assert order.total == Decimal("38.30")  # 2 × 12.50 + 8.30 + 5.00
    assert (order.customer_name, order.customer_email, order.customer_phone, order.language) == (
        "Alice Le Goff", "alice@example.org", "06 12 34 56 78", "fr"
    )
    atelier, epicerie = order.shop_orders.order_by("pk")
    assert (atelier.shop_id, atelier.delivery_kind, atelier.total) == (m.atelier.pk, "pickup", Decimal("25.00"))
    assert (epicerie.delivery_kind, epicerie.delivery_fee, epicerie.total) == ("home", Decimal("5.00"), Decimal("13.30"))
    assert epicerie.delivery_address == "2 place des Otages\n29600 Morlaix"
    assert [(line.name, line.unit_price, line.quantity) for line in OrderLine.objects.order_by("pk")] == [
        ("Santon en bois", Decimal("12.50"), 2),
        ("Miel de bruyère", Decimal("8.30"), 1),
    ]
    assert stock(m.santon) == (3, 0)
    # the basket stays until the order is paid
    assert len(client.session[SESSION_KEY]["lines"]) == 2


def test_out_of_stock_at_placement_goes_back_to_the_basket_naming_the_product(client, market):
    m = market
    fill_basket(client, m, santons=1, miels=3)
    # given someone else bought two honey jars meanwhile
    from shops.models import ProductStock

    ProductStock.objects.filter(translation_key=m.miel.translation_key).update(quantity=1)
    # when the visitor places the order
    response = client.post(CHECKOUT, checkout_data(m), follow=True)
    # then they are back at the basket, told which product, nothing reserved
    assert response.redirect_chain[-1][0] == "/fr/panier/"
    assert "« Miel de bruyère » n'est plus disponible en quantité suffisante." in response.content.decode().replace("&#x27;", "'")
    assert Order.objects.count() == 0
    assert stock(m.santon) == (5, 0)
    assert stock(m.miel) == (1, 0)


def test_empty_basket_cannot_check_out(client, market):
    response = client.get(CHECKOUT)
    assert response.status_code == 302 and response["Location"] == "/fr/panier/"


def test_order_page_only_with_its_token(client, market):
    m = market
    fill_basket(client, m)
    client.post(CHECKOUT, checkout_data(m))
    order = Order.objects.get()
    other = client.__class__()
    # the private link works from any browser
    response = other.get(f"/fr/panier/commande/{order.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Atelier du Bois Flotté" in html and "2 place des Otages" in html
    assert response["Cache-Control"] == "private, no-store"
    # another token, a truncated one, the order number: 404
    assert other.get("/fr/panier/commande/" + "x" * 43 + "/").status_code == 404
    assert other.get(f"/fr/panier/commande/{order.token[:-1]}/").status_code == 404
    assert other.get(f"/fr/panier/commande/{order.pk}/").status_code == 404
    assert other.get(f"/fr/panier/paiement/{order.token[:-1]}/").status_code == 404


def test_basket_page_queries_do_not_grow_with_lines(client, market):
    m = market
    client.post("/fr/panier/ajouter/", {"product": m.santon.pk, "quantity": 1})

    def consume(response):
        for group in response.context["groups"]:
            for line in group["lines"]:
                str(line["page"].url)

    small = render_and_count(client, "/fr/panier/", consume)
    for product, extra in ((m.miel, {}), (m.bonnet, {"option-0": "1"}), (m.bonnet, {"option-0": "2"}), (m.atelier_visite, {})):
        client.post("/fr/panier/ajouter/", {"product": product.pk, "quantity": 1, **extra})
    large = render_and_count(client, "/fr/panier/", consume)
    assert len(large) == len(small), explain_difference(small, large)
    assert len(large) <= 13, "\n".join(large)  # the market's dates: is it selling today?


# Paying through the page's path, against localstripe ----------------------------


def card_payment_method(stripe, number):
    """What the page does with localstripe's fake Stripe.js: a token, whose card is the payment method."""
    status, token = stripe._call(
        "POST",
        "/v1/tokens",
        {"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123", "key": PUBLISHABLE_KEY},
        key=None,
    )
    assert status == 200, token
    return token["card"]["id"]


def placed_order(client, m):
    fill_basket(client, m)
    client.post(CHECKOUT, checkout_data(m))
    order = Order.objects.get()
    response = client.get(f"/fr/panier/paiement/{order.token}/")
    assert response.status_code == 200
    return order, response


def test_pay_with_the_test_card_then_the_return_page_confirms(client, market, stripe, django_capture_on_commit_callbacks):
    m = market
    order, page = placed_order(client, m)
    html = page.content.decode()
    assert page.context["client_secret"] in html
    assert f"{stripe.url}/js.stripe.com/v3/" in html
    # the page holding the client secret is never stored by a cache or the browser
    assert page["Cache-Control"] == "private, no-store"
    # when the page confirms the card, then the browser goes to the return page
    answer = client.post(f"/fr/panier/paiement/{order.token}/carte/", {"payment_method": card_payment_method(stripe, "4242424242424242")})
    assert answer.json() == {"status": "succeeded", "client_secret": page.context["client_secret"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/fr/panier/paiement/{order.token}/retour/")
    # then the order is paid before any webhook, and the basket emptied
    assert response.status_code == 302 and response["Location"] == f"/fr/panier/commande/{order.token}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock(m.santon) == (3, 2)
    assert SESSION_KEY not in client.session
    assert "Merci pour votre commande" in client.get(response["Location"]).content.decode()


def test_declined_card_says_so_and_charges_nothing(client, market, stripe):
    m = market
    order, _page = placed_order(client, m)
    answer = client.post(f"/fr/panier/paiement/{order.token}/carte/", {"payment_method": card_payment_method(stripe, DECLINED)})
    assert answer.status_code == 402
    assert answer.json() == {"error": "Votre carte a été refusée. Essayez une autre carte ou contactez votre banque."}
    response = client.get(f"/fr/panier/paiement/{order.token}/retour/")
    assert "Le paiement n’a pas abouti" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert len(client.session[SESSION_KEY]["lines"]) == 2


def test_card_needing_authentication_asks_the_page_for_3d_secure(client, market, stripe):
    m = market
    order, _page = placed_order(client, m)
    answer = client.post(f"/fr/panier/paiement/{order.token}/carte/", {"payment_method": card_payment_method(stripe, NEEDS_3DS)})
    assert answer.json()["status"] == "requires_action"


@pytest.mark.parametrize("value", ["", "tok_123", "pm_1; drop", "x" * 300])
def test_malformed_payment_method_refused(client, market, value):
    m = market
    fill_basket(client, m)
    client.post(CHECKOUT, checkout_data(m))
    order = Order.objects.get()
    assert client.post(f"/fr/panier/paiement/{order.token}/carte/", {"payment_method": value}).status_code == 400
