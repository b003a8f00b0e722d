"""The merchant's stock form: set or add units, outside any page revision.

Stock lives in ProductStock rows (see shops.models); this changes them
with conditional UPDATEs only, and leaves an audit entry.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.log_actions import log

from shops.access import shops_managed_by
from shops.models import ProductKind, ProductPage, ProductStock

STOCK_SET_ACTION = "shops.stock.set"
STOCK_ADD_ACTION = "shops.stock.add"
MAX_QUANTITY = 100_000


class StockForm(forms.Form):
    operation = forms.ChoiceField(
        label=gettext_lazy("Opération"), widget=forms.RadioSelect,
        choices=[("set", gettext_lazy("Fixer le stock à")), ("add", gettext_lazy("Ajouter au stock"))],
        initial="set",
    )
    quantity = forms.IntegerField(label=gettext_lazy("Quantité"), min_value=0, max_value=MAX_QUANTITY)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("operation") == "add" and cleaned.get("quantity") == 0:
            self.add_error("quantity", _("Indiquez combien d'unités ajouter."))
        return cleaned


class StockUnlimited(Exception):
    pass


def change_stock(product: ProductPage, operation: str, quantity: int, user) -> int | None:
    """Set the stock of `product` to `quantity`, or add `quantity` to it; returns the new quantity.

    Creates the row when missing (as 0 before adding). Adding to a product
    without stock limit raises StockUnlimited; setting gives it a limit.
    """
    key = product.translation_key
    with transaction.atomic():
        ProductStock.objects.bulk_create([ProductStock(translation_key=key, quantity=0)], ignore_conflicts=True)
        if operation == "set":
            ProductStock.objects.filter(translation_key=key).update(quantity=quantity)
        else:
            changed = ProductStock.objects.filter(translation_key=key, quantity__isnull=False).update(
                quantity=F("quantity") + quantity
            )
            if not changed:
                raise StockUnlimited
        new_quantity = ProductStock.objects.filter(translation_key=key).values_list("quantity", flat=True).get()
        log(instance=product, action=STOCK_SET_ACTION if operation == "set" else STOCK_ADD_ACTION, user=user,
            data={"quantity": quantity, "new_quantity": new_quantity})
    return new_quantity


def _managed_products(user):
    shops = list(shops_managed_by(user))
    if not shops:
        return [], ProductPage.objects.none()
    products = ProductPage.objects.none()
    for shop in shops:
        products = products | ProductPage.objects.child_of(shop)
    return shops, products


def stock_index(request):
    shops, products = _managed_products(request.user)
    if not shops:
        raise PermissionDenied
    products = list(products.select_related(None).order_by("path"))
    stock = dict(ProductStock.objects.filter(translation_key__in=[p.translation_key for p in products])
                 .values_list("translation_key", "quantity"))
    rows = [
        {"product": p, "shop": next((s for s in shops if p.path.startswith(s.path)), None),
         "has_row": p.translation_key in stock, "quantity": stock.get(p.translation_key)}
        for p in products
    ]
    return TemplateResponse(request, "shops/admin/stock_index.html", {
        "rows": rows, "page_title": _("Stock"), "header_title": _("Stock de mes produits"),
        "header_icon": "list-ul",
    })


def stock_edit(request, product_id: int):
    _shops, products = _managed_products(request.user)
    product = products.filter(pk=product_id).first()
    if product is None:
        raise PermissionDenied
    form = StockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_quantity = change_stock(product, form.cleaned_data["operation"], form.cleaned_data["quantity"],
                                        request.user)
        except StockUnlimited:
            form.add_error("operation", _("Ce produit n'a pas de limite de stock : fixez d'abord une quantité."))
        else:
            messages.success(request, _("Stock de « %(product)s » : %(quantity)s.")
                             % {"product": product.title, "quantity": new_quantity})
            return redirect("shops_stock")
    current = ProductStock.objects.filter(translation_key=product.translation_key).first()
    return TemplateResponse(request, "shops/admin/stock_edit.html", {
        "product": product, "form": form, "current": current, "unlimited_kind": product.kind != ProductKind.PHYSICAL,
        "page_title": _("Stock"), "header_title": product.title, "header_icon": "list-ul",
    }, status=400 if request.method == "POST" else 200)
