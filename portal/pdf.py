"""PDFs of the portal (vouchers, invoices, statements): HTML rendered by WeasyPrint, sent privately."""

from django.conf import settings
from django.http import HttpResponse


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


def base_url() -> str:
    """The portal's address, for absolute links in e-mails and PDFs."""
    return getattr(settings, "PORTAL_BASE_URL", settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def html_to_pdf(html: str) -> bytes:
    """`html` as a PDF; relative URLs resolve against the portal. Raises PdfUnavailable without WeasyPrint."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            "WeasyPrint cannot run here: install it (pip) and Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0)."
        ) from error
    return weasyprint.HTML(string=html, base_url=base_url()).write_pdf()


def private_pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser, never cached by a proxy, indexed or leaked through a referrer."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
