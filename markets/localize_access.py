"""Who may use wagtail-localize's admin views on which object: the project's page and territory rules.

wagtail-localize 1.14 guards its submit and update ("Sync") views with one
global permission, `wagtail_localize.submit_translation`, and its
translation editor's endpoints with "may edit the target": a page's
permissions, but for a snippet any object of the model. Editors and
merchants hold that permission (markets.editors, markets.merchants), so
without more an editor of territory A could translate, sync or publish B's
pages and partner contacts. `LocalizeAccessMiddleware` puts the project's
rule, `may_translate`, in front of every view of the `wagtail_localize`
URL namespace:

- a page: the user can edit it and every other version of it (source and
  targets, aliases included), and, for a locale it has no version in yet,
  add a page under its parent's version there (where localize creates it);
  a parent with no version there would make localize create pages above,
  which is refused;
- a partner contact: the user holds `markets.change_partnercontact` and
  every version of the contact belongs to one of their territories (the
  rows the partner-contact admin shows them, see markets.admin_views);
- any other object, or one that cannot be found: refused;
- superusers pass.

wagtail-localize also submits, with an object, the translatable objects
it links to by a foreign key or a snippet chooser (one level deep). No
model here has such a link (a market page's partner contacts hang on
MarketPagePartner rows, which localize synchronises as they are and does
not submit); tests/markets/test_translation_access.py fails when one
appears, as this rule would then have to cover the linked objects.

Which object each view concerns is read from the URL's arguments: a page
id (submit, convert to alias), a snippet (submit, the snippet API's
detail), a translation source (update translations), a translation (the
editor's string, override, PO file, machine translation, preview and stop
endpoints). The JavaScript catalogue concerns nothing. Localize's
translations report and the snippet API's listing show every territory's
objects: superusers only (the scoped list is markets.translation_status).

Why a middleware keyed on the resolved URL rather than wrapped views:
localize registers its URLs through its own `register_admin_urls` hook, in
a list the project does not own; re-registering wrapped copies would depend
on hook order and leave the originals reachable. `process_view` runs after
URL resolution, with the view's arguments, before any view of the
namespace, so it covers them all whatever their registration, and fails
closed: a view name not listed here (one a later localize adds) is refused
to everyone but superusers until its rule is written down. Localize's own
checks still run after this one.

Not covered here because Wagtail already checks them: the page edit view,
which localize replaces by its translation editor for a translated page
(including its "publish" and "restart translation" posts), requires
`can_edit()` on that page before localize's `before_edit_page` hook runs;
a partner contact's edit view is narrowed to the editor's territories by
markets.admin_views.

Anonymous users and users without admin access are left to the view, whose
`require_admin_access` sends them to the login page. A refusal looks like
Wagtail's own: the dashboard with a message for a page, 403 for the JSON
endpoints and requests made by script.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from wagtail.admin.auth import permission_denied
from wagtail.models import Locale, Page
from wagtail.snippets.views.snippets import get_snippet_model_from_url_params
from wagtail_localize.models import Translation, TranslationSource

from markets.editors import territories_edited_by
from markets.models import PartnerContact

NAMESPACE = "wagtail_localize"
OPEN_VIEWS = frozenset({"javascript_catalog"})
PAGE_VIEWS = frozenset({"submit_page_translation", "convert_to_alias"})
SNIPPET_VIEWS = frozenset({"submit_snippet_translation", "snippets_api_detail"})
SOURCE_VIEWS = frozenset({"update_translations"})
TRANSLATION_VIEWS = frozenset({
    "edit_string_translation", "edit_override", "download_pofile", "upload_pofile", "machine_translate",
    "preview_translation", "stop_translation",
})
# Answered in JSON to the translation editor's scripts: a redirect would reach them as an HTML page.
JSON_VIEWS = frozenset({"edit_string_translation", "edit_override", "snippets_api_detail", "snippets_api_listing"})


def may_translate(user, instance) -> bool:
    """Whether `user` may translate `instance` (a page or snippet) and its translations; see the module."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if isinstance(instance, Page):
        return _may_translate_page(user, instance)
    if isinstance(instance, PartnerContact):
        return _may_translate_partner(user, instance)
    return False


def _may_translate_page(user, page: Page) -> bool:
    versions = list(Page.objects.filter(translation_key=page.translation_key))
    if not all(version.permissions_for_user(user).can_edit() for version in versions):
        return False
    missing = list(Locale.objects.exclude(pk__in=[version.locale_id for version in versions]))
    if not missing:
        return True
    parent = page.get_parent()
    if parent is None or parent.is_root():
        return False
    parents = {p.locale_id: p for p in Page.objects.filter(translation_key=parent.translation_key)}
    for locale in missing:
        parent_version = parents.get(locale.pk)
        if parent_version is None or not parent_version.permissions_for_user(user).can_add_subpage():
            return False
    return True


def partner_contacts_edited_by(user):
    """Partner contacts of the user's territories: the rows markets.admin_views lets them open."""
    return PartnerContact.objects.filter(territory__in=territories_edited_by(user))


def _may_translate_partner(user, partner: PartnerContact) -> bool:
    if not user.has_perm("markets.change_partnercontact"):
        return False
    versions = PartnerContact.objects.filter(translation_key=partner.translation_key)
    # A contact of no territory (the operator's) is outside every editor's reach.
    return not versions.exclude(pk__in=partner_contacts_edited_by(user).values("pk")).exists()


def concerned_object(url_name: str, kwargs: dict):
    """The page or snippet a localize view named `url_name` acts on, from its URL arguments.

    Raises LookupError when the view concerns no single object or the
    object cannot be found.
    """
    try:
        if url_name in PAGE_VIEWS:
            return Page.objects.get(pk=kwargs["page_id"])
        if url_name in SNIPPET_VIEWS:
            model = get_snippet_model_from_url_params(kwargs["app_label"], kwargs["model_name"])
            return model._default_manager.get(pk=unquote(kwargs["pk"]))
        if url_name in SOURCE_VIEWS:
            return TranslationSource.objects.get(pk=kwargs["translation_source_id"]).get_source_instance()
        if url_name in TRANSLATION_VIEWS:
            translation = Translation.objects.select_related("source").get(pk=kwargs["translation_id"])
            return translation.source.get_source_instance()
    except (ObjectDoesNotExist, Http404, KeyError, ValueError) as error:
        raise LookupError(url_name) from error
    raise LookupError(url_name)


def may_use_view(user, url_name: str, kwargs: dict) -> bool:
    """Whether `user` may call the localize view `url_name` with these URL arguments."""
    if user.is_superuser and user.is_active:
        return True
    if url_name in OPEN_VIEWS:
        return True
    try:
        instance = concerned_object(url_name, kwargs)
    except LookupError:
        return False
    return may_translate(user, instance)


class LocalizeAccessMiddleware:
    """Refuses a localize view to a user who may not translate the object it concerns (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace != NAMESPACE:
            return None
        user = request.user
        if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
            return None
        if may_use_view(user, match.url_name, view_kwargs):
            return None
        if match.url_name in JSON_VIEWS:
            return JsonResponse({"detail": _("Vous ne pouvez pas traduire ce contenu.")}, status=403)
        try:
            return permission_denied(request)
        except PermissionDenied:
            # Wagtail answers a script's request with a bare 403.
            return JsonResponse({"detail": _("Vous ne pouvez pas traduire ce contenu.")}, status=403)
