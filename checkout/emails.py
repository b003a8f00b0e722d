"""E-mails about orders, each sent at most once and in its recipient's language.

Each sender claims its row with a conditional UPDATE of a `*_sent_at`
column inside a transaction, then sends: a second run finds the column set
and sends nothing; a failed send rolls the claim back so a retry sends it.
"""


from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from checkout.billing.invoice_pdf import customer_pdf_url, sale_invoice_urls
from checkout.models import Invoice, Order, OrderStatus, Refund, RefundState, ShopOrder
from checkout.vouchers.emails import confirmation_items
from portal.emails import send_templated_email
from portal.pdf import base_url


def order_url(order: Order) -> str:
    """The private link to an order, once the public order page exists."""
    try:
        with translation.override(order.language):
            return base_url() + reverse("checkout:order", kwargs={"token": order.token})
    except NoReverseMatch:
        return ""


def _send(template: str, context: dict, to: str, language: str, inline_images=()) -> None:
    send_templated_email(f"checkout/emails/{template}", context, to, language, inline_images)


def send_order_confirmation(order_id: int) -> bool:
    with transaction.atomic():
        claimed = Order.objects.filter(
            pk=order_id, status=OrderStatus.PAID, confirmation_sent_at__isnull=True
        ).update(confirmation_sent_at=timezone.now())
        if not claimed:
            return False
        order = Order.objects.get(pk=order_id)
        shop_orders = list(order.shop_orders.prefetch_related("lines").order_by("pk"))
        vouchers, qr_images = confirmation_items(order)
        # Each merchant's invoice, a link only: its PDF is rendered when first opened, not here.
        invoice_urls = sale_invoice_urls(order)
        for shop_order in shop_orders:
            shop_order.invoice_url = invoice_urls.get(shop_order.pk, "")
        context = {"order": order, "shop_orders": shop_orders, "order_url": order_url(order), "vouchers": vouchers}
        _send("order_confirmation", context, order.customer_email, order.language, qr_images)
    return True


def notify_merchants(order_id: int) -> int:
    sent = 0
    for shop_order_id in ShopOrder.objects.filter(order_id=order_id, order__status=OrderStatus.PAID).values_list(
        "pk", flat=True
    ).order_by("pk"):
        with transaction.atomic():
            claimed = ShopOrder.objects.filter(
                pk=shop_order_id, merchant_notified_at__isnull=True
            ).exclude(merchant_email="").update(merchant_notified_at=timezone.now())
            if not claimed:
                continue
            shop_order = ShopOrder.objects.select_related("order").get(pk=shop_order_id)
            context = {
                "order": shop_order.order,
                "shop_order": shop_order,
                "lines": list(shop_order.lines.all()),
                "admin_url": base_url() + "/admin/",
            }
            _send("merchant_new_order", context, shop_order.merchant_email, shop_order.merchant_language)
            sent += 1
    return sent


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
        _send("refund_notice", context, order.customer_email, order.language)
    return True
