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
