"""Placing orders, confirming and failing payments, expiring holds, refunding.

Every state change runs in `transaction.atomic()`, locks the order first
(then its rows, by primary key) and returns early when the work was already
done, so the return page and the webhook may both call `confirm_payment`.
Stock changes by conditional UPDATE only. Calls to the payment provider are
made outside transactions; e-mails go out through tasks after commit.
"""

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from checkout.billing import commissions, invoices
from checkout.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    ShopOrder,
)
from checkout.payments import gateway
from checkout.pricing import BasketLine, DeliveryChoice, price_basket
from checkout.vouchers import services as vouchers
from portal.money import CENT, ZERO, from_cents
from shops.models import ProductStock

logger = logging.getLogger(__name__)

CURRENCY = "eur"


class CheckoutError(Exception):
    """A request we refuse; the message is for the person who made it."""


class OutOfStock(CheckoutError):
    def __init__(self, product_name: str):
        self.product_name = product_name
        super().__init__(_("« %(product)s » n'est plus disponible en quantité suffisante.") % {"product": product_name})


class PaymentMismatch(CheckoutError):
    """The provider reports an amount or currency other than the order's total."""


class UnknownPayment(CheckoutError):
    pass


class RefundRefused(CheckoutError):
    pass


class Confirmation(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_PAID = "already_paid"
    # Paid after its hold was released and the stock is gone: refunded in full.
    UNFULFILLABLE = "unfulfillable"


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str = ""


def _hold_duration() -> timedelta:
    return timedelta(minutes=getattr(settings, "CHECKOUT_HOLD_MINUTES", 30))


def _lock_timeout() -> None:
    """Wait for a row lock only so long; the webhook answers 503 past it, and Stripe retries."""
    if connection.vendor == "postgresql":
        milliseconds = int(getattr(settings, "CHECKOUT_LOCK_TIMEOUT_MS", 5000))
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {milliseconds}")


def _enqueue(task: str, *args) -> None:
    transaction.on_commit(lambda: async_task(task, *args))


# Stock ---------------------------------------------------------------------


def _reserve_stock(wanted: dict, names: dict) -> None:
    """Take `wanted` units per translation key, all or nothing (inside the caller's transaction).

    Keys are handled in sorted order so two orders never wait on each
    other's rows in opposite orders. A product without a stock row is not
    for sale; an unlimited one (quantity NULL) is left untouched.
    """
    for key in sorted(wanted, key=str):
        quantity = wanted[key]
        taken = ProductStock.objects.filter(translation_key=key, quantity__gte=quantity).update(
            quantity=F("quantity") - quantity
        )
        if taken:
            continue
        if not ProductStock.objects.filter(translation_key=key, quantity__isnull=True).exists():
            raise OutOfStock(names[key])


def _release_stock(order: Order) -> None:
    for key, quantity in sorted(_quantities(order).items(), key=lambda item: str(item[0])):
        ProductStock.objects.filter(translation_key=key, quantity__isnull=False).update(
            quantity=F("quantity") + quantity
        )


def _add_sold(order: Order) -> None:
    for key, quantity in sorted(_quantities(order).items(), key=lambda item: str(item[0])):
        ProductStock.objects.filter(translation_key=key).update(sold=F("sold") + quantity)


def _quantities(order: Order) -> dict:
    rows = (
        OrderLine.objects.filter(shop_order__order=order)
        .values("product_key")
        .annotate(quantity=Sum("quantity"))
        .values_list("product_key", "quantity")
    )
    return dict(rows)


# Placing an order ------------------------------------------------------------


def _checked_customer(customer: Customer) -> Customer:
    name, email, phone = (customer.name or "").strip(), (customer.email or "").strip(), (customer.phone or "").strip()
    if not name or len(name) > 200:
        raise CheckoutError(_("Indiquez votre nom."))
    try:
        validate_email(email)
    except ValidationError as error:
        raise CheckoutError(_("Indiquez une adresse e-mail valide.")) from error
    if len(phone) > 30:
        raise CheckoutError(_("Le numéro de téléphone est trop long."))
    return Customer(name, email, phone)


def place_order(
    territory_id: int,
    lines: list[BasketLine],
    deliveries: dict[int, DeliveryChoice],
    customer: Customer,
    language: str = "fr",
    *,
    user=None,
    now=None,
) -> Order:
    """Price the basket, reserve its stock and record the order, or change nothing.

    Raises `BasketError` for a basket that cannot be sold as asked,
    `OutOfStock` naming the first product short of stock, `CheckoutError`
    for bad contact details.
    """
    customer = _checked_customer(customer)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    now = now or timezone.now()
    basket = price_basket(territory_id, lines, deliveries)
    names = {line.product.translation_key: line.product.title for shop in basket.shops for line in shop.lines}

    with transaction.atomic():
        _reserve_stock(basket.quantities_by_key(), names)
        order = Order.objects.create(
            territory_id=territory_id,
            customer_name=customer.name,
            customer_email=customer.email,
            customer_phone=customer.phone,
            customer=user if user is not None and user.is_authenticated else None,
            language=language,
            total=basket.total,
            currency=CURRENCY,
            hold_expires_at=now + _hold_duration(),
        )
        for priced in basket.shops:
            shop, option = priced.shop, priced.delivery
            if option is None:
                delivery = {"delivery_kind": "", "delivery_label": _("Envoyé par e-mail, rien à livrer")}
            else:
                delivery = {
                    "delivery_kind": option.kind, "delivery_label": str(option.get_kind_display()),
                    "delivery_detail": option.detail,
                }
            shop_order = ShopOrder.objects.create(
                order=order,
                shop=shop,
                **shop.merchant_identity(),
                **delivery,
                delivery_fee=priced.delivery_fee,
                delivery_address=priced.address,
                subtotal=priced.subtotal,
                total=priced.total,
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    shop_order=shop_order,
                    product_key=line.product.translation_key,
                    product=line.product,
                    name=line.product.title,
                    kind=line.product.kind,
                    unit_price=line.unit_price,
                    vat_rate=Decimal(line.product.vat_rate),
                    quantity=line.quantity,
                    options=line.options,
                    total=line.total,
                    beneficiary_name=line.beneficiary,
                    gift_message=line.message,
                )
                for line in priced.lines
            )
    return order


# Payments --------------------------------------------------------------------


def start_payment(order: Order) -> str:
    """The client secret Stripe.js needs to pay `order`, creating its PaymentIntent once."""
    if order.status != OrderStatus.PENDING:
        raise CheckoutError(_("Cette commande ne peut plus être payée."))
    existing = order.payments.filter(state__in=[PaymentState.CREATED, PaymentState.PENDING]).first()
    if existing is not None:
        info = gateway.retrieve_payment_intent(existing.provider_id)
        if info.client_secret and info.status != "canceled":
            return info.client_secret
    intent_id, client_secret = gateway.create_payment_intent(
        order.total,
        order.currency,
        {"order": str(order.pk)},
        idempotency_key=gateway.payment_key(order.pk, order.payments.count(), order.total),
    )
    Payment.objects.create(
        order=order, provider_id=intent_id, amount=order.total, currency=order.currency, state=PaymentState.PENDING
    )
    return client_secret


def _locked_order_and_payment(payment_intent_id: str) -> tuple[Order, Payment]:
    order_id = Payment.objects.filter(provider_id=payment_intent_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise UnknownPayment(payment_intent_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    payment = Payment.objects.select_for_update().get(provider_id=payment_intent_id)
    return order, payment


def confirm_payment(payment_intent_id: str, amount_cents: int, currency: str, *, now=None) -> Confirmation:
    """Record that the provider took `amount_cents` for the order of this PaymentIntent.

    Safe to call twice and concurrently: the second call finds the order
    paid and does nothing. Refuses (PaymentMismatch, nothing changed) when
    the amount or currency is not the order's total.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_timeout()
        order, payment = _locked_order_and_payment(payment_intent_id)
        if order.status == OrderStatus.PAID:
            if payment.state != PaymentState.SUCCEEDED and payment.state != PaymentState.REFUNDED:
                # A second PaymentIntent paid the same order: give that money back.
                payment.state = PaymentState.SUCCEEDED
                payment.save(update_fields=["state", "updated_at"])
                _enqueue("checkout.tasks.refund_unfulfilled_payment", payment.pk)
                return Confirmation.UNFULFILLABLE
            return Confirmation.ALREADY_PAID
        if not isinstance(amount_cents, int) or from_cents(amount_cents) != order.total:
            raise PaymentMismatch(f"{payment_intent_id}: {amount_cents} cents for an order of {order.total}")
        if (currency or "").lower() != order.currency:
            raise PaymentMismatch(f"{payment_intent_id}: currency {currency}, order in {order.currency}")
        if payment.state in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
            return Confirmation.UNFULFILLABLE  # found unfulfillable on an earlier call, refund under way

        payment.state = PaymentState.SUCCEEDED
        payment.save(update_fields=["state", "updated_at"])

        if order.status in (OrderStatus.FAILED, OrderStatus.EXPIRED):
            # Its stock went back on sale; take it again if it is still there.
            names = dict(OrderLine.objects.filter(shop_order__order=order).values_list("product_key", "name"))
            try:
                with transaction.atomic():
                    _reserve_stock(_quantities(order), names)
            except OutOfStock:
                logger.warning("Order %s paid after its stock was sold; refunding", order.pk)
                _enqueue("checkout.tasks.refund_unfulfilled_payment", payment.pk)
                return Confirmation.UNFULFILLABLE

        order.status = OrderStatus.PAID
        order.paid_at = now
        order.save(update_fields=["status", "paid_at"])
        _add_sold(order)
        vouchers.issue_vouchers_for_order(order, now)

        # The rate in force on the day the payment succeeded, Paris time; see checkout.billing.commissions.
        rate = commissions.rate_in_force(order.territory_id, timezone.localdate(now))
        territory = order.territory
        for shop_order in order.shop_orders.select_for_update().order_by("pk"):
            base = commissions.commission_base(territory, shop_order.total, shop_order.delivery_fee)
            commission = commissions.commission_for(base, rate)
            shop_order.commission_rate = rate
            shop_order.commission_amount = commission
            shop_order.save(update_fields=["commission_rate", "commission_amount"])
            LedgerEntry.objects.bulk_create([
                LedgerEntry(kind=kind, shop=shop_order.shop, shop_order=shop_order, amount=amount, created_at=now)
                for kind, amount in ((LedgerKind.SALE, shop_order.total), (LedgerKind.COMMISSION, -commission))
            ])
            invoices.issue_sale_invoice(shop_order, now)

        _enqueue("checkout.tasks.send_order_confirmation", order.pk)
        _enqueue("checkout.tasks.notify_merchants", order.pk)
    return Confirmation.CONFIRMED


def sync_payment(payment_intent_id: str) -> Confirmation | None:
    """Ask the provider how a payment went (the return page) and act on it like the webhook would."""
    info = gateway.retrieve_payment_intent(payment_intent_id)
    if info.status == "succeeded":
        return confirm_payment(info.id, info.amount_cents, info.currency)
    return None


def fail_payment(payment_intent_id: str) -> bool:
    """The payment was refused: free the order's stock, once. Returns whether anything changed."""
    with transaction.atomic():
        _lock_timeout()
        order, payment = _locked_order_and_payment(payment_intent_id)
        if payment.state in (PaymentState.CREATED, PaymentState.PENDING):
            payment.state = PaymentState.FAILED
            payment.save(update_fields=["state", "updated_at"])
        if order.status != OrderStatus.PENDING:
            return False
        order.status = OrderStatus.FAILED
        order.save(update_fields=["status"])
        _release_stock(order)
    return True


def expire_unpaid_orders(now=None) -> int:
    """Give back the stock of unpaid orders whose hold has passed. Returns how many expired.

    Each open PaymentIntent is cancelled first, so that nobody can pay for
    an order whose stock went back on sale; one that cannot be cancelled
    because it has just succeeded is left to the webhook.
    """
    now = now or timezone.now()
    expired = 0
    due = Order.objects.filter(status=OrderStatus.PENDING, hold_expires_at__lt=now).values_list("pk", flat=True)
    for order_id in list(due):
        if not _cancel_open_payments(order_id):
            continue
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if order.status != OrderStatus.PENDING:
                continue
            order.status = OrderStatus.EXPIRED
            order.save(update_fields=["status"])
            order.payments.filter(state__in=[PaymentState.CREATED, PaymentState.PENDING]).update(
                state=PaymentState.FAILED
            )
            _release_stock(order)
            expired += 1
    return expired


def _cancel_open_payments(order_id: int) -> bool:
    for provider_id in Payment.objects.filter(
        order_id=order_id, state__in=[PaymentState.CREATED, PaymentState.PENDING]
    ).values_list("provider_id", flat=True):
        try:
            gateway.cancel_payment_intent(provider_id)
        except gateway.GatewayError:
            try:
                status = gateway.retrieve_payment_intent(provider_id).status
            except gateway.GatewayError:
                return False
            if status != "canceled":
                return False
    return True


# Refunds ---------------------------------------------------------------------


def refundable_amount(shop_order: ShopOrder) -> Decimal:
    """What is left to refund: neither refunded yet nor already used at the shop through a voucher."""
    taken = shop_order.refunds.filter(state__in=[RefundState.PENDING, RefundState.SUCCEEDED]).aggregate(
        total=Sum("amount")
    )["total"]
    return shop_order.total - (taken or ZERO) - vouchers.redeemed_total(shop_order.pk)


def refund_shop_order(shop_order_id: int, amount: Decimal, by_user=None, *, now=None) -> Refund:
    """Give `amount` of a paid shop order back to the customer through the provider.

    The commission on the refunded part goes back to the merchant, pro rata,
    rounded so that refunding everything returns exactly the commission
    taken. Raises RefundRefused beyond what is left to refund.
    """
    if isinstance(amount, float) or not isinstance(amount, Decimal | int | str):
        raise RefundRefused(_("Montant invalide."))
    try:
        amount = Decimal(amount)
    except ArithmeticError as error:
        raise RefundRefused(_("Montant invalide.")) from error
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        raise RefundRefused(_("Indiquez un montant positif, au centime près."))

    with transaction.atomic():
        _lock_timeout()
        shop_order = ShopOrder.objects.select_related("order").get(pk=shop_order_id)
        Order.objects.select_for_update().get(pk=shop_order.order_id)
        vouchers.lock_vouchers_of(shop_order.pk)  # no redemption between the check and the refund
        if shop_order.order.status != OrderStatus.PAID:
            raise RefundRefused(_("Seule une commande payée peut être remboursée."))
        if amount > refundable_amount(shop_order):
            raise RefundRefused(
                _("Vous pouvez rembourser au plus %(amount)s €.") % {"amount": refundable_amount(shop_order)}
            )
        # An order is paid by one PaymentIntent (start_payment reuses it while the order is pending).
        payment = (
            shop_order.order.payments.filter(state__in=[PaymentState.SUCCEEDED, PaymentState.REFUNDED])
            .order_by("pk")
            .first()
        )
        refund = Refund.objects.create(shop_order=shop_order, amount=amount, created_by=by_user)
        # Vouchers first: money given back can no longer be spent at the shop.
        vouchers.apply_refund(refund)

    try:
        provider_id = gateway.refund(payment.provider_id, amount, idempotency_key=gateway.refund_key(refund.pk, amount))
    except gateway.GatewayError as error:
        Refund.objects.filter(pk=refund.pk).update(state=RefundState.FAILED)
        vouchers.restore_after_failed_refund(refund.pk)
        logger.warning("Refund %s failed at the provider: %s", refund.pk, error)
        raise RefundRefused(_("Le remboursement a été refusé par le prestataire de paiement.")) from error

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shop_order.order_id)
        shop_order = ShopOrder.objects.select_for_update().get(pk=shop_order_id)
        refund.state = RefundState.SUCCEEDED
        refund.provider_id = provider_id
        refund.save(update_fields=["state", "provider_id"])
        now = now or timezone.now()
        entries = [LedgerEntry(kind=LedgerKind.REFUND, amount=-amount)]

        refunded = shop_order.refunds.filter(state=RefundState.SUCCEEDED).aggregate(total=Sum("amount"))["total"]
        returned_before = shop_order.ledger_entries.filter(kind=LedgerKind.COMMISSION_RETURNED).aggregate(
            total=Sum("amount")
        )["total"] or ZERO
        # Round the running total, not each refund, so partial refunds add up to the full commission.
        returned_after = commissions.returned_commission(shop_order.commission_amount, refunded, shop_order.total)
        if returned_after != returned_before:
            entries.append(LedgerEntry(kind=LedgerKind.COMMISSION_RETURNED, amount=returned_after - returned_before))
        for entry in entries:
            entry.shop, entry.shop_order, entry.refund, entry.created_at = shop_order.shop, shop_order, refund, now
        LedgerEntry.objects.bulk_create(entries)
        invoices.issue_credit_note(refund, now)
        if all(refundable_amount(so) == ZERO for so in order.shop_orders.all()):
            order.payments.filter(state=PaymentState.SUCCEEDED).update(state=PaymentState.REFUNDED)
        _enqueue("checkout.tasks.send_refund_notice", refund.pk)
    return refund


def refund_unfulfilled_payment(payment_id: int) -> None:
    """Give back in full a payment we cannot honour (its stock is gone, or the order was already paid)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.state != PaymentState.SUCCEEDED:
        return
    with transaction.atomic():
        updated = Payment.objects.filter(pk=payment_id, state=PaymentState.SUCCEEDED).update(
            state=PaymentState.REFUNDED
        )
        if not updated:
            return
        gateway.refund(
            payment.provider_id, payment.amount, idempotency_key=gateway.full_refund_key(payment.pk, payment.amount)
        )
