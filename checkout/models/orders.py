"""Orders: what the customer bought, per shop and per line.

An order copies everything it charged (names, unit prices, delivery fee,
merchant identity, commission) so that later edits of a shop never change
a past order, a report or an invoice. Money moves only through
`LedgerEntry` rows, which are append-only.

Words in two languages. A line's `name`, a shop order's `trade_name`,
`delivery_detail` and `shop_opening_hours` are the default-locale (French)
words: the legal designation of a French invoice, and what a merchant
reads. What the pages said in the site's other languages on the day of
the order is kept beside them in `translations`, a JSON of
{language code: {field: text}} holding only the texts a live translation
had (`{"en": {"name": "Wooden santon"}}`), read through `text_in` and the
`display_*` properties (the active language, or the one asked). A JSON
rather than `name_en`-style columns: the languages are a setting
(`LANGUAGES`), not a schema, so a third language needs no migration and no
new property per field; nothing filters or sorts on a translated name
(lists, reports and exports go by keys and the French designation), so a
column per language would buy no query; and a field missing from it falls
back to the French word, which is what an order placed before this
existed has, with no data migration.
"""

import secrets

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from checkout.models.shop_rows import ShopRowQuerySet
from portal.emails import site_language
from shops.models import DeliveryKind, ProductKind, Withdrawal, withdrawal_notice

MONEY = {"max_digits": 10, "decimal_places": 2}


class TranslatedTexts(models.Model):
    """The words of an order row in the site's other languages, as on the day of the order (see the module)."""

    translations = models.JSONField(_("traductions"), default=dict, blank=True, editable=False)

    class Meta:
        abstract = True

    def text_in(self, field: str, language: str | None = None) -> str:
        """`field` in `language` (default: the active one) when the order kept it, else the French word."""
        language = site_language(language or translation.get_language())
        return (self.translations.get(language) or {}).get(field) or getattr(self, field)


def new_order_token() -> str:
    # 32 random bytes: the private link to an order is its only key.
    return secrets.token_urlsafe(32)


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("En attente de paiement")
    PAID = "paid", _("Payée")
    FAILED = "failed", _("Paiement refusé")
    EXPIRED = "expired", _("Expirée")
    # Never paid: the customer changed the basket and checked out again (see `services.place_order`).
    REPLACED = "replaced", _("Remplacée")


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
    # The session basket it was placed from, and what was asked (lines, deliveries,
    # contact): a second checkout of one basket finds its payable order here.
    basket_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    basket_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
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
    # When the customer's personal data on the order were erased (see `checkout.accounts.erasure`).
    anonymised_at = models.DateTimeField(_("données personnelles effacées le"), null=True, blank=True, editable=False)
    # When the last link to export / erase the data went out (checkout.accounts.guest_requests.send_link):
    # a link sent after a request answers it, so the task run twice sends it once.
    export_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    erase_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["basket_key"],
                condition=models.Q(status="pending") & ~models.Q(basket_key=""),
                name="one_payable_order_per_basket",
            ),
        ]

    def __str__(self):
        return _("Commande n° %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        return f"{self.pk:06d}" if self.pk else "—"


class FulfilmentStatus(models.TextChoices):
    """Where a paid shop order stands, per delivery mode (the steps are in `checkout.order_admin`).

    Pick-up: to prepare → ready for collection → collected. Home delivery
    and postal: to prepare → shipped → (optionally) delivered. A shop order
    of vouchers and services only has nothing to hand over and stays "to
    prepare" with no step offered.

    "ready" is the stored value of TO_PREPARE: it has meant "à préparer" since
    the first order, and is in saved filter links (`?fulfilment_status=ready`),
    CSV exports already sent and the data of past log entries. Renaming it
    would need a data migration and would still misread those; giving
    "ready" to the new "ready for collection" state would silently turn
    every order waiting to be prepared into one the customer is told to
    come and fetch. So the stored value stays, and the new states get new
    values.
    """

    TO_PREPARE = "ready", _("À préparer")
    READY_FOR_PICKUP = "ready_for_pickup", _("Prête à retirer")
    SHIPPED = "shipped", _("Expédiée")
    COLLECTED = "collected", _("Retirée")
    DELIVERED = "delivered", _("Livrée")


class ShopOrderQuerySet(ShopRowQuerySet):
    def to_hand_over(self):
        """Paid shop orders the merchant still has to hand over: a delivery, not yet shipped or collected, not refunded."""
        return (
            self.filter(order__status=OrderStatus.PAID)
            .exclude(delivery_kind="")
            .filter(fulfilment_status__in=[FulfilmentStatus.TO_PREPARE, FulfilmentStatus.READY_FOR_PICKUP])
            .exclude(Exists(apps.get_model("checkout", "Refund").objects.filter(shop_order=OuterRef("pk"))))
        )


class ShopOrder(TranslatedTexts):
    """The part of an order that one merchant fulfils, with its own delivery.

    `merchant_language` is the language of the shop's own e-mail address,
    which belongs to no account: the language of the shop's oldest active
    merchant account when the order was placed (the default language when
    it has none). Merchant accounts are written to in their own language,
    read when the e-mail goes out (see `checkout.emails`).
    """

    # The delivery label of a shop order of vouchers and dated services only.
    NOTHING_TO_DELIVER = _("Envoyé par e-mail, rien à livrer")

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
    # Where a pick-up is collected, as on the day of the order (told in the e-mails).
    shop_street = models.CharField(_("adresse de la boutique"), max_length=255, blank=True)
    shop_postcode = models.CharField(_("code postal de la boutique"), max_length=10, blank=True)
    shop_city = models.CharField(_("commune de la boutique"), max_length=120, blank=True)
    shop_opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)

    # Empty when the shop order holds only vouchers and services, sent by e-mail.
    delivery_kind = models.CharField(_("mode de livraison"), max_length=10, choices=DeliveryKind.choices, blank=True)
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
        _("préparation"), max_length=20, choices=FulfilmentStatus.choices, default=FulfilmentStatus.TO_PREPARE
    )
    # What the merchant tells the customer when the order is ready or shipped.
    fulfilment_note = models.TextField(_("message au client"), max_length=1000, blank=True)
    tracking_number = models.CharField(_("n° de suivi"), max_length=60, blank=True)
    tracking_url = models.URLField(_("lien de suivi"), max_length=500, blank=True)
    # Each customer notice is sent at most once: claimed by a conditional UPDATE
    # of its column (see checkout.emails), never reset when a step is undone.
    ready_notified_at = models.DateTimeField(null=True, blank=True)
    shipped_notified_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(_("archivée"), default=False)
    merchant_notified_at = models.DateTimeField(null=True, blank=True)

    objects = ShopOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("commande boutique")
        verbose_name_plural = _("commandes boutique")
        ordering = ["-order__created_at", "pk"]

    def __str__(self):
        return f"{self.order} — {self.trade_name}"

    @property
    def display_trade_name(self) -> str:
        return self.text_in("trade_name")

    @property
    def display_delivery_detail(self) -> str:
        return self.text_in("delivery_detail")

    @property
    def display_opening_hours(self) -> str:
        return self.text_in("shop_opening_hours")

    @property
    def display_delivery_label(self) -> str:
        """How the shop order is handed over, in the active language."""
        if self.delivery_kind:
            return str(self.get_delivery_kind_display())
        # The words stored are those of the order's language; a merchant reads theirs.
        return str(self.NOTHING_TO_DELIVER)

    @property
    def shop_address(self) -> str:
        """The shop's address on two lines, "" when the order did not record it."""
        return "\n".join(part for part in (self.shop_street, f"{self.shop_postcode} {self.shop_city}".strip()) if part)


class BundleSale(TranslatedTexts):
    """A bundle as the customer bought it, whose parts are lines of each providing shop's shop order.

    The seller's shop order and each participant's hold one line per part
    (`OrderLine.bundle_sale`), so that each merchant's sale, commission,
    invoice, statement, payout and refund go through what exists for any
    line. This row is what the customer bought as one thing, and `parts` a
    snapshot of its parts on the day of the order (the shop, its identity
    as invoiced, its words and share), read by the order page, the e-mails
    and the vouchers.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="bundle_sales")
    product_key = models.UUIDField(_("coffret (clé)"), db_index=True)
    product = models.ForeignKey(
        "shops.ProductPage", verbose_name=_("coffret"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    seller = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique vendeuse"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("désignation"), max_length=255)
    unit_price = models.DecimalField(_("prix unitaire TTC"), **MONEY)
    quantity = models.PositiveIntegerField(_("quantité"))
    total = models.DecimalField(_("total TTC"), **MONEY)
    valid_until = models.DateField(_("valable jusqu'au"), null=True)
    # [{"shop_id", "trade_name", "legal_name", "siret", "vat_status", "vat_number", "description", "unit_amount",
    #   "vat_rate", "withdrawal", "product_key", "is_seller", "translations": {language: {"description": ...}}}]
    parts = models.JSONField(_("parts"), default=list, editable=False)

    class Meta:
        verbose_name = _("coffret vendu")
        verbose_name_plural = _("coffrets vendus")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def display_name(self) -> str:
        return self.text_in("name")


class OrderLine(TranslatedTexts):
    shop_order = models.ForeignKey(ShopOrder, on_delete=models.PROTECT, related_name="lines")
    # A shop's part of a bundle: the rest of the bundle is other shops' lines of the same sale.
    bundle_sale = models.ForeignKey(
        BundleSale, verbose_name=_("coffret"), null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
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
    # The withdrawal rule of the product on the day of the order; empty on lines older than the rule.
    withdrawal = models.CharField(_("droit de rétractation"), max_length=20, choices=Withdrawal.choices, blank=True)

    class Meta:
        verbose_name = _("ligne de commande")
        verbose_name_plural = _("lignes de commande")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.quantity} × {self.name}"

    @property
    def display_name(self) -> str:
        """The product's name in the active language as its page had it on the day of the order."""
        return self.text_in("name")

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)
