"""The customer's printable vouchers, under /fr/panier/ and /en/panier/ (one include in portal.urls)."""

from django.urls import path

from checkout.vouchers.pdf import voucher_pdf_view

app_name = "vouchers"

urlpatterns = [
    path("commande/<str:token>/bons/<int:voucher_id>.pdf", voucher_pdf_view, name="pdf"),
]
