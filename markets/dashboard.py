"""The merchant's dashboard panel: their shops' status, stock alerts and what to do next.

The panel reads in a fixed number of queries however many shops the
merchant runs: one per kind of row (products, stock rows, merchant
accounts, workflow states), never one per shop.
"""

from functools import reduce
from operator import or_
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component
from wagtail.models import Page, WorkflowState

from markets import onboarding
from markets.editors import may_submit_translations
from markets.merchants import is_merchant
from markets.models import Merchant
from shops.access import shops_managed_by
from shops.models import ProductPage
from shops.stock import stock_levels


def shop_status(shop, in_moderation: bool | None = None) -> tuple[str, str]:
    """The shop's state for its merchant ("draft", "moderation" or "live") and its label.

    `in_moderation` is read from the shop when not given (see shops_in_moderation).
    """
    if shop.live:
        return "live", _("En ligne")
    if shop.workflow_in_progress if in_moderation is None else in_moderation:
        return "moderation", _("En cours de validation par l'office de tourisme")
    return "draft", _("Brouillon")


def shops_in_moderation(shops) -> set[int]:
    """Ids of the `shops` with a workflow in progress, in one query.

    Wagtail's `prefetch_workflow_states` finds nothing from a ShopPage queryset:
    its relation matches the states' base content type (Page) against ShopPage's.
    """
    states = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS,
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id__in=[str(shop.pk) for shop in shops],
    ).values_list("object_id", flat=True)
    return {int(object_id) for object_id in states}


def shops_without_order_email(shops) -> set[UUID]:
    """Translation keys of the `shops` whose new orders would reach no one, in one query.

    No shop e-mail and no active merchant account with one: the same rule as
    markets.merchants.account_emails and checkout.emails.merchant_recipients.
    """
    keys = {shop.translation_key for shop in shops if not shop.email}
    if not keys:
        return set()
    reached = (
        Merchant.objects.filter(shop__translation_key__in=keys, user__is_active=True)
        .exclude(user__email="")
        .values_list("shop__translation_key", flat=True)
    )
    return keys - set(reached)


def next_steps(shop, status: str, terms_ok: bool, products: int, without_stock: int, alerts: int = 0) -> list[dict]:
    """What the merchant should do next for `shop`, most pressing first.

    Each step is {"label", "url"} and may carry a "hint" saying why. Until the
    shop is live the steps lead to its submission, which needs products; once
    live they are about what keeps it selling: stock and orders.
    """
    stock_url = reverse("shops_stock")
    add_product = {"label": _("Ajouter vos produits"),
                   "url": reverse("wagtailadmin_pages:add", args=["shops", "productpage", shop.pk])}
    steps = []
    if not terms_ok:
        steps.append({"label": _("Accepter les conditions générales"), "url": reverse("markets_terms_accept")})
    if status == "draft":
        if not products:
            steps.append({**add_product, "hint": _("Une boutique sans produit ne peut pas être soumise : "
                                                   "commencez par vos produits.")})
        steps.append({"label": _("Compléter la présentation, les horaires et les modes de livraison"),
                      "url": reverse("wagtailadmin_pages:edit", args=[shop.pk])})
        if without_stock:
            steps.append({"label": _("Indiquer le stock de vos produits"), "url": stock_url})
        if products:
            steps.append({"label": _("Soumettre la boutique à l'office de tourisme pour sa mise en ligne"),
                          "url": reverse("wagtailadmin_pages:edit", args=[shop.pk])})
        return steps
    if not products:
        steps.append(add_product)
    if alerts:
        steps.append({"label": _("Réapprovisionner les produits en alerte de stock"), "url": stock_url})
    if without_stock:
        steps.append({"label": _("Indiquer le stock de vos produits"), "url": stock_url})
    if status == "live":
        steps.append({"label": _("Tenir votre stock à jour, surtout après vos ventes en boutique"), "url": stock_url})
        steps.append({"label": _("Suivre et préparer vos commandes"), "url": reverse("commandes:index")})
    return steps


def _products_of(shops) -> dict[str, list]:
    """Each shop's products (its child pages, drafts included) by the shop's tree path, in one query."""
    if not shops:
        return {}
    children = reduce(or_, (Q(path__startswith=shop.path, depth=shop.depth + 1) for shop in shops))
    by_shop = {shop.path: [] for shop in shops}
    for product in ProductPage.objects.filter(children).only("pk", "title", "path", "translation_key").order_by("path"):
        by_shop[product.path[: -ProductPage.steplen]].append(product)
    return by_shop


def _alert_order(alert: dict):
    return alert["quantity"], alert["title"].casefold()


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
        shops = list(shops_managed_by(request.user).order_by("path"))
        return cls(request.user, shops) if shops else None

    def get_context_data(self, parent_context=None):
        request = (parent_context or {}).get("request")
        terms_ok = onboarding.terms_to_accept(self.user) is None
        products_by_shop = _products_of(self.shops)
        levels = stock_levels(p.translation_key for products in products_by_shop.values() for p in products)
        no_order_email = shops_without_order_email(self.shops)
        in_moderation = shops_in_moderation(self.shops)
        items = []
        for shop in self.shops:
            status, label = shop_status(shop, shop.pk in in_moderation)
            products = products_by_shop[shop.path]
            without_stock = sum(1 for p in products if p.translation_key not in levels)
            alerts = sorted(
                (
                    {"title": p.title, "quantity": level.quantity, "sold_out": level.sold_out,
                     "threshold": level.alert_threshold, "url": reverse("shops_stock_edit", args=[p.pk])}
                    for p in products
                    if (level := levels.get(p.translation_key)) is not None and level.alert
                ),
                key=_alert_order,
            )
            items.append({
                "shop": shop, "status": status, "status_label": label, "products": len(products),
                "products_without_stock": without_stock, "stock_alerts": alerts,
                "next_steps": next_steps(shop, status, terms_ok, len(products), without_stock, len(alerts)),
                "order_email_missing": shop.translation_key in no_order_email,
                "edit_url": reverse("wagtailadmin_pages:edit", args=[shop.pk]),
                "view_url": shop.get_url(request) if status == "live" else None,
            })
        # How to translate the shop, for a merchant allowed to (all are, by markets.merchants).
        english_url = reverse("markets_english_out_of_date") if may_submit_translations(self.user) else None
        return {"shops": items, "terms_ok": terms_ok, "stock_url": reverse("shops_stock"),
                "english_out_of_date_url": english_url}
