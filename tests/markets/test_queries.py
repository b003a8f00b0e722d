"""The market page costs the same number of queries for 5 or 50 shops."""

from markets.listing import SHOP_CARD_RENDITION
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count


def consume_market(response):
    request = response.wsgi_request
    for shop in response.context["shops"]:
        shop.get_url(request=request)
        shop.get_category_display()
        shop.cover_image.get_rendition(SHOP_CARD_RENDITION).url
        [option.get_kind_display() for option in shop.active_delivery_options]
    [help_page.get_url(request=request) for help_page in response.context["help_pages"]]


def add_shops(market, count):
    for _ in range(count):
        f.make_shop(
            market,
            cover_image=f.make_image(),
            delivery_options=[f.pickup(), f.home_delivery(), f.postal(active=False)],
        )


def test_market_page_queries_do_not_grow_with_the_number_of_shops(client, home_fr, settings):
    # given a market of 5 shops, all on one page, each with a cover and three delivery options
    settings.SHOPS_PER_PAGE = 100
    market = f.make_market(home_fr, hero_image=f.make_image("Marché"))
    f.make_help_page(market)
    add_shops(market, 5)
    five = render_and_count(client, market.url, consume_market)

    # when it grows to 50 shops
    add_shops(market, 45)
    fifty = render_and_count(client, market.url, consume_market)

    # then the page costs the same, and little
    assert len(client.get(market.url).context["shops"].object_list) == 50
    assert len(fifty) == len(five), explain_difference(five, fifty)
    assert len(fifty) <= 25, "\n".join(fifty)


def test_filtered_market_page_queries_do_not_grow_with_the_number_of_shops(client, home_fr, settings, django_assert_max_num_queries):
    settings.SHOPS_PER_PAGE = 100
    market = f.make_market(home_fr)
    add_shops(market, 5)
    url = market.url + "?delivery=home"
    five = render_and_count(client, url, consume_market)

    add_shops(market, 45)
    fifty = render_and_count(client, url, consume_market)

    assert len(fifty) == len(five), explain_difference(five, fifty)
    with django_assert_max_num_queries(25):
        response = client.get(url)
        consume_market(response)
    assert len(response.context["shops"].object_list) == 50
