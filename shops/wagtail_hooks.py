"""Merchant's space: the stock form (its own rows, not a page revision)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal import converters  # noqa: F401 (registers <pk:...>)
from shops import stock_admin
from shops.access import shops_managed_by


@hooks.register("register_admin_urls")
def register_stock_urls():
    return [
        path("stock/", stock_admin.stock_index, name="shops_stock"),
        path("stock/<pk:product_id>/", stock_admin.stock_edit, name="shops_stock_edit"),
    ]


class StockMenuItem(MenuItem):
    def is_shown(self, request):
        return shops_managed_by(request.user).exists()


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
