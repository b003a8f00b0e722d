"""The customer's invoices and credit notes, under /fr/panier/ and /en/panier/ (one include in portal.urls)."""

from django.urls import path

from checkout.billing.invoice_pdf import invoice_pdf_view
from portal import converters  # noqa: F401 (registers <pk:...>)

app_name = "invoices"

urlpatterns = [
    path("commande/<str:token>/factures/<pk:invoice_id>.pdf", invoice_pdf_view, name="pdf"),
]
