"""Merchant's space: the stock form (its own rows, not a page revision)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal import converters  # noqa: F401 (registers <pk:...>)
from shops import stock_admin
from shops.access import manages_a_shop


@hooks.register("register_admin_urls")
def register_stock_urls():
    return [
        path("stock/", stock_admin.stock_index, name="shops_stock"),
        path("stock/<pk:product_id>/", stock_admin.stock_edit, name="shops_stock_edit"),
    ]


class StockMenuItem(MenuItem):
    def is_shown(self, request):
        return manages_a_shop(request.user)


@hooks.register("register_admin_menu_item")
def register_stock_menu_item():
    return StockMenuItem(_("Stock"), reverse("shops_stock"), icon_name="list-ul", order=160)


@hooks.register("register_log_actions")
def register_stock_actions(actions):
    actions.register_action(stock_admin.STOCK_SET_ACTION, _("Fixer le stock"), _("Stock fixé"))
    actions.register_action(stock_admin.STOCK_ADD_ACTION, _("Ajouter au stock"), _("Stock ajouté"))


@hooks.register("construct_homepage_summary_items", order=100)  # after Wagtail adds its items
def hide_site_totals_from_non_superusers(request, summary_items):
    # Wagtail's summary counts every page and image of the site, which tells a
    # merchant (or another territory's editor) how big everyone else is.
    # The dashboard panel of their own shop says what they need.
    if not request.user.is_superuser:
        summary_items.clear()


def _bundle_of(page):
    """`page` when it is the default-locale page of a bundle (translations share its parts and answers)."""
    from wagtail.models import Locale

    from shops.models import ProductKind, ProductPage

    page = page.specific_deferred if not isinstance(page, ProductPage) else page
    if isinstance(page, ProductPage) and page.kind == ProductKind.BUNDLE and page.locale_id == Locale.get_default().pk:
        return page
    return None


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def ask_bundle_participants(request, page):
    """A saved draft of a bundle asks its participants about terms they were not asked yet."""
    from shops.bundles import ask_consents

    bundle = _bundle_of(page)
    if bundle is not None:
        ask_consents(bundle.get_latest_revision_as_object())


@hooks.register("before_publish_page")
def hold_bundle_until_accepted(request, page):
    """A bundle is published only once each participant accepted its terms; until then it stays a draft.

    The revision is already saved: the participants are asked about it, and
    the merchant returns to the editor with who is still to answer.
    """
    from django.contrib import messages
    from django.shortcuts import redirect

    from shops.bundles import ask_consents, missing_consents
    from shops.models import ShopPage

    bundle = _bundle_of(page)
    if bundle is None:
        return None
    ask_consents(bundle)
    missing = missing_consents(bundle)
    if not missing:
        return None
    if page.live_revision_id is None:
        # A new page is created live by the editor's "publish" before this hook: it must stay a draft.
        type(page).objects.filter(pk=page.pk).update(live=False, has_unpublished_changes=True)
    names = ", ".join(ShopPage.objects.filter(pk__in=missing).order_by("title").values_list("title", flat=True))
    messages.warning(request, _(
        "Le coffret est enregistré comme brouillon : il sera publié quand chaque participant aura accepté sa part. "
        "En attente de : %(shops)s."
    ) % {"shops": names})
    return redirect("wagtailadmin_pages:edit", page.pk)


# Shared bundles: the participants' answers, and the sellers' view of them (shops.bundle_admin).


@hooks.register("register_admin_urls")
def register_bundle_urls():
    from shops import bundle_admin

    return [
        path("coffrets/", bundle_admin.bundles_index, name="shops_bundles"),
        path("coffrets/<pk:consent_id>/accepter/", bundle_admin.accept_part, name="shops_bundle_accept"),
        path("coffrets/<pk:consent_id>/refuser/", bundle_admin.decline_part, name="shops_bundle_decline"),
        path("coffrets/<pk:consent_id>/retirer/", bundle_admin.withdraw_part, name="shops_bundle_withdraw"),
    ]


class BundlesMenuItem(MenuItem):
    def is_shown(self, request):
        return manages_a_shop(request.user)


@hooks.register("register_admin_menu_item")
def register_bundles_menu_item():
    return BundlesMenuItem(_("Coffrets partagés"), reverse("shops_bundles"), icon_name="group", order=165)


@hooks.register("register_log_actions")
def register_bundle_actions(actions):
    from shops import bundle_admin

    actions.register_action(bundle_admin.ACCEPT_ACTION, _("Accepter une part de coffret"), _("Part de coffret acceptée"))
    actions.register_action(bundle_admin.DECLINE_ACTION, _("Refuser une part de coffret"), _("Part de coffret refusée"))
    actions.register_action(bundle_admin.WITHDRAW_ACTION, _("Retirer une part de coffret"), _("Part de coffret retirée"))
