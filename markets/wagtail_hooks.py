"""Editor UI: territories, partner contacts, registrations, terms; merchants' terms screen and dashboard."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from markets import admin_views, commission_admin, onboarding  # noqa: F401 (commission_admin registers its hooks)
from markets.dashboard import MerchantPanel
from markets.models import PartnerContact, TermsVersion, Territory


class TerritoryViewSet(SnippetViewSet):
    model = Territory
    icon = "site"
    menu_label = _("Territoires")
    list_display = ["name", "slug", "registration_open"]
    search_fields = ["name"]
    # Territories are the platform operator's: editors of a territory get
    # no permission on this model (see markets/editors.py).


class PartnerContactViewSet(SnippetViewSet):
    model = PartnerContact
    icon = "group"
    menu_label = _("Partenaires")
    list_display = ["name", "kind", "territory", "email", "phone"]
    list_filter = ["kind", "territory"]
    search_fields = ["name", "person"]
    edit_handler = ObjectList(
        [
            FieldPanel("territory"),
            FieldPanel("kind"),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("person"), FieldPanel("role")]),
            FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
            FieldPanel("website"),
            FieldPanel("address"),
            FieldPanel("logo"),
        ],
        base_form_class=admin_views.TerritoryChoiceForm,
    )


admin_views.scope_viewset_views(PartnerContactViewSet)


class TermsVersionViewSet(SnippetViewSet):
    """The platform operator's: no group is given permissions on this model."""

    model = TermsVersion
    icon = "doc-full"
    menu_label = _("Conditions générales")
    list_display = ["version", "published_at"]


class MarketsViewSetGroup(SnippetViewSetGroup):
    items = (TerritoryViewSet, PartnerContactViewSet, TermsVersionViewSet)
    menu_icon = "site"
    menu_label = _("Marchés")
    menu_name = "markets"


register_snippet(MarketsViewSetGroup)


@hooks.register("register_admin_viewset")
def register_registration_viewset():
    return admin_views.RegistrationViewSet("registrations")


@hooks.register("register_admin_urls")
def register_terms_url():
    return [path("conditions/", admin_views.terms_accept, name="markets_terms_accept")]


@hooks.register("register_log_actions")
def register_onboarding_actions(actions):
    actions.register_action(onboarding.APPROVE_ACTION, _("Accepter une inscription"), _("Inscription acceptée"))
    actions.register_action(onboarding.REJECT_ACTION, _("Refuser une inscription"), _("Inscription refusée"))
    actions.register_action(onboarding.FIRST_PUBLICATION_ACTION, _("Première mise en ligne"),
                            _("Boutique mise en ligne pour la première fois"))
    actions.register_action(onboarding.TERMS_ACCEPTED_ACTION, _("Accepter les conditions générales"),
                            _("Conditions générales acceptées"))


@hooks.register("construct_homepage_panels")
def add_merchant_panel(request, panels):
    panel = MerchantPanel.for_request(request)
    if panel is not None:
        panels.insert(0, panel)
