"""The queries behind the public shop pages, in a bounded number of queries."""

from django.db.models import Exists, OuterRef, Prefetch, Subquery
from wagtail.images import get_image_model

from shops.models import ProductPage, ProductStock
from shops.stock import NOT_SET, Availability

PRODUCT_CARD_RENDITION = "fill-480x360"


def image_renditions(field: str, *filter_specs: str) -> Prefetch:
    """The renditions `filter_specs` of the image in `field`, which the caller select_related: one query for all.

    Wagtail's `get_rendition` reads them from `prefetched_renditions`, as
    after `prefetch_renditions`, which would cost a query more for the images.
    """
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=filter_specs)
    return Prefetch(f"{field}__renditions", queryset=renditions, to_attr="prefetched_renditions")


def products_of_shop(shop) -> list[ProductPage]:
    """Live products of a shop, each with `.availability` set."""
    stock_rows = ProductStock.objects.filter(translation_key=OuterRef("translation_key"))
    products = list(
        ProductPage.objects.live()
        .child_of(shop)
        .select_related("locale", "cover_image")
        .prefetch_related(image_renditions("cover_image", PRODUCT_CARD_RENDITION))
        # The stock row read in the same query (shops.stock.availability_of for one product).
        .annotate(
            has_stock_row=Exists(stock_rows),
            stock_quantity=Subquery(stock_rows.values("quantity")[:1]),
        )
        .order_by("path")
    )
    for product in products:
        product.availability = Availability(product.stock_quantity) if product.has_stock_row else NOT_SET
    return products
