"""Weekly statements, the merchants' bank accounts and the payouts made to them.

A statement is a sum over the ledger for one merchant and one week; it is
written once and never recomputed. Its transfer fee and payout are ledger
entries pointing at it, so the merchant's balance stays the sum of their
ledger entries. See `checkout.billing.statements`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkout.models.orders import MONEY
from checkout.models.shop_rows import ShopRowQuerySet
from checkout.validators import validate_bic, validate_iban
from portal.dates import short_date
from portal.money import euros


def is_accountant(user) -> bool:
    """The platform's accounting: superusers, and users holding "Can change payout" (granted to a group).

    They see every statement and payout, export payouts to the bank and
    mark them paid.
    """
    return user.has_perm("checkout.change_payout")


class AccountingRowQuerySet(ShopRowQuerySet):
    """Statements and payouts: read by those who manage the shop, and by the platform's accounting."""

    def managed_by(self, user):
        """The rows of the shops `user` manages; every row for the accounting (`is_accountant`)."""
        if is_accountant(user):
            return self.all()
        return super().managed_by(user)


class PayoutAccount(models.Model):
    """The account a merchant is paid on.

    Kept off the shop page on purpose: a page revision or a translation
    would copy bank details into places nobody audits.
    """

    shop = models.OneToOneField(
        "shops.ShopPage", verbose_name=_("boutique"), on_delete=models.CASCADE, related_name="payout_account"
    )
    holder = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    bic = models.CharField(_("BIC"), max_length=11, blank=True, validators=[validate_bic])
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The `updated_at` the merchants were last told of (checkout.billing.emails.send_bank_details_changed):
    # claimed with a conditional UPDATE, so a task run twice tells them once.
    change_notified_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ShopRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("compte de versement")
        verbose_name_plural = _("comptes de versement")

    def __str__(self):
        return f"{self.holder} — {self.iban[:4]}…{self.iban[-4:]}"


class BankDetailsChangeStatus(models.TextChoices):
    PENDING = "pending", _("En attente de confirmation")
    CONFIRMED = "confirmed", _("Confirmée par le commerçant")
    APPROVED = "approved", _("Approuvée par la comptabilité")
    CANCELLED = "cancelled", _("Annulée")
    EXPIRED = "expired", _("Expirée")


class BankDetailsChange(models.Model):
    """A change of a shop's bank details asked by someone other than its merchant, waiting to be confirmed.

    Nothing here is paid: exports read `PayoutAccount` only, which changes
    when the merchant confirms (or the platform's accounting approves), see
    `checkout.billing.bank_details`. Only a hash of the confirmation token
    is stored; the token itself exists in the e-mail alone.
    """

    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), on_delete=models.CASCADE, related_name="+"
    )
    # The account as it was when the change was asked (blank when the shop had none).
    old_holder = models.CharField(_("ancien titulaire"), max_length=70, blank=True)
    old_iban = models.CharField(_("ancien IBAN"), max_length=34, blank=True)
    old_bic = models.CharField(_("ancien BIC"), max_length=11, blank=True)
    new_holder = models.CharField(_("nouveau titulaire"), max_length=70)
    new_iban = models.CharField(_("nouvel IBAN"), max_length=34, validators=[validate_iban])
    new_bic = models.CharField(_("nouveau BIC"), max_length=11, blank=True, validators=[validate_bic])
    status = models.CharField(
        _("état"),
        max_length=10,
        choices=BankDetailsChangeStatus.choices,
        default=BankDetailsChangeStatus.PENDING,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    # SHA-256 of the token sent by e-mail; set when the e-mail goes out (null until then).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)

    objects = AccountingRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("modification de coordonnées bancaires")
        verbose_name_plural = _("modifications de coordonnées bancaires")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # A second request replaces the first: never two changes waiting for one shop.
            models.UniqueConstraint(
                fields=["shop"], condition=models.Q(status="pending"), name="bank_details_change_one_pending"
            ),
        ]

    def __str__(self):
        return _("Modification des coordonnées bancaires de %(shop)s") % {"shop": self.shop.title}


class WeeklyStatement(models.Model):
    """What one merchant earned in one week (Monday to Sunday, Europe/Paris) and what is paid to them.

    Amounts are magnitudes (all ≥ 0) except the carried balances:
    `balance = carried_in + sales − refunds − commission + commission_returned`;
    when `balance − transfer fee` is positive it is paid (`payout_amount`)
    and nothing is carried, otherwise no transfer is made, no fee is
    charged and `carried_out = balance` opens the next week.
    """

    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.ForeignKey(
        "markets.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    week_start = models.DateField(_("semaine du"), db_index=True)
    # Ledger entries created before this instant (and after the previous statement's) are counted here.
    period_end = models.DateTimeField(_("arrêté au"))

    # The merchant as on the day the statement was made.
    trade_name = models.CharField(_("nom commercial"), max_length=255)
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14)
    vat_status = models.CharField(_("régime de TVA"), max_length=20)
    vat_number = models.CharField(_("n° de TVA"), max_length=20, blank=True)
    merchant_email = models.EmailField(_("e-mail du commerçant"), blank=True)
    merchant_language = models.CharField(max_length=10, default="fr")

    orders_count = models.PositiveIntegerField(_("commandes"), default=0)
    carried_in = models.DecimalField(_("report de la semaine précédente"), **MONEY)
    sales = models.DecimalField(_("ventes"), **MONEY)
    refunds = models.DecimalField(_("remboursements"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    commission_returned = models.DecimalField(_("commission restituée"), **MONEY)
    transfer_fee = models.DecimalField(_("frais de virement TTC"), **MONEY)
    payout_amount = models.DecimalField(_("net versé"), **MONEY)
    carried_out = models.DecimalField(_("reporté à la semaine suivante"), **MONEY)

    created_at = models.DateTimeField(_("établi le"), auto_now_add=True)
    report_sent_at = models.DateTimeField(null=True, blank=True)

    objects = AccountingRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("relevé hebdomadaire")
        verbose_name_plural = _("relevés hebdomadaires")
        ordering = ["-week_start", "trade_name"]
        constraints = [
            # Running the week twice, or after a crash halfway, makes nothing twice.
            models.UniqueConstraint(fields=["shop", "week_start"], name="statement_one_per_shop_and_week"),
        ]

    def __str__(self):
        return _("Relevé %(shop)s, semaine du %(day)s") % {
            "shop": self.trade_name, "day": short_date(self.week_start)
        }

    @property
    def balance(self):
        return self.carried_in + self.sales - self.refunds - self.commission + self.commission_returned


class PayoutState(models.TextChoices):
    PENDING = "pending", _("À exporter")
    EXPORTED = "exported", _("Exporté à la banque")
    PAID = "paid", _("Payé")


class PayoutBatch(models.Model):
    """One file (or one call) handing several payouts to the bank: a SEPA pain.001, say."""

    backend = models.CharField(_("mode de versement"), max_length=20)
    reference = models.CharField(_("référence"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payouts_count = models.PositiveIntegerField(_("virements"), default=0)
    total = models.DecimalField(_("total"), **MONEY)
    # The file given to the bank, byte for byte (a few kB of XML).
    document = models.BinaryField(_("fichier"), blank=True, editable=False)
    filename = models.CharField(_("nom du fichier"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("lot de virements")
        verbose_name_plural = _("lots de virements")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.reference


class Payout(models.Model):
    """The money a statement pays to its merchant, from the statement to the bank's confirmation."""

    statement = models.OneToOneField(WeeklyStatement, on_delete=models.PROTECT, related_name="payout")
    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.ForeignKey(
        "markets.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("montant"), **MONEY)
    state = models.CharField(
        _("état"), max_length=10, choices=PayoutState.choices, default=PayoutState.PENDING, db_index=True
    )
    batch = models.ForeignKey(
        PayoutBatch, verbose_name=_("lot"), null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    # The account paid, as it was when the payout was exported.
    holder = models.CharField(_("titulaire"), max_length=70, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    exported_at = models.DateTimeField(_("exporté le"), null=True, blank=True)
    paid_at = models.DateTimeField(_("payé le"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AccountingRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("versement")
        verbose_name_plural = _("versements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self):
        return f"{self.end_to_end_id} — {euros(self.amount)}"
