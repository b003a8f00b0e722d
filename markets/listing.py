"""The shop list of a market page: filters and a bounded number of queries."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from wagtail.images import get_image_model

from shops.models import DeliveryKind, DeliveryOption, ShopCategory, ShopPage

SHOP_CARD_RENDITION = "fill-480x320"


@dataclass(frozen=True)
class ShopFilters:
    """The visitor's filters; unknown values are dropped, never trusted."""

    category: str = ""
    delivery: str = ""

    @classmethod
    def from_query(cls, query) -> "ShopFilters":
        category = query.get("category", "")
        delivery = query.get("delivery", "")
        return cls(
            category=category if category in ShopCategory.values else "",
            delivery=delivery if delivery in DeliveryKind.values else "",
        )

    # The options of the filter form.
    category_choices = ShopCategory.choices
    delivery_choices = DeliveryKind.choices

    @property
    def active(self) -> bool:
        return bool(self.category or self.delivery)

    def querystring(self) -> str:
        """The filters as a query string, to keep them across pagination links."""
        return urlencode({k: v for k, v in (("category", self.category), ("delivery", self.delivery)) if v})


def shops_of_market(market, filters: ShopFilters = ShopFilters()) -> QuerySet[ShopPage]:
    """Live shops of a market, with their cover image and active delivery options prefetched."""
    shops = ShopPage.objects.live().child_of(market).select_related("locale")
    if filters.category:
        shops = shops.filter(category=filters.category)
    if filters.delivery:
        shops = shops.filter(delivery_options__kind=filters.delivery, delivery_options__active=True).distinct()
    return shops.order_by("title").prefetch_related(
        Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(SHOP_CARD_RENDITION)),
        Prefetch("delivery_options", queryset=DeliveryOption.objects.filter(active=True), to_attr="active_delivery_options"),
    )
