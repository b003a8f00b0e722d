"""The portal's front door, one per locale."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image d'en-tête"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("hero_image")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["markets.MarketPage"]

    class Meta:
        verbose_name = _("accueil")

    def get_context(self, request, *args, **kwargs):
        from django.db.models import Prefetch
        from wagtail.images import get_image_model

        from markets.models import MarketPage

        context = super().get_context(request, *args, **kwargs)
        context["markets"] = (
            MarketPage.objects.live()
            .child_of(self)
            .select_related("territory", "locale")
            .prefetch_related(
                Prefetch("hero_image", queryset=get_image_model().objects.prefetch_renditions("fill-640x360"))
            )
            .order_by("title")
        )
        return context
