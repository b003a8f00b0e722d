"""The page cache: Wagtail pages rendered once for every anonymous visitor, kept in the "pages" cache alias.

Only Wagtail's page serving uses it, never a site-wide middleware:

- `serve` stands in front of Wagtail's own serve view (portal.urls) and
  answers a hit before Wagtail routes the path, so a hit costs no page query;
- `CachedPageMixin` on the page models that opt in renders a miss without
  the visitor's own parts (basket count, CSRF token: the template asks
  `request.page_cache_shared`, static/js/visitor.js fills them from
  checkout.visitor) and stores the answer.

An entry's key holds the URL (scheme, host, path, query string), the
language and the current value of each generation the page depends on (its
own, its shop's, its market's, the site's; see `page_cache_generations`).
Publishing, unpublishing or a stock change sets new values (`bump`), so the
entries made before are never read again and expire by themselves: nothing
is ever flushed. A generation holds a random value rather than a counter:
when the cache evicts one, the next page that needs it draws a new value,
so an older entry can never match again.
"""

import hashlib
import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

CACHE_ALIAS = "pages"
SITE = "gen:site"
SHARED_CACHE_CONTROL = "public, max-age=0, s-maxage=60"
PRIVATE_CACHE_CONTROL = "private, no-store"


def page_cache():
    return caches[CACHE_ALIAS]


def page_generation(translation_key) -> str:
    """The generation name of a page, shared by its translations (they show the same facts)."""
    return f"gen:page:{translation_key}"


def bump(names) -> None:
    """Give each generation in `names` a new value: every page depending on one of them renders anew."""
    names = set(names)
    if names and settings.PAGE_CACHE_ENABLED:
        page_cache().set_many({name: uuid.uuid4().hex for name in names}, timeout=None)


def visitor_may_share(request) -> bool:
    """Whether this request may be answered with, or make, the page every anonymous visitor gets."""
    if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "is_preview", False):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # A pending message is for this visitor only; counting does not mark them as shown.
    return not len(get_messages(request))


def _url_key(request) -> str:
    parts = (
        request.scheme, request.get_host(), request.path, request.META.get("QUERY_STRING", ""),
        getattr(request, "LANGUAGE_CODE", ""),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _entry_key(url_key: str, generations: dict) -> str:
    values = "\n".join(f"{name}={generations[name]}" for name in sorted(generations))
    return f"page:{url_key}:{hashlib.sha256(values.encode()).hexdigest()}"


def _shared(response):
    response["Cache-Control"] = SHARED_CACHE_CONTROL
    return response


def cached_response(request):
    """The stored page for this request, or None: three cache reads, no database query."""
    if not visitor_may_share(request):
        return None
    cache = page_cache()
    url_key = _url_key(request)
    names = cache.get(f"deps:{url_key}")
    if not names:
        return None
    generations = cache.get_many(names)
    if len(generations) != len(names):
        return None
    stored = cache.get(_entry_key(url_key, generations))
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(content)
    for header, value in headers.items():
        response[header] = value
    request.page_cache_hit = True
    return _shared(response)


def serve(request, path):
    """Wagtail's serve view, answered from the page cache when it can."""
    from wagtail import views as wagtail_views

    return cached_response(request) or wagtail_views.serve(request, path)


def _timeout() -> int:
    # Pages say what sells today (a market's opening, a deadline): an entry never outlives the local day.
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time()))
    return max(1, min(settings.PAGE_CACHE_TIMEOUT, int((midnight - now).total_seconds())))


def _current_generations(names) -> dict:
    """The value of each generation, drawing one for those the cache lacks (never set, or evicted)."""
    cache = page_cache()
    found = cache.get_many(names)
    for name in set(names) - set(found):
        cache.add(name, uuid.uuid4().hex, timeout=None)
    if len(found) != len(names):
        found = cache.get_many(names)
    return found


class CachedPageMixin:
    """A page type whose live pages are rendered once for every anonymous visitor (see this module).

    Its templates leave out what belongs to one visitor when
    `request.page_cache_shared` is set.
    """

    def page_cache_generations(self) -> list[str]:
        """The generations this page's HTML depends on: the site's, its own and its ancestors' (its shop, market, home).

        One query. A page's parent lists it, so publishing a page renews its
        parent's generation (`page_cache_bumps`) and with it every page below.
        """
        from wagtail.models import Page

        step = Page.steplen
        ancestors = [self.path[:end] for end in range(2 * step, len(self.path), step)]
        keys = Page.objects.filter(path__in=ancestors).values_list("translation_key", flat=True) if ancestors else []
        return [SITE, page_generation(self.translation_key), *(page_generation(key) for key in keys)]

    def page_cache_bumps(self) -> list[str]:
        """What to renew when this page is published or unpublished: itself, and its parent that lists it."""
        parent = self.get_parent()
        return [page_generation(self.translation_key), page_generation(parent.translation_key)]

    def page_cache_route_is_shared(self, args) -> bool:
        """Whether the route being served is the page itself (not a form or a search under it)."""
        return True

    def serve(self, request, *args, **kwargs):
        if not (visitor_may_share(request) and self.page_cache_route_is_shared(args)):
            response = super().serve(request, *args, **kwargs)
            # Rendered for this visitor (their token, their account) while others get a shared copy.
            if settings.PAGE_CACHE_ENABLED and response.status_code == 200 and not response.has_header("Cache-Control"):
                response["Cache-Control"] = PRIVATE_CACHE_CONTROL
            return response
        names = self.page_cache_generations()
        # Read before rendering: a change published meanwhile leaves this entry under the old values, unread.
        generations = _current_generations(names)
        request.page_cache_shared = True
        response = super().serve(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if not self._page_cache_may_store(request, response, generations, names):
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
            return response
        url_key = _url_key(request)
        headers = {h: response[h] for h in ("Content-Type", "Content-Language") if response.has_header(h)}
        timeout = _timeout()
        page_cache().set_many(
            {f"deps:{url_key}": tuple(names), _entry_key(url_key, generations): (response.content, headers)},
            timeout=timeout,
        )
        return _shared(response)

    def _page_cache_may_store(self, request, response, generations, names) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies or len(generations) != len(names):
            return False
        if response.has_header("Cache-Control") or response.has_header("Vary"):
            return False
        # The render asked for this visitor's CSRF token or wrote to their session: not for others.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        # Wagtail checks a private page's restrictions before serving it, which a hit would skip.
        return not self.get_view_restrictions().exists()


def _renew_after_commit(names) -> None:
    names = list(names)
    transaction.on_commit(lambda: bump(names))


def _page_published_or_unpublished(sender, instance, **kwargs):
    if isinstance(instance, CachedPageMixin):
        _renew_after_commit(instance.page_cache_bumps())


def _snippet_published_or_unpublished(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        return  # pages: page_published / page_unpublished, sent too
    bumps = getattr(instance, "page_cache_bumps", None)
    # A snippet that does not say which pages show it renews them all.
    _renew_after_commit(bumps() if bumps else [SITE])


def _site_changed(sender, **kwargs):
    # A move, a deletion or a change of who may see a page changes URLs, menus or access across the site: rare.
    _renew_after_commit([SITE])


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        _renew_after_commit([SITE])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

    page_published.connect(_page_published_or_unpublished, dispatch_uid="portal.page_cache.page_published")
    page_unpublished.connect(_page_published_or_unpublished, dispatch_uid="portal.page_cache.page_unpublished")
    published.connect(_snippet_published_or_unpublished, dispatch_uid="portal.page_cache.published")
    unpublished.connect(_snippet_published_or_unpublished, dispatch_uid="portal.page_cache.unpublished")
    post_page_move.connect(_site_changed, dispatch_uid="portal.page_cache.moved")
    post_delete.connect(_page_deleted, dispatch_uid="portal.page_cache.deleted")
    post_save.connect(_site_changed, sender=PageViewRestriction, dispatch_uid="portal.page_cache.restriction_saved")
    post_delete.connect(_site_changed, sender=PageViewRestriction, dispatch_uid="portal.page_cache.restriction_gone")
