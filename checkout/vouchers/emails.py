"""E-mails about vouchers: their part of the order confirmation, and the expiry reminder."""

from django.db import transaction
from django.utils import timezone

from checkout.models import Order, Voucher
from checkout.vouchers.bundles import bundles_of_orders, in_bundles, voucher_in_bundle
from checkout.vouchers.pdf import pdf_url, qr_png
from checkout.vouchers.services import format_code, vouchers_due_for_reminder, vouchers_of_order
from portal.emails import send_templated_email


def confirmation_items(order: Order, held_bundles=None) -> tuple[list[dict], list[tuple[str, bytes]]]:
    """Each voucher of `order` for the confirmation e-mail, and the QR images to attach inline (cid, png).

    A part of a bundle says which bundle and lists the other parts of its
    unit; pass `held_bundles` (`bundles_of_orders` of the order) when they
    are already read.
    """
    if held_bundles is None:
        held_bundles = bundles_of_orders([order])[order.pk]
    parts_held = in_bundles(held_bundles)
    items, images = [], []
    for voucher in vouchers_of_order(order).select_related("order_line"):
        cid = f"voucher-{voucher.pk}@marche-de-noel"
        items.append({
            "voucher": voucher, "name": voucher.order_line.text_in("name", order.language),
            "code": format_code(voucher.code), "qr_cid": cid, "pdf_url": pdf_url(voucher, order),
            "in_bundle": parts_held.get(voucher.pk),
        })
        images.append((cid, qr_png(voucher.code)))
    return items, images


def send_voucher_reminder(voucher: Voucher) -> None:
    order = voucher.order_line.shop_order.order
    context = {
        "voucher": voucher,
        "code": format_code(voucher.code),
        # In the buyer's language, as the order kept it.
        "item_name": voucher.order_line.text_in("name", voucher.language),
        "shop_name": voucher.order_line.shop_order.text_in("trade_name", voucher.language),
        "pdf_url": pdf_url(voucher, order),
        "in_bundle": voucher_in_bundle(voucher),
    }
    send_templated_email(
        "checkout/emails/voucher_reminder", context, voucher.buyer_email, voucher.language, about=order
    )


def send_expiry_reminders(now=None) -> int:
    """E-mail the holder of each voucher that expires within 30 days and is not used up, once per voucher."""
    now = now or timezone.now()
    sent = 0
    for voucher_id in list(vouchers_due_for_reminder(timezone.localdate(now)).order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = Voucher.objects.filter(pk=voucher_id, reminded_at__isnull=True).update(reminded_at=now)
            if not claimed:
                continue
            voucher = Voucher.objects.select_related("order_line__shop_order__order").get(pk=voucher_id)
            send_voucher_reminder(voucher)
            sent += 1
    return sent
