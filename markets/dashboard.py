"""The merchant's dashboard panel: their shop's status and what to do next."""

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from markets import onboarding
from markets.editors import may_submit_translations
from markets.merchants import account_emails, is_merchant
from shops.access import shops_managed_by
from shops.models import ProductPage, ProductStock


def shop_status(shop) -> tuple[str, str]:
    if shop.live:
        return "live", _("En ligne")
    if shop.workflow_in_progress:
        return "moderation", _("En cours de validation par l'office de tourisme")
    return "draft", _("Brouillon")


def order_email_missing(shop) -> bool:
    """Whether new orders of `shop` would reach no one: no shop e-mail and no merchant account with one.

    The same rule as checkout.emails.merchant_recipients, read on the shop page rather than on an order.
    """
    return not shop.email and not account_emails(shop.translation_key)


def next_steps(shop, status: str, terms_ok: bool, products: int, without_stock: int) -> list[dict]:
    steps = []
    if not terms_ok:
        steps.append({"label": _("Accepter les conditions générales"), "url": reverse("markets_terms_accept")})
    if status == "draft":
        steps.append({"label": _("Compléter la présentation, les horaires et les modes de livraison"),
                      "url": reverse("wagtailadmin_pages:edit", args=[shop.pk])})
    if not products:
        steps.append({"label": _("Ajouter vos produits"),
                      "url": reverse("wagtailadmin_pages:add", args=["shops", "productpage", shop.pk])})
    if without_stock:
        steps.append({"label": _("Indiquer le stock de vos produits"), "url": reverse("shops_stock")})
    if status == "draft":
        steps.append({"label": _("Soumettre la boutique à l'office de tourisme pour sa mise en ligne"),
                      "url": reverse("wagtailadmin_pages:edit", args=[shop.pk])})
    return steps


class MerchantPanel(Component):
    name = "merchant_shop"
    template_name = "markets/admin/dashboard_panel.html"
    order = 10

    def __init__(self, user, shops):
        self.user = user
        self.shops = shops

    @classmethod
    def for_request(cls, request):
        if not is_merchant(request.user):
            return None
        shops = list(shops_managed_by(request.user))
        return cls(request.user, shops) if shops else None

    def get_context_data(self, parent_context=None):
        terms_ok = onboarding.terms_to_accept(self.user) is None
        items = []
        for shop in self.shops:
            status, label = shop_status(shop)
            keys = list(ProductPage.objects.child_of(shop).values_list("translation_key", flat=True))
            stocked = ProductStock.objects.filter(translation_key__in=keys).exclude(quantity=0).count()
            without_stock = len(keys) - stocked
            items.append({
                "shop": shop, "status": status, "status_label": label, "products": len(keys),
                "products_without_stock": without_stock,
                "next_steps": next_steps(shop, status, terms_ok, len(keys), without_stock),
                "order_email_missing": order_email_missing(shop),
                "edit_url": reverse("wagtailadmin_pages:edit", args=[shop.pk]),
            })
        # How to translate the shop, for a merchant allowed to (all are, by markets.merchants).
        english_url = reverse("markets_english_out_of_date") if may_submit_translations(self.user) else None
        return {"shops": items, "terms_ok": terms_ok, "english_out_of_date_url": english_url}
