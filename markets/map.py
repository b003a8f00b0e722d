"""The markers of a market's map: its published shops that have coordinates, in the visitor's language.

The data goes into the page as a JSON data block (templates/markets/includes
/map.html), which static/js/market_map.js turns into Leaflet markers; the
list beside the map is rendered from the same data, so the page says the
same thing without JavaScript.
"""

from django.db.models import FilteredRelation, Q
from django.utils.encoding import iri_to_uri

from shops.models import DeliveryKind, ShopCategory, ShopPage


def market_markers(market, market_url: str, shop_ids=None) -> list[dict]:
    """One marker per live shop of `market` with coordinates, by name, in one query.

    `shop_ids`, when given, keeps only those shops (a search's results).

    `market` is the market page in the visitor's language: its children are
    the shops of that language. `market_url` is the market page's URL; a
    shop's URL is its slug under it (shops are the market's children).
    Each marker: name, url, category (label), delivery modes (labels of the
    active options, in the choices' order), lat and lon (floats, 6 places).
    """
    shops = ShopPage.objects.live().child_of(market)
    if shop_ids is not None:
        shops = shops.filter(pk__in=list(shop_ids))
    rows = (
        shops
        .filter(locale_id=market.locale_id, latitude__isnull=False, longitude__isnull=False)
        .annotate(active_option=FilteredRelation("delivery_options", condition=Q(delivery_options__active=True)))
        .order_by("title", "pk")
        .values_list("pk", "title", "slug", "category", "latitude", "longitude", "active_option__kind")
    )
    markers: dict[int, dict] = {}
    kinds: dict[int, set[str]] = {}
    for pk, title, slug, category, latitude, longitude, kind in rows:
        if pk not in markers:
            markers[pk] = {
                "name": title,
                "url": f"{market_url.rstrip('/')}/{iri_to_uri(slug)}/",
                "category": str(ShopCategory(category).label) if category in ShopCategory.values else "",
                "lat": float(latitude),
                "lon": float(longitude),
            }
            kinds[pk] = set()
        if kind:
            kinds[pk].add(kind)
    for pk, marker in markers.items():
        marker["modes"] = [str(label) for value, label in DeliveryKind.choices if value in kinds[pk]]
    return list(markers.values())
