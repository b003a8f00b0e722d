"""The customer's printable vouchers, under /fr/panier/ and /en/panier/ (one include in portal.urls)."""

from django.urls import path

from checkout.vouchers.pdf import voucher_pdf_view
from portal import converters  # noqa: F401 (registers <pk:...>)

app_name = "vouchers"

urlpatterns = [
    path("commande/<str:token>/bons/<pk:voucher_id>.pdf", voucher_pdf_view, name="pdf"),
]
