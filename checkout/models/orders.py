"""Orders, payments, refunds and the ledger.

An order copies everything it charged (names, unit prices, delivery fee,
merchant identity, commission) so that later edits of a shop never change
a past order, a report or an invoice. Money moves only through
`LedgerEntry` rows, which are append-only.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.models import DeliveryKind, ProductKind

MONEY = {"max_digits": 10, "decimal_places": 2}


def new_order_token() -> str:
    # 32 random bytes: the private link to an order is its only key.
    return secrets.token_urlsafe(32)


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("En attente de paiement")
    PAID = "paid", _("Payée")
    FAILED = "failed", _("Paiement refusé")
    EXPIRED = "expired", _("Expirée")


class Order(models.Model):
    """What one customer bought in one basket, across the shops of a territory.

    `status` follows from the payments (see `checkout.services`); it is
    stored so that lists can filter on it.
    """

    token = models.CharField(max_length=64, unique=True, default=new_order_token, editable=False)
    territory = models.ForeignKey(
        "markets.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    customer_name = models.CharField(_("nom"), max_length=200)
    customer_email = models.EmailField(_("e-mail"))
    customer_phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="orders",
    )
    language = models.CharField(_("langue"), max_length=10, default="fr")
    status = models.CharField(
        _("statut"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    total = models.DecimalField(_("total TTC"), **MONEY)
    currency = models.CharField(max_length=3, default="eur")
    created_at = models.DateTimeField(_("passée le"), auto_now_add=True, db_index=True)
    # Stock stays reserved for the order until then; after it, an unpaid order expires.
    hold_expires_at = models.DateTimeField(_("réservation jusqu'au"))
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Commande n° %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else "—"


class FulfilmentStatus(models.TextChoices):
    READY = "ready", _("À préparer")
    SHIPPED = "shipped", _("Expédiée")
    COLLECTED = "collected", _("Retirée")


class ShopOrder(models.Model):
    """The part of an order that one merchant fulfils, with its own delivery."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shop_orders")
    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The merchant as invoiced on the day of the order.
    trade_name = models.CharField(_("nom commercial"), max_length=255)
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14)
    vat_status = models.CharField(_("régime de TVA"), max_length=20)
    vat_number = models.CharField(_("n° de TVA"), max_length=20, blank=True)
    merchant_email = models.EmailField(_("e-mail du commerçant"), blank=True)
    merchant_language = models.CharField(max_length=10, default="fr")

    delivery_kind = models.CharField(_("mode de livraison"), max_length=10, choices=DeliveryKind.choices)
    delivery_label = models.CharField(_("livraison"), max_length=120)
    delivery_detail = models.TextField(_("détail de livraison"), blank=True)
    delivery_fee = models.DecimalField(_("frais de livraison"), **MONEY)
    delivery_address = models.TextField(_("adresse de livraison"), blank=True)

    subtotal = models.DecimalField(_("sous-total articles"), **MONEY)
    total = models.DecimalField(_("total TTC"), **MONEY)
    # Copied when the order is paid, at the territory's rate of the day.
    commission_rate = models.DecimalField(_("taux de commission (%)"), max_digits=5, decimal_places=2, null=True)
    commission_amount = models.DecimalField(_("commission"), null=True, **MONEY)

    fulfilment_status = models.CharField(
        _("préparation"), max_length=10, choices=FulfilmentStatus.choices, default=FulfilmentStatus.READY
    )
    archived = models.BooleanField(_("archivée"), default=False)
    merchant_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commande boutique")
        verbose_name_plural = _("commandes boutique")
        ordering = ["-order__created_at", "pk"]

    def __str__(self):
        return f"{self.order} — {self.trade_name}"


class OrderLine(models.Model):
    shop_order = models.ForeignKey(ShopOrder, on_delete=models.PROTECT, related_name="lines")
    product_key = models.UUIDField(_("produit (clé)"), db_index=True)
    product = models.ForeignKey(
        "shops.ProductPage", verbose_name=_("produit"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("désignation"), max_length=255)
    kind = models.CharField(_("type"), max_length=10, choices=ProductKind.choices)
    unit_price = models.DecimalField(_("prix unitaire TTC"), **MONEY)
    vat_rate = models.DecimalField(_("taux de TVA"), max_digits=5, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantité"))
    options = models.JSONField(_("options choisies"), default=dict, blank=True)
    total = models.DecimalField(_("total TTC"), **MONEY)
    # For a gift voucher or a service: who it is for, printed on the voucher.
    beneficiary_name = models.CharField(_("bénéficiaire"), max_length=200, blank=True)
    gift_message = models.TextField(_("message"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("ligne de commande")
        verbose_name_plural = _("lignes de commande")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.quantity} × {self.name}"


class PaymentState(models.TextChoices):
    CREATED = "created", _("Créé")
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Réussi")
    FAILED = "failed", _("Échoué")
    REFUNDED = "refunded", _("Remboursé")


class Payment(models.Model):
    """One attempt to pay an order: a PaymentIntent at the provider."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider_id = models.CharField(_("référence du prestataire"), max_length=255, unique=True)
    amount = models.DecimalField(_("montant"), **MONEY)
    currency = models.CharField(max_length=3, default="eur")
    state = models.CharField(_("état"), max_length=10, choices=PaymentState.choices, default=PaymentState.CREATED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")

    def __str__(self):
        return f"{self.provider_id} ({self.state})"


class WebhookEvent(models.Model):
    """A provider event already received: each one is acted on at most once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("événement de paiement")
        verbose_name_plural = _("événements de paiement")

    def __str__(self):
        return f"{self.event_id} {self.type}"


class RefundState(models.TextChoices):
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Effectué")
    FAILED = "failed", _("Échoué")


class Refund(models.Model):
    shop_order = models.ForeignKey(ShopOrder, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("montant"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    provider_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=RefundState.choices, default=RefundState.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    customer_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")

    def __str__(self):
        return f"{self.amount} € ({self.state})"


class LedgerKind(models.TextChoices):
    SALE = "sale", _("Vente")
    COMMISSION = "commission", _("Commission")
    REFUND = "refund", _("Remboursement")
    COMMISSION_RETURNED = "commission_returned", _("Commission restituée")
    TRANSFER_FEE = "transfer_fee", _("Frais de virement")
    PAYOUT = "payout", _("Versement")


class LedgerImmutable(Exception):
    pass


class LedgerQuerySet(models.QuerySet):
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
    UPDATE (see `checkout.vouchers`); the check constraints hold it between
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
        return self.kind == ProductKind.SERVICE


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
