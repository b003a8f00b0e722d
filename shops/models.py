"""Merchants' shop pages, their products and delivery options, and stock.

Products are child pages of their shop: each gets a URL to share, a
translation through wagtail-localize and the merchant's page permissions.
What changes by itself (stock, sold counts) is never stored on a page — a
page revision would bring old values back — but in `ProductStock` rows.
"""

from datetime import date, time
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from portal.dates import long_date
from portal.locale_cache import PublicPageMixin
from portal.page_cache import CachedPageMixin
from shops.map_widget import LocationMapWidget
from shops.search import engine_text, product_search_parts, shop_search_parts, stemmed_text
from shops.submission import ProductPageForm, ShopPageForm
from shops.validators import (
    normalize_delivery_postcodes,
    validate_delivery_postcodes,
    validate_eu_vat_number,
    validate_siret,
)

MONEY = {"max_digits": 10, "decimal_places": 2}
# As a closing time: the end of the day.
MIDNIGHT = time(0, 0)

# The plain text of a shop or product per language, under the analysers the
# Elasticsearch/OpenSearch backend's INDEX_SETTINGS define (portal.settings.base).
# Declared whatever the backend, so that the fields do not depend on when the
# settings were read (a test's override, a management command); with the
# database backend they are empty strings (shops.search.engine_text), which
# add nothing to its index.
ENGINE_TEXT_SEARCH_FIELDS = [
    index.SearchField("search_text_fr", es_extra={"analyzer": "portal_french"}),
    index.SearchField("search_text_en", es_extra={"analyzer": "portal_english"}),
]


class ShopCategory(models.TextChoices):
    SHOP = "shop", _("Boutique")
    ARTISAN = "artisan", _("Artisan et créateur")
    FOOD = "food", _("Épicerie et produits du terroir")
    RESTAURANT = "restaurant", _("Restaurant, bar, café")
    ACTIVITY = "activity", _("Activités et loisirs")
    CULTURE = "culture", _("Musée et culture")
    STAY = "stay", _("Hébergement")


class VatStatus(models.TextChoices):
    REGISTERED = "registered", _("Assujetti à la TVA")
    # Art. 293 B du CGI: small businesses invoice without VAT.
    FRANCHISE = "franchise", _("Franchise en base de TVA (art. 293 B du CGI)")


class DeliveryKind(models.TextChoices):
    PICKUP = "pickup", _("Retrait en boutique")
    HOME = "home", _("Livraison à domicile")
    POSTAL = "postal", _("Envoi postal")


class ShopPage(PublicPageMixin, CachedPageMixin, Page):
    """One merchant's shop. The page title is the trade name."""

    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    vat_status = models.CharField(_("régime de TVA"), max_length=20, choices=VatStatus.choices)
    vat_number = models.CharField(
        _("n° de TVA intracommunautaire"), max_length=20, blank=True, validators=[validate_eu_vat_number]
    )
    category = models.CharField(_("catégorie"), max_length=20, choices=ShopCategory.choices, db_index=True)
    street = models.CharField(_("adresse"), max_length=255)
    postcode = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=120)
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("photo principale"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    description = RichTextField(_("présentation"), features=["bold", "italic", "link", "ul"], blank=True)
    # The merchant's words beside the hours of each day (opening_periods), copied onto orders as they are.
    opening_hours = models.TextField(
        _("horaires d'ouverture"), blank=True,
        help_text=_(
            "Remarques sur vos horaires, par exemple une fermeture exceptionnelle (« Fermé le 25 décembre ») "
            "ou « sur rendez-vous ». Les horaires de chaque jour se saisissent ci-dessus."
        ),
    )
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    # A fact like the delivery options: synchronised to translations (wagtail-localize
    # copies a DateField, it is not offered to translators).
    last_delivery_order_date = models.DateField(
        _("dernier jour de commande pour une livraison avant Noël"), null=True, blank=True,
        help_text=_(
            "Après ce jour, la livraison à domicile et l'envoi postal ne sont plus proposés ; "
            "le retrait en boutique et les bons cadeaux restent en vente. Laissez vide s'il n'y a pas de limite."
        ),
    )
    # Where the shop is, for the maps: two decimals (no GeoDjango, the machines have no GDAL);
    # six places are about ten centimetres. Placed on a map in the admin (shops.map_widget).
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    # Prose, translated like the description; without it the platform's terms of sale apply.
    terms_of_sale = RichTextField(
        _("conditions de vente de la boutique"), features=["h3", "bold", "italic", "link", "ol", "ul"], blank=True,
        help_text=_(
            "Facultatif : vos propres conditions de vente. Laissées vides, les conditions générales de vente "
            "de la plateforme s'appliquent à vos ventes."
        ),
    )

    content_panels = [
        FieldPanel("title", heading=_("Nom commercial")),
        FieldPanel("category"),
        FieldPanel("cover_image"),
        FieldPanel("description"),
        InlinePanel("photos", label=_("photos")),
        MultiFieldPanel(
            [
                FieldPanel("street"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("city")]),
                InlinePanel("opening_periods", label=_("horaires par jour")),
                FieldPanel("opening_hours"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("website"),
            ],
            heading=_("Adresse et contact"),
        ),
        MultiFieldPanel(
            [FieldPanel("latitude"), FieldPanel("longitude", widget=LocationMapWidget(latitude_field="latitude"))],
            heading=_("Emplacement sur la carte"),
            help_text=_("Cliquez sur la carte ou déplacez le repère pour placer la boutique ; vous pouvez aussi "
                        "saisir les coordonnées."),
        ),
        InlinePanel("delivery_options", label=_("modes de livraison"), min_num=1),
        FieldPanel("last_delivery_order_date"),
        MultiFieldPanel(
            [
                FieldPanel("legal_name"),
                FieldPanel("siret"),
                FieldRowPanel([FieldPanel("vat_status"), FieldPanel("vat_number")]),
                FieldPanel("terms_of_sale"),
            ],
            heading=_("Informations légales"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.SearchField("city"),
        index.FilterField("category"),
        # The project's stemmed copy of the text, what the public search matches (see shops.search).
        index.SearchField("search_stems"),
        *ENGINE_TEXT_SEARCH_FIELDS,
    ]

    parent_page_types = ["markets.MarketPage"]
    subpage_types = ["shops.ProductPage"]
    # Refuses a submission for moderation while the shop has no product.
    base_form_class = ShopPageForm

    # Identity, address, contact, category, photo and delivery dates are
    # facts, not text: the same in every language, copied to translations
    # (portal.translation_sync, on every French publication) and never
    # offered to translators. (Photo rows are copied as they are, captions included; so are the
    # opening periods, which are facts: a translation made outside wagtail-localize gets them too.)
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in (
            "legal_name", "siret", "vat_status", "vat_number", "category", "street", "postcode", "city", "phone",
            "email", "website", "cover_image", "last_delivery_order_date", "latitude", "longitude",
            "opening_periods",
        )
    ]

    class Meta:
        verbose_name = _("boutique")
        verbose_name_plural = _("boutiques")

    def invoicing_identity(self) -> dict:
        """The merchant as copied onto a shop order or a weekly statement the day it is made (fields of both)."""
        return {
            "trade_name": self.trade_name,
            "legal_name": self.legal_name,
            "siret": self.siret,
            "vat_status": self.vat_status,
            "vat_number": self.vat_number,
            "merchant_email": self.email,
            "merchant_language": self.locale.language_code,
        }

    def merchant_identity(self) -> dict:
        """What a shop order copies of its shop the day it is placed (fields of ShopOrder).

        The merchant as invoiced, and where and when a pick-up is collected:
        the customer's e-mails quote these, not the shop's later address.
        """
        return {
            **self.invoicing_identity(),
            "shop_street": self.street,
            "shop_postcode": self.postcode,
            "shop_city": self.city,
            "shop_opening_hours": self.opening_hours,
        }

    def takes_delivery_orders(self, today: date | None = None) -> bool:
        """Whether home delivery and postal shipping may still be ordered on `today` (Paris; default: today).

        True up to and including the last order date; pick-up is not concerned.
        """
        if self.last_delivery_order_date is None:
            return True
        return (today or timezone.localdate()) <= self.last_delivery_order_date

    @property
    def trade_name(self) -> str:
        return self.title

    @property
    def search_stems(self) -> str:
        return stemmed_text(self, shop_search_parts(self))

    @property
    def search_text_fr(self) -> str:
        return engine_text(self, shop_search_parts(self), "fr")

    @property
    def search_text_en(self) -> str:
        return engine_text(self, shop_search_parts(self), "en")

    def clean(self):
        super().clean()
        if self.vat_status == VatStatus.REGISTERED and not self.vat_number:
            raise ValidationError({"vat_number": _("Indiquez le numéro de TVA d'une entreprise assujettie.")})
        if self.vat_status == VatStatus.FRANCHISE and self.vat_number:
            raise ValidationError(
                {"vat_number": _("Une entreprise en franchise en base n'a pas de numéro de TVA à indiquer.")}
            )
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValidationError({missing: _("Indiquez la latitude et la longitude, ou aucune des deux.")})

    def get_context(self, request, *args, **kwargs):
        from shops.listing import products_of_shop
        from shops.opening_hours import opening_week

        context = super().get_context(request, *args, **kwargs)
        context["products"] = products_of_shop(self)
        context["delivery_options"] = [o for o in self.delivery_options.all() if o.active]
        context["photos"] = gallery_photos(self)
        # Read once for the week's table and the JSON-LD of the head (home.seo).
        context["opening_periods"] = list(self.opening_periods.all())
        context["opening_week"] = opening_week(context["opening_periods"])
        context["market"] = self.get_parent().specific
        return context


def gallery_photos(page):
    """A page's photos with the gallery's renditions, in two queries whatever their number."""
    from django.db.models import Prefetch
    from wagtail.images import get_image_model

    return page.photos.prefetch_related(
        Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(GALLERY_RENDITION))
    )


# Must match templates/shops/includes/gallery.html.
GALLERY_RENDITION = "fill-600x450"


class ShopPhoto(Orderable):
    page = ParentalKey(ShopPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("photo"), on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(_("légende"), max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class Weekday(models.IntegerChoices):
    # Python's numbering (date.weekday()): Monday is 0.
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class ShopOpeningHours(Orderable):
    """A period the shop is open on a day of the week; two on one day for a lunch break.

    A fact, like the address: the English page has the same rows, copied
    from the French page on each publication (portal.translation_sync).
    Closing at 00:00 means at midnight, the end of that day.
    """

    page = ParentalKey(ShopPage, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    opens = models.TimeField(_("ouverture"))
    closes = models.TimeField(_("fermeture"), help_text=_("00:00 pour une fermeture à minuit."))

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]

    class Meta(Orderable.Meta):
        verbose_name = _("horaire d'ouverture")
        verbose_name_plural = _("horaires par jour")

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    @property
    def closes_at_midnight(self) -> bool:
        return self.closes == MIDNIGHT

    def clean(self):
        super().clean()
        if self.opens is None or self.closes is None:
            return
        if self.closes <= self.opens and not self.closes_at_midnight:
            raise ValidationError({"closes": _(
                "L'heure de fermeture doit venir après l'heure d'ouverture (00:00 pour une fermeture à minuit). "
                "Pour une ouverture après minuit, ajoutez une ligne au jour suivant."
            )})


class DeliveryOption(TranslatableMixin, Orderable):
    """How a shop hands its goods over; merchants switch them on and off day to day.

    Translatable rows: the English shop page has its own rows, paired with
    the French ones by `translation_key`, so that the instructions and the
    area are translated while the facts (mode, on/off, fee, carrier) are
    synchronised fields a translator cannot change. Orders are priced on
    the French rows; the English row only says the same thing in English.
    """

    page = ParentalKey(ShopPage, on_delete=models.CASCADE, related_name="delivery_options")
    kind = models.CharField(_("mode"), max_length=10, choices=DeliveryKind.choices)
    active = models.BooleanField(_("proposé en ce moment"), default=True)
    instructions = models.TextField(
        _("instructions de retrait"), blank=True, help_text=_("Où et quand venir chercher la commande.")
    )
    area = models.CharField(
        _("zone de livraison"), max_length=255, blank=True, help_text=_("Communes ou rayon desservis.")
    )
    # The area as codes a visitor's postcode is matched against ("delivers to my
    # postcode"); `area` stays the merchant's words. A fact: the same in every language.
    postcodes = models.CharField(
        _("codes postaux desservis"), max_length=1000, blank=True, validators=[validate_delivery_postcodes],
        help_text=_(
            "Livraison à domicile : les codes postaux (68000) ou les départements entiers (68) où vous livrez, "
            "séparés par des espaces ou des virgules. Les visiteurs qui cherchent une boutique livrant chez "
            "eux vous trouvent grâce à cette liste."
        ),
    )
    carrier = models.CharField(_("transporteur"), max_length=120, blank=True)
    fee = models.DecimalField(
        _("frais (€ TTC)"), default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0.00"))], **MONEY
    )

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("active")]),
        FieldPanel("instructions"),
        FieldRowPanel([FieldPanel("area"), FieldPanel("carrier")]),
        FieldPanel("postcodes"),
        FieldPanel("fee"),
    ]

    override_translatable_fields = [
        SynchronizedField(name, overridable=False) for name in ("kind", "active", "fee", "carrier", "postcodes")
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("mode de livraison")
        verbose_name_plural = _("modes de livraison")

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        super().clean()
        required = {
            DeliveryKind.PICKUP: ("instructions", _("Indiquez où et quand retirer la commande.")),
            DeliveryKind.HOME: ("area", _("Indiquez la zone desservie.")),
            DeliveryKind.POSTAL: ("carrier", _("Indiquez le transporteur.")),
        }
        if self.kind in required:
            field, message = required[self.kind]
            if not getattr(self, field).strip():
                raise ValidationError({field: message})
        if self.kind == DeliveryKind.PICKUP and self.fee:
            raise ValidationError({"fee": _("Le retrait en boutique est gratuit.")})
        self.postcodes = normalize_delivery_postcodes(self.postcodes)
        if self.postcodes and self.kind != DeliveryKind.HOME:
            raise ValidationError({"postcodes": _(
                "Seule la livraison à domicile a des codes postaux : l'envoi postal va partout en France "
                "et le retrait se fait chez vous."
            )})

    def save(self, *args, **kwargs):
        self.postcodes = normalize_delivery_postcodes(self.postcodes)
        return super().save(*args, **kwargs)

    def delivers_to(self, postcode: str) -> bool:
        """Whether this option, switched on, brings an order to `postcode` (5 digits).

        Postal shipping goes anywhere in France; home delivery to its codes
        (a postcode, or a département or overseas prefix of it); pick-up to nobody.
        Mirrors the query of markets.listing.
        """
        if not self.active:
            return False
        if self.kind == DeliveryKind.POSTAL:
            return True
        if self.kind != DeliveryKind.HOME:
            return False
        codes = set(self.postcodes.split())
        return any(postcode[:n] in codes for n in (2, 3, 5))

    @property
    def detail(self) -> str:
        """What a customer needs to know about this option, in one line."""
        return {
            DeliveryKind.PICKUP: self.instructions,
            DeliveryKind.HOME: self.area,
            DeliveryKind.POSTAL: self.carrier,
        }.get(self.kind, "")


class ProductKind(models.TextChoices):
    PHYSICAL = "physical", _("Produit")
    SERVICE = "service", _("Prestation à utiliser plus tard")
    VOUCHER = "voucher", _("Bon cadeau")
    # Sold by one shop, made of parts that other shops of the market provide (see shops.bundles).
    BUNDLE = "bundle", _("Coffret avec d'autres commerçants")


class Withdrawal(models.TextChoices):
    """Which withdrawal rule of a distance sale applies to a product (Code de la consommation).

    Goods and gift vouchers may be withdrawn from within 14 days (L221-18);
    the others are exceptions of L221-28: perishable food (4°), goods made
    to the customer's specification (3°), and leisure services to be
    provided on a set date or period (12°).
    """

    FOURTEEN_DAYS = "14_days", _("14 jours")
    PERISHABLE = "perishable", _("denrée périssable")
    PERSONALISED = "personalised", _("bien personnalisé")
    DATED_SERVICE = "dated_service", _("prestation à date fixe")


# Shops whose goods are food by default: a product they sell is perishable unless the merchant says otherwise.
FOOD_CATEGORIES = (ShopCategory.FOOD, ShopCategory.RESTAURANT)


def default_withdrawal(kind: str, shop_category: str | None) -> str:
    """The withdrawal rule a product gets when its merchant chooses none.

    A service is used on a set date; a gift voucher is not a service on a
    set date (14 days); goods have 14 days, except in a food shop, where
    they are perishable.
    """
    if kind in (ProductKind.SERVICE, ProductKind.BUNDLE):
        return Withdrawal.DATED_SERVICE
    if kind == ProductKind.PHYSICAL and shop_category in FOOD_CATEGORIES:
        return Withdrawal.PERISHABLE
    return Withdrawal.FOURTEEN_DAYS


def withdrawal_notice(rule: str) -> str:
    """The short mention of a rule, in the active language: "Rétractation : 14 jours",
    "Pas de rétractation (denrée périssable)"; "" for no (or an unknown) rule."""
    if rule == Withdrawal.FOURTEEN_DAYS:
        return gettext("Rétractation : 14 jours")
    reason = dict(Withdrawal.choices).get(rule)
    if reason is None:
        return ""
    return gettext("Pas de rétractation (%(reason)s)") % {"reason": reason}


class VatRate(models.TextChoices):
    # French rates; the value is the percentage as a decimal string.
    STANDARD = "20.00", _("20 % (taux normal)")
    INTERMEDIATE = "10.00", _("10 % (restauration, hébergement)")
    REDUCED = "5.50", _("5,5 % (alimentation, billetterie)")
    SPECIAL = "2.10", _("2,1 %")
    NONE = "0.00", _("0 % (non soumis)")


class OptionBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Nom"), max_length=60, help_text=_("Par exemple : Taille, Couleur."))
    values = blocks.ListBlock(blocks.CharBlock(label=_("Valeur"), max_length=60), label=_("Valeurs"))

    class Meta:
        icon = "list-ul"
        label = _("Option")


class ProductPage(PublicPageMixin, CachedPageMixin, Page):
    """Something a shop sells: a product, a service to use later, or a gift voucher."""

    kind = models.CharField(_("type"), max_length=10, choices=ProductKind.choices, default=ProductKind.PHYSICAL)
    price = models.DecimalField(
        _("prix (€ TTC)"), validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000"))], **MONEY
    )
    vat_rate = models.CharField(_("taux de TVA"), max_length=5, choices=VatRate.choices, default=VatRate.STANDARD)
    valid_until = models.DateField(
        _("valable jusqu'au"), null=True, blank=True,
        help_text=_("Pour une prestation ou un bon cadeau : date limite d'utilisation."),
    )
    # A gift voucher sells at `price`, or, when both are set, at the amount
    # the buyer chooses between these two (the price is then the amount shown first).
    voucher_min_amount = models.DecimalField(
        _("montant libre : minimum (€)"), null=True, blank=True,
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10000"))], **MONEY
    )
    voucher_max_amount = models.DecimalField(
        _("montant libre : maximum (€)"), null=True, blank=True,
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10000"))], **MONEY
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("photo principale"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    description = RichTextField(_("description"), features=["bold", "italic", "link", "ul"], blank=True)
    options = StreamField(
        [("option", OptionBlock())], verbose_name=_("options"), blank=True,
        help_text=_("Choix simples proposés à l'acheteur, comme la taille ou la couleur."),
    )
    withdrawal = models.CharField(
        _("droit de rétractation"), max_length=20, choices=Withdrawal.choices, blank=True, default="",
        help_text=_(
            "Laissé vide, il est choisi selon le type : 14 jours pour un produit ou un bon cadeau, "
            "denrée périssable dans une épicerie ou un restaurant, prestation à date fixe pour une prestation."
        ),
    )
    # A bundle's own part, what the selling shop provides (its VAT rate is `vat_rate`); prose, translated.
    bundle_own_part = models.CharField(
        _("votre part du coffret"), max_length=255, blank=True,
        help_text=_("Ce que votre boutique fournit dans le coffret, par exemple « Un panier de fromages affinés »."),
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("valid_until")]),
        FieldPanel("withdrawal"),
        FieldRowPanel([FieldPanel("price"), FieldPanel("vat_rate")]),
        FieldRowPanel(
            [FieldPanel("voucher_min_amount"), FieldPanel("voucher_max_amount")],
            heading=_("Bon cadeau à montant libre"),
        ),
        FieldPanel("cover_image"),
        FieldPanel("description"),
        InlinePanel("photos", label=_("photos")),
        FieldPanel("options"),
        MultiFieldPanel(
            [
                FieldPanel("bundle_own_part"),
                InlinePanel("bundle_parts", label=_("parts des autres commerçants")),
            ],
            heading=_("Coffret avec d'autres commerçants"),
            help_text=_(
                "Pour un coffret seulement. Chaque commerçant participant fournit sa part contre un montant ou un "
                "pourcentage du prix ; le reste est votre part. Le coffret n'est en vente qu'une fois que chaque "
                "participant a accepté sa part, et chaque changement du prix ou des parts leur est redemandé."
            ),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("description"),
        index.FilterField("kind"),
        # The project's stemmed copy of the text, what the public search matches (see shops.search).
        index.SearchField("search_stems"),
        *ENGINE_TEXT_SEARCH_FIELDS,
    ]

    parent_page_types = ["shops.ShopPage"]
    subpage_types = []
    # Checks a bundle's parts (shops.bundles); other products pass through.
    base_form_class = ProductPageForm

    # Facts, like the price: the English page must not show another price, validity or photo,
    # nor promise a withdrawal the French one refuses (see portal.translation_sync).
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in (
            "kind", "price", "vat_rate", "valid_until", "voucher_min_amount", "voucher_max_amount", "cover_image",
            "withdrawal",
        )
    ]

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")

    @property
    def vat_rate_decimal(self) -> Decimal:
        return Decimal(self.vat_rate)

    @property
    def search_stems(self) -> str:
        return stemmed_text(self, product_search_parts(self))

    @property
    def search_text_fr(self) -> str:
        return engine_text(self, product_search_parts(self), "fr")

    @property
    def search_text_en(self) -> str:
        return engine_text(self, product_search_parts(self), "en")

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)

    def save(self, *args, **kwargs):
        if not self.withdrawal:
            self.withdrawal = default_withdrawal(self.kind, self._shop_category())
        return super().save(*args, **kwargs)

    def _shop_category(self) -> str | None:
        """The category of the shop this page is (being) added under; None before it has a place in the tree."""
        if not self.path or self.depth is None or self.depth < 2:
            return None
        return ShopPage.objects.filter(path=self.path[: -self.steplen]).values_list("category", flat=True).first()

    def clean(self):
        super().clean()
        if self.kind == ProductKind.SERVICE and not self.valid_until:
            raise ValidationError({"valid_until": _("Une prestation a une date limite d'utilisation.")})
        if self.kind == ProductKind.BUNDLE and not self.valid_until:
            raise ValidationError({"valid_until": _("Un coffret a une date limite d'utilisation.")})
        if self.kind == ProductKind.PHYSICAL and self.valid_until:
            raise ValidationError({"valid_until": _("Un produit n'a pas de date limite d'utilisation.")})
        low, high = self.voucher_min_amount, self.voucher_max_amount
        if (low is None) != (high is None):
            raise ValidationError({"voucher_max_amount": _("Indiquez le minimum et le maximum, ou aucun des deux.")})
        if low is not None:
            if self.kind != ProductKind.VOUCHER:
                raise ValidationError({"voucher_min_amount": _("Seul un bon cadeau a un montant libre.")})
            if low > high:
                raise ValidationError({"voucher_max_amount": _("Le maximum doit être supérieur ou égal au minimum.")})
            if self.price is not None and not low <= self.price <= high:
                raise ValidationError({"price": _("Le prix affiché doit être compris entre le minimum et le maximum.")})

    @property
    def has_free_amount(self) -> bool:
        return self.kind == ProductKind.VOUCHER and self.voucher_min_amount is not None

    def expired_reason(self, today: date) -> str:
        """Why this service or voucher can no longer be sold on `today`: its validity has ended; "" otherwise."""
        if self.valid_until is not None and self.valid_until < today:
            return _("« %(product)s » n'est plus valable depuis le %(date)s.") % {
                "product": self.title, "date": long_date(self.valid_until),
            }
        return ""

    def get_context(self, request, *args, **kwargs):
        from shops.stock import availability_of

        context = super().get_context(request, *args, **kwargs)
        context["shop"] = self.get_parent().specific
        context["market"] = context["shop"].get_parent().specific
        context["availability"] = availability_of([self])[self.translation_key]
        today = timezone.localdate()
        # The market page says whether its market sells today (see MarketPage.sales_closed_reason).
        context["not_for_sale"] = self.expired_reason(today) or context["market"].sales_closed_reason(today)
        context["photos"] = gallery_photos(self)
        if self.kind == ProductKind.BUNDLE:
            from shops.bundle_display import bundle_context

            context.update(bundle_context(self, context["shop"], request))
            context["not_for_sale"] = context["not_for_sale"] or context["bundle_refusal"]
        return context


class ProductPhoto(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey("wagtailimages.Image", verbose_name=_("photo"), on_delete=models.CASCADE, related_name="+")
    caption = models.CharField(_("légende"), max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class BundlePart(TranslatableMixin, Orderable):
    """Another shop's part of a bundle: what it provides and what it gets of the price.

    Translatable rows like delivery options: the English page has its own
    rows, paired by `translation_key`, so that only `description` is
    translated; the participant, share, VAT rate, product and withdrawal
    rule are facts copied from the French rows, which orders are priced on.
    A participant sells only once they accept (`BundleConsent`).
    """

    page = ParentalKey("shops.ProductPage", on_delete=models.CASCADE, related_name="bundle_parts")
    # Deleting a participant's shop removes its part: the bundle's terms change and it is off sale until asked again.
    participant = models.ForeignKey(
        ShopPage, verbose_name=_("commerçant participant"), on_delete=models.CASCADE, related_name="+",
    )
    description = models.CharField(
        _("ce qu'il fournit"), max_length=255, help_text=_("Par exemple « Une nuit pour deux avec petit-déjeuner »."),
    )
    share_amount = models.DecimalField(
        _("sa part (€ TTC)"), null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("10000"))], **MONEY,
    )
    share_percent = models.DecimalField(
        _("ou sa part (% du prix)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("99.99"))],
    )
    vat_rate = models.CharField(
        _("taux de TVA de sa part"), max_length=5, choices=VatRate.choices, default=VatRate.STANDARD,
        help_text=_("Le taux de ce qu'il fournit (repas, nuitée, vin…) ; 0 % pour un commerçant non assujetti."),
    )
    withdrawal = models.CharField(
        _("droit de rétractation"), max_length=20, choices=Withdrawal.choices, default=Withdrawal.DATED_SERVICE,
    )
    # One of the participant's own products, whose stock is taken with each bundle sold.
    product = models.ForeignKey(
        "shops.ProductPage", verbose_name=_("produit du participant (facultatif)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Son stock diminue à chaque coffret vendu."),
    )

    # Plain lists, limited to the seller's market by the product's form (shops.submission), not page choosers.
    panels = [
        FieldPanel("participant", widget=forms.Select),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("share_amount"), FieldPanel("share_percent"), FieldPanel("vat_rate")]),
        FieldRowPanel([FieldPanel("withdrawal"), FieldPanel("product", widget=forms.Select)]),
    ]

    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in ("participant", "share_amount", "share_percent", "vat_rate", "withdrawal", "product")
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("part d'un commerçant participant")
        verbose_name_plural = _("parts des commerçants participants")

    def __str__(self):
        return self.description

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)


class ConsentStatus(models.TextChoices):
    # In context: "Retirée" is also an order collected at the shop.
    ASKED = "asked", pgettext_lazy("bundle part", "En attente de réponse")
    ACCEPTED = "accepted", pgettext_lazy("bundle part", "Acceptée")
    DECLINED = "declined", pgettext_lazy("bundle part", "Refusée")
    WITHDRAWN = "withdrawn", pgettext_lazy("bundle part", "Retirée")


class BundleConsent(models.Model):
    """A participant's answer to one version of their part of a bundle.

    Kept outside the page and its revisions, so that publishing an old
    revision never brings an acceptance back. `terms` is what was asked
    (the bundle's price and validity, the part's share, VAT rate, text and
    product), `fingerprint` its digest: a bundle sells only when each of its
    live parts has an accepted row of the live terms' fingerprint that was
    not superseded. Rows are superseded (never deleted) when other terms go
    live, so that an acceptance of earlier terms never counts again.
    """

    bundle_key = models.UUIDField(_("coffret (clé)"), db_index=True)
    bundle = models.ForeignKey(
        "shops.ProductPage", verbose_name=_("coffret"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    participant = models.ForeignKey(
        ShopPage, verbose_name=_("commerçant participant"), on_delete=models.CASCADE, related_name="bundle_consents"
    )
    fingerprint = models.CharField(max_length=64)
    terms = models.JSONField(_("conditions demandées"), default=dict)
    status = models.CharField(_("réponse"), max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.ASKED)
    asked_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("accord de participation à un coffret")
        verbose_name_plural = _("accords de participation à des coffrets")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle_key", "participant", "fingerprint"], condition=models.Q(superseded_at__isnull=True),
                name="one_current_consent_per_terms",
            ),
        ]

    def __str__(self):
        return f"{self.bundle_key} / {self.participant_id}: {self.status}"


# Units left at which the merchant's dashboard warns, until they choose their own.
DEFAULT_ALERT_THRESHOLD = 3
MAX_ALERT_THRESHOLD = 9999


class ProductStock(models.Model):
    """Units of one product still for sale, and units sold.

    Keyed by the product's `translation_key`, so the French and English
    pages of a product share one stock. `quantity` is None for what has no
    stock limit (a service, a gift voucher). Change it only with a
    conditional UPDATE or under `select_for_update`, never read-modify-write.
    """

    translation_key = models.UUIDField(_("produit"), unique=True)
    quantity = models.PositiveIntegerField(_("quantité disponible"), null=True, blank=True)
    sold = models.PositiveIntegerField(_("quantité vendue"), default=0)
    # Merchant-set, never changed by a sale: a plain UPDATE of this column alone
    # (shops.stock_admin) so it cannot overwrite a concurrent change of `quantity`.
    alert_threshold = models.PositiveSmallIntegerField(
        _("seuil d'alerte"), default=DEFAULT_ALERT_THRESHOLD,
        validators=[MaxValueValidator(MAX_ALERT_THRESHOLD)],
        help_text=_("Le tableau de bord vous prévient quand il reste ce nombre d'unités ou moins."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stocks")

    def __str__(self):
        return f"{self.translation_key}: {self.quantity}"
