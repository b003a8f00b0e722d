"""Payment attempts, Stripe events received once, and refunds."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from checkout.models.orders import MONEY, Order, ShopOrder
from portal.money import euros


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
    # The card tried on this attempt ("" while none was): another card is another attempt.
    payment_method = models.CharField(max_length=255, blank=True, editable=False)
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
    """Where a refund stands; the provider is called between REQUESTED and the other three.

    requested ─(provider says yes)→ succeeded
              ─(provider says no)→ failed
              ─(no answer)→ unknown ─(reconcile_refunds finds it)→ succeeded / failed

    Requested and unknown refunds count as given back (see
    `checkout.services.refundable_amount`) until they are settled, so no
    amount is ever refunded twice.
    """

    # Committed with its idempotency key before the provider is asked (was "pending").
    REQUESTED = "requested", _("Demandé")
    SUCCEEDED = "succeeded", _("Effectué")
    FAILED = "failed", _("Échoué")
    # The provider did not answer: it may have refunded; reconcile_refunds asks it again.
    UNKNOWN = "unknown", _("En vérification")


class Refund(models.Model):
    """Money given back on one PaymentIntent: part of a shop order, or a whole payment we cannot honour.

    A merchant's refund has a `shop_order` (and its ledger entries and
    credit note once it succeeds); the full refund of a payment that came
    too late or twice (`checkout.services.refund_unfulfilled_payment`) has
    none, only its `payment`.
    """

    shop_order = models.ForeignKey(
        ShopOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    # The PaymentIntent given back on; empty only on rows made before refunds recorded it.
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.DecimalField(_("montant"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    provider_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=RefundState.choices, default=RefundState.REQUESTED)
    # Sent with every call for this refund, so the provider refunds once however often it is asked;
    # unique, so one request (one payment's full refund) cannot be recorded twice.
    idempotency_key = models.CharField(max_length=255, unique=True, null=True, blank=True, editable=False)
    # When the provider was last asked to make it; empty while it never was.
    provider_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    customer_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")

    def __str__(self):
        return f"{euros(self.amount)} ({self.state})"
