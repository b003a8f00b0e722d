"""Template tags of the maps: a market's markers and the tile layer's settings."""

from django import template
from django.conf import settings

from markets.map import market_markers

register = template.Library()


@register.simple_tag(takes_context=True)
def market_map_markers(context, market, shop_ids=None) -> list[dict]:
    """The markers of `market`'s map (markets.map.market_markers), one query; only `shop_ids` when given."""
    # A template without `map_shop_ids` passes "" (an unknown variable): the whole market.
    only = None if shop_ids in (None, "") else shop_ids
    return market_markers(market, market.get_url(request=context.get("request")), only)


@register.simple_tag
def map_tiles() -> dict:
    """Where the maps take their tiles from and whom they credit (settings MAP_TILE_URL, MAP_TILE_ATTRIBUTION)."""
    return {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
