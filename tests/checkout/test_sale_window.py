"""What can be sold when: a validity that has ended, a market closed or not yet open, an unpublished shop."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from checkout.basket import SESSION_KEY
from checkout.models import Order, RefundState
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketError, BasketLine, DeliveryChoice, price_basket
from checkout.services import refund_shop_order
from checkout.vouchers import services as v
from shops.models import DeliveryKind
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import order_of, pay, vouchers_of

ADD = "/fr/panier/ajouter/"
BASKET = "/fr/panier/"
CHECKOUT = "/fr/panier/validation/"
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)

atelier_merchant = voucher_fixtures.atelier_merchant
gift = voucher_fixtures.gift


def set_market(m, **fields):
    for name, value in fields.items():
        setattr(m.market, name, value)
    m.market.save_revision().publish()


def lines_of(client) -> list[dict]:
    return (client.session.get(SESSION_KEY) or {}).get("lines", [])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_service_whose_validity_ended_yesterday_cannot_be_added_nor_priced(client, market):
    visite = market.atelier_visite
    visite.valid_until = YESTERDAY
    visite.save_revision().publish()
    day = f"{YESTERDAY.day} {['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'][YESTERDAY.month - 1]} {YESTERDAY.year}"

    response = client.post(ADD, {"product": visite.pk, "quantity": 1}, follow=True)

    assert messages_of(response) == [f"« Visite de la miellerie » n'est plus valable depuis le {day}."]
    assert lines_of(client) == []
    page = html.unescape(client.get(visite.url).content.decode())
    assert f"« Visite de la miellerie » n'est plus valable depuis le {day}." in page
    assert 'class="add-to-basket"' not in page
    with pytest.raises(BasketError, match="n'est plus valable"):
        price_basket(market.territory.pk, [BasketLine(visite.pk, 1)], {})


def test_a_service_valid_until_today_still_sells(client, market):
    visite = market.atelier_visite
    visite.valid_until = TODAY
    visite.save_revision().publish()

    client.post(ADD, {"product": visite.pk, "quantity": 1})

    assert [line["quantity"] for line in lines_of(client)] == [1]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"market_closes": YESTERDAY}, "Le marché est clos depuis le"),
        ({"market_opens": TOMORROW, "market_closes": TOMORROW + datetime.timedelta(days=20)}, "Le marché ouvre le"),
    ],
)
def test_a_closed_or_not_yet_open_market_sells_nothing(client, market, fields, message):
    set_market(market, **fields)

    response = client.post(ADD, {"product": market.santon.pk, "quantity": 1}, follow=True)

    [shown] = messages_of(response)
    assert shown.startswith(message)
    assert lines_of(client) == []
    page = html.unescape(client.get(market.santon.url).content.decode())
    assert message in page and 'class="add-to-basket"' not in page


def test_a_market_taking_preorders_sells_before_it_opens(client, market):
    set_market(market, market_opens=TOMORROW, market_closes=TOMORROW + datetime.timedelta(days=20), allow_preorders=True)

    client.post(ADD, {"product": market.santon.pk, "quantity": 2})

    assert [line["quantity"] for line in lines_of(client)] == [2]


def test_an_unpublished_shop_sells_nothing(client, market):
    market.epicerie.unpublish()

    response = client.post(ADD, {"product": market.miel.pk, "quantity": 1}, follow=True)

    assert messages_of(response) == ["Ce produit n'est pas en vente."]
    assert lines_of(client) == []


def test_a_basket_holding_a_product_of_a_market_that_closed_is_repriced_with_a_message(client, market):
    client.post(ADD, {"product": market.santon.pk, "quantity": 1})
    client.post(ADD, {"product": market.miel.pk, "quantity": 1})
    set_market(market, market_closes=YESTERDAY)

    response = client.get(CHECKOUT, follow=True)

    closed = f"Le marché est clos depuis le {YESTERDAY.day}"
    shown = [m for m in messages_of(response) if not m.startswith("Ajouté")]
    assert len(shown) == 2
    assert all(m.startswith(closed) and m.endswith(". Il a été retiré de votre panier.") for m in shown)
    assert lines_of(client) == []
    assert not Order.objects.exists()


def test_after_the_market_closes_merchants_still_refund_and_redeem(market, gift, atelier_merchant, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda *args, **kwargs: "re_test_1")
    goods = order_of(market, [(market.santon, 2)])
    pay(goods)
    gifts = order_of(market, [(gift, 1)])
    pay(gifts)
    set_market(market, market_closes=YESTERDAY)

    refund = refund_shop_order(goods.shop_orders.get().pk, Decimal("12.50"))
    [voucher] = vouchers_of(gifts)
    result = v.redeem(atelier_merchant, voucher.pk, "20.00")

    assert refund.state == RefundState.SUCCEEDED
    assert result.voucher.balance == Decimal("30.00")
    # Placing a new order is what closing stops.
    with pytest.raises(BasketError, match="Le marché est clos"):
        price_basket(
            market.territory.pk, [BasketLine(market.santon.pk, 1)],
            {market.atelier.pk: DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)},
        )
