"""StreamField blocks of the market's FAQ and help pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class FaqEntryBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=255)
    answer = blocks.RichTextBlock(label=_("Réponse"), features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("Question fréquente")
        template = "markets/blocks/faq_entry.html"


class TutorialBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=255)
    text = blocks.RichTextBlock(label=_("Texte"), features=["bold", "italic", "link", "ol", "ul"])
    # A plain link rather than an EmbedBlock: the page loads nothing from
    # another site until the visitor asks, and wagtail-localize cannot
    # translate a page holding an empty optional EmbedBlock
    # (wagtail/wagtail-localize#875).
    video = blocks.URLBlock(
        label=_("Vidéo"),
        required=False,
        help_text=_("Adresse d'une vidéo (YouTube, Vimeo, PeerTube…)."),
    )

    class Meta:
        icon = "media"
        label = _("Tutoriel")
        template = "markets/blocks/tutorial.html"


class FaqStreamBlock(blocks.StreamBlock):
    entry = FaqEntryBlock()


class HelpStreamBlock(blocks.StreamBlock):
    tutorial = TutorialBlock()
    text = blocks.RichTextBlock(label=_("Texte"), template="markets/blocks/text.html")
