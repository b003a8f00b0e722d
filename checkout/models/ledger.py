"""The append-only ledger: every movement of money is one row."""


from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkout.models.orders import MONEY, ShopOrder
from checkout.models.payments import Refund
from checkout.models.shop_rows import ShopRowQuerySet


class LedgerKind(models.TextChoices):
    SALE = "sale", _("Vente")
    COMMISSION = "commission", _("Commission")
    REFUND = "refund", _("Remboursement")
    COMMISSION_RETURNED = "commission_returned", _("Commission restituée")
    TRANSFER_FEE = "transfer_fee", _("Frais de virement")
    PAYOUT = "payout", _("Versement")


class LedgerImmutable(Exception):
    pass


class LedgerQuerySet(ShopRowQuerySet):
    def update(self, **kwargs):
        raise LedgerImmutable("Ledger entries are append-only.")

    def delete(self):
        raise LedgerImmutable("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    """One movement of money, never changed nor deleted.

    Signs are seen from the merchant's balance: what the platform owes the
    merchant grows with a positive amount.

    - sale                 +  what the customer paid for the shop order
    - commission           −  the platform's commission on that sale
    - refund               −  what was given back to the customer
    - commission_returned  +  the commission on the refunded part
    - transfer_fee         −  a bank fee charged to the merchant
    - payout               −  money transferred to the merchant

    So the merchant's balance is the sum of their entries, the platform's
    commission is minus the sum of commission + commission_returned, and
    the customer's net payment is the sum of sale + refund.
    """

    kind = models.CharField(_("nature"), max_length=20, choices=LedgerKind.choices, db_index=True)
    # Whose balance the entry moves; a shop order's shop, or the statement's for fees and payouts.
    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shop_order = models.ForeignKey(
        ShopOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    amount = models.DecimalField(_("montant"), **MONEY)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The weekly statement that charged this transfer fee or made this payout.
    statement = models.ForeignKey(
        "checkout.WeeklyStatement", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    # When the money moved (the payment's or refund's time): statements cut weeks on it.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        ordering = ["pk"]
        indexes = [models.Index(fields=["shop", "created_at"], name="ledger_shop_time")]

    def __str__(self):
        return f"{self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise LedgerImmutable("Ledger entries are append-only.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("Ledger entries are append-only.")
