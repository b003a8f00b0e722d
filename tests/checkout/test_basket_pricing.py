"""Prices come from the default-locale (French) page, whatever page the customer added from."""

from decimal import Decimal

from checkout.pricing import BasketLine, DeliveryChoice, price_basket, price_items
from shops.models import DeliveryKind
from tests.fixtures import factories as f


def _english(m):
    f.english_home()
    market_en = f.translate(m.market, title="Christmas market")
    f.translate(m.atelier, title="Driftwood Workshop")
    return f.translate(m.santon, title="Wooden figurine"), market_en


def test_english_page_with_a_stale_price_is_priced_from_the_french_page(market):
    # given an English translation of the santon that still holds an old price (publishing
    # copies the new one since portal.translation_sync; a row written before, or by hand, may not)
    m = market
    santon_en, _market_en = _english(m)
    m.santon.price = Decimal("14.00")
    f.publish(m.santon)
    type(santon_en).objects.filter(pk=santon_en.pk).update(price=Decimal("12.50"))

    # when a basket holding the English page is priced, delivery chosen on the French shop
    deliveries = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}
    basket = price_basket(m.territory.pk, [BasketLine(santon_en.pk, 2)], deliveries)

    # then the French price, name and shop are used
    (shop,) = basket.shops
    assert shop.shop.pk == m.atelier.pk
    assert shop.lines[0].product.pk == m.santon.pk
    assert shop.lines[0].product.title == "Santon en bois"
    assert shop.lines[0].unit_price == Decimal("14.00")
    assert basket.total == Decimal("28.00")


def test_items_of_two_shops_priced_before_delivery(market):
    m = market
    items = price_items(m.territory.pk, [BasketLine(m.miel.pk, 2), BasketLine(m.santon.pk, 1)])
    assert [(i.shop.pk, i.subtotal) for i in items] == [(m.epicerie.pk, Decimal("16.60")), (m.atelier.pk, Decimal("12.50"))]
