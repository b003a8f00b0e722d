"""Delivery only where something is delivered: vouchers and services go by e-mail, with no fee."""

from decimal import Decimal

import pytest

from checkout.models import Order, ShopOrder
from checkout.pricing import BasketLine, DeliveryChoice, price_basket
from shops.models import DeliveryKind
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import pay, vouchers_of

ADD = "/fr/panier/ajouter/"
CHECKOUT = "/fr/panier/validation/"
CONTACT = {"name": "Alice Le Goff", "email": "alice@example.org", "phone": "", "accept_terms": "on"}

gift = voucher_fixtures.gift  # the atelier's 50.00 voucher


def test_a_voucher_only_shop_is_priced_without_delivery_even_when_a_fee_is_asked(market, gift):
    postal = market.option(market.atelier, DeliveryKind.POSTAL)
    postal.fee = Decimal("6.90")
    postal.save()

    basket = price_basket(
        market.territory.pk, [BasketLine(gift.pk, 2)], {market.atelier.pk: DeliveryChoice(postal.pk, "1 rue X")}
    )

    [shop] = basket.shops
    assert (shop.delivery, shop.address, shop.delivery_fee, shop.total) == (None, "", Decimal("0.00"), Decimal("100.00"))
    assert basket.total == Decimal("100.00")


def test_a_voucher_only_basket_checks_out_and_pays_with_no_delivery_question(client, market, gift):
    client.post(ADD, {"product": gift.pk, "quantity": 1})

    page = client.get(CHECKOUT).content.decode()
    assert "Rien à livrer : les bons et prestations sont envoyés par e-mail dès le paiement." in page
    assert f'name="shop-{market.atelier.pk}-option"' not in page

    response = client.post(CHECKOUT, CONTACT)
    assert response.status_code == 302
    order = Order.objects.get()
    shop_order = ShopOrder.objects.get()
    assert (shop_order.delivery_kind, shop_order.delivery_label, shop_order.delivery_fee, shop_order.delivery_address) == (
        "", "Envoyé par e-mail, rien à livrer", Decimal("0.00"), ""
    )
    assert order.total == Decimal("50.00")
    pay(order)
    assert len(vouchers_of(order)) == 1


def test_a_mixed_basket_asks_delivery_only_of_the_shop_selling_goods(client, market, gift):
    client.post(ADD, {"product": gift.pk, "quantity": 1})
    client.post(ADD, {"product": market.miel.pk, "quantity": 1})
    home = market.option(market.epicerie, DeliveryKind.HOME)

    page = client.get(CHECKOUT).content.decode()
    assert f'name="shop-{market.epicerie.pk}-option"' in page
    assert f'name="shop-{market.atelier.pk}-option"' not in page

    response = client.post(
        CHECKOUT,
        {**CONTACT, f"shop-{market.epicerie.pk}-option": home.pk, f"shop-{market.epicerie.pk}-address": "2 rue Y"},
    )
    assert response.status_code == 302
    rows = {so.shop_id: so for so in ShopOrder.objects.all()}
    assert (rows[market.atelier.pk].delivery_kind, rows[market.atelier.pk].delivery_fee) == ("", Decimal("0.00"))
    assert (rows[market.epicerie.pk].delivery_kind, rows[market.epicerie.pk].delivery_fee) == ("home", home.fee)
    assert Order.objects.get().total == Decimal("50.00") + Decimal("8.30") + home.fee


def test_goods_beside_a_voucher_in_one_shop_still_need_a_delivery(market, gift):
    with pytest.raises(Exception, match="Choisissez un mode de livraison proposé par « Atelier du Bois Flotté »."):
        price_basket(market.territory.pk, [BasketLine(gift.pk, 1), BasketLine(market.santon.pk, 1)], {})
