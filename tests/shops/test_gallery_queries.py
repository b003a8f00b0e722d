"""A shop's photo gallery and a market's partner logos cost the same queries for 1 or 6 images,
even with a cold cache."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from markets.models import MarketPagePartner, PartnerContact
from shops.models import ShopPhoto
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference


def render_cold_and_count(client, url) -> list[str]:
    """The SQL of a request made with an empty cache (renditions not cached yet).

    Wagtail caches renditions, so a warm page hides an N+1 over images; the
    first visitor after a deploy or a cache flush pays it.
    """
    assert client.get(url).status_code == 200  # renditions exist in the database
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def add_photos(shop, count):
    for _ in range(count):
        ShopPhoto.objects.create(page=shop, image=f.make_image("Vitrine"))


def add_partners(market, count):
    for n in range(count):
        partner = PartnerContact.objects.create(
            kind=PartnerContact.Kind.TRADE_ASSOCIATION, name=f"Association {n}", logo=f.make_image("Logo"),
            locale=market.locale, live=True,
        )
        MarketPagePartner.objects.create(page=market, partner=partner)


def test_shop_gallery_queries_do_not_grow_with_the_number_of_photos(client, home_fr):
    # Given a shop with one photo (the page is rendered fully, gallery included)
    shop = f.make_shop(f.make_market(home_fr))
    add_photos(shop, 1)
    one = render_cold_and_count(client, shop.url)

    # When it has six
    add_photos(shop, 5)
    six = render_cold_and_count(client, shop.url)

    # Then rendering costs the same
    assert len(client.get(shop.url).context["photos"]) == 6
    assert len(six) == len(one), explain_difference(one, six)


def test_partner_logos_queries_do_not_grow_with_the_number_of_partners(client, home_fr):
    market = f.make_market(home_fr)
    add_partners(market, 1)
    one = render_cold_and_count(client, market.url)

    add_partners(market, 5)
    six = render_cold_and_count(client, market.url)

    assert len(client.get(market.url).context["partners"]) == 6
    assert len(six) == len(one), explain_difference(one, six)
