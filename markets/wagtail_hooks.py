"""Editor UI: territories, partner contacts, registrations, terms; merchants' terms screen and dashboard;
translation buttons and the "English out of date" list."""

from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.core.exceptions import ImproperlyConfigured
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.widgets.button import Button as ListingButton
from wagtail.models import TranslatableMixin
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup
from wagtail_localize import wagtail_hooks as localize_hooks

from markets import (  # noqa: F401 (commission_admin, admin_reports and admin_scoping register hooks)
    admin_reports,
    admin_scoping,
    admin_views,
    closing_admin,  # the merchant's "Fermer ma boutique" screen and its log actions
    commission_admin,
    localize_access,
    onboarding,
    translation_status,
)
from markets.dashboard import MerchantPanel
from markets.editor_dashboard import EditorPanel
from markets.editors import may_submit_translations
from markets.models import PartnerContact, TermsVersion, Territory
from markets.share import SharePanel
from portal import converters  # noqa: F401 (registers <pk:...>)


class TerritoryViewSet(SnippetViewSet):
    model = Territory
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404
    icon = "site"
    menu_label = _("Territoires")
    list_display = ["name", "slug", "registration_open"]
    search_fields = ["name"]
    # Territories are the platform operator's: editors of a territory get
    # no permission on this model (see markets/editors.py).


class PartnerContactViewSet(SnippetViewSet):
    model = PartnerContact
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404
    icon = "group"
    menu_label = _("Partenaires")
    list_display = ["name", "kind", "territory", "email", "phone"]
    list_filter = ["kind", "territory"]
    search_fields = ["name", "person"]
    # The chooser lists and returns the editor's territories' contacts only.
    chooser_viewset_class = admin_scoping.TerritoryChooserViewSet
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

    def get_queryset(self, request):
        # The listing shows each contact's territory: one query, not one a row.
        return PartnerContact._default_manager.select_related("territory")


admin_views.scope_viewset_views(PartnerContactViewSet)


class TermsVersionViewSet(SnippetViewSet):
    """The platform operator's: no group is given permissions on this model."""

    pk_path_converter = "pk"
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


@hooks.register("construct_homepage_panels")
def add_share_panel(request, panels):
    panel = SharePanel.for_request(request)
    if panel is not None:
        panels.insert(1 if panels and isinstance(panels[0], MerchantPanel) else 0, panel)


@hooks.register("construct_homepage_panels")
def add_editor_panel(request, panels):
    panel = EditorPanel.for_request(request)
    if panel is not None:
        panels.insert(0, panel)


# Translation ---------------------------------------------------------------


# wagtail-localize's own msgids, which its catalogue translates.
TRANSLATE_PAGE, SYNC_PAGES = "Translate this page", "Sync translated pages"
TRANSLATE_SNIPPET, SYNC_SNIPPETS = "Translate", "Sync translated snippets"
TRANSLATE_SNIPPET_LABEL, SYNC_SNIPPETS_LABEL = "Translate '%(title)s'", "Sync translations of '%(title)s'"


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url is not None else url


def page_translation_buttons(page, user, view_name=None, next_url=None):
    """wagtail-localize's "Translate this page" and "Sync translated pages", where `user` may translate."""
    if page.is_root() or not may_submit_translations(user):
        return
    state = localize_access.translation_state(user, page)
    if not state.allowed:
        return
    if state.locale_to_add:
        # An alias is translated from the page it mirrors.
        url = reverse("wagtail_localize:submit_page_translation", args=[page.alias_of_id or page.pk])
        yield ListingButton(gettext(TRANSLATE_PAGE), url, priority=60, icon_name="wagtail-localize-language")
    if state.sync_source_id is not None:
        url = reverse("wagtail_localize:update_translations", args=[state.sync_source_id])
        yield ListingButton(gettext(SYNC_PAGES), _with_next(url, next_url), priority=60, icon_name="resubmit")


def snippet_translation_buttons(snippet, user, next_url=None):
    """wagtail-localize's "Translate" and "Sync translated snippets", where `user` may translate."""
    if not isinstance(snippet, TranslatableMixin) or not may_submit_translations(user):
        return
    state = localize_access.translation_state(user, snippet)
    if not state.allowed:
        return
    title = {"title": str(snippet)}
    if state.locale_to_add:
        opts = type(snippet)._meta
        url = reverse("wagtail_localize:submit_snippet_translation",
                      args=[opts.app_label, opts.model_name, quote(snippet.pk)])
        yield ListingButton(gettext(TRANSLATE_SNIPPET), url, attrs={"aria-label": gettext(TRANSLATE_SNIPPET_LABEL) % title},
                            icon_name="wagtail-localize-language", priority=100)
    if state.sync_source_id is not None:
        url = reverse("wagtail_localize:update_translations", args=[state.sync_source_id])
        yield ListingButton(gettext(SYNC_SNIPPETS), _with_next(url, next_url),
                            attrs={"aria-label": gettext(SYNC_SNIPPETS_LABEL) % title}, icon_name="resubmit", priority=106)


# wagtail-localize shows "Translate" and "Sync translated pages/snippets" to
# whoever holds `submit_translation`, on every page header, page listing
# and snippet listing, at several queries a row. Its views refuse the
# objects a user may not translate (markets.localize_access); the same
# buttons are given here instead, only where the user may translate, from
# one TranslationState per listing. Wagtail has construct hooks for the two
# listings but none for the page header, so localize's registrations are
# replaced in place; a localize release that renames them stops the
# start-up here rather than showing its buttons again (and one that adds a
# button needs it added here).
LOCALIZE_BUTTON_HOOKS = (
    ("register_page_header_buttons", localize_hooks.page_listing_more_buttons, page_translation_buttons),
    ("register_page_listing_more_buttons", localize_hooks.page_listing_more_buttons, page_translation_buttons),
    ("register_snippet_listing_buttons", localize_hooks.register_snippet_listing_buttons, snippet_translation_buttons),
)


def replace_localize_buttons():
    # Wagtail has no public way to replace a registered hook: its registry is the module's `_hooks`.
    for hook_name, localize_hook, ours in LOCALIZE_BUTTON_HOOKS:
        registered = hooks._hooks.get(hook_name, [])
        positions = [i for i, (fn, _order) in enumerate(registered) if fn is localize_hook]
        if not positions:
            raise ImproperlyConfigured(f"wagtail-localize's {localize_hook.__name__} is not registered for {hook_name}")
        for i in positions:
            registered[i] = (ours, registered[i][1])


replace_localize_buttons()


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
        return may_submit_translations(request.user)


@hooks.register("register_reports_menu_item")
def register_translation_status_menu_item():
    return TranslationStatusMenuItem(
        _("Anglais à mettre à jour"), reverse("markets_english_out_of_date"), icon_name="site", order=8900
    )


# Registration checks: chain stores (platform operator), territories' postcodes (editors) ----------


@hooks.register("register_admin_viewset")
def register_chain_store_viewset():
    from markets.chain_store_admin import ChainStoreViewSet

    return ChainStoreViewSet("chain_stores")


@hooks.register("register_admin_urls")
def register_postcode_urls():
    from markets import postcode_admin

    return [
        path("inscriptions-codes-postaux/", postcode_admin.postcodes_index, name="markets_registration_postcodes"),
        path("inscriptions-codes-postaux/<pk:territory_id>/", postcode_admin.postcodes_edit,
             name="markets_territory_postcodes"),
    ]


class PostcodesMenuItem(MenuItem):
    def is_shown(self, request):
        from markets.postcode_admin import may_edit_postcodes

        return may_edit_postcodes(request.user)


@hooks.register("register_admin_menu_item")
def register_postcodes_menu_item():
    return PostcodesMenuItem(
        _("Codes postaux des inscriptions"), reverse("markets_registration_postcodes"), icon_name="site", order=151
    )
