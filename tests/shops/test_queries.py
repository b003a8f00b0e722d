"""The shop page costs the same number of queries for 5 or 50 products."""

from shops.listing import PRODUCT_CARD_RENDITION
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count


def consume_shop(response):
    request = response.wsgi_request
    for product in response.context["products"]:
        product.get_url(request=request)
        product.get_kind_display()
        product.cover_image.get_rendition(PRODUCT_CARD_RENDITION).url
        product.availability.in_stock
    [option.detail for option in response.context["delivery_options"]]
    [photo.image.title for photo in response.context["photos"]]


def add_products(shop, count):
    for n in range(count):
        f.make_product(shop, cover_image=f.make_image(), stock=[None, 0, 4, False][n % 4])


def test_shop_page_queries_do_not_grow_with_the_number_of_products(client, home_fr, django_assert_max_num_queries):
    # given a shop with a cover, three delivery options and 5 products, each with a cover image
    shop = f.make_shop(
        f.make_market(home_fr), cover_image=f.make_image("Vitrine"),
        delivery_options=[f.pickup(), f.home_delivery(), f.postal(active=False)],
    )
    add_products(shop, 5)
    five = render_and_count(client, shop.url, consume_shop)

    # when it grows to 50 products
    add_products(shop, 45)
    fifty = render_and_count(client, shop.url, consume_shop)

    # then the page costs the same, and little
    assert len(client.get(shop.url).context["products"]) == 50
    assert len(fifty) == len(five), explain_difference(five, fifty)
    with django_assert_max_num_queries(25):
        consume_shop(client.get(shop.url))


def test_market_page_with_many_shops_of_many_products_stays_bounded(client, home_fr, settings):
    # the market's shop cards must not touch the shops' products
    settings.SHOPS_PER_PAGE = 100
    market = f.make_market(home_fr)
    shops = [f.make_shop(market, cover_image=f.make_image()) for _ in range(3)]
    before = render_and_count(client, market.url, lambda response: list(response.context["shops"]))

    for shop in shops:
        add_products(shop, 3)
    after = render_and_count(client, market.url, lambda response: list(response.context["shops"]))

    assert len(after) == len(before), explain_difference(before, after)


def test_product_page_queries_do_not_depend_on_its_siblings(client, home_fr):
    shop = f.make_shop(f.make_market(home_fr))
    product = f.make_product(shop, "Santon en bois", cover_image=f.make_image())
    consume = lambda response: response.context["availability"]  # noqa: E731
    alone = render_and_count(client, product.url, consume)

    add_products(shop, 10)
    with_siblings = render_and_count(client, product.url, consume)

    assert len(with_siblings) == len(alone), explain_difference(alone, with_siblings)
