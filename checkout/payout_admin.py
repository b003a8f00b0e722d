"""Admin of statements and payouts: "Relevés", "Versements", "Coordonnées bancaires", and their log actions."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from checkout import payouts
from portal.templatetags.portal_tags import euros

ACCOUNT_CHANGE_ACTION = "checkout.payout_account.change"


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
