"""Where the platform's legal pages are, for the links that checkout, shops and the footer show.

Every public page links them in its footer, so their URLs are kept in the
cache (per host and language) rather than asked of the database on each
view. `LegalPage.save()` and `delete()` forget them; the timeout bounds
how long another process's local memory cache may lag behind a change.
"""

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.cache import cache
from django.utils.module_loading import import_string
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from home.models import LegalKind, LegalPage

__all__ = [
    "LegalKind", "SiteCookie", "forget_legal_page_urls", "legal_page_url", "legal_page_urls", "site_cookies",
]

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


# The cookies page ------------------------------------------------------------------

# Set by Wagtail's admin script (the sidebar's folded state), without an expiry.
ADMIN_SIDEBAR_COOKIE = "wagtail_sidebar_collapsed"
# Set by Stripe.js on the payment page, on this site's domain, to tell fraud from genuine payments
# (Stripe's list: stripe.com/cookie-settings); lifetimes as Stripe states them.
STRIPE_COOKIES = (("__stripe_mid", 365 * 86400), ("__stripe_sid", 30 * 60))


@dataclass(frozen=True)
class SiteCookie:
    name: str
    set_by: str
    purpose: str
    duration: str


def site_cookies() -> list[SiteCookie]:
    """Every cookie a visitor of this site may receive, read from the settings that name and time them.

    The cookies page shows this list under its text, so a renamed cookie or
    a changed lifetime is published with the setting. None of them tracks:
    no consent banner is needed (CNIL, exempted cookies). The language
    cookie is not here: the language switch links to the page in the other
    language, and no page of this site sets `settings.LANGUAGE_COOKIE_NAME`.
    """
    site = _("ce site")
    cookies = [
        SiteCookie(
            settings.SESSION_COOKIE_NAME, site,
            _("Garde votre panier et vos coordonnées pendant la commande, et votre connexion à votre compte ou "
              "à l'espace commerçants."),
            _lifetime(settings.SESSION_COOKIE_AGE, settings.SESSION_EXPIRE_AT_BROWSER_CLOSE),
        ),
    ]
    if not settings.CSRF_USE_SESSIONS:
        cookies.append(SiteCookie(
            settings.CSRF_COOKIE_NAME, site,
            _("Protège vos formulaires : seul ce site peut envoyer une commande ou un message en votre nom."),
            _lifetime(settings.CSRF_COOKIE_AGE),
        ))
    if _messages_in_cookie():
        cookies.append(SiteCookie(
            CookieStorage.cookie_name, site,
            _("Transmet un message d'une page à la suivante (« Produit ajouté au panier »), puis s'efface."),
            _("jusqu'à l'affichage du message"),
        ))
    cookies.append(SiteCookie(
        ADMIN_SIDEBAR_COOKIE, _("l'espace commerçants"),
        _("Retient si le menu de l'espace commerçants et offices de tourisme est replié."),
        _lifetime(None),
    ))
    stripe_purpose = _("Sur la page de paiement seulement : aide Stripe, qui traite le paiement par carte, à "
                       "détecter les fraudes.")
    cookies += [SiteCookie(name, "Stripe", stripe_purpose, duration(seconds)) for name, seconds in STRIPE_COOKIES]
    return cookies


def _messages_in_cookie() -> bool:
    storage = import_string(settings.MESSAGE_STORAGE)
    return issubclass(storage, CookieStorage) or (
        issubclass(storage, FallbackStorage) and CookieStorage in storage.storage_classes
    )


def _lifetime(seconds: int | None, until_browser_closes: bool = False) -> str:
    if seconds is None or until_browser_closes:
        return str(_("jusqu'à la fermeture du navigateur"))
    return duration(seconds)


def duration(seconds: int) -> str:
    """A cookie's lifetime as people say it: "1 an", "2 semaines", "30 minutes" (in the active language)."""
    day = 86400
    if seconds % (365 * day) == 0:
        count = seconds // (365 * day)
        return ngettext("%(count)d an", "%(count)d ans", count) % {"count": count}
    if seconds % (7 * day) == 0:
        count = seconds // (7 * day)
        return ngettext("%(count)d semaine", "%(count)d semaines", count) % {"count": count}
    if seconds % day == 0:
        count = seconds // day
        return ngettext("%(count)d jour", "%(count)d jours", count) % {"count": count}
    if seconds % 3600 == 0:
        count = seconds // 3600
        return ngettext("%(count)d heure", "%(count)d heures", count) % {"count": count}
    count = max(1, round(seconds / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}
