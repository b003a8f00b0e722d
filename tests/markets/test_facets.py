"""Filters, facet counts and sorting of a market's shops (markets.listing), and the page that shows them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from markets.listing import FacetValue, ShopFilters, facet_shops
from shops.models import DeliveryKind, DeliveryOption, ProductKind, ProductPage, ShopCategory, ShopPage
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count

TODAY = timezone.localdate()
NEXT_YEAR = TODAY + datetime.timedelta(days=365)
YESTERDAY = TODAY - datetime.timedelta(days=1)


def home_delivery(postcodes: str, active: bool = True) -> DeliveryOption:
    return DeliveryOption(kind=DeliveryKind.HOME, area="Alentours", postcodes=postcodes, active=active)


@pytest.fixture
def market(home_fr):
    """Five live shops of a market (one unpublished, one of another market beside them).

    | shop        | category | town      | delivery (active)          | products                                  |
    | fromagerie  | food     | Colmar    | pickup, home "68"          | 12.50 (10 in stock), voucher 30           |
    | atelier     | artisan  | Colmar    | pickup, postal             | 45.00 sold out                            |
    | cave        | food     | Eguisheim | pickup                     | service 25 expired yesterday              |
    | musee       | culture  | Eguisheim | pickup, home "67000 67100" | voucher 15, service 40                    |
    | boulangerie | food     | Turckheim | pickup (home "68" off)     | none                                      |
    """
    market = f.make_market(home_fr)
    shops = {}

    def shop(name, category, town, options):
        shops[name] = f.make_shop(market, name.capitalize(), category=category, city=town, delivery_options=options)
        return shops[name]

    fromagerie = shop("fromagerie", ShopCategory.FOOD, "Colmar", [f.pickup(), home_delivery("68")])
    f.make_product(fromagerie, price="12.50", stock=10)
    f.make_product(fromagerie, price="30.00", kind=ProductKind.VOUCHER, stock=None, valid_until=NEXT_YEAR)
    atelier = shop("atelier", ShopCategory.ARTISAN, "Colmar", [f.pickup(), f.postal()])
    f.make_product(atelier, price="45.00", stock=0)
    cave = shop("cave", ShopCategory.FOOD, "Eguisheim", [f.pickup()])
    f.make_product(cave, price="25.00", kind=ProductKind.SERVICE, stock=None, valid_until=YESTERDAY)
    musee = shop("musee", ShopCategory.CULTURE, "Eguisheim", [f.pickup(), home_delivery("67000 67100")])
    f.make_product(musee, price="15.00", kind=ProductKind.VOUCHER, stock=None, valid_until=NEXT_YEAR)
    f.make_product(musee, price="40.00", kind=ProductKind.SERVICE, stock=None, valid_until=NEXT_YEAR)
    shop("boulangerie", ShopCategory.FOOD, "Turckheim", [f.pickup(), home_delivery("68", active=False)])
    # Never counted: an unpublished shop of this market, a shop of another market, a draft product.
    hidden = f.make_shop(market, "Brouillon", category=ShopCategory.FOOD, city="Colmar", live=False)
    f.make_product(hidden, price="20.00")
    other = f.make_shop(
        f.make_market(home_fr), "Ailleurs", category=ShopCategory.FOOD, city="Colmar", delivery_options=[f.postal()]
    )
    f.make_product(other, price="20.00", kind=ProductKind.VOUCHER, stock=None)
    f.make_product(shops["boulangerie"], price="5.00", live=False)
    market.shops = shops
    return market


def faceted(market, **filters):
    return facet_shops(ShopPage.objects.live().child_of(market).order_by("title"), ShopFilters(**filters), today=TODAY)


def names(result) -> list[str]:
    return [shop.slug for shop in result.shops]


def counts(values: list[FacetValue]) -> dict[str, int]:
    return {v.value: v.count for v in values}


NO_CATEGORY = dict.fromkeys(ShopCategory.values, 0)


@pytest.mark.django_db
def test_without_filters_every_live_shop_is_counted_under_each_facet(market):
    result = faceted(market)

    assert names(result) == ["atelier", "boulangerie", "cave", "fromagerie", "musee"]
    facets = result.facets
    assert facets.total == 5
    assert counts(facets.category) == NO_CATEGORY | {"food": 3, "artisan": 1, "culture": 1}
    assert counts(facets.delivery) == {"pickup": 5, "home": 2, "postal": 1}
    assert counts(facets.town) == {"Colmar": 2, "Eguisheim": 2, "Turckheim": 1}
    assert (facets.vouchers.count, facets.services.count, facets.available.count) == (2, 2, 2)
    assert not any(v.selected for v in facets.category + facets.delivery + facets.town)


@pytest.mark.django_db
def test_each_facet_counts_with_the_other_facets_filters_but_not_its_own(market):
    result = faceted(market, category="food")

    assert names(result) == ["boulangerie", "cave", "fromagerie"]
    facets = result.facets
    assert facets.total == 3
    # Its own facet still offers the other categories, with what they would give
    assert counts(facets.category) == NO_CATEGORY | {"food": 3, "artisan": 1, "culture": 1}
    assert [v.value for v in facets.category if v.selected] == ["food"]
    # The other facets count food shops only
    assert counts(facets.delivery) == {"pickup": 3, "home": 1, "postal": 0}
    assert counts(facets.town) == {"Colmar": 1, "Eguisheim": 1, "Turckheim": 1}
    assert (facets.vouchers.count, facets.services.count, facets.available.count) == (1, 1, 1)


@pytest.mark.django_db
def test_filters_combine(market):
    colmar_food_vouchers = faceted(market, category="food", town="Colmar", vouchers=True)
    assert names(colmar_food_vouchers) == ["fromagerie"]
    assert counts(colmar_food_vouchers.facets.town) == {"Colmar": 1, "Eguisheim": 0, "Turckheim": 0}
    assert counts(colmar_food_vouchers.facets.category) == NO_CATEGORY | {"food": 1}

    # Vouchers or services: either kind
    assert names(faceted(market, vouchers=True, services=True)) == ["cave", "fromagerie", "musee"]
    assert names(faceted(market, delivery="home", town="Eguisheim")) == ["musee"]
    assert names(faceted(market, delivery="postal", category="food")) == []


@pytest.mark.django_db
def test_price_range_and_product_filters_hold_for_one_same_product(market):
    assert names(faceted(market, price_min=Decimal("20"), price_max=Decimal("35"))) == ["cave", "fromagerie"]
    assert names(faceted(market, price_min=Decimal("20"), price_max=Decimal("35"), available=True)) == ["fromagerie"]
    assert names(faceted(market, price_max=Decimal("15"))) == ["fromagerie", "musee"]
    assert names(faceted(market, price_min=Decimal("45"))) == ["atelier"]
    # The fromagerie has a 12.50 product and a voucher, but no voucher at 10 to 13 euros
    in_range = faceted(market, price_min=Decimal("10"), price_max=Decimal("13"))
    assert names(in_range) == ["fromagerie"]
    assert in_range.facets.vouchers.count == 0
    assert names(faceted(market, price_min=Decimal("10"), price_max=Decimal("13"), vouchers=True)) == []


@pytest.mark.django_db
def test_available_now_means_in_stock_and_still_valid(market):
    # The atelier's only product is sold out, the cave's service expired yesterday
    assert names(faceted(market, available=True)) == ["fromagerie", "musee"]
    services = faceted(market, services=True)
    assert names(services) == ["cave", "musee"]
    assert services.facets.available.count == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("68000", ["atelier", "fromagerie"]),  # "68" covers the département; postal goes everywhere
        ("68420", ["atelier", "fromagerie"]),
        ("67000", ["atelier", "musee"]),  # "68" does not cover 67000
        ("67100", ["atelier", "musee"]),
        ("67200", ["atelier"]),
        ("75001", ["atelier"]),
    ],
)
def test_delivers_to_my_postcode(market, postcode, expected):
    # Pick-up never counts, nor the boulangerie's switched-off home delivery to "68"
    result = faceted(market, postcode=postcode)
    assert names(result) == expected
    assert result.facets.total == len(expected)


@pytest.mark.django_db
def test_sort_by_lowest_price_and_by_newest(market):
    # Lowest live product price: fromagerie 12.50, musee 15, cave 25, atelier 45; no product last
    assert names(faceted(market, sort="price")) == ["fromagerie", "musee", "cave", "atelier", "boulangerie"]
    # With a price filter, the lowest price of a product in range
    assert names(faceted(market, sort="price", price_min=Decimal("20"))) == ["cave", "fromagerie", "musee", "atelier"]
    first = timezone.now() - datetime.timedelta(days=10)
    for days, slug in enumerate(["musee", "atelier", "fromagerie", "boulangerie", "cave"]):
        ShopPage.objects.filter(pk=market.shops[slug].pk).update(
            first_published_at=first + datetime.timedelta(days=days)
        )
    assert names(faceted(market, sort="newest")) == ["cave", "boulangerie", "fromagerie", "atelier", "musee"]


@pytest.mark.django_db
def test_a_town_none_of_the_shops_is_in_is_dropped(market):
    result = faceted(market, town="Paris", category="food")
    assert result.filters == ShopFilters(category="food")
    assert names(result) == ["boulangerie", "cave", "fromagerie"]
    assert counts(result.facets.town) == {"Colmar": 1, "Eguisheim": 1, "Turckheim": 1}


@pytest.mark.django_db
def test_facets_of_a_search_count_only_its_shops_and_products(market):
    # A search's matches: two shops, and of the musee only its service
    shops = ShopPage.objects.live().filter(pk__in=[market.shops["musee"].pk, market.shops["fromagerie"].pk])
    matched = ProductPage.objects.child_of(market.shops["musee"]).filter(kind=ProductKind.SERVICE)
    result = facet_shops(shops, ShopFilters(services=True), products=matched, today=TODAY)
    assert names(result) == ["musee"]
    assert (result.facets.total, result.facets.vouchers.count, result.facets.available.count) == (1, 0, 1)
    assert counts(result.facets.category) == NO_CATEGORY | {"culture": 1}


# URLs ---------------------------------------------------------------------

EVERY_FILTER = ShopFilters(
    category="food",
    delivery="home",
    postcode="68000",
    town="Kaysersberg Vignoble",
    price_min=Decimal("5.50"),
    price_max=Decimal("40.00"),
    vouchers=True,
    services=True,
    available=True,
    sort="price",
)


@pytest.mark.parametrize(
    "filters",
    [
        ShopFilters(),
        ShopFilters(category="food"),
        ShopFilters(sort="newest"),
        ShopFilters(town="L'Isle-sur-la-Sorgue & co"),
        ShopFilters(price_min=Decimal("0.00")),
        ShopFilters(price_max=Decimal("10000.00")),
        EVERY_FILTER,
    ],
)
def test_filters_round_trip_through_the_url(filters):
    assert ShopFilters.from_query(QueryDict(filters.querystring())) == filters


def test_the_url_of_every_filter_reads_well():
    assert EVERY_FILTER.querystring() == (
        "category=food&delivery=home&postcode=68000&town=Kaysersberg+Vignoble&min_price=5.50&max_price=40"
        "&vouchers=1&services=1&available=1&sort=price"
    )
    assert EVERY_FILTER.active and not ShopFilters(sort="price").active


@given(st.dictionaries(st.sampled_from([*ShopFilters.PARAMETERS.values(), "page", "q"]), st.text(max_size=30)))
@settings(max_examples=300, deadline=None)
def test_whatever_the_url_says_the_filters_read_back_the_same(query):
    filters = ShopFilters.from_query(query)
    assert ShopFilters.from_query(QueryDict(filters.querystring())) == filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("min_price=12,5&max_price=3", ShopFilters(price_min=Decimal("3.00"), price_max=Decimal("12.50"))),
        ("min_price=-5&max_price=1e999999", ShopFilters()),
        ("min_price=10001&max_price=99999999999999999999999", ShopFilters()),
        ("min_price=NaN&max_price=Infinity", ShopFilters()),
        ("min_price=12.345", ShopFilters(price_min=Decimal("12.35"))),
        ("postcode=6800&category=casino&delivery=drone&sort=evil", ShopFilters()),
        ("postcode=00000", ShopFilters()),
        ("postcode=68%C2%A0000", ShopFilters()),
        ("postcode=68 000", ShopFilters(postcode="68000")),
        ("town=%00Colmar", ShopFilters()),
        ("town=" + "x" * 121, ShopFilters()),
        ("vouchers=yes&services=on&available=true", ShopFilters()),
        ("sort=relevance", ShopFilters()),
    ],
)
def test_malformed_values_are_dropped(query, expected):
    assert ShopFilters.from_query(QueryDict(query)) == expected


# The page -------------------------------------------------------------------


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "min_price=-5",
        "min_price=1e999999999",
        "max_price=" + "9" * 500,
        "category=casino",
        "postcode=%00",
        "town=%00",
        "town=" + "x" * 5000,
        "sort=evil",
        "page=-1&town=Colmar",
        "min_price=NaN",
        "available=1&page=999",
        "category=food&category=%FF",
        "delivery[]=home",
        "postcode=68000&town=Paris&vouchers=1&services=1&sort=price",
    ],
)
def test_bad_input_never_breaks_the_page(client, market, query):
    response = client.get(f"{market.url}?{query}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_market_page_shows_counts_and_active_filters_with_links_to_remove_them(client, market):
    response = client.get(f"{market.url}?category=food&town=Colmar&postcode=68000")
    html = text(response)

    assert [shop.slug for shop in response.context["shops"]] == ["fromagerie"]
    # Every facet in a fieldset with its legend, every input labelled
    assert html.count("<fieldset") == html.count("<legend>") == 5
    ids = re.findall(r'<(?:input|select) [^>]*id="([^"]+)"', html)
    assert ids and all(f'for="{i}"' in html for i in ids)
    # Counts beside the values: the food category within Colmar delivering to 68000
    assert re.search(
        r'value="food" checked> <label for="filter-category-food">Épicerie et produits du terroir '
        r'<span class="filters__count"><span aria-hidden="true">\(1\)</span>',
        html,
    )
    assert re.search(
        r'id="filter-category-artisan" name="category" value="artisan"> <label[^>]*>Artisan et '
        r'créateur <span class="filters__count"><span aria-hidden="true">\(1\)</span>',
        html,
    )
    # A value that would give nothing cannot be chosen
    assert 'value="culture" disabled>' in html
    # The summary: a link to remove each filter, kept out of search engines
    removals = re.findall(r'<a class="active-filters__remove" href="([^"]+)" rel="nofollow">([^<]+)<', html)
    assert removals == [
        ("?postcode=68000&amp;town=Colmar#shops-title", "Épicerie et produits du terroir"),
        ("?category=food&amp;town=Colmar#shops-title", "Livre au 68000"),
        ("?category=food&amp;postcode=68000#shops-title", "Commune : Colmar"),
    ]
    assert '<a class="active-filters__clear" href="?#shops-title" rel="nofollow">' in html
    # The form keeps what was asked
    assert 'name="postcode" value="68000"' in html


@pytest.mark.django_db
def test_a_filtered_page_with_no_shop_says_so(client, market):
    html = text(client.get(f"{market.url}?category=stay"))
    assert "Aucune boutique ne correspond à ces critères." in html


@pytest.mark.django_db
def test_the_price_inputs_keep_a_decimal_point_in_french(client, market):
    html = text(client.get(f"{market.url}?min_price=12,5"))
    assert 'name="min_price" value="12.50"' in html
    assert "À partir de 12,50" in html


def consume(response):
    request = response.wsgi_request
    for shop in response.context["shops"]:
        shop.get_url(request=request)
        [option.get_kind_display() for option in shop.active_delivery_options]


def add_shops(market, count):
    for n in range(count):
        shop = f.make_shop(
            market,
            category=ShopCategory.FOOD,
            city=f"Commune {n % 3}",
            delivery_options=[f.pickup(), home_delivery("68"), f.postal()],
        )
        f.make_product(shop, price="20.00", kind=ProductKind.VOUCHER, stock=None, valid_until=NEXT_YEAR)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "category=food&delivery=home&postcode=68000&min_price=10&max_price=30&vouchers=1&available=1&sort=price"],
)
def test_the_page_costs_the_same_queries_for_2_or_8_shops(
    client, home_fr, settings, django_assert_max_num_queries, query
):
    settings.SHOPS_PER_PAGE = 100
    market = f.make_market(home_fr)
    add_shops(market, 2)
    url = f"{market.url}?{query}"
    two = render_and_count(client, url, consume)

    add_shops(market, 6)
    eight = render_and_count(client, url, consume)

    assert len(eight) == len(two), explain_difference(two, eight)
    with django_assert_max_num_queries(20):
        response = client.get(url)
        consume(response)
    assert len(response.context["shops"].object_list) == 8
    assert response.context["facets"].total == 8
