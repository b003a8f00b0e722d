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
it links to by a foreign key or a snippet chooser (one level deep). The
rule checks the submitted object only, so it holds while no model here has
such a link (a market page's partner contacts hang on MarketPagePartner
rows, which localize synchronises as they are and does not submit); a
model that gains one needs the rule extended to the linked objects.

Listings ask once per row (the "Translate" and "Sync" buttons,
markets.wagtail_hooks): `translation_state` answers for the row's
neighbours at once (a page's siblings the user can explore, a snippet's
rows of its locale the user can see) and memoises the answers on the user
object, which Django makes anew for each request, as Wagtail does its page
permissions. A listing then costs the same number of queries whatever its
length.

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

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef, Q, Value
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from wagtail.admin.auth import permission_denied
from wagtail.models import Locale, Page, TranslatableMixin
from wagtail.permissions import page_permission_policy
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
    if not isinstance(instance, (Page, PartnerContact)):
        return False
    return translation_state(user, instance).allowed


def partner_contacts_edited_by(user):
    """Partner contacts of the user's territories: the rows markets.admin_views lets them open."""
    return PartnerContact.objects.filter(territory__in=territories_edited_by(user))


@dataclass(frozen=True)
class TranslationState:
    """One object as `user` may translate it and as wagtail-localize's buttons need to know it."""

    allowed: bool  # may_translate
    locale_to_add: bool  # a locale has no version of it yet (a page's aliases do not count): "Translate"
    sync_source_id: int | None  # its translation source, when one of its translations is enabled: "Sync"


UNTRANSLATABLE = TranslationState(allowed=False, locale_to_add=False, sync_source_id=None)
_MEMO_ATTRIBUTE = "_markets_translation_states"


def translation_state(user, instance) -> TranslationState:
    """`instance`'s TranslationState for `user`, worked out with its neighbours in a listing (see the module)."""
    memo = getattr(user, _MEMO_ATTRIBUTE, None)
    if memo is None:
        memo = {}
        setattr(user, _MEMO_ATTRIBUTE, memo)
    key = _memo_key(instance)
    if key not in memo and user.is_active:
        if isinstance(instance, Page):
            memo.update(_page_states(user, instance))
        elif isinstance(instance, TranslatableMixin):
            memo.update(_snippet_states(user, instance))
    return memo.get(key, UNTRANSLATABLE)


def _memo_key(instance):
    # A page is keyed as a Page whichever specific class the listing loaded it as.
    model = instance.get_translation_model() if isinstance(instance, TranslatableMixin) else type(instance)
    return model, instance.pk


def _page_states(user, page: Page) -> dict:
    if page.is_root():
        return {}
    siblings = Page.objects.sibling_of(page)
    if not user.is_superuser:
        # What the explorer lists beside it; a sibling outside would cost a query each (workflow tasks).
        siblings = siblings.filter(Q(pk=page.pk) | Q(pk__in=page_permission_policy.explorable_instances(user).values("pk")))
    siblings = list(siblings.values_list("pk", "translation_key", "locale_id"))
    keys = {key for _pk, key, _locale in siblings}
    versions = defaultdict(list)
    for version in Page.objects.filter(translation_key__in=keys):
        versions[version.translation_key].append(version)
    locales = set(Locale.objects.values_list("pk", flat=True))
    sources = _sync_sources(Page, keys)
    missing = {key: locales - {version.locale_id for version in versions[key]} for key in keys}
    may_add = _may_add_beside(user, page) if not user.is_superuser and any(missing.values()) else {}
    states = {}
    for pk, key, locale_id in siblings:
        allowed = user.is_superuser or (
            all(version.permissions_for_user(user).can_edit() for version in versions[key])
            and all(may_add.get(missing_locale, False) for missing_locale in missing[key])
        )
        states[(Page, pk)] = TranslationState(
            allowed=allowed,
            locale_to_add=bool(locales - {v.locale_id for v in versions[key] if v.alias_of_id is None}),
            sync_source_id=sources.get((key, locale_id)),
        )
    return states


def _may_add_beside(user, page: Page) -> dict:
    """Locale id -> whether `user` may add a page under that locale's version of `page`'s parent.

    Localize creates a missing version there; a parent with no version in
    a locale (no key here) would make it create pages above, which is refused.
    """
    parent = page.get_parent()
    if parent is None or parent.is_root():
        return {}
    return {
        version.locale_id: version.permissions_for_user(user).can_add_subpage()
        for version in Page.objects.filter(translation_key=parent.translation_key)
    }


def _snippet_states(user, snippet) -> dict:
    model = snippet.get_translation_model()
    if not user.is_superuser and not (model is PartnerContact and user.has_perm("markets.change_partnercontact")):
        return {}
    rows = model._default_manager.filter(locale_id=snippet.locale_id)
    versions = model._default_manager.all()
    if user.is_superuser:
        versions = versions.annotate(inside=Value(True))
    else:
        # The listing's rows; a contact of no territory (the operator's) is outside every editor's reach.
        edited = partner_contacts_edited_by(user)
        rows = rows.filter(Q(pk=snippet.pk) | Q(pk__in=edited.values("pk")))
        versions = versions.annotate(inside=Exists(edited.filter(pk=OuterRef("pk"))))
    rows = list(rows.values_list("pk", "translation_key", "locale_id"))
    keys = {key for _pk, key, _locale in rows}
    locales_of, outside = defaultdict(set), set()
    for key, locale_id, inside in versions.filter(translation_key__in=keys).values_list(
            "translation_key", "locale_id", "inside"):
        locales_of[key].add(locale_id)
        if not inside:
            outside.add(key)
    locales = set(Locale.objects.values_list("pk", flat=True))
    sources = _sync_sources(model, keys)
    return {
        (model, pk): TranslationState(
            allowed=key not in outside,
            locale_to_add=bool(locales - locales_of[key]),
            sync_source_id=sources.get((key, locale_id)),
        )
        for pk, key, locale_id in rows
    }


def _sync_sources(model, keys) -> dict:
    """(translation key, locale id) -> id of the translation source that has an enabled translation.

    As localize finds an object's source: by its translation key and the
    content type of its translation model, in the object's locale.
    """
    return {
        (key, locale_id): pk
        for key, locale_id, pk in TranslationSource.objects.filter(
            Exists(Translation.objects.filter(source=OuterRef("pk"), enabled=True)),
            object_id__in=keys, object__content_type=ContentType.objects.get_for_model(model),
        ).values_list("object_id", "locale_id", "pk")
    }


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
