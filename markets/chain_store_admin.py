"""The platform operator's list of chain stores (markets.chain_stores): no group is given permissions on it."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from markets.models import ChainStore
from portal import converters  # noqa: F401 (registers <pk:...>)


class ChainStoreViewSet(ModelViewSet):
    model = ChainStore
    icon = "warning"
    menu_label = _("Chaînes et enseignes")
    url_prefix = "chaines"
    url_namespace = "chain_stores"
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404
    list_display = ["name", "other_names", "sirens"]
    search_fields = ["name", "other_names", "sirens"]
    form_fields = ["name", "other_names", "sirens"]
    add_to_settings_menu = True
