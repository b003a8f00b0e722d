"""The portal's front door, one per locale, and the platform's legal pages under it."""

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from portal.locale_cache import PublicPageMixin
from portal.page_cache import SITE, CachedPageMixin


class HomePage(PublicPageMixin, CachedPageMixin, Page):
    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image d'en-tête"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("hero_image")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["markets.MarketPage", "home.LegalPage"]

    class Meta:
        verbose_name = _("accueil")

    def route(self, request, path_components):
        from home.routing import find_public_page
        from portal.locale_cache import locale_by_id

        # The language switcher reads the page's locale: the process's copy, not a query.
        self.locale = locale_by_id(self.locale_id) or self.locale
        # A market, shop or product page in one query; anything else through Wagtail's routing.
        page = find_public_page(self, path_components)
        if page is None:
            return super().route(request, path_components)
        return page.route(request, [])

    def get_context(self, request, *args, **kwargs):
        from markets.models import MarketPage
        from shops.listing import image_renditions

        context = super().get_context(request, *args, **kwargs)
        context["markets"] = (
            MarketPage.objects.live()
            .child_of(self)
            .select_related("territory", "locale", "hero_image")
            .prefetch_related(image_renditions("hero_image", "fill-640x360"))
            .order_by("title")
        )
        return context


class LegalKind(models.TextChoices):
    LEGAL_NOTICE = "legal_notice", _("Mentions légales")
    TERMS = "terms", _("Conditions générales de vente")
    WITHDRAWAL = "withdrawal", _("Droit de rétractation")
    PRIVACY = "privacy", _("Données personnelles")
    COOKIES = "cookies", _("Cookies")
    MERCHANT_TERMS = "merchant_terms", _("Conditions d'utilisation des commerçants")


class LegalPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        siblings = LegalPage.objects.child_of(self.parent_page).exclude(pk=self.instance.pk)
        if kind and siblings.filter(kind=kind).exists():
            self.add_error("kind", _("Ce site a déjà une page de ce type : modifiez-la plutôt que d'en créer une autre."))
        return cleaned


class LegalPage(PublicPageMixin, CachedPageMixin, Page):
    """A text the platform owes its visitors or merchants (see `LegalKind`), one of each kind per home.

    Checkout and the footer find it by `kind` (see `home.legal`), so the
    platform may retitle or move the text without breaking their links.
    """

    kind = models.CharField(_("type de page"), max_length=20, choices=LegalKind.choices)
    body = RichTextField(_("texte"), features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"])

    content_panels = Page.content_panels + [FieldPanel("kind"), FieldPanel("body")]
    base_form_class = LegalPageForm
    search_fields = Page.search_fields + [index.SearchField("body")]

    parent_page_types = ["home.HomePage"]
    subpage_types = []

    # Which text it is does not depend on the language: the English terms are the terms.
    override_translatable_fields = [SynchronizedField("kind", overridable=False)]

    class Meta:
        verbose_name = _("page légale")
        verbose_name_plural = _("pages légales")

    def page_cache_bumps(self) -> list[str]:
        # Every page's footer links to it.
        return [SITE]

    # Publishing, unpublishing and renaming save the page: the footer's cached links follow at once.
    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        self._forget_urls()
        return result

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._forget_urls()
        return result

    @staticmethod
    def _forget_urls():
        from home.legal import forget_legal_page_urls

        # Now, for this transaction's own reads; and after commit, for what others cached meanwhile.
        forget_legal_page_urls()
        transaction.on_commit(forget_legal_page_urls)

