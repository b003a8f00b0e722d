"""What a customer reads of a bundle: its parts, the shop that provides and sells each, in the visitor's language.

The French page is what is sold (`shops.bundles`): its parts, their shops,
withdrawal rules and stock are facts read from it. A translated page gives
the words only: what each shop provides (its `BundlePart` rows, paired with
the French rows by translation key), the seller's own part, and each shop's
name and page. Each part's share of the price stays between the merchants:
nothing here carries it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from shops import bundles
from shops.models import BundlePart, ProductPage, ShopPage, withdrawal_notice
from shops.stock import Availability, availability_of

# The anchor of a shop page's legal details and terms of sale (templates/shops/shop_page.html).
SHOP_TERMS_ANCHOR = "#conditions-de-vente"


@dataclass(frozen=True)
class ShownPart:
    """One shop's part of a bundle as its page shows it.

    `shop` is the shop's page in the visitor's language (its French page
    when it has no live translation), `source` its French page, whose legal
    details are the facts. `terms_url` is "" when the shop has no terms of
    its own: the platform's terms of sale apply.
    """

    shop: ShopPage
    source: ShopPage
    description: str
    withdrawal: str
    is_seller: bool
    shop_url: str
    terms_url: str

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)


def _parts_prefetch() -> Prefetch:
    return Prefetch("bundle_parts", queryset=BundlePart.objects.select_related("participant", "product"))


def _default_locale_bundle(page: ProductPage) -> ProductPage | None:
    """The live French page of `page` with its parts and their shops read in one query; None when it is not live."""
    default = Locale.get_default()
    if page.locale_id != default.pk:
        return (
            ProductPage.objects.live().filter(translation_key=page.translation_key, locale=default)
            .prefetch_related(_parts_prefetch()).first()
        )
    # A preview holds its parts in memory (modelcluster), which a prefetch would not replace.
    if page.pk is not None and "bundle_parts" not in getattr(page, "_cluster_related_objects", {}):
        prefetch_related_objects([page], _parts_prefetch())
    return page


def _shown_pages(sources: Iterable[ShopPage], locale_id: int) -> dict[UUID, ShopPage]:
    """The live page of each French shop page in the locale `locale_id`, by translation key (one query)."""
    sources = list(sources)
    if not sources or all(source.locale_id == locale_id for source in sources):
        return {}
    return {
        shop.translation_key: shop
        for shop in ShopPage.objects.live().filter(
            translation_key__in={source.translation_key for source in sources}, locale_id=locale_id
        )
    }


def _terms_url(shop: ShopPage, shop_url: str) -> str:
    return shop_url + SHOP_TERMS_ANCHOR if shop_url and shop.terms_of_sale else ""


def _seller_takes_a_part(bundle: ProductPage, parts: list[BundlePart]) -> bool:
    """Whether the participants leave the seller some of the price, so that the seller provides something too."""
    try:
        rest, _shares = bundles.unit_shares(bundle.price, ((p.share_amount, p.share_percent) for p in parts))
    except bundles.BadSplit:
        return True
    return rest > 0


def _shown_parts(page: ProductPage, source: ProductPage, seller: ShopPage, request) -> list[ShownPart]:
    parts = bundles.live_parts(source)
    own_words = {}
    if page is not source:
        own_words = {row.translation_key: row.description for row in page.bundle_parts.all()}
    seller_source = seller
    if seller.locale_id != source.locale_id:
        seller_source = ShopPage.objects.filter(path=source.path[: -Page.steplen]).first() or seller
    translated = _shown_pages([seller_source, *(part.participant for part in parts)], page.locale_id)
    translated[seller_source.translation_key] = seller

    def shown(part_source: ShopPage, description: str, withdrawal: str, is_seller: bool) -> ShownPart:
        shop = translated.get(part_source.translation_key, part_source)
        shop_url = (shop.get_url(request) or "") if shop.live else ""
        return ShownPart(
            shop=shop, source=part_source, description=description, withdrawal=withdrawal, is_seller=is_seller,
            shop_url=shop_url, terms_url=_terms_url(shop, shop_url),
        )

    found = []
    if _seller_takes_a_part(source, parts):
        found.append(shown(seller_source, page.bundle_own_part or page.title, source.withdrawal, True))
    for part in parts:
        found.append(shown(
            part.participant, own_words.get(part.translation_key) or part.description, part.withdrawal, False
        ))
    return found


def _availability(source: ProductPage) -> Availability:
    """The fewest units left of the bundle and of its parts' products (each taken with every bundle sold)."""
    products = [source, *(part.product for part in bundles.live_parts(source) if part.product is not None)]
    quantities = [availability.quantity for availability in availability_of(products).values()]
    limited = [quantity for quantity in quantities if quantity is not None]
    return Availability(min(limited) if limited else None)


def bundle_context(page: ProductPage, seller: ShopPage, request=None) -> dict:
    """What the product page of the bundle `page` (of any locale, sold by its parent `seller`) adds to its context.

    `bundle_parts` (ShownPart, the seller's first), `availability` (the
    parts' products included) and `bundle_refusal` (why it cannot be
    bought now, named as the visitor reads it; "" when it can). Queries do
    not grow with the number of parts.
    """
    source = _default_locale_bundle(page)
    sold = source or page
    refused = source is None or bool(bundles.sale_refusal(source))
    return {
        "bundle_parts": _shown_parts(page, sold, seller, request),
        "availability": _availability(sold),
        "bundle_refusal": _("« %(product)s » n'est pas en vente pour le moment.") % {"product": page.title}
        if refused else "",
    }


def participants_by_bundle(bundles_sold: Iterable[ProductPage], language_code: str) -> dict[UUID, list[ShopPage]]:
    """The participating shops of each bundle (French pages), as pages in `language_code`, by the bundle's key.

    For a basket's lines: three queries at most, whatever the number of bundles and parts.
    """
    keys = {bundle.pk: bundle.translation_key for bundle in bundles_sold}
    if not keys:
        return {}
    rows = list(
        BundlePart.objects.filter(page_id__in=keys).select_related("participant").order_by("page_id", "sort_order", "pk")
    )
    locale = Locale.objects.filter(language_code=language_code).first()
    translated = _shown_pages([row.participant for row in rows], locale.pk) if locale is not None else {}
    found: dict[UUID, list[ShopPage]] = {key: [] for key in keys.values()}
    for row in rows:
        found[keys[row.page_id]].append(translated.get(row.participant.translation_key, row.participant))
    return found


def part_descriptions(part_keys: Iterable[UUID], language_code: str) -> dict[UUID, str]:
    """What each part provides in `language_code`, by its row's translation key, where a live page has it (one query)."""
    part_keys = set(part_keys)
    if not part_keys:
        return {}
    return dict(
        BundlePart.objects.filter(
            translation_key__in=part_keys, locale__language_code=language_code, page__live=True
        ).values_list("translation_key", "description")
    )
