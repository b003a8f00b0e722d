"""Invoices and credit notes: issued once, numbered without gaps, never changed.

Three kinds share one table:
- a sale invoice, issued by the platform in the merchant's name and on its
  behalf (billing mandate) to the customer, for each paid shop order, in the
  merchant's own sequence;
- a credit note, for each refund, in the same sequence as the invoice it corrects;
- a commission invoice, from the platform to the merchant, for each weekly
  statement with commission or fees, in the platform's sequence.

Seller, buyer, lines and totals are copied in when the invoice is issued.
See `checkout.billing.invoices`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupPagePermission

from checkout.models.orders import MONEY, ShopOrder
from checkout.models.payments import Refund
from checkout.models.shop_rows import managed_shop_keys
from portal.private_storage import private_storage
from shops.models import ShopPage


class InvoiceImmutable(Exception):
    pass


class InvoiceKind(models.TextChoices):
    SALE = "sale", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    COMMISSION = "commission", _("Facture de commission")


class InvoiceSequence(models.Model):
    """One issuer's numbering: the next number is taken under a row lock, in the invoice's transaction."""

    key = models.CharField(max_length=40, unique=True)  # "shop:<translation key, 32 hex digits>" or "platform"
    prefix = models.CharField(max_length=20)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("numérotation de factures")
        verbose_name_plural = _("numérotations de factures")

    def __str__(self):
        return f"{self.prefix} ({self.last_number})"


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Only the rendered PDF may be attached after issue.
        if set(kwargs) - {"pdf"}:
            raise InvoiceImmutable("An issued invoice never changes.")
        return super().update(**kwargs)

    def delete(self):
        raise InvoiceImmutable("An issued invoice is never deleted.")

    def managed_by(self, user):
        """The invoices `user` may see and download.

        - a sale invoice or credit note to a customer: whoever manages the
          shop (its merchant, its territory's editors);
        - a commission invoice (or credit note) of a weekly statement: the
          statement's merchant only, whose own page it is. It is a private
          document between the platform and the merchant: the territory's
          editors and the accounting see the statement, not this invoice.
        Superusers see every invoice; an anonymous or inactive user none.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            models.Q(statement__isnull=True, shop__translation_key__in=managed_shop_keys(user))
            | models.Q(statement__isnull=False, shop__translation_key__in=_shops_run_by(user).values("translation_key"))
        )


def _shops_run_by(user) -> models.QuerySet[ShopPage]:
    """Shops whose own page `user`'s groups may change: the merchant's, not those an editor reaches from above."""
    pages = GroupPagePermission.objects.filter(group__user=user, permission__codename="change_page").values("page_id")
    return ShopPage.objects.filter(pk__in=pages)


class Invoice(models.Model):
    kind = models.CharField(_("type"), max_length=12, choices=InvoiceKind.choices)
    sequence = models.ForeignKey(InvoiceSequence, on_delete=models.PROTECT, related_name="invoices")
    sequence_number = models.PositiveIntegerField()
    number = models.CharField(_("numéro"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("émise le"))
    language = models.CharField(max_length=10, default="fr")

    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.ForeignKey(
        "markets.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    shop_order = models.ForeignKey(
        ShopOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    statement = models.OneToOneField(
        "checkout.WeeklyStatement", null=True, blank=True, on_delete=models.PROTECT, related_name="commission_invoice"
    )
    corrects = models.ForeignKey(
        "self", verbose_name=_("facture corrigée"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="credit_notes",
    )

    # Copied on issue: {"name", "legal_name", "address", "siret", "vat_number", "vat_status", "email"}.
    seller = models.JSONField()
    buyer = models.JSONField()
    # [{"name", "quantity", "unit_price", "vat_rate", "total", "total_excl_vat", "vat"}], money as strings.
    lines = models.JSONField()
    total_excl_vat = models.DecimalField(_("total HT"), **MONEY)
    total_vat = models.DecimalField(_("TVA"), **MONEY)
    total = models.DecimalField(_("total TTC"), **MONEY)
    # Legal mentions printed as they were (e.g. "TVA non applicable, art. 293 B du CGI").
    mentions = models.JSONField(default=list)

    # Names, addresses and amounts: kept where no URL serves them (portal.private_storage).
    pdf = models.FileField(_("PDF"), upload_to="invoices/%Y/%m/", blank=True, storage=private_storage)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "sequence_number"], name="invoice_number_once_per_sequence"),
            # One sale invoice per shop order, even when a payment is confirmed twice.
            models.UniqueConstraint(
                fields=["shop_order"], condition=models.Q(kind="sale"), name="invoice_one_sale_per_shop_order"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and kwargs.get("update_fields") not in (["pdf"], ("pdf",), {"pdf"}):
            raise InvoiceImmutable("An issued invoice never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise InvoiceImmutable("An issued invoice is never deleted.")
