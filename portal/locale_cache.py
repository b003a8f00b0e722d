"""Wagtail's rarely changing rows (locales, sites, whether any page is restricted), kept in each process.

Every public page asked Wagtail for the same rows on every request: the
site of the host (`Site.find_for_request`), the active locale
(`Locale.get_active`, behind `page.localized`), the page's locale, and the
view restrictions of the page and its ancestors (two queries in the
`check_view_restrictions` hook) although the portal's pages are public.
These rows change by an operator's hand in the admin, a few times a year.

Each process keeps a snapshot of them, valid for one version: a random value
in the default cache (Redis, shared by every web host in production). Saving
or deleting a locale, a site or a view restriction, and publishing,
unpublishing, moving or deleting a site's root page, draw a new version
(now and again after the commit, so that a host that reloaded the old rows
in between drops them again): every process sees the change on its next
request. An evicted version is drawn anew, which also drops every snapshot.
The version is read once per request (Django's request_started and
request_finished signals bound it), one cache round trip and no query;
outside a request, at each use.

What a request gets is a copy: nothing it caches on a row (Wagtail's
`specific`, a parent) reaches another request.
"""

import copy
import uuid
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction
from django.http.request import split_domain_port

VERSION_KEY = "portal:wagtail_rows:version"
MAX_HOSTS = 64  # distinct (host, port) pairs remembered: ALLOWED_HOSTS bounds them, this bounds a misconfiguration

_snapshot = {"version": None}
_request_version: ContextVar = ContextVar("portal_wagtail_rows_version", default=None)


def _shared_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _begin_request(sender, **kwargs) -> None:
    # Read once for the request being served (see the module); the signals, unlike a middleware's
    # process_request, are always paired, so no version outlives its request.
    _request_version.set(_shared_version())


def _end_request(sender, **kwargs) -> None:
    _request_version.set(None)


def _current() -> dict:
    """This process's snapshot for the current version, emptied when the version changed."""
    global _snapshot
    version = _request_version.get() or _shared_version()
    snapshot = _snapshot
    if snapshot["version"] != version:
        snapshot = {"version": version, "locales": None, "sites": {}, "restricted": None}
        _snapshot = snapshot
    return snapshot


def renew() -> None:
    """A new version: every process reloads the rows at its next use. Now, and again once committed."""
    global _snapshot
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _snapshot = {"version": None}
    _request_version.set(None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


def _locales() -> dict:
    snapshot = _current()
    if snapshot["locales"] is None:
        from wagtail.models import Locale

        snapshot["locales"] = {locale.language_code: locale for locale in Locale.all_objects.all()}
    return snapshot["locales"]


def locale_for_code(language_code: str):
    """The Locale row of this exact language code (a copy), or None when there is none."""
    locale = _locales().get(language_code)
    return copy.copy(locale) if locale is not None else None


def locale_by_id(locale_id: int):
    """The Locale row of this id (a copy), or None."""
    for locale in _locales().values():
        if locale.pk == locale_id:
            return copy.copy(locale)
    return None


def site_for_request(request):
    """What Wagtail's `Site.find_for_request` finds for this request's host and port, without a query once known.

    A copy of the site with its root page, as Wagtail's query selects it.
    """
    from wagtail.models import Site

    key = (split_domain_port(request._get_raw_host())[0], request.get_port())
    sites = _current()["sites"]
    if key not in sites:
        if len(sites) >= MAX_HOSTS:
            sites.clear()
        sites[key] = Site._find_for_request(request)
    site = sites[key]
    return copy.deepcopy(site) if site is not None else None


def any_view_restriction() -> bool:
    """Whether any page view restriction exists (login, password or groups), on any page."""
    snapshot = _current()
    if snapshot["restricted"] is None:
        from wagtail.models import PageViewRestriction

        snapshot["restricted"] = PageViewRestriction.objects.exists()
    return snapshot["restricted"]


class PublicPageMixin:
    """A page type that costs no view-restriction query while no page of the site is restricted.

    Wagtail's `check_view_restrictions` hook asks each served page for its
    restrictions and those of its ancestors (two queries); with no
    restriction anywhere there is none to find. Once one exists, Wagtail's
    own lookup answers, aliases and all.
    """

    def get_view_restrictions(self):
        if not any_view_restriction():
            from wagtail.models import PageViewRestriction

            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def _get_for_language(manager, language_code):
    """Wagtail's `LocaleManager.get_for_language`, from the snapshot (`Locale.get_active`, `get_default`)."""
    from wagtail.coreutils import get_supported_content_language_variant

    code = get_supported_content_language_variant(language_code)
    locale = locale_for_code(code)
    if locale is None:
        return manager.get(language_code=code)  # raises DoesNotExist as Wagtail's would, or finds it
    return locale


def _renew_on_save(sender, **kwargs):
    renew()


def _renew_if_site_root(sender, instance=None, **kwargs):
    from wagtail.models import Page

    # The sites' root pages are the homes, right under Wagtail's root (home.HomePage.parent_page_types).
    if isinstance(instance, Page) and instance.depth <= 2:
        renew()


def connect() -> None:
    """Serve locale lookups from the snapshot and renew it on every change of its rows (from an AppConfig.ready)."""
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Locale, PageViewRestriction, Site
    from wagtail.models.i18n import LocaleManager
    from wagtail.signals import page_published, page_unpublished, post_page_move

    LocaleManager.get_for_language = _get_for_language
    request_started.connect(_begin_request, dispatch_uid="portal.locale_cache.request_started")
    request_finished.connect(_end_request, dispatch_uid="portal.locale_cache.request_finished")
    for model in (Locale, Site, PageViewRestriction):
        name = model.__name__.lower()
        post_save.connect(_renew_on_save, sender=model, dispatch_uid=f"portal.locale_cache.{name}_saved")
        post_delete.connect(_renew_on_save, sender=model, dispatch_uid=f"portal.locale_cache.{name}_deleted")
    page_published.connect(_renew_if_site_root, dispatch_uid="portal.locale_cache.page_published")
    page_unpublished.connect(_renew_if_site_root, dispatch_uid="portal.locale_cache.page_unpublished")
    post_page_move.connect(_renew_if_site_root, dispatch_uid="portal.locale_cache.page_moved")
