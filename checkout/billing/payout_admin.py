"""Admin of statements and payouts: the "Relevés et versements" menu and its log actions.

- "Relevés": weekly statements, list (filter by week, CSV export) and detail;
- "Versements": payouts, list and detail; for the platform's accounting,
  the SEPA export, the batches, their files and "Marquer comme payé";
- "Coordonnées bancaires": the account each shop is paid on.

Views live in `checkout.billing.payout_views` and `checkout.billing.payout_account_views`,
which say who sees what.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.log_actions import LogFormatter

from checkout.billing import payout_account_views, payout_views, payouts
from checkout.billing.payout_account_views import ACCOUNT_CHANGE_ACTION
from checkout.models import Payout, WeeklyStatement
from checkout.shop_scoped_admin import ShopScopedViewSet
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.money import euros


class StatementViewSet(ShopScopedViewSet):
    """Weekly statements: list with a week filter and CSV export, detail. Nothing is edited here."""

    model = WeeklyStatement
    name = "releves"
    icon = "doc-full"
    menu_label = _("Relevés")
    menu_name = "statements"
    add_to_admin_menu = False  # in the group's submenu
    permission_policy_class = payout_views.AccountingPermissionPolicy

    index_view_class = payout_views.StatementIndexView
    inspect_view_class = payout_views.StatementInspectView
    inspect_template_name = "checkout/payouts/statement_inspect.html"
    filterset_class = payout_views.StatementFilterSet
    list_columns = payout_views.statement_columns
    export_columns = payout_views.STATEMENT_EXPORT

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(payout_inspect_url_name="versements:inspect", **kwargs)


class PayoutViewSet(ShopScopedViewSet):
    """Payouts: list and detail for those who see them; export, batches and payment for the accounting."""

    model = Payout
    name = "versements"
    icon = "resubmit"
    menu_label = _("Versements")
    menu_name = "payouts"
    add_to_admin_menu = False
    permission_policy_class = payout_views.AccountingPermissionPolicy

    index_view_class = payout_views.PayoutIndexView
    inspect_view_class = payout_views.PayoutInspectView
    inspect_template_name = "checkout/payouts/payout_inspect.html"
    filterset_class = payout_views.PayoutFilterSet
    list_columns = payout_views.payout_columns
    export_columns = payout_views.PAYOUT_EXPORT
    actions = (
        ("<pk:pk>/payer/", payout_views.MarkPayoutPaidView, "mark_paid"),
        ("exporter/", payout_views.ExportView, "export"),
        ("lots/", payout_views.BatchIndexView, "batches"),
        ("lots/<pk:pk>/", payout_views.BatchView, "batch"),
        ("lots/<pk:pk>/fichier/", payout_views.BatchDownloadView, "batch_download"),
        ("lots/<pk:pk>/payer/", payout_views.MarkBatchPaidView, "batch_mark_paid"),
    )

    def get_permissions_to_register(self):
        # "Can change payout" makes a user the platform's accounting; it is granted to a group by the operator.
        return payout_views.payout_permissions()

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(statement_inspect_url_name="releves:inspect", **kwargs)


class PayoutAccountMenuItem(MenuItem):
    def is_shown(self, request):
        return payout_account_views.account_menu_shown(request)


class PayoutAccountViewSet(ViewSet):
    """The bank account of each shop a user manages."""

    name = "coordonnees-bancaires"
    icon = "form"
    menu_label = _("Coordonnées bancaires")
    menu_name = "payout_account"
    menu_item_class = PayoutAccountMenuItem

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            index_url_name=self.get_url_name("index"), edit_url_name=self.get_url_name("edit"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            path("", self.construct_view(payout_account_views.AccountIndexView), name="index"),
            path("<pk:shop_pk>/", self.construct_view(payout_account_views.AccountEditView), name="edit"),
        ]


class PayoutsViewSetGroup(ViewSetGroup):
    items = (StatementViewSet, PayoutViewSet, PayoutAccountViewSet)
    menu_label = _("Relevés et versements")
    menu_name = "statements_and_payouts"
    menu_icon = "doc-full"
    menu_order = 270


@hooks.register("register_admin_viewset")
def register_payouts_viewsets():
    return PayoutsViewSetGroup()


@hooks.register("register_log_actions")
def register_payout_log_actions(actions):
    @actions.register_action(payouts.EXPORT_ACTION)
    class Exported(LogFormatter):
        label = _("Export des virements")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("%(count)s virements exportés, %(total)s") % {
                "count": data.get("count", "?"),
                "total": euros(data.get("total", "0")),
            }

    @actions.register_action(payouts.PAID_ACTION)
    class Paid(LogFormatter):
        label = _("Versement payé")

        def format_message(self, log_entry):
            return _("Versement de %(amount)s marqué comme payé") % {
                "amount": euros((log_entry.data or {}).get("amount", "0"))
            }

    @actions.register_action(payouts.BATCH_PAID_ACTION)
    class BatchPaid(LogFormatter):
        label = _("Lot payé")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            return _("%(count)s virements marqués comme payés, %(total)s") % {
                "count": data.get("count", "?"),
                "total": euros(data.get("total", "0")),
            }

    @actions.register_action(ACCOUNT_CHANGE_ACTION)
    class AccountChanged(LogFormatter):
        label = _("Coordonnées bancaires modifiées")

        def format_message(self, log_entry):
            # The log holds the masked IBAN only: the full one stays in its row.
            data = log_entry.data or {}
            return _("Compte de %(holder)s, IBAN %(iban)s") % {
                "holder": data.get("holder", "?"),
                "iban": data.get("iban", "?"),
            }
