"""A fortnight of paid orders and the merchants' bank accounts, so the Monday run has something to state.

Orders go through the real checkout services (`place_order`, then
`confirm_payment` with a payment row as the Stripe webhook would leave
it), dated over last week and this week, Paris time: stock, commission
at the schedule's rate, ledger, invoices and vouchers are the real ones.
Each market's bundle is bought once last week, so that both its shops have
their part of it to see and to be stated.
Then `python manage.py run_weekly_statements` states last week.
"""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone
from schwifty import IBAN

from checkout.billing.statements import week_start_of
from checkout.models import BundleSale, Order, OrderStatus, Payment, PaymentState, PayoutAccount
from checkout.pricing import BasketError, BasketLine, DeliveryChoice
from checkout.services import CheckoutError, Customer, confirm_payment, place_order
from portal.money import to_cents
from shops.models import DeliveryKind, ProductKind, ProductPage, ShopPage

CUSTOMERS = [
    Customer("Léa Muller", "lea.muller@example.org", "06 11 22 33 44"),
    Customer("Thomas Keller", "thomas.keller@example.org", "06 22 33 44 55"),
    Customer("Camille Le Goff", "camille.legoff@example.org", "06 33 44 55 66"),
    Customer("Hugo Favre", "hugo.favre@example.org", "06 44 55 66 77"),
    Customer("Emma Walker", "emma.walker@example.org", "+44 7700 900123"),
]
ADDRESS = "12 rue des Lilas\n68000 Colmar"
ORDERS_PER_TERRITORY = 14


def seed_orders(territory, market, rng: random.Random, now: datetime | None = None) -> int:
    """Paid orders for `territory` over last week and this week; none when the territory has orders already."""
    if Order.objects.filter(territory=territory).exists():
        return 0
    now = now or timezone.now()
    first = timezone.make_aware(datetime.combine(week_start_of(timezone.localdate(now)) - timedelta(days=7), time(9)))
    span = (now - first).total_seconds()
    shops = list(ShopPage.objects.child_of(market).live().order_by("path"))
    made = 0
    for n in range(ORDERS_PER_TERRITORY):
        paid_at = first + timedelta(seconds=rng.uniform(0, span * 0.95))
        lines, deliveries = [], {}
        for shop in rng.sample(shops, k=min(len(shops), rng.choice((1, 1, 2)))):
            products = [
                p for p in ProductPage.objects.child_of(shop).live().specific()
                if p.kind in (ProductKind.PHYSICAL, ProductKind.SERVICE) and not p.options and p.price
            ]
            options = list(shop.delivery_options.filter(active=True).order_by("sort_order"))
            if not products or not options:
                continue
            option = rng.choice(options)
            deliveries[shop.pk] = DeliveryChoice(option.pk, "" if option.kind == DeliveryKind.PICKUP else ADDRESS)
            lines += [BasketLine(p.pk, rng.choice((1, 1, 2))) for p in rng.sample(products, k=min(2, len(products)))]
        if not lines:
            continue
        customer = CUSTOMERS[n % len(CUSTOMERS)]
        try:
            order = place_order(territory.pk, lines, deliveries, customer, "en" if n % 4 == 3 else "fr")
        except (BasketError, CheckoutError):
            continue  # out of stock in a small demo shop: skip this basket
        payment = Payment.objects.create(
            order=order, provider_id=f"pi_demo_{order.pk}", amount=order.total, state=PaymentState.PENDING
        )
        confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=paid_at)
        made += 1
    return made


def seed_bundle_order(territory, bundle, now: datetime | None = None) -> int:
    """One paid order of the market's `bundle`, last Wednesday evening; none when it has a paid sale already.

    Last week, so that the Monday run states the parts of both shops, each
    of which sees its line and its voucher in its own order.
    """
    if BundleSale.objects.filter(product_key=bundle.translation_key, order__status=OrderStatus.PAID).exists():
        return 0
    now = now or timezone.now()
    last_wednesday = week_start_of(timezone.localdate(now)) - timedelta(days=5)
    paid_at = timezone.make_aware(datetime.combine(last_wednesday, time(18, 30)))
    line = BasketLine(bundle.pk, 1, beneficiary="Julie et Marc Keller",
                      message="Joyeux Noël ! Une soirée rien qu'à vous.")
    try:
        order = place_order(territory.pk, [line], {}, CUSTOMERS[1], "fr")
    except (BasketError, CheckoutError):
        return 0  # off sale since: a participant declined or withdrew its part
    payment = Payment.objects.create(
        order=order, provider_id=f"pi_demo_{order.pk}", amount=order.total, state=PaymentState.PENDING
    )
    confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=paid_at)
    return 1


def seed_payout_accounts(market) -> int:
    """A French IBAN for every shop but the last, which shows what a missing account does."""
    shops = list(ShopPage.objects.child_of(market).order_by("path"))
    made = 0
    for shop in shops[:-1]:
        if PayoutAccount.objects.filter(shop=shop).exists():
            continue
        iban = IBAN.generate("FR", bank_code="3000600001", account_code=f"{shop.pk:011d}")
        PayoutAccount.objects.create(shop=shop, holder=shop.legal_name[:70], iban=str(iban.compact), bic="")
        made += 1
    return made
