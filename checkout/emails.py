"""E-mails about orders, each sent at most once and in its recipient's language.

Each sender claims its row with a conditional UPDATE of a `*_sent_at`
column inside a transaction, then sends: a second run finds the column set
and sends nothing; a failed send rolls the claim back so a retry sends it.
"""


import logging

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from checkout.billing.invoice_pdf import customer_pdf_url, sale_invoice_urls
from checkout.models import FulfilmentStatus, Invoice, Order, OrderStatus, Refund, RefundState, ShopOrder
from checkout.vouchers.bundles import bundles_of_orders
from checkout.vouchers.emails import confirmation_items
from markets.emails import merchant_accounts
from portal.emails import send_templated_email, site_language
from portal.pdf import base_url
from shops.models import DeliveryKind

logger = logging.getLogger(__name__)

# The order's page in the admin: `ShopOrderViewSet` (checkout.wagtail_hooks) is named "commandes".
ORDER_ADMIN_URL_NAME = "commandes:inspect"


def order_url(order: Order) -> str:
    """The private link to an order, once the public order page exists."""
    try:
        with translation.override(order.language):
            return base_url() + reverse("checkout:order", kwargs={"token": order.token})
    except NoReverseMatch:
        return ""


def _send(template: str, context: dict, to: str, language: str, inline_images=(), about=None) -> None:
    send_templated_email(f"checkout/emails/{template}", context, to, language, inline_images, about=about)


def send_order_confirmation(order_id: int) -> bool:
    with transaction.atomic():
        claimed = Order.objects.filter(
            pk=order_id, status=OrderStatus.PAID, confirmation_sent_at__isnull=True
        ).update(confirmation_sent_at=timezone.now())
        if not claimed:
            return False
        order = Order.objects.get(pk=order_id)
        shop_orders = list(order.shop_orders.prefetch_related("lines").order_by("pk"))
        bundles = bundles_of_orders([order])[order.pk]
        vouchers, qr_images = confirmation_items(order, bundles)
        # Each merchant's invoice, a link only: its PDF is rendered when first opened, not here.
        invoice_urls = sale_invoice_urls(order)
        for shop_order in shop_orders:
            shop_order.invoice_url = invoice_urls.get(shop_order.pk, "")
        context = {
            "order": order, "shop_orders": shop_orders, "order_url": order_url(order), "vouchers": vouchers,
            "bundles": bundles,
        }
        _send("order_confirmation", context, order.customer_email, order.language, qr_images, about=order)
    return True


def merchant_recipients(shop_order: ShopOrder) -> list[tuple[str, str]]:
    """Who hears of a new order, each with their language (one query).

    The shop's e-mail as stored on the order, in the language of the
    account with that address when there is one (the registrant's address
    usually is the shop's), else in the order's `merchant_language`;
    without a shop e-mail, each of its merchants' accounts in its own.
    """
    accounts = merchant_accounts(shop_order.shop.translation_key) if shop_order.shop is not None else []
    if shop_order.merchant_email:
        languages = {email.lower(): language for email, language in accounts}
        language = languages.get(shop_order.merchant_email.lower(), site_language(shop_order.merchant_language))
        return [(shop_order.merchant_email, language)]
    return accounts


def order_admin_url(shop_order: ShopOrder) -> str:
    return base_url() + reverse(ORDER_ADMIN_URL_NAME, args=[shop_order.pk])


def notify_merchants(order_id: int) -> int:
    """Tell each merchant of a paid order about their part, once; returns the number of shop orders told.

    A shop order with no one to tell (no shop e-mail, no merchant account
    with an e-mail) is left unclaimed and logged; the merchant's dashboard
    warns them of the missing address.
    """
    sent = 0
    for shop_order_id in ShopOrder.objects.filter(order_id=order_id, order__status=OrderStatus.PAID).values_list(
        "pk", flat=True
    ).order_by("pk"):
        with transaction.atomic():
            shop_order = ShopOrder.objects.select_related("order", "shop").get(pk=shop_order_id)
            recipients = merchant_recipients(shop_order)
            if not recipients:
                logger.warning("No e-mail address to announce shop order %s to its merchant", shop_order_id)
                continue
            claimed = ShopOrder.objects.filter(
                pk=shop_order_id, merchant_notified_at__isnull=True
            ).update(merchant_notified_at=timezone.now())
            if not claimed:
                continue
            context = {
                "order": shop_order.order,
                "shop_order": shop_order,
                "lines": list(shop_order.lines.all()),
                "admin_url": order_admin_url(shop_order),
            }
            for recipient, language in recipients:
                _send("merchant_new_order", {**context, "language": language}, recipient, language, about=shop_order)
            sent += 1
    return sent


def _send_fulfilment_notice(
    shop_order_id: int, status: str, delivery_kinds: tuple[str, ...], sent_column: str, template: str
) -> bool:
    """Tell the customer their shop order reached `status`, at most once (claimed on `sent_column`).

    Nothing is sent when the order has moved on or back since (the step was
    undone, or the pick-up already collected when the task runs).
    """
    with transaction.atomic():
        claimed = ShopOrder.objects.filter(
            pk=shop_order_id,
            order__status=OrderStatus.PAID,
            fulfilment_status=status,
            delivery_kind__in=delivery_kinds,
            **{f"{sent_column}__isnull": True},
        ).update(**{sent_column: timezone.now()})
        if not claimed:
            return False
        shop_order = ShopOrder.objects.select_related("order").get(pk=shop_order_id)
        order = shop_order.order
        context = {
            "order": order,
            "shop_order": shop_order,
            "lines": list(shop_order.lines.all()),
            "order_url": order_url(order),
        }
        _send(template, context, order.customer_email, order.language, about=shop_order)
    return True


def send_ready_for_pickup_notice(shop_order_id: int) -> bool:
    """"Your order is ready": where (the shop's address as on the order), when and how to collect it."""
    return _send_fulfilment_notice(
        shop_order_id, FulfilmentStatus.READY_FOR_PICKUP, (DeliveryKind.PICKUP,), "ready_notified_at",
        "ready_for_pickup",
    )


def send_shipped_notice(shop_order_id: int) -> bool:
    """"Your order is on its way", with the parcel's tracking for a postal shipment."""
    return _send_fulfilment_notice(
        shop_order_id, FulfilmentStatus.SHIPPED, (DeliveryKind.HOME, DeliveryKind.POSTAL), "shipped_notified_at",
        "shipped",
    )


def send_refund_notice(refund_id: int) -> bool:
    with transaction.atomic():
        claimed = Refund.objects.filter(
            pk=refund_id, state=RefundState.SUCCEEDED, customer_notified_at__isnull=True
        ).update(customer_notified_at=timezone.now())
        if not claimed:
            return False
        refund = Refund.objects.select_related("shop_order__order").get(pk=refund_id)
        order = refund.shop_order.order
        credit_note = Invoice.objects.filter(refund=refund).first()
        context = {
            "refund": refund, "shop_order": refund.shop_order, "order": order, "order_url": order_url(order),
            "credit_note": credit_note,
            "credit_note_url": customer_pdf_url(credit_note, order) if credit_note else "",
        }
        _send("refund_notice", context, order.customer_email, order.language, about=refund.shop_order)
    return True
