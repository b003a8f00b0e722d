"""What search engines and social networks read of a public page.

The `<head>` of every page (templates/includes/seo_head.html, through
`{% seo_head %}`) gets its meta description, canonical URL, robots rule,
hreflang alternates, Open Graph and Twitter card tags and schema.org
JSON-LD from `page_head`. The builders of JSON-LD take plain values and
return dicts, so that they can be checked without a request; `json_ld`
serialises one for a `<script type="application/ld+json">` data block.
"""

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from urllib.parse import quote, urlencode

from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page

from home.models import HomePage, LegalPage
from markets.models import HelpPage, MarketPage
from portal.converters import valid_id
from shops.models import ProductKind, ProductPage, ShopCategory, ShopPage
from shops.search import plain_text
from shops.stock import Availability

SCHEMA = "https://schema.org"
# Open Graph's recommended size; Wagtail never enlarges, so a small photo gives a smaller rendition.
SHARE_RENDITION = "fill-1200x630"
# For a page without a photo of its own or of its market: the site's card, 1200×630.
DEFAULT_SHARE_IMAGE = "img/share-default.png"
DESCRIPTION_LENGTH = 160
# Open Graph names a locale by language and territory.
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
# The query parameters that only page through a listing: any other (a filter, a search) makes another
# view of the same page, not to be indexed.
PAGING_PARAMETERS = {"page"}

# The schema.org type of a shop by its category: the closest LocalBusiness (a museum is a place to visit).
BUSINESS_TYPES = {
    ShopCategory.SHOP: "Store",
    ShopCategory.ARTISAN: "Store",
    ShopCategory.FOOD: "GroceryStore",
    ShopCategory.RESTAURANT: "FoodEstablishment",
    ShopCategory.ACTIVITY: "EntertainmentBusiness",
    ShopCategory.CULTURE: "Museum",
    ShopCategory.STAY: "LodgingBusiness",
}

# schema.org's DayOfWeek by Python's number of the day (shops.models.Weekday): Monday is 0.
DAYS_OF_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# json_script's escapes: nothing in the data can end the <script> element or open a comment in it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data) -> str:
    """`data` as JSON safe to put between `<script type="application/ld+json">` and `</script>`."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


# Descriptions --------------------------------------------------------------------------


def summary(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` cut to at most `limit` characters on a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–-") + "…"


def meta_description(page, shop=None) -> str:
    """The page's description for search results and link previews.

    The editor's own (`search_description`, in the promote tab) when set;
    else the start of the page's introduction, description or text; else a
    sentence made of its facts.
    """
    if page.search_description.strip():
        return summary(page.search_description)
    prose = getattr(page, "intro", None) or getattr(page, "description", None) or getattr(page, "body", None)
    if isinstance(prose, str) and (text := plain_text(prose)):
        return summary(text)
    if isinstance(page, ShopPage):
        return summary(
            gettext("%(shop)s, %(category)s à %(city)s : commandez en ligne sur le marché de Noël numérique.")
            % {"shop": page.title, "category": page.get_category_display().lower(), "city": page.city}
        )
    if isinstance(page, ProductPage) and shop is not None:
        return summary(
            gettext("%(product)s, %(kind)s de %(shop)s à %(city)s, à commander en ligne.")
            % {"product": page.title, "kind": page.get_kind_display().lower(), "shop": shop.title, "city": shop.city}
        )
    return ""


# Addresses ----------------------------------------------------------------------------


def absolute(request, url: str) -> str:
    """`url` made absolute on the host the visitor asked for (already absolute URLs are kept, S3 media)."""
    return request.build_absolute_uri(url) if request is not None else url


def canonical_and_robots(request, page_url: str) -> tuple[str, str]:
    """The canonical URL of the page at `page_url` as requested, and its robots rule ("" to index it).

    The canonical URL is the requested path (a routable page's sub-route
    included) without its query string, but for a page number past the
    first. A request with any other parameter (filters, a search) is a view
    of the page: `noindex,follow`, canonical to the page itself.
    """
    path = request.path if request is not None else page_url
    query = request.GET if request is not None else {}
    if set(query) - PAGING_PARAMETERS:
        return absolute(request, path), "noindex,follow"
    number = query.get("page", "")
    page_number = valid_id(number)  # ASCII digits in range, or None ("²" is a digit to str.isdigit)
    if page_number is not None and page_number > 1:
        path = f"{path}?{urlencode({'page': page_number})}"
    robots = "noindex" if getattr(request, "is_preview", False) else ""
    return absolute(request, path), robots


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]


def hreflang_alternates(languages) -> list[dict]:
    """hreflang links from `portal_tags.language_links`: the page's live translations, and x-default.

    x-default is the version in the site's default language, when it exists.
    """
    alternates = [
        {"code": language["code"], "url": _without_query(language["absolute_url"])}
        for language in languages
        if language["is_translation"]
    ]
    default = next((a for a in alternates if a["code"] == settings.LANGUAGE_CODE), None)
    if default is not None:
        alternates.append({"code": "x-default", "url": default["url"]})
    return alternates


# Images -------------------------------------------------------------------------------


def _first_photo(photos):
    for photo in photos or ():
        return photo.image
    return None


def share_image_candidates(page, context) -> list[Callable]:
    """Where each page type finds the picture shown with a shared link, best first (each read when needed)."""
    shop = context.get("shop")
    market = context.get("market")
    if isinstance(page, HomePage | MarketPage):
        return [lambda: page.hero_image]
    if isinstance(page, ShopPage):
        return [
            lambda: page.cover_image,
            lambda: _first_photo(context.get("photos")),
            lambda: market.hero_image if market is not None else None,
        ]
    if isinstance(page, ProductPage):
        return [
            lambda: page.cover_image,
            lambda: _first_photo(context.get("photos")),
            lambda: shop.cover_image if shop is not None else None,
            lambda: market.hero_image if market is not None else None,
        ]
    if isinstance(page, HelpPage):
        return [lambda: _ancestor_image(MarketPage, page)]
    if isinstance(page, LegalPage):
        return [lambda: _ancestor_image(HomePage, page)]
    return []


def _ancestor_image(model, page):
    ancestor = model.objects.ancestor_of(page).select_related("hero_image").only("hero_image").first()
    return ancestor.hero_image if ancestor is not None else None


def share_image(request, page, context) -> dict:
    """The picture of a shared link: url, width, height and alt, from the page's photo or the site's card."""
    for candidate in share_image_candidates(page, context):
        image = candidate()
        if image is not None:
            try:
                rendition = image.get_rendition(SHARE_RENDITION)
            except SourceImageIOError:  # the file is gone from the storage: the next picture will do
                continue
            return {
                "url": absolute(request, rendition.url),
                "width": rendition.width,
                "height": rendition.height,
                "alt": image.default_alt_text,
            }
    return {"url": absolute(request, static(DEFAULT_SHARE_IMAGE)), "width": 1200, "height": 630, "alt": ""}


# JSON-LD ------------------------------------------------------------------------------


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict:
    """A BreadcrumbList of (name, absolute URL) from the home page down to the page itself."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def postal_address(street: str, postcode: str, city: str) -> dict:
    return {
        "@type": "PostalAddress",
        "streetAddress": street,
        "postalCode": postcode,
        "addressLocality": city,
        "addressCountry": "FR",
    }


def business_type(category: str) -> str:
    return BUSINESS_TYPES.get(category, "LocalBusiness")


def opening_hours_specification(periods) -> list[dict]:
    """One OpeningHoursSpecification per opening period (`ShopOpeningHours` rows), from Monday, by opening time.

    A closing at midnight (00:00) is written 23:59, as search engines read
    the end of a day.
    """
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": f"{SCHEMA}/{DAYS_OF_WEEK[period.weekday]}",
            "opens": f"{period.opens:%H:%M}",
            "closes": "23:59" if period.closes_at_midnight else f"{period.closes:%H:%M}",
        }
        for period in sorted(periods, key=lambda period: (period.weekday, period.opens))
    ]


def local_business(
    shop: ShopPage, url: str, image_url: str = "", description: str = "", opening_periods=None
) -> dict:
    """The shop as a LocalBusiness (or the subtype of its category): name, address, contact, geo, hours.

    `opening_periods`: the shop's rows when the caller has read them already (the page's context).
    """
    data = {
        "@context": SCHEMA,
        "@type": business_type(shop.category),
        "@id": f"{url}#shop",
        "name": shop.title,
        "url": url,
        "address": postal_address(shop.street, shop.postcode, shop.city),
    }
    if description:
        data["description"] = description
    if image_url:
        data["image"] = image_url
    if shop.phone:
        data["telephone"] = shop.phone
    if shop.email:
        data["email"] = shop.email
    if shop.website:
        data["sameAs"] = [shop.website]
    latitude, longitude = getattr(shop, "latitude", None), getattr(shop, "longitude", None)
    if latitude is not None and longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": str(latitude), "longitude": str(longitude)}
    periods = list(shop.opening_periods.all() if opening_periods is None else opening_periods)
    if periods:
        data["openingHoursSpecification"] = opening_hours_specification(periods)
    # Without hours by day, free text ("du mardi au samedi, 10 h – 19 h"): openingHours wants
    # "Tu-Sa 10:00-19:00", so the merchant's words go where free text is allowed.
    elif shop.opening_hours.strip():
        data["openingHoursSpecification"] = {"@type": "OpeningHoursSpecification", "description": shop.opening_hours}
    return data


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def offer_availability(availability: Availability, not_for_sale: str, expired: bool) -> str:
    """A schema.org ItemAvailability URL from the product's stock row and whether it sells today."""
    if expired:
        return f"{SCHEMA}/Discontinued"
    if not_for_sale or not availability.in_stock:
        return f"{SCHEMA}/OutOfStock"
    if availability.low:
        return f"{SCHEMA}/LimitedAvailability"
    return f"{SCHEMA}/InStock"


def product_offer(
    product: ProductPage,
    url: str,
    *,
    shop: ShopPage,
    shop_url: str,
    availability: Availability,
    not_for_sale: str = "",
    today: date,
    image_url: str = "",
    description: str = "",
) -> dict:
    """The product with its Offer: price in euros, availability, and the end of validity of a service or voucher."""
    offer = {
        "@type": "Offer",
        "url": url,
        "price": _money(product.price),
        "priceCurrency": "EUR",
        "availability": offer_availability(
            availability, not_for_sale, expired=product.valid_until is not None and product.valid_until < today
        ),
        "itemCondition": f"{SCHEMA}/NewCondition",
        "seller": {"@type": business_type(shop.category), "@id": f"{shop_url}#shop", "name": shop.title},
    }
    if product.valid_until is not None and product.kind in (ProductKind.SERVICE, ProductKind.VOUCHER):
        offer["validThrough"] = product.valid_until.isoformat()
    if product.has_free_amount:
        offer["priceSpecification"] = {
            "@type": "PriceSpecification",
            "price": _money(product.price),
            "minPrice": _money(product.voucher_min_amount),
            "maxPrice": _money(product.voucher_max_amount),
            "priceCurrency": "EUR",
        }
    data = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": product.title,
        "url": url,
        "sku": str(product.translation_key),
        "category": product.get_kind_display(),
        "brand": {"@type": "Brand", "name": shop.title},
        "offers": offer,
    }
    if description:
        data["description"] = description
    if image_url:
        data["image"] = image_url
    return data


def market_event(market: MarketPage, url: str, territory: str, image_url: str = "", description: str = "") -> dict:
    """The market as an Event: its dates, its territory as the place, its tourism office as organiser."""
    data = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": market.title,
        "url": url,
        "startDate": market.market_opens.isoformat(),
        "endDate": market.market_closes.isoformat(),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "eventAttendanceMode": f"{SCHEMA}/MixedEventAttendanceMode",
        "location": [
            {
                "@type": "Place",
                "name": territory,
                "address": {"@type": "PostalAddress", "addressRegion": territory, "addressCountry": "FR"},
            },
            {"@type": "VirtualLocation", "url": url},
        ],
        "organizer": {"@type": "Organization", "name": market.tourism_office, "email": market.contact_email},
    }
    if description:
        data["description"] = description
    if image_url:
        data["image"] = image_url
    return data


def website(home: HomePage, url: str, site_name: str) -> dict:
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": site_name,
        "alternateName": home.title,
        "url": url,
        "inLanguage": home.locale.language_code,
    }


# The whole head -----------------------------------------------------------------------


def _ancestors_from_home(page) -> list[Page]:
    """The page's ancestors from its home page (depth 2) down, without the page.

    No query when the router has left each page its parent (Wagtail's and
    home.routing do, `_cached_parent_obj`); else one.
    """
    chain = []
    current = page
    while current.depth > 2:
        parent = getattr(current, "_cached_parent_obj", None)
        if parent is None:
            ancestors = Page.objects.ancestor_of(page).filter(depth__gte=2).select_related("locale")
            return list(ancestors.order_by("depth"))
        chain.append(parent)
        current = parent
    return chain[::-1]


def breadcrumbs(request, page) -> list[tuple[str, str]]:
    """(title, absolute URL) of the page's ancestors from its home page down, and of the page."""
    crumbs = [(a.title, absolute(request, a.get_url(request))) for a in _ancestors_from_home(page)]
    return [*crumbs, (page.title, absolute(request, page.get_url(request)))]


def structured_data(request, page, context, *, url: str, image_url: str, description: str) -> list[dict]:
    """The JSON-LD objects of a page: its own (by type) and its breadcrumb trail."""
    from django.utils import timezone

    from portal.templatetags.portal_tags import territory_name

    found = []
    if isinstance(page, HomePage):
        found.append(website(page, url, gettext("Marché de Noël numérique")))
    elif isinstance(page, MarketPage):
        found.append(market_event(page, url, territory_name(page), image_url, description))
    elif isinstance(page, ShopPage):
        found.append(local_business(page, url, image_url, description, context.get("opening_periods")))
    elif isinstance(page, ProductPage) and "shop" in context and "availability" in context:
        shop = context["shop"]
        found.append(
            product_offer(
                page,
                url,
                shop=shop,
                shop_url=absolute(request, shop.get_url(request)),
                availability=context["availability"],
                not_for_sale=context.get("not_for_sale", ""),
                today=timezone.localdate(),
                image_url=image_url,
                description=description,
            )
        )
    found.append(breadcrumb_list(breadcrumbs(request, page)))
    return found


def page_head(context) -> dict:
    """Everything seo_head.html writes for the page of `context`; for another view, only `noindex`.

    Views that are not pages (basket, checkout, account) and error pages are
    not to be indexed and have no link preview.
    """
    from portal.templatetags.portal_tags import language_links

    request = context.get("request")
    page = context.get("page")
    if not isinstance(page, Page) or not page.pk:
        return {"robots": "noindex"}
    page_url = page.get_url(request)
    canonical, robots = canonical_and_robots(request, page_url)
    languages = context.get("languages") or language_links(context)
    alternates = hreflang_alternates(languages)
    code = page.locale.language_code
    description = meta_description(page, context.get("shop"))
    image = share_image(request, page, context)
    title = page.seo_title or page.title
    return {
        "robots": robots,
        "canonical": canonical,
        "alternates": alternates,
        "title": title,
        "description": description,
        "site_name": gettext("Marché de Noël numérique"),
        "locale": OG_LOCALES.get(code, code),
        "alternate_locales": [
            OG_LOCALES.get(a["code"], a["code"]) for a in alternates if a["code"] not in (code, "x-default")
        ],
        "image": image,
        "json_ld": [
            json_ld(data)
            for data in structured_data(
                request, page, context, url=canonical.split("?", 1)[0], image_url=image["url"], description=description
            )
        ],
    }


# Sharing ------------------------------------------------------------------------------


def share_links(url: str, title: str) -> list[dict]:
    """Plain share URLs of the networks (no script of theirs), and e-mail: name, href."""
    text = f"{title} {url}"
    return [
        {
            "network": "email",
            "name": gettext("Envoyer par e-mail"),
            "href": "mailto:?" + urlencode({"subject": title, "body": text}, quote_via=quote),
        },
        {
            "network": "facebook",
            "name": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {"network": "x", "name": "X", "href": "https://x.com/intent/post?" + urlencode({"text": title, "url": url})},
        {"network": "whatsapp", "name": "WhatsApp", "href": "https://wa.me/?" + urlencode({"text": text})},
        {
            "network": "linkedin",
            "name": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
    ]
