"""The merchant's stock form: set or add units and the alert threshold, outside any page revision.

Stock lives in ProductStock rows (see shops.models); this changes them
with conditional UPDATEs only, each touching only the column it sets, and
leaves an audit entry.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.log_actions import log

from shops.access import shops_managed_by
from shops.models import MAX_ALERT_THRESHOLD, ProductKind, ProductPage, ProductStock
from shops.page_cache import stock_changed
from shops.stock import stock_levels

STOCK_SET_ACTION = "shops.stock.set"
STOCK_ADD_ACTION = "shops.stock.add"
ALERT_THRESHOLD_ACTION = "shops.stock.alert_threshold"
MAX_QUANTITY = 100_000
# Page ids are database integers: a longer number in the URL names no product (and would overflow SQLite).
MAX_PAGE_ID = 2**31 - 1


class StockForm(forms.Form):
    """Units to set or add, and the alert threshold; a field left empty changes nothing."""

    operation = forms.ChoiceField(
        label=gettext_lazy("Opération"), widget=forms.RadioSelect,
        choices=[("set", gettext_lazy("Fixer le stock à")), ("add", gettext_lazy("Ajouter au stock"))],
        initial="set",
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantité"), min_value=0, max_value=MAX_QUANTITY, required=False,
        help_text=gettext_lazy("Laissez vide pour ne pas changer le stock."),
    )
    alert_threshold = forms.IntegerField(
        label=gettext_lazy("Seuil d'alerte"), min_value=0, max_value=MAX_ALERT_THRESHOLD, required=False,
        help_text=gettext_lazy("Le tableau de bord vous prévient quand il reste ce nombre d'unités ou moins "
                               "(0 : seulement quand le produit est épuisé)."),
        error_messages={key: gettext_lazy("Le seuil d'alerte est un nombre entier de 0 à 9999.")
                        for key in ("invalid", "min_value", "max_value")},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("operation") == "add" and cleaned.get("quantity") == 0:
            self.add_error("quantity", _("Indiquez combien d'unités ajouter."))
        if not self.errors and cleaned.get("quantity") is None and cleaned.get("alert_threshold") is None:
            raise forms.ValidationError(_("Indiquez une quantité ou un seuil d'alerte."))
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
        stock_changed([key])
        log(instance=product, action=STOCK_SET_ACTION if operation == "set" else STOCK_ADD_ACTION, user=user,
            data={"quantity": quantity, "new_quantity": new_quantity})
    return new_quantity


def change_alert_threshold(product: ProductPage, threshold: int, user) -> bool:
    """Set the stock alert threshold of `product`; returns whether it changed.

    Creates the stock row when missing (as 0 units, which is what a product
    without row has for sale). Touches no other column, so it never undoes a
    sale or a stock change made meanwhile.
    """
    key = product.translation_key
    with transaction.atomic():
        ProductStock.objects.bulk_create([ProductStock(translation_key=key, quantity=0)], ignore_conflicts=True)
        changed = ProductStock.objects.filter(translation_key=key).exclude(alert_threshold=threshold).update(
            alert_threshold=threshold
        )
        if changed:
            log(instance=product, action=ALERT_THRESHOLD_ACTION, user=user, data={"alert_threshold": threshold})
    return bool(changed)


@hooks.register("register_log_actions")
def register_alert_threshold_action(actions):
    actions.register_action(ALERT_THRESHOLD_ACTION, gettext_lazy("Fixer le seuil d'alerte de stock"),
                            gettext_lazy("Seuil d'alerte de stock fixé"))


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
    levels = stock_levels(p.translation_key for p in products)
    rows = [
        {"product": p, "shop": next((s for s in shops if p.path.startswith(s.path)), None),
         "level": levels.get(p.translation_key)}
        for p in products
    ]
    return TemplateResponse(request, "shops/admin/stock_index.html", {
        "rows": rows, "page_title": _("Stock"), "header_title": _("Stock de mes produits"),
        "header_icon": "list-ul",
    })


def stock_edit(request, product_id: int):
    # Another merchant's product is as unknown as a missing one: its existence is not theirs to learn.
    if product_id > MAX_PAGE_ID:
        raise Http404
    _shops, products = _managed_products(request.user)
    product = products.filter(pk=product_id).first()
    if product is None:
        raise Http404
    current = ProductStock.objects.filter(translation_key=product.translation_key).first()
    form = StockForm(request.POST or None,
                     initial={"alert_threshold": current.alert_threshold if current else None})
    if request.method == "POST" and form.is_valid():
        quantity, threshold = form.cleaned_data["quantity"], form.cleaned_data["alert_threshold"]
        new_quantity = None
        try:
            with transaction.atomic():
                if quantity is not None:
                    new_quantity = change_stock(product, form.cleaned_data["operation"], quantity, request.user)
                threshold_changed = threshold is not None and change_alert_threshold(product, threshold, request.user)
        except StockUnlimited:
            form.add_error("operation", _("Ce produit n'a pas de limite de stock : fixez d'abord une quantité."))
        else:
            if quantity is not None:
                messages.success(request, _("Stock de « %(product)s » : %(quantity)s.")
                                 % {"product": product.title, "quantity": new_quantity})
            if threshold_changed:
                messages.success(request, _("Alerte de stock de « %(product)s » : à %(threshold)s unité(s) ou moins.")
                                 % {"product": product.title, "threshold": threshold})
            return redirect("shops_stock")
    return TemplateResponse(request, "shops/admin/stock_edit.html", {
        "product": product, "form": form, "current": current, "unlimited_kind": product.kind != ProductKind.PHYSICAL,
        "page_title": _("Stock"), "header_title": product.title, "header_icon": "list-ul",
    }, status=400 if request.method == "POST" else 200)
