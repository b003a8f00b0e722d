"""Where the platform's legal pages are, for the links that checkout, shops and the footer show.

Every public page links them in its footer, so their URLs are kept in the
cache (per host and language) rather than asked of the database on each
view. `LegalPage.save()` and `delete()` forget them; the timeout bounds
how long another process's local memory cache may lag behind a change.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from home.models import LegalKind, LegalPage

__all__ = ["LegalKind", "forget_legal_page_urls", "legal_page_url", "legal_page_urls"]

CACHE_SECONDS = 300
# Bumped by every change of a legal page: the URLs cached under the previous value are no longer read.
_GENERATION_KEY = "home:legal-page-urls:generation"


def legal_page_urls(request=None) -> dict[str, str]:
    """{kind: URL} of the live legal pages in the active language.

    A kind not yet translated links to the page in the default language;
    a kind with no live page is missing.
    """
    language = get_language() or settings.LANGUAGE_CODE
    host = request.get_host() if request is not None else "-"
    generation = cache.get_or_set(_GENERATION_KEY, 1, timeout=None)
    key = f"home:legal-page-urls:{generation}:{host}:{language}"
    urls = cache.get(key)
    if urls is None:
        urls = _lookup(request, language)
        cache.set(key, urls, CACHE_SECONDS)
    return urls


def legal_page_url(kind: str, request=None) -> str:
    """The URL of the live legal page of `kind` in the active language (else the default one); "" when none."""
    return legal_page_urls(request).get(kind, "")


def forget_legal_page_urls() -> None:
    with contextlib.suppress(ValueError):  # no generation: nothing cached since the cache was emptied
        cache.incr(_GENERATION_KEY)


def _lookup(request, language: str) -> dict[str, str]:
    pages = (
        LegalPage.objects.live()
        .filter(locale__language_code__in={language, settings.LANGUAGE_CODE})
        .select_related("locale")
        .order_by("path")
    )
    chosen: dict[str, LegalPage] = {}
    for page in pages:  # in tree order: the first page of a kind in a language wins
        known = chosen.get(page.kind)
        if known is None or (page.locale.language_code == language != known.locale.language_code):
            chosen[page.kind] = page
    return {kind: page.get_url(request) or "" for kind, page in chosen.items()}
