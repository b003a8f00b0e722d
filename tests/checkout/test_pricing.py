from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkout.billing.commissions import commission_for
from checkout.pricing import BasketError, BasketLine, DeliveryChoice, price_basket
from portal.money import quantize_eur
from shops.models import DeliveryKind
from tests.fixtures import factories as f


def pickup_for(m, *shops):
    return {shop.pk: DeliveryChoice(m.option(shop, DeliveryKind.PICKUP).pk) for shop in shops}


def test_two_shops_priced_from_database(market):
    # given a basket from two shops, postal for one and home delivery for the other
    m = market
    deliveries = {
        m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.POSTAL).pk, "1 rue de Brest\n29600 Morlaix"),
        m.epicerie.pk: DeliveryChoice(m.option(m.epicerie, DeliveryKind.HOME).pk, "2 place des Otages, Morlaix"),
    }
    lines = [
        BasketLine(m.santon.pk, 2),
        BasketLine(m.bonnet.pk, 1, {"Taille": "M"}),
        BasketLine(m.miel.pk, 3),
    ]

    # when it is priced
    basket = price_basket(m.territory.pk, lines, deliveries)

    # then every amount comes from the database
    atelier, epicerie = basket.shops
    assert [line.total for line in atelier.lines] == [Decimal("25.00"), Decimal("20.00")]
    assert atelier.subtotal == Decimal("45.00")
    assert atelier.delivery_fee == Decimal("7.90")
    assert atelier.total == Decimal("52.90")
    assert atelier.lines[1].options == {"Taille": "M"}
    assert epicerie.subtotal == Decimal("24.90")
    assert epicerie.delivery_fee == Decimal("5.00")
    assert epicerie.total == Decimal("29.90")
    assert basket.total == Decimal("82.80")
    assert basket.quantities_by_key() == {
        m.santon.translation_key: 2,
        m.bonnet.translation_key: 1,
        m.miel.translation_key: 3,
    }


def test_pickup_is_free_and_drops_the_address(market):
    m = market
    deliveries = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk, "ignored")}
    basket = price_basket(m.territory.pk, [BasketLine(m.santon.pk, 1)], deliveries)
    assert basket.total == Decimal("12.50")
    assert basket.shops[0].address == ""


def test_price_from_client_cannot_exist_in_a_basket_line(market):
    # given a client that tries to send its own price
    m = market
    with pytest.raises(TypeError):
        BasketLine(m.santon.pk, 1, price=Decimal("0.01"))  # type: ignore[call-arg]


def test_price_changed_after_basket_is_the_database_price(market):
    # given the merchant raised the price
    m = market
    m.santon.price = Decimal("14.00")
    f.publish(m.santon)
    basket = price_basket(m.territory.pk, [BasketLine(m.santon.pk, 2)], pickup_for(m, m.atelier))
    assert basket.total == Decimal("28.00")


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, "2", 2.0, True, None])
def test_bad_quantity_refused(market, quantity):
    m = market
    with pytest.raises(BasketError):
        price_basket(m.territory.pk, [BasketLine(m.santon.pk, quantity)], pickup_for(m, m.atelier))


def test_unknown_product_refused(market):
    m = market
    with pytest.raises(BasketError, match="plus en vente"):
        price_basket(m.territory.pk, [BasketLine(999_999, 1)], pickup_for(m, m.atelier))


def test_product_id_of_a_shop_page_refused(market):
    m = market
    with pytest.raises(BasketError):
        price_basket(m.territory.pk, [BasketLine(m.atelier.pk, 1)], pickup_for(m, m.atelier))


def test_unpublished_product_refused(market):
    m = market
    m.santon.unpublish()
    with pytest.raises(BasketError, match="plus en vente"):
        price_basket(m.territory.pk, [BasketLine(m.santon.pk, 1)], pickup_for(m, m.atelier))


def test_product_of_another_territory_refused(market, other_market):
    m = market
    brest_shop, phare = other_market
    deliveries = {brest_shop.pk: DeliveryChoice(brest_shop.delivery_options.get().pk)}
    with pytest.raises(BasketError, match="ne fait pas partie de ce marché"):
        price_basket(m.territory.pk, [BasketLine(phare.pk, 1)], deliveries)


def test_inactive_delivery_option_refused(market):
    m = market
    inactive = m.option(m.epicerie, DeliveryKind.POSTAL, active=False)
    with pytest.raises(BasketError, match="mode de livraison"):
        price_basket(m.territory.pk, [BasketLine(m.miel.pk, 1)], {m.epicerie.pk: DeliveryChoice(inactive.pk, "x")})


def test_delivery_option_of_another_shop_refused(market):
    m = market
    atelier_pickup = m.option(m.atelier, DeliveryKind.PICKUP)
    with pytest.raises(BasketError, match="mode de livraison"):
        price_basket(m.territory.pk, [BasketLine(m.miel.pk, 1)], {m.epicerie.pk: DeliveryChoice(atelier_pickup.pk)})


def test_missing_delivery_choice_refused(market):
    m = market
    with pytest.raises(BasketError, match="mode de livraison"):
        price_basket(m.territory.pk, [BasketLine(m.miel.pk, 1)], {})


@pytest.mark.parametrize("kind", [DeliveryKind.HOME])
def test_home_delivery_needs_an_address(market, kind):
    m = market
    option = m.option(m.epicerie, kind)
    with pytest.raises(BasketError, match="adresse"):
        price_basket(m.territory.pk, [BasketLine(m.miel.pk, 1)], {m.epicerie.pk: DeliveryChoice(option.pk, "   ")})


def test_postal_needs_an_address(market):
    m = market
    option = m.option(m.atelier, DeliveryKind.POSTAL)
    with pytest.raises(BasketError, match="adresse"):
        price_basket(m.territory.pk, [BasketLine(m.santon.pk, 1)], {m.atelier.pk: DeliveryChoice(option.pk)})


@pytest.mark.parametrize("options", [{}, {"Taille": "XXL"}, {"Taille": "M", "Couleur": "rouge"}])
def test_bad_options_refused(market, options):
    m = market
    with pytest.raises(BasketError):
        price_basket(m.territory.pk, [BasketLine(m.bonnet.pk, 1, options)], pickup_for(m, m.atelier))


def test_empty_basket_refused(market):
    with pytest.raises(BasketError, match="vide"):
        price_basket(market.territory.pk, [], {})


def test_commission_rounds_half_up_to_the_cent():
    assert commission_for(Decimal("12.50"), Decimal("8.00")) == Decimal("1.00")
    assert commission_for(Decimal("0.25"), Decimal("10.00")) == Decimal("0.03")  # 0.025 -> 0.03
    assert commission_for(Decimal("10.05"), Decimal("5.00")) == Decimal("0.50")  # 0.5025 -> 0.50
    assert commission_for(Decimal("10.10"), Decimal("5.00")) == Decimal("0.51")  # 0.505 -> 0.51
    assert commission_for(Decimal("99.99"), Decimal("0")) == Decimal("0.00")
    assert commission_for(Decimal("99.99"), Decimal("100")) == Decimal("99.99")


def test_commission_refuses_floats():
    with pytest.raises(TypeError):
        commission_for(12.5, Decimal("8"))  # type: ignore[arg-type]


cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=0, max_value=10_000).map(lambda r: Decimal(r) / 100)


@given(amount=cents, rate=rates)
def test_merchant_share_plus_commission_is_what_was_paid(amount, rate):
    commission = commission_for(amount, rate)
    merchant_share = amount - commission
    assert commission == commission.quantize(Decimal("0.01"))
    assert merchant_share + commission == amount
    assert Decimal("0") <= commission <= amount
    # never more than half a cent away from the exact value
    assert abs(commission - amount * rate / 100) <= Decimal("0.005")


@given(amounts=st.lists(cents, min_size=1, max_size=6), rate=rates)
def test_shop_orders_of_one_order_add_up(amounts, rate):
    commissions = [commission_for(a, rate) for a in amounts]
    shares = [a - c for a, c in zip(amounts, commissions, strict=True)]
    assert sum(shares) + sum(commissions) == quantize_eur(sum(amounts))
