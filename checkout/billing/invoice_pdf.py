"""Invoices as PDF (WeasyPrint), rendered on first download and kept; the customer's download link.

An invoice never changes, so its PDF is rendered once, from
`checkout/invoices/invoice_pdf.html` in the invoice's language, the first
time someone asks for it (never inside the payment's transaction), stored
in `Invoice.pdf` and served as stored ever after. The stored file has a
random part in its name and is only ever served through the views here and
in `checkout.billing.invoice_admin`, which check who asks.

The customer reaches the invoices and credit notes of their order with the
order's private token, like the vouchers (`checkout.vouchers.pdf`).
"""

import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from checkout.billing.invoices import vat_breakdown
from checkout.models import Invoice, InvoiceKind, Order, OrderStatus
from portal.pdf import PdfUnavailable, base_url, html_to_pdf, private_pdf_response
from shops.models import VatStatus

logger = logging.getLogger(__name__)

# The documents a customer may download with their order's token (not the platform's commission invoices).
CUSTOMER_KINDS = (InvoiceKind.SALE, InvoiceKind.CREDIT_NOTE)


# Rendering ---------------------------------------------------------------------


def render_invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language):
        return render_to_string(
            "checkout/invoices/invoice_pdf.html",
            {
                "invoice": invoice,
                "title": invoice.get_kind_display(),
                "seller": invoice.seller,
                "buyer": invoice.buyer,
                "lines": invoice.lines,
                "breakdown": vat_breakdown(invoice.lines),
                "seller_exempt": invoice.seller.get("vat_status") == VatStatus.FRANCHISE,
                "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
                "order": invoice.shop_order.order if invoice.shop_order_id else None,
                "statement": invoice.statement if invoice.statement_id else None,
                "platform": settings.PLATFORM,
                "platform_address": ", ".join(settings.PLATFORM["address"].splitlines()),
            },
        )


def render_invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(render_invoice_html(invoice))


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF: the stored one, or rendered now and stored for next time.

    Two first downloads at once may both render; the conditional UPDATE
    keeps the first file stored and the other is discarded, so an invoice
    has one PDF. Only `pdf` changes on the row, as the model allows.
    """
    if invoice.pdf:
        try:
            with invoice.pdf.open("rb") as stored:
                return stored.read()
        except FileNotFoundError:
            # Lost from the storage: the invoice is immutable, rendering again gives the same document.
            logger.warning("Invoice %s: stored PDF %s is missing; rendering it again", invoice.pk, invoice.pdf.name)
    content = render_invoice_pdf(invoice)
    previous = invoice.pdf.name or ""
    field = invoice.pdf
    field.save(f"{invoice.number}-{secrets.token_hex(8)}.pdf", ContentFile(content), save=False)
    kept = Invoice.objects.filter(pk=invoice.pk, pdf=previous).update(pdf=field.name)
    if not kept:
        # Someone stored theirs first: drop ours, serve theirs.
        field.storage.delete(field.name)
        invoice.pdf.name = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).get()
        with invoice.pdf.open("rb") as stored:
            return stored.read()
    return content


def filename(invoice: Invoice) -> str:
    stem = "avoir" if invoice.kind == InvoiceKind.CREDIT_NOTE else "facture"
    return f"{stem}-{invoice.number}.pdf"


def pdf_response(invoice: Invoice) -> HttpResponse:
    try:
        content = invoice_pdf(invoice)
    except PdfUnavailable:
        return HttpResponse(
            "La facture ne peut pas être imprimée pour le moment ; réessayez plus tard.",
            status=503, content_type="text/plain; charset=utf-8",
        )
    return private_pdf_response(content, filename(invoice))


# The customer's links ------------------------------------------------------------


def customer_invoices(order: Order):
    """The sale invoices and credit notes of `order`, by shop order then number."""
    return Invoice.objects.filter(shop_order__order=order, kind__in=CUSTOMER_KINDS, statement__isnull=True).order_by(
        "shop_order_id", "sequence_number"
    )


def customer_pdf_path(invoice: Invoice, order: Order) -> str:
    """The PDF's path for the holder of the order's link, or "" while its URLs are not included in the site's."""
    try:
        with translation.override(order.language):
            return reverse("invoices:pdf", kwargs={"token": order.token, "invoice_id": invoice.pk})
    except NoReverseMatch:
        return ""


def customer_pdf_url(invoice: Invoice, order: Order) -> str:
    path = customer_pdf_path(invoice, order)
    return base_url() + path if path else ""


def sale_invoice_urls(order: Order) -> dict[int, str]:
    """{shop order id: absolute URL of its sale invoice's PDF}, for the confirmation e-mail."""
    return {
        invoice.shop_order_id: url
        for invoice in customer_invoices(order).filter(kind=InvoiceKind.SALE)
        if (url := customer_pdf_url(invoice, order))
    }


@require_GET
def invoice_pdf_view(request, token: str, invoice_id: int):
    """An invoice or credit note of an order, for whoever holds the order's private link."""
    if not token or len(token) > 64:
        raise Http404
    invoice = (
        Invoice.objects.select_related("shop_order__order")
        .filter(
            pk=invoice_id,
            kind__in=CUSTOMER_KINDS,
            statement__isnull=True,
            shop_order__order__token=token,
            shop_order__order__status=OrderStatus.PAID,
        )
        .first()
    )
    if invoice is None:
        raise Http404
    return pdf_response(invoice)
