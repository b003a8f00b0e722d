"""E-mails about vouchers: their part of the order confirmation, and the expiry reminder."""

from checkout import emails
from checkout.models import Order, Voucher
from checkout.voucher_pdf import pdf_url, qr_png
from checkout.vouchers import format_code, vouchers_of_order


def confirmation_items(order: Order) -> tuple[list[dict], list[tuple[str, bytes]]]:
    """Each voucher of `order` for the confirmation e-mail, and the QR images to attach inline (cid, png)."""
    items, images = [], []
    for voucher in vouchers_of_order(order):
        cid = f"voucher-{voucher.pk}@marche-de-noel"
        items.append({"voucher": voucher, "code": format_code(voucher.code), "qr_cid": cid, "pdf_url": pdf_url(voucher, order)})
        images.append((cid, qr_png(voucher.code)))
    return items, images


def send_voucher_reminder(voucher: Voucher) -> None:
    order = voucher.order_line.shop_order.order
    context = {
        "voucher": voucher,
        "code": format_code(voucher.code),
        "shop_name": voucher.order_line.shop_order.trade_name,
        "pdf_url": pdf_url(voucher, order),
    }
    emails._send("voucher_reminder", context, voucher.buyer_email, voucher.language)
