"""Editor UI for territories and partner contacts."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from markets.models import PartnerContact, Territory


class TerritoryViewSet(SnippetViewSet):
    model = Territory
    icon = "site"
    menu_label = _("Territoires")
    list_display = ["name", "slug"]
    search_fields = ["name"]
    # Territories are the platform operator's: editors of a territory get
    # no permission on this model (see markets/editors.py).


class PartnerContactViewSet(SnippetViewSet):
    model = PartnerContact
    icon = "group"
    menu_label = _("Partenaires")
    list_display = ["name", "kind", "email", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "person"]


class MarketsViewSetGroup(SnippetViewSetGroup):
    items = (TerritoryViewSet, PartnerContactViewSet)
    menu_icon = "site"
    menu_label = _("Marchés")
    menu_name = "markets"


register_snippet(MarketsViewSetGroup)
