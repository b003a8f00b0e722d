"""The customer's order page: paid, refunded and net totals per shop and for the order."""

import html
import re
from decimal import Decimal

from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, place_order, refund_shop_order
from shops.models import DeliveryKind
from tests.checkout.voucher_fixtures import pay


def page_text(client, order) -> str:
    markup = client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_after_a_partial_refund_the_order_page_shows_paid_refunded_and_net(client, market, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda *args, **kwargs: "re_test_1")
    pickup = {shop.pk: DeliveryChoice(market.option(shop, DeliveryKind.PICKUP).pk) for shop in (market.atelier, market.epicerie)}
    order = place_order(
        market.territory.pk, [BasketLine(market.santon.pk, 2), BasketLine(market.miel.pk, 1)], pickup,
        Customer("Alice", "alice@example.org"),
    )
    pay(order)
    atelier = order.shop_orders.get(shop=market.atelier)

    before = page_text(client, order)
    refund_shop_order(atelier.pk, Decimal("12.50"))
    after = page_text(client, order)

    assert "Remboursé" not in before
    assert "Total boutique 25,00 € Remboursé −12,50 € Net payé 12,50 €" in after
    assert after.count("Remboursé") == 2  # the atelier and the order; the épicerie shows none
    assert "Total payé 33,30 € Remboursé −12,50 € Net payé 20,80 €" in after
