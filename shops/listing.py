"""The queries behind the public shop pages, in a bounded number of queries."""

from django.db.models import Prefetch
from wagtail.images import get_image_model

from shops.models import ProductPage
from shops.stock import availability_of

PRODUCT_CARD_RENDITION = "fill-480x360"


def products_of_shop(shop) -> list[ProductPage]:
    """Live products of a shop, each with `.availability` set."""
    products = list(
        ProductPage.objects.live()
        .child_of(shop)
        .select_related("locale")
        .prefetch_related(
            Prefetch(
                "cover_image",
                queryset=get_image_model().objects.prefetch_renditions(PRODUCT_CARD_RENDITION),
            )
        )
        .order_by("path")
    )
    availability = availability_of(products)
    for product in products:
        product.availability = availability[product.translation_key]
    return products
