"""Template helpers of the public site: money, languages, filters, pagination."""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language_info
from wagtail.models import Page

from portal import money

register = template.Library()


@register.filter
def euros(amount) -> str:
    """An amount in the active language: "12,50 €" (fr), "€12.50" (en)."""
    return money.euros(amount)


@register.filter
def percent(rate) -> str:
    """A rate stored as a decimal string ("5.50") in the active language ("5,5")."""
    return money.percent(rate)


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per site language, for the switcher and the hreflang alternates.

    Points at the current page's live translation when there is one, else at
    that language's home. Costs one query on a page, none elsewhere.
    """
    request = context.get("request")
    page = context.get("page")
    current = translation.get_language()
    translations = {}
    if isinstance(page, Page) and page.pk:
        translations[page.locale.language_code] = page
        for other in page.get_translations().live().select_related("locale"):
            translations[other.locale.language_code] = other
    links = []
    for code, _name in settings.LANGUAGES:
        translated = translations.get(code)
        if translated is not None:
            url = translated.get_url(request)
        else:
            with translation.override(code):
                url = reverse("wagtail_serve", args=[""])
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
