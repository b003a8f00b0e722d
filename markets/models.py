"""Territories, their market pages, partner contacts and help pages."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import DraftStateMixin, Orderable, Page, RevisionMixin, TranslatableMixin
from wagtail.search import index

from markets.blocks import FaqStreamBlock, HelpStreamBlock


class Territory(models.Model):
    """A tourism office's territory: the stable anchor of one market.

    Pages are translated (one MarketPage per locale), so what must not
    depend on the language — editors' groups, commission schedules,
    registrations, orders — points here rather than at a page.
    """

    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerContact(TranslatableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """An organisation that backs a market: tourism office, chamber of commerce…"""

    class Kind(models.TextChoices):
        TOURISM_OFFICE = "tourism_office", _("Office de tourisme")
        CHAMBER_OF_COMMERCE = "chamber", _("Chambre de commerce et d'industrie")
        TRADE_ASSOCIATION = "association", _("Association de commerçants")
        ELECTED_BODY = "elected", _("Collectivité")

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
        FieldPanel("kind"),
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("person"), FieldPanel("role")]),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldPanel("website"),
        FieldPanel("address"),
        FieldPanel("logo"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["name"]

    def __str__(self):
        return self.name


class MarketPage(Page):
    """The market of one territory, run by its tourism office."""

    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    tourism_office = models.CharField(_("office de tourisme"), max_length=200)
    market_opens = models.DateField(_("ouverture du marché"))
    market_closes = models.DateField(_("clôture du marché"))
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
        FieldRowPanel([FieldPanel("market_opens"), FieldPanel("market_closes")]),
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

    class Meta:
        verbose_name = _("marché")
        verbose_name_plural = _("marchés")

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if self.market_opens and self.market_closes and self.market_closes < self.market_opens:
            raise ValidationError({"market_closes": _("La clôture doit suivre l'ouverture.")})

    def get_context(self, request, *args, **kwargs):
        from markets.listing import ShopFilters, shops_of_market

        context = super().get_context(request, *args, **kwargs)
        filters = ShopFilters.from_query(request.GET)
        paginator = Paginator(shops_of_market(self, filters), settings.SHOPS_PER_PAGE)
        try:
            shops = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            shops = paginator.page(1)
        except EmptyPage:
            shops = paginator.page(paginator.num_pages)
        context.update(
            filters=filters,
            shops=shops,
            partners=[p.partner for p in self.partners.select_related("partner__logo") if p.partner.live],
            help_pages=HelpPage.objects.child_of(self).live().specific(),
        )
        return context


class MarketPagePartner(Orderable):
    """A partner contact shown on a market page, in the editor's order."""

    page = ParentalKey(MarketPage, on_delete=models.CASCADE, related_name="partners")
    partner = models.ForeignKey(
        PartnerContact, verbose_name=_("partenaire"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("partner")]


class HelpPage(Page):
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
