"""Territories, their market pages, partner contacts and help pages."""

from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    Collection,
    DraftStateMixin,
    Orderable,
    Page,
    RevisionMixin,
    TranslatableMixin,
)
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from markets.blocks import FaqStreamBlock, HelpStreamBlock
from portal.dates import long_date, short_date
from portal.locale_cache import PublicPageMixin
from portal.page_cache import CachedPageMixin
from portal.private_storage import private_storage
from shops.models import ShopCategory, VatStatus


class Territory(models.Model):
    """A tourism office's territory: the stable anchor of one market.

    Pages are translated (one MarketPage per locale), so what must not
    depend on the language — editors' groups, commission schedules,
    registrations, orders — points here rather than at a page.
    """

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    # Registration policy: who may ask to join this market now. A request
    # outside it is kept on the waiting list rather than refused.
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=True)
    registration_categories = models.JSONField(
        _("catégories acceptées"), default=list, blank=True,
        help_text=_("Catégories de commerce acceptées ; aucune cochée : toutes."),
    )
    registration_postcodes = models.CharField(
        _("codes postaux acceptés"), max_length=2000, blank=True,
        help_text=_("Séparés par des espaces ou des virgules ; vide : tous."),
    )
    # Whether the platform's commission is taken on delivery fees too, or on goods only.
    commission_on_delivery = models.BooleanField(
        _("commission sur les frais de livraison"), default=True,
        help_text=_("Décoché : la commission ne porte que sur les articles."),
    )
    # Who edits this market and where its images go, made once by
    # markets.editors and found by key from then on: renaming the territory
    # changes nobody's access. SET_NULL rather than PROTECT: Wagtail's group
    # and collection delete views do not check usage, so PROTECT would end an
    # operator's deletion in a server error; deleting the group revokes the
    # editors' access, which is what the operator asked for, and the next
    # `editors_group` call makes a fresh, empty one (never found by name).
    editors_group = models.OneToOneField(
        Group, verbose_name=_("groupe des éditeurs"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    image_collection = models.OneToOneField(
        Collection, verbose_name=_("collection d'images"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        MultiFieldPanel(
            [
                FieldPanel("registration_open"),
                FieldPanel("registration_categories", widget=forms.CheckboxSelectMultiple(
                    choices=ShopCategory.choices)),
                FieldPanel("registration_postcodes"),
            ],
            heading=_("Inscriptions des commerçants"),
        ),
        FieldPanel("commission_on_delivery", heading=_("Commission")),
    ]

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The admin's checkboxes give None when none is ticked; "none ticked" means all categories.
        if self.registration_categories is None:
            self.registration_categories = []
        super().save(*args, **kwargs)

    @property
    def accepted_postcodes(self) -> set[str]:
        return set(self.registration_postcodes.replace(",", " ").split())

    def accepts(self, category: str, postcode: str) -> bool:
        """Whether a registration of this category and postcode fits the policy (else: waiting list)."""
        return not self.waitlist_reason(category, postcode)

    def waitlist_reason(self, category: str, postcode: str) -> str:
        """Why a registration of this category and postcode goes to the waiting list; "" when it fits.

        A territory without postcodes accepts every address.
        """
        Reason = MerchantRegistration.WaitlistReason
        if not self.registration_open:
            return Reason.CLOSED
        if self.registration_categories and category not in self.registration_categories:
            return Reason.CATEGORY
        postcodes = self.accepted_postcodes
        if postcodes and postcode.strip() not in postcodes:
            return Reason.POSTCODE
        return ""


class CommissionRate(models.Model):
    """One step of a territory's commission schedule: `rate` percent from `starts_on` on.

    A rate is in force from its first day until the day before the next
    step of the same territory starts, so a schedule has neither gaps nor
    overlaps by construction ("4 % for two weeks, then 3 %, then 1 %" is
    three rows). The rate is all taxes included: the commission invoice
    shows the VAT it contains. See `checkout.billing.commissions.rate_in_force`.
    """

    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="commission_rates"
    )
    starts_on = models.DateField(_("à partir du"))
    rate = models.DecimalField(
        _("taux de commission (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    panels = [FieldPanel("territory"), FieldRowPanel([FieldPanel("starts_on"), FieldPanel("rate")])]

    class Meta:
        verbose_name = _("taux de commission")
        verbose_name_plural = _("calendrier des commissions")
        ordering = ["territory__name", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "starts_on"], name="commission_rate_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=100), name="commission_rate_between_0_and_100"
            ),
        ]

    def __str__(self):
        return _("%(territory)s : %(rate)s %% à partir du %(day)s") % {
            "territory": self.territory, "rate": self.rate, "day": short_date(self.starts_on)
        }


class PartnerContact(TranslatableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """An organisation that backs a market: tourism office, chamber of commerce…"""

    class Kind(models.TextChoices):
        TOURISM_OFFICE = "tourism_office", _("Office de tourisme")
        CHAMBER_OF_COMMERCE = "chamber", _("Chambre de commerce et d'industrie")
        TRADE_ASSOCIATION = "association", _("Association de commerçants")
        ELECTED_BODY = "elected", _("Collectivité")

    # Editors see and edit only their territory's partners; none: the
    # platform operator's.
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="partners",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=200)
    person = models.CharField(_("interlocuteur"), max_length=200, blank=True)
    role = models.CharField(_("fonction"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    address = models.TextField(_("adresse"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("logo"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    panels = [
        FieldPanel("territory"),
        FieldPanel("kind"),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("person"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldPanel("website"),
        FieldPanel("address"),
        FieldPanel("logo"),
    ]

    # Who and how to reach them are facts, the same in English (see portal.translation_sync);
    # the organisation's name and the person's role are translated.
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in ("territory", "kind", "person", "email", "phone", "website", "address", "logo")
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def page_cache_bumps(self) -> list[str]:
        """The market pages showing this contact, in every language (see portal.page_cache)."""
        from portal.page_cache import page_generation

        pages = MarketPagePartner.objects.filter(partner__translation_key=self.translation_key)
        return [page_generation(key) for key in pages.values_list("page__translation_key", flat=True)]


class MarketPage(PublicPageMixin, CachedPageMixin, RoutablePageMixin, Page):
    """The market of one territory, run by its tourism office."""

    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    tourism_office = models.CharField(_("office de tourisme"), max_length=200)
    market_opens = models.DateField(_("ouverture du marché"))
    market_closes = models.DateField(_("clôture du marché"))
    allow_preorders = models.BooleanField(
        _("précommandes avant l'ouverture"), default=False,
        help_text=_("Coché : les boutiques publiées vendent déjà avant la date d'ouverture."),
    )
    intro = RichTextField(_("introduction"), features=["bold", "italic", "link", "ul"], blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image d'en-tête"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    contact_email = models.EmailField(_("e-mail de contact"))
    faq = StreamField(FaqStreamBlock(), verbose_name=_("questions fréquentes"), blank=True)
    help = StreamField(HelpStreamBlock(), verbose_name=_("aide et tutoriels"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("territory"),
        FieldPanel("tourism_office"),
        FieldRowPanel([FieldPanel("market_opens"), FieldPanel("market_closes"), FieldPanel("allow_preorders")]),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
        FieldPanel("contact_email"),
        InlinePanel("partners", label=_("partenaires")),
        FieldPanel("faq"),
        FieldPanel("help"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("tourism_office")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["shops.ShopPage", "markets.HelpPage"]

    # Facts of the market, the same in every language (see portal.translation_sync).
    override_translatable_fields = [
        SynchronizedField(name, overridable=False)
        for name in ("territory", "market_opens", "market_closes", "allow_preorders", "hero_image", "contact_email")
    ]

    class Meta:
        verbose_name = _("marché")
        verbose_name_plural = _("marchés")

    @path("inscription/", name="registration")
    def registration(self, request):
        from markets.views import registration

        return registration(request, self)

    @path("inscription/merci/", name="registration_thanks")
    def registration_thanks(self, request):
        from markets.views import registration_thanks

        return registration_thanks(request, self)

    @path("recherche/", name="search")
    def search_page(self, request):
        from markets.search import market_search

        return market_search(request, self)

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.market_opens and self.market_closes and self.market_closes < self.market_opens:
            raise ValidationError({"market_closes": _("La clôture doit suivre l'ouverture.")})

    def sales_closed_reason(self, today: date) -> str:
        """Why nothing can be bought on this market on `today` (Paris), or "" while it sells.

        Closing only stops sales: merchants still refund, redeem vouchers and
        are paid after it.
        """
        if today > self.market_closes:
            return _("Le marché est clos depuis le %(date)s.") % {"date": long_date(self.market_closes)}
        if today < self.market_opens and not self.allow_preorders:
            return _("Le marché ouvre le %(date)s.") % {"date": long_date(self.market_opens)}
        return ""

    def page_cache_generations(self) -> list[str]:
        from shops.page_cache import stock_generation

        # Its listing filters shops by what they have in stock (shops.page_cache.stock_changed).
        return [*super().page_cache_generations(), stock_generation(self.translation_key)]

    def page_cache_route_is_shared(self, args) -> bool:
        # The market itself; its registration form and its search are for one visitor each.
        return not args or getattr(args[0], "__name__", "") == "index_route"

    def get_context(self, request, *args, **kwargs):
        from markets.listing import ShopFilters, market_listing

        context = super().get_context(request, *args, **kwargs)
        listing = market_listing(self, ShopFilters.from_query(request.GET))
        paginator = Paginator(listing.shops, settings.SHOPS_PER_PAGE)
        # The facets' query has counted the matching shops already: no COUNT query more.
        paginator.count = listing.facets.total
        try:
            shops = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            shops = paginator.page(1)
        except EmptyPage:
            shops = paginator.page(paginator.num_pages)
        context.update(
            filters=listing.filters,
            facets=listing.facets,
            shops=shops,
            partners=self.partners_shown(),
            help_pages=HelpPage.objects.child_of(self).live(),
        )
        return context


    def partners_shown(self) -> list["PartnerContact"]:
        """The live partner contacts of this page, in its order, each in the page's language when translated.

        The rows are synchronised from the French page and point at the French
        contacts; the English page shows their English translations (two queries
        more, on a translated page only).
        """
        from django.db.models import Prefetch
        from wagtail.images import get_image_model

        # The logo rendition must match templates/markets/includes/partner.html.
        logos = get_image_model().objects.prefetch_renditions("max-160x80")
        rows = self.partners.select_related("partner").prefetch_related(Prefetch("partner__logo", queryset=logos))
        chosen = [row.partner for row in rows]
        foreign = [p.translation_key for p in chosen if p.locale_id != self.locale_id]
        translated = {}
        if foreign:
            translated = {
                p.translation_key: p
                for p in PartnerContact.objects.filter(
                    translation_key__in=foreign, locale_id=self.locale_id, live=True
                ).prefetch_related(Prefetch("logo", queryset=logos))
            }
        shown = [translated.get(p.translation_key, p) for p in chosen]
        return [p for p in shown if p.live]


class MarketPagePartner(Orderable):
    """A partner contact shown on a market page, in the editor's order."""

    page = ParentalKey(MarketPage, on_delete=models.CASCADE, related_name="partners")
    partner = models.ForeignKey(
        PartnerContact, verbose_name=_("partenaire"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("partner")]


class HelpPage(PublicPageMixin, CachedPageMixin, Page):
    """A help page of a market: tutorials, contacts, terms."""

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)
    body = StreamField(HelpStreamBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["markets.MarketPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("page d'aide")
        verbose_name_plural = _("pages d'aide")


def registration_photo_path(instance, filename):
    # Never the visitor's file name: it may be anything.
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"inscriptions/{uuid.uuid4().hex}.{extension}"


class MerchantRegistration(models.Model):
    """A merchant's request to sell at a territory's market, as they filled it in.

    Approval (markets.onboarding) turns it into a draft ShopPage, a user and
    their permissions; the registration keeps pointing at both.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        WAITLISTED = "waitlisted", _("Liste d'attente")
        APPROVED = "approved", _("Acceptée")
        REJECTED = "rejected", _("Refusée")

    class WaitlistReason(models.TextChoices):
        CLOSED = "closed", _("Inscriptions fermées")
        CATEGORY = "category", _("Catégorie non retenue")
        POSTCODE = "postcode", _("Adresse hors du territoire")

    # Registrations an editor has not decided yet: one per SIRET at a time.
    OPEN_STATUSES = (Status.PENDING, Status.WAITLISTED)

    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)

    trade_name = models.CharField(_("nom commercial"), max_length=200)
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14)
    vat_status = models.CharField(_("régime de TVA"), max_length=20, choices=VatStatus.choices)
    vat_number = models.CharField(_("n° de TVA intracommunautaire"), max_length=20, blank=True)
    street = models.CharField(_("adresse"), max_length=255)
    postcode = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=120)
    category = models.CharField(_("catégorie"), max_length=20, choices=ShopCategory.choices)
    contact_name = models.CharField(_("nom du contact"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30)
    # Sent by anyone, shown to the editors only (markets.admin_views.registration_photo).
    photo = models.FileField(_("photo"), upload_to=registration_photo_path, max_length=255, storage=private_storage)
    language = models.CharField(_("langue de contact"), max_length=8, choices=settings.LANGUAGES, default="fr")
    declared_independent = models.BooleanField(_("commerce indépendant avec boutique physique"), default=False)

    # Checks made once, when the registration arrives (markets.onboarding.submit_registration).
    waitlist_reason = models.CharField(
        _("motif de la liste d'attente"), max_length=12, choices=WaitlistReason.choices, blank=True, editable=False,
    )
    chain_flag = models.CharField(
        _("chaîne ou enseigne repérée"), max_length=255, blank=True, editable=False,
        help_text=_("Le marché est réservé aux commerces indépendants : vérifiez avant d'accepter."),
    )
    returning_shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique d'une saison passée"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Le même SIRET a déjà une boutique sur ce marché : l'accepter la rouvre."),
    )

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("décidée par"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    shop = models.ForeignKey(
        "shops.ShopPage", verbose_name=_("boutique"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compte commerçant"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="merchant_registrations",
    )

    # Each e-mail claims its column before it is sent: a task run twice sends once.
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    online_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    editors_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two submissions racing past the form's check still make one open registration.
            models.UniqueConstraint(
                fields=["siret"], condition=models.Q(status__in=["pending", "waitlisted"]),
                name="registration_one_open_per_siret",
            ),
        ]

    def __str__(self):
        return f"{self.trade_name} ({self.city})"

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.REJECTED)


class TermsVersion(models.Model):
    """A version of the merchants' terms (CGU/CGV). The current one is the latest published."""

    version = models.CharField(_("version"), max_length=40, unique=True)
    text = RichTextField(_("texte"), features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])
    published_at = models.DateTimeField(
        _("en vigueur le"), null=True, blank=True,
        help_text=_("Vide : brouillon. Dès cette date, chaque commerçant doit accepter cette version."),
    )

    panels = [FieldPanel("version"), FieldPanel("published_at"), FieldPanel("text")]

    class Meta:
        verbose_name = _("conditions générales")
        verbose_name_plural = _("conditions générales")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.version

    @classmethod
    def current(cls):
        from django.utils import timezone

        return (
            cls.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
            .order_by("-published_at", "-pk").first()
        )


class TermsAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("acceptées le"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptation des conditions")
        verbose_name_plural = _("acceptations des conditions")
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="terms_accepted_once")]

    def __str__(self):
        return f"{self.user} — {self.version}"


class MerchantShop(models.Model):
    """A shop's merchant access: its group and its image collection, keyed by the shop's translation key.

    The French and English ShopPage share `translation_key`, so one row
    serves both. The group and the collection belong to the shop, not to a
    merchant: they exist before the first merchant account does (the
    registration photo goes into the collection, the first publication
    grants the group `publish_page`), and a second merchant of the same
    shop joins the same group. Keeping them on a Merchant row instead would
    leave nowhere to store them before the first merchant, and two copies to
    keep equal after the second. Nullable with SET_NULL for the reason given
    on Territory.editors_group; markets.merchants fills an empty link again.
    """

    translation_key = models.UUIDField(_("clé de la boutique"), unique=True, editable=False)
    group = models.OneToOneField(
        Group, verbose_name=_("groupe du commerce"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )
    collection = models.OneToOneField(
        Collection, verbose_name=_("collection d'images"), null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("accès d'une boutique")
        verbose_name_plural = _("accès des boutiques")

    def __str__(self):
        return str(self.translation_key)


class Merchant(models.Model):
    """A user's merchant account for one shop (both locales of it), made by markets.merchants.make_merchant.

    Access itself is the shop group's page and collection permissions; this
    row records whose account it is and since when.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), on_delete=models.CASCADE, related_name="+"
    )
    shop = models.ForeignKey(
        MerchantShop, verbose_name=_("boutique"), on_delete=models.PROTECT, related_name="merchants"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("commerçant")
        verbose_name_plural = _("commerçants")
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="merchant_once_per_shop")]

    def __str__(self):
        return f"{self.user} — {self.shop}"

    @property
    def translation_key(self):
        return self.shop.translation_key

    @property
    def group(self) -> Group | None:
        return self.shop.group

    @property
    def collection(self) -> Collection | None:
        return self.shop.collection


class PromiseReminder(models.Model):
    """A reminder sent about one step of a registration's 4-day promise (markets.publication_promise).

    One row per registration and step, ever: the row is claimed before the
    e-mails go, so a late step is reminded once however often the task runs.
    """

    class Step(models.TextChoices):
        APPROVAL = "approval", _("Décision sur l'inscription")
        SUBMISSION = "submission", _("Soumission de la boutique")
        MODERATION = "moderation", _("Validation de la boutique")

    registration = models.ForeignKey(
        MerchantRegistration, verbose_name=_("inscription"), on_delete=models.CASCADE,
        related_name="promise_reminders",
    )
    step = models.CharField(_("étape"), max_length=12, choices=Step.choices)
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("rappel de mise en ligne")
        verbose_name_plural = _("rappels de mise en ligne")
        constraints = [
            models.UniqueConstraint(fields=["registration", "step"], name="promise_reminder_once_per_step")
        ]

    def __str__(self):
        return f"{self.registration} — {self.get_step_display()}"


class ChainStore(models.Model):
    """A chain, national brand or franchise network known to the platform (its operator keeps the list).

    A registration whose SIREN or name matches is flagged for the editor,
    not refused: the editor decides (markets.chain_stores).
    """

    name = models.CharField(_("enseigne"), max_length=120, help_text=_("Reconnue aussi dans le nom d'une inscription."))
    other_names = models.CharField(
        _("autres noms"), max_length=500, blank=True,
        help_text=_("Séparés par des virgules. Un nom est reconnu en mots entiers, sans tenir compte des "
                    "majuscules ni des accents."),
    )
    sirens = models.CharField(
        _("SIREN"), max_length=500, blank=True,
        help_text=_("Les SIREN (9 chiffres) des sociétés de la chaîne, séparés par des espaces ou des virgules."),
    )

    panels = [FieldPanel("name"), FieldPanel("other_names"), FieldPanel("sirens")]

    class Meta:
        verbose_name = _("chaîne ou enseigne")
        verbose_name_plural = _("chaînes et enseignes")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def siren_list(self) -> list[str]:
        return self.sirens.replace(",", " ").split()

    @property
    def name_list(self) -> list[str]:
        return [self.name, *(n.strip() for n in self.other_names.split(",") if n.strip())]

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError
        from stdnum.fr import siren

        wrong = [number for number in self.siren_list if not siren.is_valid(number)]
        if wrong:
            raise ValidationError({"sirens": _("SIREN non valable : %(numbers)s") % {"numbers": ", ".join(wrong)}})
        self.sirens = " ".join(siren.compact(number) for number in self.siren_list)

