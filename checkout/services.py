"""Placing orders, confirming and failing payments, expiring holds, refunding.

Every state change runs in `transaction.atomic()`, locks the order first
(then its rows, by primary key) and returns early when the work was already
done, so the return page and the webhook may both call `confirm_payment`.
Stock changes by conditional UPDATE only. Calls to the payment provider are
made outside transactions; e-mails go out through tasks after commit.
"""

import contextlib
import enum
import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from checkout.billing import commissions, invoices
from checkout.models import (
    BundleSale,
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
from markets.emails import merchant_languages
from portal import log_context, metrics
from portal.emails import site_language
from portal.money import CENT, ZERO, euros, from_cents
from shops import bundles
from shops.bundles import PartShare
from shops.models import BundlePart, DeliveryOption, ProductPage, ProductStock, ShopPage
from shops.page_cache import stock_changed

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


class PaymentUnderway(CheckoutError):
    """The basket's payable order has a payment that may be succeeding: it cannot be replaced now."""

    def __init__(self, order: "Order"):
        self.order = order
        super().__init__(_("Un paiement est en cours pour cette commande : attendez sa fin avant de la modifier."))


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
    return timedelta(minutes=settings.CHECKOUT_HOLD_MINUTES)


def hold_limit(order: Order):
    """The latest a hold may run to, however long the payment page stays open."""
    return order.created_at + timedelta(minutes=settings.CHECKOUT_HOLD_MAX_MINUTES)


def extend_hold(order: Order, now=None):
    """Keep the stock of a payable order held while its payment page is open; the new end, or None.

    The hold runs `CHECKOUT_HOLD_MINUTES` from now, capped at `hold_limit`;
    a hold already past is not revived (the order is expired instead).
    """
    now = now or timezone.now()
    until = min(now + _hold_duration(), hold_limit(order))
    Order.objects.filter(
        pk=order.pk, status=OrderStatus.PENDING, hold_expires_at__gte=now, hold_expires_at__lt=until
    ).update(hold_expires_at=until)
    order.refresh_from_db(fields=["status", "hold_expires_at"])
    if order.status != OrderStatus.PENDING or order.hold_expires_at < now:
        return None
    return order.hold_expires_at


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
    stock_changed(wanted)


def _release_stock(order: Order) -> None:
    quantities = _quantities(order)
    for key, quantity in sorted(quantities.items(), key=lambda item: str(item[0])):
        ProductStock.objects.filter(translation_key=key, quantity__isnull=False).update(
            quantity=F("quantity") + quantity
        )
    stock_changed(quantities)


def _add_sold(order: Order) -> None:
    for key, quantity in sorted(_quantities(order).items(), key=lambda item: str(item[0])):
        ProductStock.objects.filter(translation_key=key).update(sold=F("sold") + quantity)


def _stock_names(order: Order) -> dict:
    """What to call each stock the order takes when it is short: a line's name, or the bundle a part's product is in."""
    names = dict(OrderLine.objects.filter(shop_order__order=order).values_list("product_key", "name"))
    for name, parts in BundleSale.objects.filter(order=order).values_list("name", "parts"):
        names.update({UUID(part["product_key"]): name for part in parts if part["product_key"]})
    return names


def _quantities(order: Order) -> dict:
    """Units of stock the order takes per translation key: its lines' products, its bundles and their parts' products."""
    rows = (
        OrderLine.objects.filter(shop_order__order=order, bundle_sale__isnull=True)
        .values("product_key")
        .annotate(quantity=Sum("quantity"))
        .values_list("product_key", "quantity")
    )
    wanted = dict(rows)
    for key, quantity, parts in BundleSale.objects.filter(order=order).values_list("product_key", "quantity", "parts"):
        for stock_key in [key, *(UUID(part["product_key"]) for part in parts if part["product_key"])]:
            wanted[stock_key] = wanted.get(stock_key, 0) + quantity
    return wanted


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


def _fingerprint(territory_id, lines, deliveries, customer: Customer, language: str, user) -> str:
    """What was asked at checkout, as a digest: the same basket submitted twice gives the same one."""
    asked = {
        "territory": territory_id,
        "lines": [
            [line.product_id, line.quantity, sorted(dict(line.options).items()), line.amount, line.beneficiary,
             line.message]
            for line in lines
        ],
        "deliveries": sorted((shop_id, c.option_id, c.address) for shop_id, c in deliveries.items()),
        "customer": [customer.name, customer.email, customer.phone],
        "language": language,
        "user": user.pk if user is not None and user.is_authenticated else None,
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()


def _payable_order_of(basket_key: str) -> Order | None:
    if not basket_key:
        return None
    return Order.objects.filter(basket_key=basket_key, status=OrderStatus.PENDING).first()


def place_order(
    territory_id: int,
    lines: list[BasketLine],
    deliveries: dict[int, DeliveryChoice],
    customer: Customer,
    language: str = "fr",
    *,
    user=None,
    now=None,
    basket_key: str = "",
    priced_items=None,
    delivery_options=None,
) -> Order:
    """Price the basket, reserve its stock and record the order, or change nothing.

    A basket (`basket_key`, the session's) has at most one payable order:
    checking out the same basket again returns that order, its hold
    extended; checking out a changed basket replaces it, releasing its
    stock in the same transaction that reserves the new order's, after its
    open payments were cancelled at the provider. Raises `BasketError` for
    a basket that cannot be sold as asked, `OutOfStock` naming the first
    product short of stock, `CheckoutError` for bad contact details, and
    `PaymentUnderway` when the payable order has a payment that could not
    be cancelled (it may be succeeding).

    `priced_items` and `delivery_options`: what the caller read to price these
    very lines in this request (see `price_basket`), not read again.
    """
    customer = _checked_customer(customer)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    now = now or timezone.now()
    basket = price_basket(territory_id, lines, deliveries, items=priced_items, delivery_options=delivery_options)
    names = {line.product.translation_key: line.product.title for shop in basket.shops for line in shop.lines}
    # A part's product short of stock: the customer is told about the bundle they asked for.
    names.update({share.product_key: b.line.product.title for b in basket.bundles for share in b.shares})
    fingerprint = _fingerprint(territory_id, lines, deliveries, customer, language, user)

    previous = _payable_order_of(basket_key)
    if previous is not None:
        if previous.basket_fingerprint == fingerprint and extend_hold(previous, now) is not None:
            return previous
        # Outside the transaction: nobody may pay the old order once its stock is released.
        if not _cancel_open_payments(previous.pk):
            raise PaymentUnderway(previous)
    words = _other_languages_words(basket)
    try:
        with transaction.atomic():
            _lock_timeout()
            standing = _replace_payable_order(basket_key, fingerprint, now)
            if standing is not None:
                return standing
            order = _create_order(
                territory_id, basket, names, words, customer, language, user, now, basket_key, fingerprint
            )
    except IntegrityError:
        # A double submission placed the basket's order in the same instant: that one stands.
        order = _payable_order_of(basket_key)
        if order is None:
            raise
    return order


def _replace_payable_order(basket_key: str, fingerprint: str, now) -> Order | None:
    """Mark the basket's payable order replaced and give its stock back (inside the caller's transaction).

    Decided again under the row lock: a double submission may have placed
    this very basket's order since the caller looked. That order stands and
    is returned, its hold extended; None when a new order is to be made.
    """
    if not basket_key:
        return None
    previous = Order.objects.select_for_update().filter(basket_key=basket_key, status=OrderStatus.PENDING).first()
    if previous is None:
        return None
    if previous.basket_fingerprint == fingerprint and extend_hold(previous, now) is not None:
        return previous
    if previous.payments.filter(state__in=[PaymentState.CREATED, PaymentState.PENDING]).exists():
        raise PaymentUnderway(previous)  # a payment page opened meanwhile in another tab
    previous.status = OrderStatus.REPLACED
    previous.save(update_fields=["status"])
    _release_stock(previous)
    return None


@dataclass(frozen=True)
class _Words:
    """What the basket's pages say in the site's other languages: {translation key: {language: {field: text}}}."""

    products: dict
    shops: dict
    options: dict
    merchant_languages: dict
    bundle_parts: dict


def _by_language(rows) -> dict:
    found: dict = {}
    for key, language, texts in rows:
        found.setdefault(key, {})[site_language(language)] = texts
    return found


def translated_delivery_options(translation_keys, language: str | None = None):
    """The delivery options of live shop pages outside the default language with these translation keys.

    Only their words (instructions, area, carrier) are for reading: the fee
    and on/off are the default language's rows', which pricing reads.
    `language`: that language's rows only; None: every other language's.
    """
    rows = (
        DeliveryOption.objects.filter(translation_key__in=set(translation_keys), page__live=True)
        .exclude(locale__language_code=settings.LANGUAGE_CODE)
        .select_related("locale")
    )
    return rows.filter(locale__language_code=language) if language else rows


def _other_languages_words(basket) -> _Words:
    """The names, opening hours and delivery details of the basket's live translations, in four queries at most.

    Read outside the order's transaction: they are words, not stock, and a
    translation published meanwhile changes no price.
    """
    default = settings.LANGUAGE_CODE
    product_keys = {line.product.translation_key for shop in basket.shops for line in shop.lines}
    shop_keys = {shop.shop.translation_key for shop in basket.shops}
    option_keys = {shop.delivery.translation_key for shop in basket.shops if shop.delivery is not None}
    products = ProductPage.objects.live().filter(translation_key__in=product_keys).exclude(
        locale__language_code=default
    ).values_list("translation_key", "locale__language_code", "title", "bundle_own_part")
    part_keys = {share.part_key for bundle in basket.bundles for share in bundle.shares if share.part_key}
    bundle_parts = BundlePart.objects.filter(translation_key__in=part_keys, page__live=True).exclude(
        locale__language_code=default
    ).values_list("translation_key", "locale__language_code", "description") if part_keys else []
    shops = ShopPage.objects.live().filter(translation_key__in=shop_keys).exclude(
        locale__language_code=default
    ).values_list("translation_key", "locale__language_code", "title", "opening_hours")
    options = translated_delivery_options(option_keys) if option_keys else []
    return _Words(
        products=_by_language(
            (key, code, {"name": title, **({"own_part": own} if own else {})}) for key, code, title, own in products
        ),
        bundle_parts=_by_language((key, code, {"description": text}) for key, code, text in bundle_parts),
        shops=_by_language(
            (key, code, {"trade_name": title, "shop_opening_hours": hours}) for key, code, title, hours in shops
        ),
        options=_by_language(
            (option.translation_key, option.locale.language_code, {"delivery_detail": option.detail})
            for option in options
        ),
        merchant_languages=merchant_languages(shop_keys),
    )


def _shop_order_translations(words: _Words, priced) -> dict:
    translations: dict = {}
    sources = [words.shops.get(priced.shop.translation_key, {})]
    if priced.delivery is not None:
        sources.append(words.options.get(priced.delivery.translation_key, {}))
    for source in sources:
        for language, texts in source.items():
            translations.setdefault(language, {}).update(texts)
    return translations


def _create_order(
    territory_id, basket, names, words, customer, language, user, now, basket_key, fingerprint
) -> Order:
    """Reserve the stock and write the order, its shop orders and lines (inside the caller's transaction).

    Each shop order and line keeps its words in the site's other languages
    as well (`words`, see `checkout.models.orders`).
    """
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
        basket_key=basket_key,
        basket_fingerprint=fingerprint,
    )
    bundle_sales = _create_bundle_sales(order, basket, words)
    for priced in basket.shops:
        shop, option = priced.shop, priced.delivery
        if option is None:
            delivery = {"delivery_kind": "", "delivery_label": str(ShopOrder.NOTHING_TO_DELIVER)}
        else:
            delivery = {
                "delivery_kind": option.kind, "delivery_label": str(option.get_kind_display()),
                "delivery_detail": option.detail,
            }
        shop_order = ShopOrder.objects.create(
            order=order,
            shop=shop,
            **{**shop.merchant_identity(), "merchant_language": words.merchant_languages[shop.translation_key]},
            translations=_shop_order_translations(words, priced),
            **delivery,
            delivery_fee=priced.delivery_fee,
            delivery_address=priced.address,
            subtotal=priced.subtotal,
            total=priced.total,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                shop_order=shop_order,
                bundle_sale=bundle_sales[line.bundle_index] if line.part is not None else None,
                product_key=line.product.translation_key,
                product=line.product,
                name=_line_name(line.product.title, line.part),
                translations=_line_translations(words, line),
                kind=line.product.kind,
                unit_price=line.unit_price,
                vat_rate=line.part.vat_rate if line.part is not None else Decimal(line.product.vat_rate),
                quantity=line.quantity,
                options=line.options,
                total=line.total,
                beneficiary_name=line.beneficiary,
                gift_message=line.message,
                withdrawal=line.part.withdrawal if line.part is not None else line.product.withdrawal,
            )
            for line in priced.lines
        )
    return order


def _line_name(product_name: str, part: PartShare | None) -> str:
    """A line's designation: a bundle's part says which bundle and what the shop provides in it."""
    return f"{product_name} — {part.description}" if part is not None else product_name


def _part_descriptions(words: _Words, product_key, share: PartShare) -> dict:
    """{language: what the shop provides in the bundle}, as the live translations say it.

    The seller's part is the bundle's own text (or its name); a participant's, its part row's translation.
    """
    part_words = words.bundle_parts.get(share.part_key, {}) if share.part_key else {}
    return {
        language: texts.get("own_part", texts["name"]) if share.is_seller
        else part_words.get(language, {}).get("description", share.description)
        for language, texts in words.products.get(product_key, {}).items()
    }


def _line_translations(words: _Words, line) -> dict:
    product_words = words.products.get(line.product.translation_key, {})
    if line.part is None:
        return {language: {"name": texts["name"]} for language, texts in product_words.items()}
    return {
        language: {"name": _line_name(product_words[language]["name"], replace(line.part, description=description))}
        for language, description in _part_descriptions(words, line.product.translation_key, line.part).items()
    }


def _create_bundle_sales(order: Order, basket, words: _Words) -> list[BundleSale]:
    """The basket's bundles as sold, with a snapshot of their parts and their shops as invoiced, in basket order."""
    shops = {priced.shop.pk: priced.shop for priced in basket.shops}
    sales = []
    for bundle in basket.bundles:
        line, product = bundle.line, bundle.line.product
        product_words = words.products.get(product.translation_key, {})
        parts = []
        for share in bundle.shares:
            shop = shops[share.shop_id]
            parts.append({
                "shop_id": shop.pk, **shop.invoicing_identity(),
                "description": share.description, "unit_amount": str(share.unit_amount),
                "vat_rate": str(share.vat_rate), "withdrawal": share.withdrawal,
                "product_key": str(share.product_key) if share.product_key else None, "is_seller": share.is_seller,
                "translations": {
                    language: {"description": description}
                    for language, description in _part_descriptions(words, product.translation_key, share).items()
                },
            })
        sales.append(BundleSale.objects.create(
            order=order, product_key=product.translation_key, product=product, seller=bundle.seller,
            name=product.title, translations={lang: {"name": t["name"]} for lang, t in product_words.items()},
            unit_price=line.unit_price, quantity=line.quantity, total=line.total, valid_until=product.valid_until,
            parts=parts,
        ))
    return sales


# Payments --------------------------------------------------------------------


OPEN_PAYMENT_STATES = (PaymentState.CREATED, PaymentState.PENDING)


def open_payment(order: Order) -> Payment | None:
    """The order's latest attempt still waiting for an outcome, if any."""
    return order.payments.filter(state__in=OPEN_PAYMENT_STATES).order_by("-pk").first()


def _new_payment(order: Order) -> tuple[Payment, str]:
    """A new attempt: its own PaymentIntent, and its client secret."""
    intent_id, client_secret = gateway.create_payment_intent(
        order.total,
        order.currency,
        {"order": str(order.pk)},
        idempotency_key=gateway.payment_key(order.pk, order.payments.count(), order.total),
    )
    payment, _created = Payment.objects.get_or_create(
        provider_id=intent_id,
        defaults={"order": order, "amount": order.total, "currency": order.currency, "state": PaymentState.CREATED},
    )
    return payment, client_secret


def _check_bundles_still_sold(order: Order) -> None:
    """Refuse to take the payment of an order whose bundle went off sale since it was placed (a part withdrawn)."""
    keys = list(BundleSale.objects.filter(order=order).values_list("product_key", flat=True))
    if not keys:
        return
    live = list(ProductPage.objects.live().filter(translation_key__in=keys, locale__language_code=settings.LANGUAGE_CODE))
    if len(live) != len(set(keys)):
        raise CheckoutError(_("Un coffret de votre commande n'est plus en vente."))
    for bundle in live:
        refusal = bundles.sale_refusal(bundle)
        if refusal:
            raise CheckoutError(refusal)


def start_payment(order: Order) -> str:
    """The client secret Stripe.js needs to pay `order`: its open attempt's, or a new attempt's."""
    if order.status != OrderStatus.PENDING:
        raise CheckoutError(_("Cette commande ne peut plus être payée."))
    _check_bundles_still_sold(order)
    existing = open_payment(order)
    if existing is not None:
        info = gateway.retrieve_payment_intent(existing.provider_id)
        if info.client_secret and info.status != "canceled":
            return info.client_secret
    return _new_payment(order)[1]


def _retire_attempt(payment: Payment) -> None:
    """Cancel a tried attempt before another card is tried; PaymentUnderway when it may be succeeding."""
    try:
        gateway.cancel_payment_intent(payment.provider_id)
    except gateway.GatewayError:
        if gateway.retrieve_payment_intent(payment.provider_id).status != "canceled":
            raise PaymentUnderway(payment.order) from None
    Payment.objects.filter(pk=payment.pk, state__in=OPEN_PAYMENT_STATES).update(state=PaymentState.FAILED)


def pay_by_card(order: Order, payment_method_id: str) -> gateway.PaymentIntentInfo:
    """One card attempt on a payable order: the intent's state (`succeeded`, `requires_action`…).

    Each card gets its own attempt, a Payment row with its own
    PaymentIntent; an attempt tried with another card before (declined, or
    its 3-D Secure check failed) is cancelled first. The same card sent
    twice (a double click) is the same attempt, and the provider's
    idempotency key makes it charge once. A declined card fails only its
    attempt: the order stays payable until its hold ends. Raises
    `PaymentDeclined` (with a message for the customer), `GatewayError`,
    `CheckoutError` for an order that can no longer be paid and
    `PaymentUnderway` when an earlier attempt may be succeeding.
    """
    log_context.bind(order_id=order.pk)
    if order.status != OrderStatus.PENDING:
        raise CheckoutError(_("Cette commande ne peut plus être payée."))
    _check_bundles_still_sold(order)
    payment = open_payment(order)
    if payment is not None and payment.payment_method not in ("", payment_method_id):
        _retire_attempt(payment)
        payment = None
    if payment is None:
        payment = _new_payment(order)[0]
    Payment.objects.filter(pk=payment.pk).update(payment_method=payment_method_id, state=PaymentState.PENDING)
    extend_hold(order)
    try:
        return gateway.confirm_with_payment_method(
            payment.provider_id, payment_method_id,
            idempotency_key=gateway.confirm_key(payment.provider_id, payment_method_id),
        )
    except gateway.PaymentDeclined:
        if Payment.objects.filter(pk=payment.pk, state=PaymentState.PENDING).update(state=PaymentState.FAILED):
            metrics.PAYMENTS_FAILED.inc()
        with contextlib.suppress(gateway.GatewayError):
            gateway.cancel_payment_intent(payment.provider_id)
        raise


def _locked_order_and_payment(payment_intent_id: str) -> tuple[Order, Payment]:
    order_id = Payment.objects.filter(provider_id=payment_intent_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise UnknownPayment(payment_intent_id)
    log_context.bind(order_id=order_id)
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

        if order.status == OrderStatus.REPLACED:
            # The customer checked out a changed basket since: that order stands, this money goes back.
            logger.warning("Replaced order %s paid; refunding", order.pk)
            _enqueue("checkout.tasks.refund_unfulfilled_payment", payment.pk)
            return Confirmation.UNFULFILLABLE
        if order.status in (OrderStatus.FAILED, OrderStatus.EXPIRED):
            # Its stock went back on sale; take it again if it is still there.
            names = _stock_names(order)
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
        # Their shops read along (not locked: `of` the shop orders only), for the ledger and the invoices.
        shop_orders = list(order.shop_orders.select_for_update(of=("self",)).select_related("shop").order_by("pk"))
        for shop_order in shop_orders:
            base = commissions.commission_base(territory, shop_order.total, shop_order.delivery_fee)
            commission = commissions.commission_for(base, rate)
            shop_order.commission_rate = rate
            shop_order.commission_amount = commission
            shop_order.save(update_fields=["commission_rate", "commission_amount"])
            LedgerEntry.objects.bulk_create([
                LedgerEntry(kind=kind, shop=shop_order.shop, shop_order=shop_order, amount=amount, created_at=now)
                for kind, amount in ((LedgerKind.SALE, shop_order.total), (LedgerKind.COMMISSION, -commission))
            ])
        invoices.issue_sale_invoices(order, shop_orders, now)

        _refund_parts_withdrawn_meanwhile(order)
        _enqueue("checkout.tasks.send_order_confirmation", order.pk)
        _enqueue("checkout.tasks.notify_merchants", order.pk)
    metrics.ORDERS_PAID.inc()
    logger.info("Order %s paid", order.pk)
    return Confirmation.CONFIRMED


def _refund_parts_withdrawn_meanwhile(order: Order) -> None:
    """A part withdrawn between the start of a payment and its success: refund it like the earlier sales.

    The withdrawal's own refund task ran before this order was paid and
    did not see it; the same task, enqueued again, refunds this order's part.
    """
    for product_key, parts in BundleSale.objects.filter(order=order).values_list("product_key", "parts"):
        participants = {part["shop_id"] for part in parts if not part["is_seller"]}
        for participant_id in bundles.withdrawn_participants(product_key, participants):
            _enqueue("checkout.tasks.refund_withdrawn_part", str(product_key), participant_id)


def sync_payment(payment_intent_id: str) -> Confirmation | None:
    """Ask the provider how a payment went (the return page) and act on it like the webhook would."""
    info = gateway.retrieve_payment_intent(payment_intent_id)
    if info.status == "succeeded":
        return confirm_payment(info.id, info.amount_cents, info.currency)
    return None


def fail_payment(payment_intent_id: str) -> bool:
    """An attempt was refused (declined card, failed 3-D Secure): that attempt fails, once.

    The order stays payable, its stock held, until its hold ends: the
    customer tries again on the same page. Returns whether anything changed.
    """
    with transaction.atomic():
        _lock_timeout()
        _order, payment = _locked_order_and_payment(payment_intent_id)
        if payment.state not in OPEN_PAYMENT_STATES:
            return False
        payment.state = PaymentState.FAILED
        payment.save(update_fields=["state", "updated_at"])
    metrics.PAYMENTS_FAILED.inc()
    return True


def expire_unpaid_orders(now=None) -> int:
    """Give back the stock of unpaid orders whose hold has passed. Returns how many expired.

    Each open PaymentIntent is cancelled first, so that nobody can pay for
    an order whose stock went back on sale; one that cannot be cancelled
    because it has just succeeded is left to the webhook.
    """
    now = now or timezone.now()
    due = Order.objects.filter(status=OrderStatus.PENDING, hold_expires_at__lt=now).values_list("pk", flat=True)
    return sum(expire_order(order_id, now) for order_id in list(due))


def expire_order(order_id: int, now=None) -> bool:
    """Expire one unpaid order whose hold has passed, its open payments cancelled first; whether it expired."""
    now = now or timezone.now()
    if not _cancel_open_payments(order_id):
        return False
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != OrderStatus.PENDING or order.hold_expires_at >= now:
            return False
        order.status = OrderStatus.EXPIRED
        order.save(update_fields=["status"])
        order.payments.filter(state__in=OPEN_PAYMENT_STATES).update(state=PaymentState.FAILED)
        _release_stock(order)
    return True


def _cancel_open_payments(order_id: int) -> bool:
    """Cancel the order's open attempts at the provider, each then failed; False when one may be succeeding."""
    for payment_id, provider_id in Payment.objects.filter(
        order_id=order_id, state__in=OPEN_PAYMENT_STATES
    ).values_list("pk", "provider_id"):
        try:
            gateway.cancel_payment_intent(provider_id)
        except gateway.GatewayError:
            try:
                status = gateway.retrieve_payment_intent(provider_id).status
            except gateway.GatewayError:
                return False
            if status != "canceled":
                return False
        Payment.objects.filter(pk=payment_id, state__in=OPEN_PAYMENT_STATES).update(state=PaymentState.FAILED)
    return True


# Refunds ---------------------------------------------------------------------


# A refund is a row before it is a call. `refund_shop_order` commits it as
# REQUESTED with its idempotency key, then asks the provider outside any
# transaction: yes completes it (`complete_refund`), no fails it and gives
# the vouchers back what it took, no answer leaves it UNKNOWN. Until it is
# settled its amount counts as given back, so it cannot be refunded twice;
# `reconcile_refunds` settles what a time-out or a crash left open.

_OPEN_REFUND_STATES = (RefundState.REQUESTED, RefundState.UNKNOWN)
# Where the provider's refund carries our Refund row's id.
_REFUND_METADATA_KEY = "refund"


@dataclass(frozen=True)
class Reconciliation:
    """What one `reconcile_refunds` run did: refunds completed, failed, sent again, still open."""

    completed: int = 0
    failed: int = 0
    sent: int = 0
    unresolved: int = 0


def refundable_amount(shop_order: ShopOrder) -> Decimal:
    """What is left to refund: neither refunded, nor being refunded, nor already used at the shop through a voucher."""
    taken = shop_order.refunds.filter(
        state__in=[RefundState.REQUESTED, RefundState.UNKNOWN, RefundState.SUCCEEDED]
    ).aggregate(total=Sum("amount"))["total"]
    return shop_order.total - (taken or ZERO) - vouchers.redeemed_total(shop_order.pk)


def _paying_payment(order: Order) -> Payment | None:
    # An order is paid by one PaymentIntent (start_payment reuses it while the order is pending);
    # one that paid it a second time is being given back in full, not refunded in part.
    given_back = Refund.objects.filter(shop_order__isnull=True, payment__isnull=False).values("payment_id")
    return (
        order.payments.filter(state__in=[PaymentState.SUCCEEDED, PaymentState.REFUNDED])
        .exclude(pk__in=given_back)
        .order_by("pk")
        .first()
    )


def refund_shop_order(shop_order_id: int, amount: Decimal, by_user=None, *, now=None, voucher_ids=None) -> Refund:
    """Give `amount` of a paid shop order back to the customer through the provider.

    `voucher_ids`: the refund is for exactly these vouchers of the shop
    order (a bundle's part), taken whole from their balances; refused when
    they no longer hold `amount` (one was used meanwhile).

    Returns the Refund: SUCCEEDED (ledger, credit note and the customer's
    e-mail done by `complete_refund`), UNKNOWN when the provider did not
    answer, or still REQUESTED when it answered but recording the refund
    failed; `reconcile_refunds` settles those two within minutes, and until
    then their amount cannot be refunded again. Raises RefundRefused beyond
    what is left to refund, and when the provider refused (the refund is
    then FAILED and the vouchers have back what it took). Call it outside a
    transaction: the provider is called between two of its own.
    """
    if isinstance(amount, float) or not isinstance(amount, Decimal | int | str):
        raise RefundRefused(_("Montant invalide."))
    try:
        amount = Decimal(amount)
    except ArithmeticError as error:
        raise RefundRefused(_("Montant invalide.")) from error
    if not amount.is_finite() or amount != amount.quantize(CENT) or amount <= 0:
        raise RefundRefused(_("Indiquez un montant positif, au centime près."))
    now = now or timezone.now()

    with transaction.atomic():
        _lock_timeout()
        shop_order = ShopOrder.objects.get(pk=shop_order_id)
        order = Order.objects.select_for_update().get(pk=shop_order.order_id)
        vouchers.lock_vouchers_of(shop_order.pk)  # no redemption between the check and the refund
        payment = _paying_payment(order)
        if order.status != OrderStatus.PAID or payment is None:
            raise RefundRefused(_("Seule une commande payée peut être remboursée."))
        left = refundable_amount(shop_order)
        if amount > left:
            raise RefundRefused(_("Vous pouvez rembourser au plus %(amount)s.") % {"amount": euros(left)})
        refund = Refund.objects.create(shop_order=shop_order, payment=payment, amount=amount, created_by=by_user)
        refund.idempotency_key = gateway.refund_key(refund.pk, amount)
        refund.save(update_fields=["idempotency_key"])
        # Vouchers first: money given back can no longer be spent at the shop.
        taken = vouchers.apply_refund(refund, voucher_ids=voucher_ids)
        if voucher_ids is not None and taken != amount:
            raise RefundRefused(_("Une partie de ces bons a été utilisée entre-temps : rien n'a été remboursé."))

    refund = _ask_provider(refund.pk, now)
    if refund.state == RefundState.FAILED:
        raise RefundRefused(_("Le remboursement a été refusé par le prestataire de paiement."))
    return refund


def _ask_provider(refund_id: int, now) -> Refund:
    """Ask the provider for an open refund, with its own key, and act on the answer. Outside any transaction."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    # Noted (and committed) before the call: after a crash during it, the refund
    # must not look like one never sent, which would be sent again.
    if not Refund.objects.filter(pk=refund_id, state__in=_OPEN_REFUND_STATES).update(provider_asked_at=now):
        return refund
    try:
        provider_id = gateway.refund(
            refund.payment.provider_id,
            refund.amount,
            idempotency_key=refund.idempotency_key,
            metadata={_REFUND_METADATA_KEY: str(refund.pk)},
        )
    except gateway.GatewayTimeout as error:
        Refund.objects.filter(pk=refund_id, state=RefundState.REQUESTED).update(state=RefundState.UNKNOWN)
        logger.warning("Refund %s: no answer from the provider, left to reconcile_refunds: %s", refund_id, error)
    except gateway.GatewayError as error:
        _fail_refund(refund_id)
        logger.warning("Refund %s refused by the provider: %s", refund_id, error)
    else:
        try:
            complete_refund(refund_id, provider_id, now)
        except Exception:
            # The money went back; only our record of it failed (a lock time-out, a crash of
            # the database): the refund stays open and reconcile_refunds records it.
            logger.exception("Refund %s made by the provider as %s, left to reconcile_refunds", refund_id, provider_id)
    refund.refresh_from_db()
    return refund


def _fail_refund(refund_id: int) -> bool:
    """An open refund the provider did not make: FAILED, and the vouchers get back what it took. Once."""
    with transaction.atomic():
        failed = Refund.objects.filter(pk=refund_id, state__in=_OPEN_REFUND_STATES).update(state=RefundState.FAILED)
        if failed:
            vouchers.restore_after_failed_refund(refund_id)
    return bool(failed)


def complete_refund(refund_id: int, provider_id: str, now=None) -> Refund:
    """Record the refund `provider_id` the provider made for our Refund `refund_id`; once, however often called.

    For a shop order's refund: the REFUND ledger entry, the commission
    returned on it (pro rata, rounded on the running total so that refunding
    everything returns exactly the commission taken), the credit note, the
    payment REFUNDED once nothing is left to refund nor being refunded on
    the order, and the customer's e-mail (a task, after commit). For the
    full refund of a payment we could not honour: the payment REFUNDED.

    Locks the order, the shop order, then the refund, so two calls (the
    merchant's request and `reconcile_refunds`) queue up and the second
    returns the refund as the first left it. A refund already FAILED is
    left as it is, with an error in the log: the provider made a refund we
    had given up on (and whose vouchers were given back), for a person to
    settle.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_timeout()
        refund = Refund.objects.select_related("shop_order", "payment").get(pk=refund_id)
        order_id = refund.shop_order.order_id if refund.shop_order_id else refund.payment.order_id
        order = Order.objects.select_for_update().get(pk=order_id)
        shop_order = ShopOrder.objects.select_for_update().get(pk=refund.shop_order_id) if refund.shop_order_id else None
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state == RefundState.SUCCEEDED:
            return refund
        if refund.state == RefundState.FAILED:
            logger.error("Refund %s was failed, yet the provider made it as %s: settle it by hand", refund_id, provider_id)
            return refund
        refund.state = RefundState.SUCCEEDED
        refund.provider_id = provider_id
        refund.save(update_fields=["state", "provider_id"])
        if shop_order is None:
            Payment.objects.filter(pk=refund.payment_id, state=PaymentState.SUCCEEDED).update(
                state=PaymentState.REFUNDED
            )
            return refund

        entries = [LedgerEntry(kind=LedgerKind.REFUND, amount=-refund.amount)]
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
        still_open = Refund.objects.filter(shop_order__order=order, state__in=_OPEN_REFUND_STATES).exists()
        if not still_open and all(refundable_amount(so) == ZERO for so in order.shop_orders.all()):
            Payment.objects.filter(pk=refund.payment_id, state=PaymentState.SUCCEEDED).update(
                state=PaymentState.REFUNDED
            )
        _enqueue("checkout.tasks.send_refund_notice", refund.pk)
    return refund


def refund_unfulfilled_payment(payment_id: int, *, now=None) -> Refund | None:
    """Give back in full a payment we cannot honour (its stock is gone, or the order was already paid).

    The claim is a Refund row, without a shop order, committed before the
    provider is asked and keyed (unique) by `gateway.full_refund_key`, the
    key this refund always had. A row rather than a flag on the payment
    because it is the same request as a merchant's refund and needs the
    same recovery: a time-out leaves it UNKNOWN, a crash REQUESTED, and
    `reconcile_refunds` settles both by the same rules, where a flag would
    leave a customer charged with nothing to say the money never went back.
    No ledger entry, credit note or e-mail: nothing was sold. The payment
    becomes REFUNDED when the provider made the refund. Safe to run twice
    and concurrently (one row; the same key gives one refund at the provider).
    """
    now = now or timezone.now()
    order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return None
    with transaction.atomic():
        _lock_timeout()
        Order.objects.select_for_update().get(pk=order_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state != PaymentState.SUCCEEDED:
            return None
        refund = Refund.objects.get_or_create(
            idempotency_key=gateway.full_refund_key(payment.pk, payment.amount),
            defaults={"payment": payment, "amount": payment.amount},
        )[0]
    if refund.state != RefundState.REQUESTED:
        return refund  # settled, or UNKNOWN and left to reconcile_refunds
    refund = _ask_provider(refund.pk, now)
    if refund.state == RefundState.FAILED:
        logger.error("Payment %s could not be given back in full: the customer is still charged", payment_id)
    return refund


def _reconcile_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "CHECKOUT_REFUND_RECONCILE_AFTER_MINUTES", 5))


def _provider_refund_of(
    refund: Refund, at_provider: list[gateway.RefundInfo], matched: set[str]
) -> gateway.RefundInfo | None:
    """The provider's refund for our `refund`: by our id in its metadata, else by amount among those without one."""
    for found in at_provider:
        if found.metadata.get(_REFUND_METADATA_KEY) == str(refund.pk):
            return found
    recorded = set(
        Refund.objects.filter(provider_id__in=[found.id for found in at_provider]).values_list("provider_id", flat=True)
    )
    for found in reversed(at_provider):  # the provider lists newest first; match the oldest first
        if (
            _REFUND_METADATA_KEY not in found.metadata
            and found.amount == refund.amount
            and found.id not in recorded
            and found.id not in matched
        ):
            return found
    return None


def reconcile_refunds(now=None) -> Reconciliation:
    """Settle the refunds left REQUESTED or UNKNOWN for more than CHECKOUT_REFUND_RECONCILE_AFTER_MINUTES.

    - Never sent (a crash between the commit and the call): sent now, with
      its own idempotency key, and settled by the answer as usual.
    - Sent: looked for among the provider's refunds of its PaymentIntent, by
      our id in their metadata, or else by amount among those that carry no
      id of ours and are not recorded on another row. Found and made
      (succeeded, or pending at the bank): `complete_refund`. Found failed or
      cancelled, or not found: FAILED, and the vouchers get back what it
      took. Not found is final because it was asked more than the delay ago,
      long past any answer the provider could still give (the delay is the
      grace period).
    - The provider cannot be asked: left open for the next run.

    Scheduled every five minutes (migration 0009). Safe to run twice and
    beside itself: each step is idempotent or conditional on the state.
    """
    now = now or timezone.now()
    due = now - _reconcile_after()
    open_refunds = (
        Refund.objects.filter(state__in=_OPEN_REFUND_STATES)
        .filter(Q(provider_asked_at__lt=due) | Q(provider_asked_at__isnull=True, created_at__lt=due))
        .select_related("payment")
        .order_by("pk")
    )
    counts = {"completed": 0, "failed": 0, "sent": 0, "unresolved": 0}
    at_provider: dict[str, list[gateway.RefundInfo] | None] = {}
    matched: set[str] = set()
    for refund in list(open_refunds):
        if refund.payment is None:
            logger.error("Refund %s has no payment to ask the provider about: settle it by hand", refund.pk)
            counts["unresolved"] += 1
            continue
        if refund.provider_asked_at is None:
            counts["sent"] += 1
            state = _ask_provider(refund.pk, now).state
            counts[{RefundState.SUCCEEDED: "completed", RefundState.FAILED: "failed"}.get(state, "unresolved")] += 1
            continue
        intent_id = refund.payment.provider_id
        if intent_id not in at_provider:
            try:
                at_provider[intent_id] = gateway.list_refunds(intent_id)
            except gateway.GatewayError as error:
                logger.warning("Refunds of %s could not be listed, next run: %s", intent_id, error)
                at_provider[intent_id] = None
        if at_provider[intent_id] is None:
            counts["unresolved"] += 1
            continue
        found = _provider_refund_of(refund, at_provider[intent_id], matched)
        if found is not None:
            matched.add(found.id)
        if found is not None and found.status in ("succeeded", "pending"):
            complete_refund(refund.pk, found.id, now)
            counts["completed"] += 1
        elif found is None or found.status in ("failed", "canceled"):
            if _fail_refund(refund.pk):
                logger.warning("Refund %s failed: the provider has %s", refund.pk, found or "no such refund")
                counts["failed"] += 1
        else:
            counts["unresolved"] += 1  # requires_action: still the customer's bank's turn
    return Reconciliation(**counts)
