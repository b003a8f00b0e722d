"""What a customer holds: the voucher's QR code (segno) and its printable PDF (WeasyPrint).

The QR code encodes the bare code, which the merchant's look-up form
accepts as typed or scanned. The PDF is rendered from
`checkout/vouchers/voucher_pdf.html` in the buyer's language and served
at a URL that carries the order's private token.
"""

import base64
import io

import segno
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from checkout.models import Order, OrderStatus, Voucher
from checkout.vouchers.bundles import voucher_in_bundle
from checkout.vouchers.services import format_code, vouchers_of_order
from portal.pdf import PdfUnavailable, base_url, html_to_pdf, private_pdf_response


def qr_png(code: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def qr_data_uri(code: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(code, scale=8)).decode()


def pdf_path(voucher: Voucher, order: Order) -> str:
    """The PDF's path, or "" while its URLs are not included in the site's."""
    try:
        with translation.override(voucher.language):
            return reverse("vouchers:pdf", kwargs={"token": order.token, "voucher_id": voucher.pk})
    except NoReverseMatch:
        return ""


def pdf_url(voucher: Voucher, order: Order) -> str:
    path = pdf_path(voucher, order)
    return base_url() + path if path else ""


def render_voucher_html(voucher: Voucher) -> str:
    order = voucher.order_line.shop_order.order
    shop_order = voucher.order_line.shop_order
    with translation.override(voucher.language):
        return render_to_string(
            "checkout/vouchers/voucher_pdf.html",
            {
                "voucher": voucher,
                "code": format_code(voucher.code),
                "qr": qr_data_uri(voucher.code),
                "order": order,
                "shop_order": shop_order,
                "today": timezone.localdate(),
                # A part of a bundle: which bundle, and the other parts of its unit with their codes.
                "in_bundle": voucher_in_bundle(voucher),
            },
        )


def render_voucher_pdf(voucher: Voucher) -> bytes:
    return html_to_pdf(render_voucher_html(voucher))


@require_GET
def voucher_pdf_view(request, token: str, voucher_id: int):
    """The printable voucher, for whoever holds the order's private link."""
    if not token or len(token) > 64:
        raise Http404
    voucher = (
        Voucher.objects.select_related("order_line__shop_order__order")
        .filter(pk=voucher_id, order_line__shop_order__order__token=token,
                order_line__shop_order__order__status=OrderStatus.PAID)
        .first()
    )
    if voucher is None:
        raise Http404
    try:
        pdf = render_voucher_pdf(voucher)
    except PdfUnavailable:
        return HttpResponse(
            "Le bon ne peut pas être imprimé pour le moment ; montrez son code ou son QR code au commerçant.",
            status=503, content_type="text/plain; charset=utf-8",
        )
    return private_pdf_response(pdf, f"bon-{voucher.code[:4]}.pdf")


def order_voucher_items(order: Order) -> list[dict]:
    """The vouchers of `order` for the customer's order page and account: code, QR, balance, status, PDF link.

    Render with `{% include "checkout/vouchers/_order_vouchers.html" with items=... %}`.
    """
    today = timezone.localdate()
    return [
        {
            "voucher": voucher,
            "code": format_code(voucher.code),
            "qr": qr_data_uri(voucher.code),
            "status": voucher.status_label_on(today),
            "pdf_path": pdf_path(voucher, order),
        }
        for voucher in vouchers_of_order(order)
    ]
