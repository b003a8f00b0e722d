"""What a stock change renews in the page cache (portal.page_cache)."""

from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.db import transaction
from wagtail.models import Page

from portal.page_cache import bump, page_generation


def stock_generation(market_translation_key) -> str:
    """The generation of a market page's listing, which filters its shops by what is in stock."""
    return f"gen:stock:{market_translation_key}"


def stock_changed(keys: Iterable[UUID]) -> None:
    """Renew the pages showing the stock of these products, once the caller's transaction commits.

    Called after every change of a ProductStock quantity (a sale's
    reservation, its release, the merchant's edit), whether or not it crosses
    available / last items / sold out: comparing would need the value before
    each conditional UPDATE, and a renewal costs one render. Renews the
    product's page, its shop's (which lists its products with their
    availability, and the pages below it) and the listing of its market page
    alone, not the market's other shops.
    """
    keys = set(keys)
    if keys and settings.PAGE_CACHE_ENABLED:
        transaction.on_commit(lambda: bump(_generations_of_stock(keys)))


def _generations_of_stock(keys: set) -> set[str]:
    from shops.models import ProductPage

    step = Page.steplen
    paths = set(ProductPage.objects.filter(translation_key__in=keys).values_list("path", flat=True))
    shops = {path[:-step] for path in paths}
    markets = {path[: -2 * step] for path in paths}
    names = {page_generation(key) for key in keys}
    for path, key in Page.objects.filter(path__in=shops | markets).values_list("path", "translation_key"):
        names.add(page_generation(key) if path in shops else stock_generation(key))
    return names


def bundles_changed(bundle_keys: Iterable[UUID]) -> None:
    """Renew bundle pages whose sale changed with a participant's answer or its shop's (un)publication, after commit.

    A bundle's page says whether it is for sale (shops.bundles.sale_refusal),
    which follows from rows and pages that are not the bundle's own.
    """
    keys = set(bundle_keys)
    if keys and settings.PAGE_CACHE_ENABLED:
        transaction.on_commit(lambda: bump({page_generation(key) for key in keys}))


def participant_changed(shop) -> None:
    """A shop was published or unpublished: renew the bundles it takes part in."""
    from shops.models import BundlePart

    if settings.PAGE_CACHE_ENABLED:
        bundles_changed(BundlePart.objects.filter(participant_id=shop.pk).values_list("page__translation_key", flat=True))
