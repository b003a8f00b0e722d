from checkout.models import Payment, PaymentState
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, place_order
from shops.models import DeliveryKind, ProductStock

ALICE = Customer("Alice Le Goff", "alice@example.org", "06 12 34 56 78")


def two_shop_order(m, *, language="fr", santons=2, miels=1):
    """Santons (pick-up) from the atelier, honey (home delivery, 5.00) from the épicerie."""
    lines = [BasketLine(m.santon.pk, santons), BasketLine(m.miel.pk, miels)]
    deliveries = {
        m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk),
        m.epicerie.pk: DeliveryChoice(m.option(m.epicerie, DeliveryKind.HOME).pk, "2 place des Otages\n29600 Morlaix"),
    }
    return place_order(m.territory.pk, lines, deliveries, ALICE, language)


def one_product_order(m, product, quantity=1, customer=ALICE):
    shop = m.atelier if product.get_parent().pk == m.atelier.pk else m.epicerie
    deliveries = {shop.pk: DeliveryChoice(m.option(shop, DeliveryKind.PICKUP).pk)}
    return place_order(m.territory.pk, [BasketLine(product.pk, quantity)], deliveries, customer)


def fake_payment(order, provider_id=None):
    """A payment row as `start_payment` makes it, without asking the provider."""
    return Payment.objects.create(
        order=order,
        provider_id=provider_id or f"pi_test_{order.pk}",
        amount=order.total,
        currency="eur",
        state=PaymentState.PENDING,
    )


def stock(product):
    row = ProductStock.objects.get(translation_key=product.translation_key)
    return row.quantity, row.sold


def breton_bundle(m, *, with_santon=True):
    """The épicerie sells 60.00 of bundle: the atelier provides a santon for 30 % (18.00) at 20 % VAT,
    taken from the santon's stock unless `with_santon` is False; the épicerie's own part, 42.00 at 5.5 %."""
    from decimal import Decimal

    from tests.fixtures import factories as f

    part = {"participant": m.atelier, "share_percent": Decimal("30"), "vat_rate": "20.00",
            "description": "Un santon sculpté"}
    if with_santon:
        part["product"] = m.santon
    return f.make_bundle(
        m.epicerie, "Coffret Noël breton", price="60.00", parts=[part],
        bundle_own_part="Un pot de miel et une visite", vat_rate="5.50",
    )
