"""Admin UI of checkout: the "Commandes" menu of merchants and territory editors."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from checkout import order_admin
from checkout.accounts import erasure as personal_data_erasure

# Their hooks register on import: invoices, payouts and statements, reports and dashboard.
from checkout.billing import invoice_admin, merchant_dashboard, payout_admin, report_admin  # noqa: F401
from checkout.filters import ShopOrderFilterSet
from checkout.models import FulfilmentStatus, ShopOrder
from checkout.shop_scoped_admin import ShopScopedViewSet
from checkout.vouchers import services as vouchers
from checkout.vouchers.admin import VoucherViewSet
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.money import euros


class ShopOrderViewSet(ShopScopedViewSet):
    """The orders of the shops a user manages: list, CSV export, detail and actions.

    No add, edit, delete, copy or history URL exists: an order changes only
    through the actions below, each one POST only and logged.
    """

    model = ShopOrder
    name = "commandes"
    icon = "clipboard-list"
    menu_label = _("Commandes")
    menu_name = "orders"
    menu_order = 250

    index_view_class = order_admin.ShopOrderIndexView
    inspect_view_class = order_admin.ShopOrderInspectView
    inspect_template_name = "checkout/admin/shop_order_inspect.html"
    filterset_class = ShopOrderFilterSet
    list_columns = order_admin.list_display
    export_columns = order_admin.EXPORT_COLUMNS
    actions = (
        ("<pk:pk>/preparation/", order_admin.FulfilmentView, "fulfilment"),
        ("<pk:pk>/archiver/", order_admin.ArchiveView, "archive"),
        ("<pk:pk>/desarchiver/", order_admin.UnarchiveView, "unarchive"),
        ("<pk:pk>/rembourser/", order_admin.RefundView, "refund"),
        ("<pk:pk>/rembourser-coffret/", order_admin.BundleRefundView, "bundle_refund"),
    )


@hooks.register("register_admin_viewset")
def register_shop_order_viewset():
    return ShopOrderViewSet()


@hooks.register("register_log_actions")
def register_shop_order_log_actions(actions):
    @actions.register_action(order_admin.FULFILMENT_ACTION)
    class FulfilmentChanged(LogFormatter):
        label = _("Préparation de la commande")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            labels = dict(FulfilmentStatus.choices)
            return _("Préparation : %(before)s → %(after)s") % {
                "before": labels.get(data.get("from"), data.get("from")),
                "after": labels.get(data.get("to"), data.get("to")),
            }

    actions.register_action(order_admin.ARCHIVE_ACTION, _("Archivage de la commande"), _("Commande archivée"))
    actions.register_action(
        order_admin.UNARCHIVE_ACTION, _("Désarchivage de la commande"), _("Commande remise dans les commandes en cours")
    )

    @actions.register_action(order_admin.REFUND_ACTION)
    class Refunded(LogFormatter):
        label = _("Remboursement")

        def format_message(self, log_entry):
            amount = (log_entry.data or {}).get("amount")
            return _("Remboursement de %(amount)s") % {"amount": euros(amount) if amount else "?"}


@hooks.register("register_log_actions")
def register_personal_data_log_actions(actions):
    actions.register_action(
        personal_data_erasure.EXPORT_ACTION,
        _("Export des données personnelles"),
        _("Données personnelles téléchargées"),
    )
    actions.register_action(
        personal_data_erasure.ERASE_ACTION, _("Effacement des données personnelles"), _("Données personnelles effacées")
    )


@hooks.register("register_admin_viewset")
def register_voucher_viewset():
    return VoucherViewSet()


@hooks.register("register_log_actions")
def register_voucher_log_actions(actions):
    @actions.register_action(vouchers.REDEEM_ACTION)
    class Redeemed(LogFormatter):
        label = _("Utilisation du bon")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("%(amount)s utilisés, solde %(balance)s") % {
                "amount": euros(data.get("amount", "0")),
                "balance": euros(data.get("balance", "0")),
            }

    @actions.register_action(vouchers.CANCEL_ACTION)
    class CancelledByRefund(LogFormatter):
        label = _("Remboursement du bon")

        def format_message(self, log_entry):
            return _("%(amount)s remboursés au client") % {"amount": euros((log_entry.data or {}).get("amount", "0"))}


@hooks.register("construct_homepage_panels")
def add_money_panels(request, panels):
    """The merchant's orders, sales, vouchers and payouts; the territories' week against the last."""
    for panel_class in (merchant_dashboard.MerchantMoneyPanel, merchant_dashboard.TerritorySalesPanel):
        panel = panel_class.for_request(request)
        if panel is not None:
            panels.append(panel)
