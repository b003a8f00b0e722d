"""Editor UI: territories, partner contacts, registrations, terms; merchants' terms screen and dashboard;
translation buttons and the "English out of date" list."""

import functools

from django.core.exceptions import ImproperlyConfigured
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup
from wagtail_localize import wagtail_hooks as localize_hooks

from markets import admin_views, commission_admin, localize_access, onboarding, translation_status  # noqa: F401 (commission_admin registers its hooks)
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


# Translation ---------------------------------------------------------------


def _only_where_translatable(localize_hook):
    """`localize_hook`'s buttons, kept only on an object the user may translate (markets.localize_access)."""

    @functools.wraps(localize_hook)
    def guarded(*args, **kwargs):
        # Wagtail calls the page hooks with keywords, the snippet hook positionally.
        instance = kwargs["page"] if "page" in kwargs else args[0]
        user = kwargs["user"] if "user" in kwargs else args[1]
        buttons = list(localize_hook(*args, **kwargs))
        if buttons and not localize_access.may_translate(user, instance):
            return []
        return buttons

    return guarded


# wagtail-localize shows "Translate" and "Sync translated pages/snippets" to
# whoever holds `submit_translation`, on every page header, page listing
# and snippet listing. Its views refuse the objects a user may not translate
# (markets.localize_access); its buttons must not offer them either. Wagtail
# has construct hooks for the two listings but none for the page header, so
# localize's own registrations are wrapped in place, one guard for all
# three; a localize release that renames them stops the start-up here
# rather than showing the buttons again.
LOCALIZE_BUTTON_HOOKS = (
    ("register_page_header_buttons", localize_hooks.page_listing_more_buttons),
    ("register_page_listing_more_buttons", localize_hooks.page_listing_more_buttons),
    ("register_snippet_listing_buttons", localize_hooks.register_snippet_listing_buttons),
)


def guard_localize_buttons():
    # Wagtail has no public way to replace a registered hook: its registry is the module's `_hooks`.
    for hook_name, localize_hook in LOCALIZE_BUTTON_HOOKS:
        registered = hooks._hooks.get(hook_name, [])
        positions = [i for i, (fn, _order) in enumerate(registered) if fn is localize_hook]
        if not positions:
            raise ImproperlyConfigured(f"wagtail-localize's {localize_hook.__name__} is not registered for {hook_name}")
        for i in positions:
            fn, order = registered[i]
            registered[i] = (_only_where_translatable(fn), order)


guard_localize_buttons()


@hooks.register("construct_reports_menu")
def hide_localize_report_from_non_superusers(request, menu_items):
    # Localize's report lists every territory's translations; the others
    # have "English out of date", scoped to what they may translate.
    if not request.user.is_superuser:
        report_url = reverse("wagtail_localize:translations_report")
        menu_items[:] = [item for item in menu_items if item.url != report_url]


@hooks.register("register_admin_urls")
def register_translation_status_url():
    return [path("traductions/anglais/", translation_status.out_of_date_view, name="markets_english_out_of_date")]


class TranslationStatusMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(translation_status.TRANSLATE_PERMISSION)


@hooks.register("register_reports_menu_item")
def register_translation_status_menu_item():
    return TranslationStatusMenuItem(
        _("Anglais à mettre à jour"), reverse("markets_english_out_of_date"), icon_name="site", order=8900
    )
