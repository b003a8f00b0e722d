"""Which shops a visitor sees, filtered, counted per facet and sorted, in a bounded number of queries.

The market page and the search results share this: `ShopFilters` reads and
writes the filters of a URL, `facet_shops` applies them to a queryset of
shops and counts, in one query, how many shops each facet value would give.
"""

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.money import euros, parse_eur, quantize_eur
from shops.listing import image_renditions
from shops.models import DeliveryKind, DeliveryOption, ProductKind, ProductPage, ProductStock, ShopCategory, ShopPage

SHOP_CARD_RENDITION = "fill-480x320"

# The highest price a product may have (ProductPage.price): a bound beyond it filters nothing.
MAX_PRICE = Decimal("10000")
MAX_TOWN_LENGTH = 120  # ShopPage.city


class Sort:
    RELEVANCE = ""
    PRICE = "price"
    NEWEST = "newest"

    choices = ((RELEVANCE, _("Pertinence")), (PRICE, _("Prix le plus bas")), (NEWEST, _("Nouveautés")))
    values = frozenset(value for value, _label in choices)


@dataclass(frozen=True)
class ActiveFilter:
    """One filter in force, and the query string of the same filters without it."""

    label: str
    query: str


@dataclass(frozen=True)
class ShopFilters:
    """The visitor's filters, as read from a URL: unknown or malformed values are dropped, never trusted.

    `ShopFilters.from_query(QueryDict(f.querystring())) == f` for every `f`
    that `from_query` returns. Sorting is not a filter (`active` ignores it).
    """

    category: str = ""
    delivery: str = ""
    postcode: str = ""  # 5 digits: shops delivering there (home delivery to its area, or postal)
    town: str = ""  # a shop's `city`
    price_min: Decimal | None = None  # shops with a live product at this price or more…
    price_max: Decimal | None = None  # …and at most this one (the same product)
    vouchers: bool = False  # shops selling gift vouchers
    services: bool = False  # shops selling services and experiences (either, with `vouchers`)
    available: bool = False  # shops with a product for sale now: in stock and still valid
    sort: str = Sort.RELEVANCE

    # The options of the filter form.
    category_choices = ShopCategory.choices
    delivery_choices = DeliveryKind.choices
    sort_choices = Sort.choices

    # URL parameter of each field.
    PARAMETERS = {
        "category": "category",
        "delivery": "delivery",
        "postcode": "postcode",
        "town": "town",
        "price_min": "min_price",
        "price_max": "max_price",
        "vouchers": "vouchers",
        "services": "services",
        "available": "available",
        "sort": "sort",
    }

    @classmethod
    def from_query(cls, query) -> "ShopFilters":
        def text(name: str) -> str:
            value = query.get(cls.PARAMETERS[name], "")
            return value.strip() if isinstance(value, str) else ""

        category, delivery, sort = text("category"), text("delivery"), text("sort")
        postcode = text("postcode").replace(" ", "")
        town = text("town")
        price_min, price_max = _price(text("price_min")), _price(text("price_max"))
        if price_min is not None and price_max is not None and price_min > price_max:
            price_min, price_max = price_max, price_min
        return cls(
            category=category if category in ShopCategory.values else "",
            delivery=delivery if delivery in DeliveryKind.values else "",
            postcode=postcode if _is_postcode(postcode) else "",
            town=town if len(town) <= MAX_TOWN_LENGTH and town.isprintable() else "",
            price_min=price_min,
            price_max=price_max,
            vouchers=text("vouchers") == "1",
            services=text("services") == "1",
            available=text("available") == "1",
            sort=sort if sort in Sort.values else Sort.RELEVANCE,
        )

    def to_query(self) -> dict[str, str]:
        """The filters in force as URL parameters, in a fixed order; defaults left out."""
        query = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if not _is_set(value):
                continue
            if value is True:
                value = "1"
            elif isinstance(value, Decimal):
                value = _price_text(value)
            query[self.PARAMETERS[field.name]] = value
        return query

    def querystring(self) -> str:
        """The filters as a query string, to keep them across pagination links."""
        return urlencode(self.to_query())

    @property
    def active(self) -> bool:
        return any(_is_set(getattr(self, name)) for name in self.PARAMETERS if name != "sort")

    @property
    def product_kinds(self) -> tuple[str, ...]:
        return tuple(
            kind for kind, on in ((ProductKind.VOUCHER, self.vouchers), (ProductKind.SERVICE, self.services)) if on
        )

    def without(self, name: str) -> "ShopFilters":
        return replace(self, **{name: next(f.default for f in fields(self) if f.name == name)})

    def active_filters(self, keep: dict[str, str] | None = None) -> list[ActiveFilter]:
        """Each filter in force with the query string that removes it (and keeps `keep`, e.g. a search)."""
        labels = {
            "category": lambda: dict(ShopCategory.choices)[self.category],
            "delivery": lambda: dict(DeliveryKind.choices)[self.delivery],
            "postcode": lambda: gettext("Livre au %(postcode)s") % {"postcode": self.postcode},
            "town": lambda: gettext("Commune : %(town)s") % {"town": self.town},
            "price_min": lambda: gettext("À partir de %(price)s") % {"price": euros(self.price_min)},
            "price_max": lambda: gettext("Jusqu'à %(price)s") % {"price": euros(self.price_max)},
            "vouchers": lambda: gettext("Bons cadeaux"),
            "services": lambda: gettext("Prestations et expériences"),
            "available": lambda: gettext("Disponible maintenant"),
        }
        return [
            ActiveFilter(str(label()), urlencode({**(keep or {}), **self.without(name).to_query()}))
            for name, label in labels.items()
            if _is_set(getattr(self, name))
        ]

    @property
    def removals(self) -> list[ActiveFilter]:
        """`active_filters()` for templates."""
        return self.active_filters()


def _is_set(value) -> bool:
    # Not `value in ("", None, False)`: a price of 0 equals False.
    return value is not None and value is not False and value != ""


def _is_postcode(text: str) -> bool:
    return len(text) == 5 and text.isascii() and text.isdigit() and not text.startswith("00")


def _price(text: str) -> Decimal | None:
    """A price bound typed by a visitor ("12", "12,50"), or None for nothing usable (negative, huge, not a number)."""
    if not text or len(text) > 12:
        return None
    try:
        amount = parse_eur(text)
    except ValueError:
        return None
    if not Decimal(0) <= amount <= MAX_PRICE:
        return None
    return abs(quantize_eur(amount))


def _price_text(amount: Decimal) -> str:
    text = f"{amount:.2f}"
    return text.removesuffix(".00")


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # shops this value would give, with the other facets' filters in force
    selected: bool


@dataclass(frozen=True)
class ShopFacets:
    total: int  # shops matching every filter
    category: list[FacetValue]
    delivery: list[FacetValue]
    town: list[FacetValue]
    vouchers: FacetValue
    services: FacetValue
    available: FacetValue


@dataclass(frozen=True)
class FacetedShops:
    shops: QuerySet  # of ShopPage, filtered and sorted
    facets: ShopFacets
    filters: ShopFilters  # as applied: a town none of the shops is in is dropped


def available_now(today: date) -> Q:
    """Products for sale on `today`: within their validity, and in stock (no stock row: not for sale)."""
    in_stock = ProductStock.objects.filter(translation_key=OuterRef("translation_key")).filter(
        Q(quantity__isnull=True) | Q(quantity__gt=0)
    )
    return (Q(valid_until__isnull=True) | Q(valid_until__gte=today)) & Q(Exists(in_stock))


def delivering_to(postcode: str) -> QuerySet[DeliveryOption]:
    """Switched-on delivery options that bring an order to `postcode` (see DeliveryOption.delivers_to)."""
    codes = {postcode[:2], postcode[:3], postcode}
    in_area = Q()
    for code in codes:
        in_area |= Q(padded_postcodes__contains=f" {code} ")
    return (
        DeliveryOption.objects.filter(active=True)
        .annotate(padded_postcodes=Concat(Value(" "), "postcodes", Value(" ")))
        .filter(Q(kind=DeliveryKind.POSTAL) | (Q(kind=DeliveryKind.HOME) & in_area))
    )


class _Conditions:
    """The filters as conditions on a shop, by facet, so that each facet's counts can leave its own out."""

    def __init__(self, filters: ShopFilters, products: QuerySet, today: date):
        self.products = products
        self.shop: dict[str, Q] = {}
        if filters.category:
            self.shop["category"] = Q(category=filters.category)
        if filters.delivery:
            self.shop["delivery"] = self.offers_delivery(filters.delivery)
        if filters.postcode:
            self.shop["postcode"] = Q(Exists(delivering_to(filters.postcode).filter(page=OuterRef("pk"))))
        if filters.town:
            self.shop["town"] = Q(city=filters.town)
        # Conditions on products hold for one same product: a voucher in the price range, in stock.
        self.product: dict[str, Q] = {}
        if filters.price_min is not None:
            self.product["price"] = Q(price__gte=filters.price_min)
        if filters.price_max is not None:
            self.product["price"] = self.product.get("price", Q()) & Q(price__lte=filters.price_max)
        if filters.product_kinds:
            self.product["kind"] = Q(kind__in=filters.product_kinds)
        if filters.available:
            self.product["available"] = available_now(today)

    @staticmethod
    def offers_delivery(kind: str) -> Q:
        return Q(Exists(DeliveryOption.objects.filter(page=OuterRef("pk"), active=True, kind=kind)))

    def products_of_shop(self, without: str = "", extra: Q | None = None) -> QuerySet:
        conditions = [q for name, q in self.product.items() if name != without]
        if extra is not None:
            conditions.append(extra)
        # The shop's children by a range of paths (as treebeard finds children), which the path's index
        # answers; `path__startswith` of a column is a LIKE that reads every product page for every shop.
        first, last = (
            Concat(OuterRef("path"), Value(c * ProductPage.steplen))
            for c in (ProductPage.alphabet[0], ProductPage.alphabet[-1])
        )
        return self.products.filter(*conditions, path__gte=first, path__lte=last, depth=OuterRef("depth") + 1)

    def matching(self, without: str = "", shop: Q | None = None, product: Q | None = None) -> Q:
        """Shops meeting every filter but `without`'s, and `shop` and, on one of their products, `product`."""
        q = Q()
        for name, condition in self.shop.items():
            if name != without:
                q &= condition
        if shop is not None:
            q &= shop
        if product is not None or any(name != without for name in self.product):
            q &= Q(Exists(self.products_of_shop(without, product)))
        return q


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def facet_shops(
    shops: QuerySet, filters: ShopFilters, *, products: QuerySet | None = None, today: date | None = None
) -> FacetedShops:
    """`shops` narrowed by `filters` and sorted, with the count of shops behind each facet value.

    - `shops`: a plain queryset of ShopPage (live, of one market or a search's
      matches; not sliced, no `distinct()`), in its relevance order.
    - `products`: the ProductPage rows that count for the product filters
      (price, vouchers, services, available now), e.g. a search's matching
      products; all of them by default. Only live ones are considered.
    - Counts are standard faceting: a value's count is the number of shops
      matching every filter but those of its own facet, plus that value. The
      counts and the total cost one query whatever the number of shops (two
      when the URL names a town none of the shops is in: it is dropped).
    - Sort: relevance keeps the order of `shops`; price puts the shop with
      the lowest price of a matching product first (shops without one last);
      newest the last published first. Ties go by name.

    The returned shops are a lazy queryset: paginate it, then prefetch what the cards show.
    """
    today = today or timezone.localdate()
    products = (products if products is not None else ProductPage.objects.all()).live()
    conditions = _Conditions(filters, products, today)
    rows = _facet_rows(shops, conditions, today)
    towns = {row["city"]: row["town"] for row in rows}
    if filters.town and filters.town not in towns:
        filters = filters.without("town")
        conditions = _Conditions(filters, products, today)
        rows = _facet_rows(shops, conditions, today)
        towns = {row["city"]: row["town"] for row in rows}

    def total(key: str) -> int:
        return sum(row[key] for row in rows)

    def value(value: str, label, key: str, selected: bool) -> FacetValue:
        return FacetValue(value, str(label), total(key), selected)

    facets = ShopFacets(
        total=total("total"),
        category=[value(v, label, f"category_{v}", v == filters.category) for v, label in ShopCategory.choices],
        delivery=[value(v, label, f"delivery_{v}", v == filters.delivery) for v, label in DeliveryKind.choices],
        town=[
            FacetValue(city, city, count, city == filters.town)
            for city, count in sorted(towns.items(), key=lambda item: item[0].casefold())
        ],
        vouchers=value("1", _("Bons cadeaux"), "kind_voucher", filters.vouchers),
        services=value("1", _("Prestations et expériences"), "kind_service", filters.services),
        available=value("1", _("Disponible maintenant"), "available", filters.available),
    )
    found = shops.filter(conditions.matching())
    if filters.sort == Sort.PRICE:
        lowest = conditions.products_of_shop().order_by("price").values("price")[:1]
        found = found.annotate(lowest_price=Subquery(lowest)).order_by(
            F("lowest_price").asc(nulls_last=True), "title", "pk"
        )
    elif filters.sort == Sort.NEWEST:
        found = found.order_by(F("first_published_at").desc(nulls_last=True), "title", "pk")
    return FacetedShops(shops=found, facets=facets, filters=filters)


def _facet_rows(shops: QuerySet, conditions: _Conditions, today: date) -> list[dict]:
    """One row per town of `shops`, each with its count per facet value: the facets' one query.

    Grouping by town gives the town facet; every other count is the sum of
    its rows, as the towns split the shops.
    """
    counts = {"total": _count(conditions.matching()), "town": _count(conditions.matching("town"))}
    for value in ShopCategory.values:
        counts[f"category_{value}"] = _count(conditions.matching("category", shop=Q(category=value)))
    for value in DeliveryKind.values:
        counts[f"delivery_{value}"] = _count(conditions.matching("delivery", shop=conditions.offers_delivery(value)))
    for kind in (ProductKind.VOUCHER, ProductKind.SERVICE):
        counts[f"kind_{kind}"] = _count(conditions.matching("kind", product=Q(kind=kind)))
    counts["available"] = _count(conditions.matching("available", product=available_now(today)))
    return list(shops.order_by().values("city").annotate(**counts))


def market_listing(market, filters: ShopFilters) -> FacetedShops:
    """The live shops of a market page under `filters`, cards' images and delivery options prefetched."""
    faceted = facet_shops(ShopPage.objects.live().child_of(market).order_by("title"), filters)
    return replace(faceted, shops=shop_cards(faceted.shops))


def shop_cards(shops: QuerySet) -> QuerySet[ShopPage]:
    """`shops` with what a shop card shows prefetched: its cover's rendition and its active delivery options."""
    return shops.select_related("locale", "cover_image").prefetch_related(
        image_renditions("cover_image", SHOP_CARD_RENDITION),
        Prefetch(
            "delivery_options", queryset=DeliveryOption.objects.filter(active=True), to_attr="active_delivery_options"
        ),
    )


def shops_of_market(market, filters: ShopFilters = ShopFilters()) -> QuerySet[ShopPage]:
    """Live shops of a market under `filters`, with their cover image and active delivery options prefetched."""
    return market_listing(market, filters).shops
