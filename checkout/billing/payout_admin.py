"""Admin of statements and payouts: the "Relevés et versements" menu and its log actions.

- "Relevés": weekly statements, list (filter by week, CSV export) and detail;
- "Versements": payouts, list and detail; for the platform's accounting,
  the SEPA export, the batches, their files and "Marquer comme payé";
- "Coordonnées bancaires": the account each shop is paid on, the changes
  waiting for a merchant's confirmation (approved here by the accounting)
  and the confirmation link e-mailed to the merchants.

Views live in `checkout.billing.payout_views` and `checkout.billing.payout_account_views`,
which say who sees what.
"""

from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.log_actions import LogFormatter

from checkout.billing import bank_details, payout_account_views, payout_views, payouts
from checkout.billing.bank_details import ACCOUNT_CHANGE_ACTION
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
            index_url_name=self.get_url_name("index"),
            edit_url_name=self.get_url_name("edit"),
            pending_url_name=self.get_url_name("pending"),
            **kwargs,
        )

    def get_urlpatterns(self):
        views = payout_account_views
        return [
            path("", self.construct_view(views.AccountIndexView), name="index"),
            path("<pk:shop_pk>/", self.construct_view(views.AccountEditView), name="edit"),
            # The link e-mailed to the merchants (a token, not an id): see checkout.billing.bank_details.
            path("confirmer/<str:token>/", self.construct_view(views.ConfirmChangeView), name="confirm"),
            path("en-attente/", self.construct_view(views.PendingChangesView), name="pending"),
            path("en-attente/<pk:pk>/approuver/", self.construct_view(views.ApproveChangeView), name="approve"),
            path("en-attente/<pk:pk>/annuler/", self.construct_view(views.CancelChangeView), name="cancel"),
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


class BankDetailsChangeFormatter(LogFormatter):
    """A change's log entry in one sentence, with masked IBANs only (as logged)."""

    sentence = ""

    def format_message(self, log_entry):
        data = log_entry.data or {}

        def account(details):
            details = details or {}
            if not details.get("iban"):
                return gettext("aucun compte")
            return f"{details['iban']} ({details.get('holder', '')})"

        return self.sentence % {"new": account(data.get("new")), "old": account(data.get("old"))}


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

    @actions.register_action(bank_details.REQUEST_ACTION)
    class ChangeRequested(BankDetailsChangeFormatter):
        label = _("Changement de coordonnées bancaires demandé")
        sentence = _("Changement demandé vers %(new)s (au lieu de %(old)s), en attente de confirmation")

    @actions.register_action(bank_details.CONFIRM_ACTION)
    class ChangeConfirmed(BankDetailsChangeFormatter):
        label = _("Changement de coordonnées bancaires confirmé")
        sentence = _("Changement vers %(new)s confirmé par le commerçant")

    @actions.register_action(bank_details.APPROVE_ACTION)
    class ChangeApproved(BankDetailsChangeFormatter):
        label = _("Changement de coordonnées bancaires approuvé")
        sentence = _("Changement vers %(new)s approuvé par la comptabilité")

    @actions.register_action(bank_details.CANCEL_ACTION)
    class ChangeCancelled(BankDetailsChangeFormatter):
        label = _("Changement de coordonnées bancaires annulé")
        sentence = _("Changement vers %(new)s annulé")

    @actions.register_action(bank_details.EXPIRE_ACTION)
    class ChangeExpired(BankDetailsChangeFormatter):
        label = _("Changement de coordonnées bancaires expiré")
        sentence = _("Changement vers %(new)s expiré sans confirmation")

