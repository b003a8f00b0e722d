import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from markets.listing import ShopFilters
from tests.fixtures import factories as f


def test_market_closing_before_it_opens_is_refused(home_fr):
    # given a market
    market = f.make_market(home_fr, market_opens=datetime.date(2025, 11, 28), market_closes=datetime.date(2025, 12, 24))

    # when an editor sets the closing day before the opening day
    market.market_closes = datetime.date(2025, 11, 27)

    # then validation refuses it on the closing date
    with pytest.raises(ValidationError) as refused:
        market.clean()
    assert list(refused.value.message_dict) == ["market_closes"]


def test_market_may_open_and_close_the_same_day(home_fr):
    market = f.make_market(home_fr)
    market.market_opens = market.market_closes = datetime.date(2025, 12, 13)

    market.clean()  # no error


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ShopFilters()),
        ("category=food", ShopFilters(category="food")),
        ("delivery=postal", ShopFilters(delivery="postal")),
        ("category=artisan&delivery=home", ShopFilters(category="artisan", delivery="home")),
        ("category=casino&delivery=home", ShopFilters(delivery="home")),
        ("category=FOOD&delivery=Pickup", ShopFilters()),
        ("category=food&category=stay", ShopFilters(category="stay")),  # QueryDict.get: the last value
    ],
)
def test_shop_filters_keep_known_values_only(query, expected):
    assert ShopFilters.from_query(QueryDict(query)) == expected


@pytest.mark.parametrize(
    ("filters", "querystring", "active"),
    [
        (ShopFilters(), "", False),
        (ShopFilters(category="food"), "category=food", True),
        (ShopFilters(delivery="home"), "delivery=home", True),
        (ShopFilters(category="artisan", delivery="pickup"), "category=artisan&delivery=pickup", True),
    ],
)
def test_shop_filters_querystring_keeps_filters_across_pages(filters, querystring, active):
    assert filters.querystring() == querystring
    assert filters.active is active
