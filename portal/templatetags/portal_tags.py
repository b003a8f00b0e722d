"""Template helpers of the public site: money, dates, languages, filters, pagination."""

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_info
from wagtail.models import Page

from portal import dates, money

register = template.Library()


@register.filter
def euros(amount) -> str:
    """An amount in the active language: "12,50 €" (fr), "€12.50" (en)."""
    return money.euros(amount)


@register.filter
def percent(rate) -> str:
    """A rate stored as a decimal string ("5.50") in the active language ("5,5")."""
    return money.percent(rate)


@register.filter
def long_date(value) -> str:
    """A date in the active language: "27 novembre 2026" (fr), "27 November 2026" (en)."""
    return dates.long_date(value)


@register.filter
def short_date(value) -> str:
    """A date for tables and compact lines: "27/11/2026"."""
    return dates.short_date(value)


@register.filter
def long_datetime(value) -> str:
    """A moment in Paris time: "27 novembre 2026 à 14:05" (fr), "27 November 2026 at 14:05" (en)."""
    return dates.long_datetime(value)


@register.filter
def short_datetime(value) -> str:
    """A moment in Paris time, for tables and compact lines: "27/11/2026 14:05"."""
    return dates.short_datetime(value)


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per site language, for the switcher and the hreflang alternates.

    On a Wagtail page, points at its live translation, else at that
    language's home. On one of our other views under a language prefix
    (basket, checkout, payment, order, account, vouchers), at the same view
    in that language, query string kept: their paths are the same in every
    language but the prefix. Anywhere else, at that language's home. Only
    a page's live translations are hreflang alternates. Costs one query on
    a page, none elsewhere.
    """
    request = context.get("request")
    page = context.get("page")
    current = translation.get_language()
    translations = {}
    is_page = isinstance(page, Page) and bool(page.pk)
    if is_page:
        translations[page.locale.language_code] = page
        for other in page.get_translations().live().select_related("locale"):
            translations[other.locale.language_code] = other
    links = []
    for code, _name in settings.LANGUAGES:
        translated = translations.get(code)
        with translation.override(code):
            home = reverse("wagtail_serve", args=[""])
        if translated is not None:
            url = translated.get_url(request)
        elif is_page:
            url = home
        else:
            url = _view_in(request, code, home) or home
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": url,
                "absolute_url": request.build_absolute_uri(url) if request else url,
                "current": code == current,
                "is_translation": translated is not None,
            }
        )
    return links


def _view_in(request, code: str, home: str) -> str:
    """The request's URL in language `code` when it is a view of ours under the language prefix, else ""."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name == "wagtail_serve":
        return ""  # a Wagtail URL without its page (a 404): its path in the other language is another page's
    url = translate_url(request.get_full_path(), code)
    return url if url.startswith(home) else ""


@register.filter
def territory_name(market) -> str:
    """How the page names a market's territory: its own name in the default language, the market page's title in another.

    A territory has one name, in French (it is language-independent: groups,
    schedules and orders hang on it); in English its name is its English
    market page's. Reads `market.locale`, which the page has already loaded.
    """
    if market.locale.language_code == settings.LANGUAGE_CODE:
        return market.territory.name
    return market.title


@register.simple_tag
def home_url() -> str:
    """The home page of the active language: /fr/ or /en/."""
    return reverse("wagtail_serve", args=[""])


@register.simple_tag
def elided_page_range(page_obj, on_each_side=2, on_ends=1):
    """Page numbers around the current page, with the paginator's ellipsis marker."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=on_each_side, on_ends=on_ends))


@register.filter
def with_page(querystring: str, number) -> str:
    """A filter query string with a page number added: keeps the filters across pages."""
    page = f"page={number}"
    return f"{querystring}&{page}" if querystring else page
