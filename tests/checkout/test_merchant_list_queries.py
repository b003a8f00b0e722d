"""The merchant's orders list, vouchers list and admin home (sales panel) cost as many queries for 30 orders as for 3.

Each page is asked once to warm what is cached across requests, then
counted with 3 paid orders of the merchant's shop (and as many of another
shop of the territory), then again with 30: the count must not grow with
the rows, in the merchant's shop or in the others'.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import client_for, order_of, pay

atelier_merchant = voucher_fixtures.atelier_merchant
gift = voucher_fixtures.gift

ORDERS = "/admin/commandes/"
VOUCHERS = "/admin/bons/"
HOME = "/admin/"


def sell(market, gift, count):
    """`count` paid orders of one gift voucher at the atelier, and as many of a service at the épicerie."""
    for _ in range(count):
        pay(order_of(market, [(gift, 1)]))
        pay(order_of(market, [(market.atelier_visite, 1)]))


def queries_of(client, url) -> tuple[int, object]:
    warm = client.get(url)
    assert warm.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


@pytest.mark.parametrize("url", [ORDERS, VOUCHERS, HOME], ids=["orders", "vouchers", "home"])
def test_a_merchant_page_costs_the_same_queries_for_30_orders_as_for_3(
    market, gift, atelier_merchant, url, django_assert_max_num_queries
):
    client = client_for(atelier_merchant)
    sell(market, gift, 3)
    small, small_response = queries_of(client, url)

    sell(market, gift, 27)
    client.get(url)  # warm again: nothing cached may hide a query per row
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    if url != HOME:
        # The atelier's rows only, all on the first page: 3 then 30.
        assert (len(small_response.context["object_list"]), len(response.context["object_list"])) == (3, 30)


def test_the_orders_list_shows_the_merchants_orders_only(market, gift, atelier_merchant):
    """Found from the shop's pages (`of_shop_pages`), the list holds what `managed_by` holds: the atelier's orders."""
    from checkout.models import ShopOrder

    sell(market, gift, 2)
    response = client_for(atelier_merchant).get(ORDERS)
    listed = sorted(so.pk for so in response.context["object_list"])
    assert listed == sorted(ShopOrder.objects.managed_by(atelier_merchant).values_list("pk", flat=True))
    assert len(listed) == 2
    assert {so.shop_id for so in response.context["object_list"]} == {market.atelier.pk}
