"""Public search: the shops and products of a market (or of every market), grouped by shop.

Wagtail's search framework finds the pages. With the database backend what it
matches is each page's `search_stems` (see shops.search), so the query is
stemmed the same way here; with Elasticsearch/OpenSearch, the visitor's words
go unstemmed to the field of their language, whose analyser stems them.
All words are asked for first; when no page has them all, any word will do.
Only live pages of the visitor's language appear, and a product only under a
live shop of a live market.
"""

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import SafeString
from wagtail.images import get_image_model
from wagtail.models import Locale, Page

from markets.listing import FacetedShops, ShopFilters, Sort, facet_shops, shop_cards
from markets.models import MarketPage
from portal.converters import valid_id
from shops.models import ProductPage, ShopPage
from shops.search import engine_text_field, highlight, plain_text, stems, uses_engine_analysers
from shops.stock import availability_of

QUERY_MAX_LENGTH = 200
# Hits read per kind before grouping: enough for any real query, a bound for any other.
MAX_HITS = 200
SHOPS_PER_RESULTS_PAGE = 10
PRODUCTS_PER_SHOP = 4
PRODUCT_RENDITION = "fill-160x120"


@dataclass
class ProductResult:
    product: ProductPage
    title: SafeString
    snippet: SafeString


@dataclass
class ShopResult:
    shop: ShopPage
    market: MarketPage
    title: SafeString
    snippet: SafeString
    products: list[ProductResult] = field(default_factory=list)
    more_products: int = 0


@dataclass
class SearchOutcome:
    """The groups (one per shop, best first), before snippets; `all_words` False when any word was enough."""

    groups: list[dict]
    all_words: bool = True
    product_count: int = 0

    @property
    def shop_count(self) -> int:
        return len(self.groups)


def _scope(model, markets: list[MarketPage], depth_below: int) -> QuerySet:
    """Live pages of `model` exactly `depth_below` levels under one of `markets` (FilterFields only)."""
    within = Q()
    for market in markets:
        within |= Q(path__startswith=market.path, depth=market.depth + depth_below)
    return model.objects.live().filter(within) if markets else model.objects.none()


@dataclass(frozen=True)
class EngineQuery:
    """What is asked of the search backend: `text` in `fields` (None: every field, the database backend's way)."""

    text: str
    fields: list[str] | None = None


def engine_query(text: str, language: str) -> EngineQuery:
    """The query for `text` typed by a visitor in `language`: stemmed here, or left to the engine's analysers."""
    if uses_engine_analysers():
        return EngineQuery(" ".join(text.split()), [engine_text_field(language)])
    return EngineQuery(" ".join(stems(text, language)))


def _hits(queryset, query: EngineQuery, operator: str) -> list:
    return list(queryset.search(query.text, fields=query.fields, operator=operator)[:MAX_HITS])


def find(
    text: str, language: str, markets: list[MarketPage], *, shop: ShopPage | None = None, shops: QuerySet | None = None
) -> SearchOutcome:
    """Shops and products of `markets` matching `text` in `language`, grouped by shop.

    `shop` narrows the search to one shop's products (and the shop itself);
    `shops`, a ShopPage queryset, narrows it to the shops it holds (the
    market's filters: pass the filtered listing of the market page).
    """
    query = engine_query(text, language)
    if not query.text or not markets:
        return SearchOutcome(groups=[])
    if shop is not None:
        # By path, not pk: Elasticsearch's query compiler drops a filter on a page
        # type's primary key (`page_ptr_id`) without a word, and would search every shop.
        shop_scope = ShopPage.objects.live().filter(path=shop.path)
        product_scope = ProductPage.objects.live().child_of(shop)
    else:
        shop_scope = _scope(ShopPage, markets, 1)
        product_scope = _scope(ProductPage, markets, 2)
    product_scope = product_scope.select_related("locale").prefetch_related(
        Prefetch("cover_image", queryset=get_image_model().objects.prefetch_renditions(PRODUCT_RENDITION))
    )
    all_words = True
    shop_hits, product_hits = _hits(shop_scope, query, "and"), _hits(product_scope, query, "and")
    if not shop_hits and not product_hits and len(query.text.split()) > 1:
        all_words = False
        shop_hits, product_hits = _hits(shop_scope, query, "or"), _hits(product_scope, query, "or")

    # Rank of each shop: its own place in the shop hits or its best product's, whichever comes first.
    rank: dict[str, int] = {}
    for position, hit in enumerate(shop_hits):
        rank.setdefault(hit.path, position)
    steplen = Page.steplen
    for position, hit in enumerate(product_hits):
        rank.setdefault(hit.path[:-steplen], position)
    if not rank:
        return SearchOutcome(groups=[], all_words=all_words)

    cards = shop_cards(ShopPage.objects.live().filter(path__in=rank))
    if shops is not None:
        cards = cards.filter(pk__in=shops.values("pk"))
    by_path = {s.path: s for s in cards}
    matched_shops = {hit.path for hit in shop_hits}
    groups = {path: {"shop": s, "matched": path in matched_shops, "products": []} for path, s in by_path.items()}
    product_count = 0
    for hit in product_hits:
        group = groups.get(hit.path[:-steplen])
        if group is not None:  # under an unpublished shop, or one the filters leave out
            group["products"].append(hit)
            product_count += 1
    ordered = sorted(groups.values(), key=lambda g: (rank[g["shop"].path], g["shop"].title))
    return SearchOutcome(groups=ordered, all_words=all_words, product_count=product_count)


def narrow(outcome: SearchOutcome, filters: ShopFilters) -> tuple[SearchOutcome, FacetedShops]:
    """The outcome's shops narrowed by the market's `filters`, and their facet counts (over the matched shops).

    The order stays the relevance unless the filters ask for another sort.
    """
    faceted = facet_shops(ShopPage.objects.filter(pk__in=[g["shop"].pk for g in outcome.groups]), filters)
    order = {pk: position for position, pk in enumerate(faceted.shops.values_list("pk", flat=True))}
    groups = [g for g in outcome.groups if g["shop"].pk in order]
    if filters.sort != Sort.RELEVANCE:
        groups.sort(key=lambda g: order[g["shop"].pk])
    return replace(outcome, groups=groups, product_count=sum(len(g["products"]) for g in groups)), faceted


def present(groups: list[dict], text: str, language: str, markets: list[MarketPage]) -> list[ShopResult]:
    """The groups of one results page with their highlighted titles and snippets, and the products' availability."""
    query_stems = set(stems(text, language))
    market_of = {m.path: m for m in markets}
    steplen = Page.steplen
    shown = [p for g in groups for p in g["products"][:PRODUCTS_PER_SHOP]]
    availability = availability_of(shown)
    results = []
    for group in groups:
        shop = group["shop"]
        result = ShopResult(
            shop=shop,
            market=market_of.get(shop.path[:-steplen]),
            title=highlight(shop.title, query_stems, language, window=None),
            snippet=highlight(plain_text(shop.description), query_stems, language),
            more_products=max(0, len(group["products"]) - PRODUCTS_PER_SHOP),
        )
        for product in group["products"][:PRODUCTS_PER_SHOP]:
            product.availability = availability[product.translation_key]
            result.products.append(
                ProductResult(
                    product=product,
                    title=highlight(product.title, query_stems, language, window=None),
                    snippet=highlight(plain_text(product.description), query_stems, language),
                )
            )
        results.append(result)
    return results


def read_query(params) -> str:
    return " ".join(params.get("q", "").split())[:QUERY_MAX_LENGTH]


def _results_page(request, outcome: SearchOutcome):
    paginator = Paginator(outcome.groups, SHOPS_PER_RESULTS_PAGE)
    return paginator.get_page(request.GET.get("page"))


def market_search(request, market: MarketPage):
    """The search page of one market (its route "recherche/"); `?shop=<id>` searches within one of its shops."""
    text = read_query(request.GET)
    language = market.locale.language_code
    shop_id = valid_id(request.GET.get("shop", ""))
    shop = ShopPage.objects.live().child_of(market).filter(pk=shop_id).first() if shop_id else None
    outcome = find(text, language, [market], shop=shop)
    filters = facets = None
    if shop is None and outcome.groups:
        outcome, faceted = narrow(outcome, ShopFilters.from_query(request.GET))
        filters, facets = faceted.filters, faceted.facets
    page_obj = _results_page(request, outcome)
    params = {"q": text, **({"shop": shop.pk} if shop else {}), **(filters.to_query() if filters else {})}
    return render(
        request,
        "markets/search_results.html",
        {
            "page": market,
            "market": market,
            "markets": [market],
            "search_shop": shop,
            "query": text,
            "outcome": outcome,
            "results": present(list(page_obj.object_list), text, language, [market]),
            "page_obj": page_obj,
            "querystring": urlencode(params),
            "filters": filters,
            "facets": facets,
            # The map shows every shop found (all pages of results), the list below only this page's.
            "map_shop_ids": [group["shop"].pk for group in outcome.groups],
            "filter_action": market.url + market.reverse_subpage("search"),
            "filter_hidden": [("q", text)],
            # With no result: the market's shops and their filters.
            "filters_url": market.url + "#shops-title",
        },
    )


def search_all_markets(request):
    """Search across the live markets of the visitor's language; a chosen market sends to that market's search."""
    text = read_query(request.GET)
    locale = Locale.get_active()
    markets = list(MarketPage.objects.live().filter(locale=locale).select_related("locale").order_by("title"))
    market_id = valid_id(request.GET.get("market", ""))
    chosen = next((m for m in markets if m.pk == market_id), None)
    if chosen is not None:
        return HttpResponseRedirect(chosen.url + chosen.reverse_subpage("search") + "?" + urlencode({"q": text}))
    language = locale.language_code
    outcome = find(text, language, markets)
    page_obj = _results_page(request, outcome)
    return render(
        request,
        "markets/search_results.html",
        {
            "markets": markets,
            "query": text,
            "outcome": outcome,
            "results": present(list(page_obj.object_list), text, language, markets),
            "page_obj": page_obj,
            "querystring": urlencode({"q": text}),
        },
    )
