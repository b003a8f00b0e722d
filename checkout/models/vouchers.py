"""Vouchers issued for paid voucher and service lines, and what was taken from them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from checkout.models.orders import MONEY, OrderLine
from checkout.models.payments import Refund
from checkout.models.shop_rows import ShopRowQuerySet
from shops.models import ProductKind


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("Valable")
    USED = "used", _("Utilisé")
    EXPIRED = "expired", _("Expiré")
    CANCELLED = "cancelled", _("Annulé")


class Voucher(models.Model):
    """One gift voucher or one service to use later, issued per unit sold when the order is paid.

    `status` is stored as active, used or cancelled; "expired" follows from
    `valid_until` and the day (see `status_on`), so nothing has to run at
    midnight. `balance` changes only under a row lock with a conditional
    UPDATE (see `checkout.vouchers.services`); the check constraints hold it between
    zero and the amount whatever the code does.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, editable=False)
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="vouchers")
    index = models.PositiveSmallIntegerField(_("n° dans la ligne"))
    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=10, choices=ProductKind.choices)
    name = models.CharField(_("désignation"), max_length=255)
    amount = models.DecimalField(_("montant"), **MONEY)
    balance = models.DecimalField(_("solde"), **MONEY)
    valid_until = models.DateField(_("valable jusqu'au"))
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=200, blank=True)
    gift_message = models.TextField(_("message"), blank=True)
    buyer_name = models.CharField(_("acheteur"), max_length=200)
    buyer_email = models.EmailField(_("e-mail de l'acheteur"))
    language = models.CharField(max_length=10, default="fr")
    status = models.CharField(
        _("statut"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(_("émis le"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ShopRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("bon")
        verbose_name_plural = _("bons")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One voucher per unit: replaying a payment confirmation cannot issue twice.
            models.UniqueConstraint(fields=["order_line", "index"], name="voucher_one_per_unit"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="voucher_balance_not_negative"),
            models.CheckConstraint(condition=models.Q(balance__lte=models.F("amount")), name="voucher_balance_within_amount"),
        ]

    def __str__(self):
        return f"{self.display_code} — {self.name}"

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed: ABCD-EFGH-JKMN-PQRS."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def status_on(self, day) -> str:
        if self.status == VoucherStatus.ACTIVE and self.valid_until < day:
            return VoucherStatus.EXPIRED
        return self.status

    def status_label_on(self, day) -> str:
        return VoucherStatus(self.status_on(day)).label

    @property
    def is_service(self) -> bool:
        """Used whole, once: a service, or a shop's part of a bundle (a balance is for gift vouchers only)."""
        return self.kind in (ProductKind.SERVICE, ProductKind.BUNDLE)


class RedemptionKind(models.TextChoices):
    REDEEMED = "redeemed", _("Utilisation")
    REFUNDED = "refunded", _("Remboursement")


class Redemption(models.Model):
    """What was taken from a voucher's balance: used at the shop, or given back by a refund."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    kind = models.CharField(max_length=10, choices=RedemptionKind.choices, default=RedemptionKind.REDEEMED)
    amount = models.DecimalField(_("montant"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    refund = models.ForeignKey(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("le"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("utilisation de bon")
        verbose_name_plural = _("utilisations de bons")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.voucher.display_code}: {self.amount}"
