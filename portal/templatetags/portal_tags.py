"""Template helpers of the public site: money, dates, languages, filters, pagination."""

import functools

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.encoding import force_str, iri_to_uri
from django.utils.hashable import make_hashable
from django.utils.translation import get_language_info
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.models import Page

from portal import dates, money

register = template.Library()


# Money and dates in the active language ("12,50 €" / "€12.50", "27 novembre 2026" /
# "27 November 2026"): the filters are the functions of portal.money and portal.dates.
for _module, _names in ((money, ("euros", "percent")),
                        (dates, ("long_date", "short_date", "long_datetime", "short_datetime"))):
    for _name in _names:
        register.filter(_name, getattr(_module, _name))


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per site language, for the switcher and the hreflang alternates.

    On a Wagtail page, points at its live translation, at the same
    sub-route of a routable page (a market's registration form) and with
    the query string kept (filters, page number), else at that language's
    home. On one of our other views under a language prefix (basket,
    checkout, payment, order, account, vouchers), at the same view in that
    language, query string kept: their paths are the same in every language
    but the prefix. Anywhere else, at that language's home. Only a page's
    live translations are hreflang alternates. Costs one query on a page,
    none elsewhere.
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
            url = translated.get_url(request) + _subpage_of(request, page, translated) + _query_string(request)
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


def _subpage_of(request, page, translated) -> str:
    """The sub-route of a routable page the request is on, as `translated`'s ("inscription/"), else "".

    Wagtail's RoutablePageMixin.route keeps the match on the request; it is
    this page's when its view is bound to this page.
    """
    match = getattr(request, "routable_resolver_match", None)
    if match is None or not match.url_name or getattr(match.func, "__self__", None) != page:
        return ""
    # `translated` is of the page's own class: get_translations() queries it.
    return translated.reverse_subpage(match.url_name, args=match.args, kwargs=match.kwargs)


def _query_string(request) -> str:
    """The request's query string as get_full_path() writes it ("?category=food"), else ""."""
    query = iri_to_uri(request.META.get("QUERY_STRING", "")) if request is not None else ""
    return f"?{query}" if query else ""


def _view_in(request, code: str, home: str) -> str:
    """The request's URL in language `code` when it is a view of ours under the language prefix, else ""."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name == "wagtail_serve":
        return ""  # a Wagtail URL without its page (a 404): its path in the other language is another page's
    url = translate_url(request.get_full_path(), code)
    return url if url.startswith(home) else ""


@register.filter
def territory_name(market, language: str | None = None) -> str:
    """How a market's territory is named in `language` (default: the market page's own).

    A territory has one name, in French (it is language-independent: groups,
    schedules and orders hang on it): that name in the default language, the
    market page's title in another ("Christmas market of the Morlaix area").
    Pages use the filter (reading `market.locale`, which the page has already
    loaded); e-mails call it with the recipient's language.
    """
    if (language or market.locale.language_code) == settings.LANGUAGE_CODE:
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


@functools.cache
def _choice_labels(model, field_name: str, language: str | None) -> dict:
    """A choice field's labels by value in `language`, as strings: made once per process and language."""
    with translation.override(language):
        return {
            make_hashable(value): force_str(label, strings_only=True)
            for value, label in model._meta.get_field(field_name).flatchoices
        }


@register.filter
def choice_label(instance, field_name: str):
    """What `instance.get_<field_name>_display()` gives, without building the choices again for each call.

    Django's get_FOO_display makes a dict of the field's (lazily translated)
    choices at every call: a card grid calls it dozens of times a page.
    Choices are code, so their labels in one language never change while the
    process runs. A value outside the choices is given back as it is.
    """
    value = getattr(instance, field_name)
    labels = _choice_labels(type(instance), field_name, translation.get_language())
    return labels.get(make_hashable(value), force_str(value, strings_only=True))


@functools.cache
def _filter(spec: str) -> Filter:
    return Filter(spec=spec)


@register.simple_tag
def card_image(image, spec: str, **attrs):
    """`{% image image spec attr=value %}` for a grid of cards whose renditions were prefetched.

    Wagtail's `{% image %}` writes each rendition to the renditions cache
    after finding it, even when it came from the prefetched renditions
    (a pickled model per card, in Redis in production). Here a prefetched
    rendition is used as it is; any other goes through Wagtail's usual
    lookup (cache, database, creation, the "not found" placeholder). The
    `<img>` written is the same.
    """
    if not image:
        return ""
    wanted = image.clean_filter_for_svg(_filter(spec))
    prefetched = image._get_prefetched_renditions()  # Wagtail's own reading of prefetch_renditions()
    if prefetched is not None:
        focal_point_key = wanted.get_cache_key(image)
        for rendition in prefetched:
            if rendition.filter_spec == wanted.spec and rendition.focal_point_key == focal_point_key:
                return rendition.img_tag(attrs)
    return get_rendition_or_not_found(image, wanted).img_tag(attrs)
