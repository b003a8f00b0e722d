"""The home page costs the same number of queries for 1 or 3 markets."""

from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count


def consume_home(response):
    for market in response.context["markets"]:
        market.get_url(request=response.wsgi_request)
        market.territory.name
        if market.hero_image:
            market.hero_image.get_rendition("fill-640x360").url


def test_home_page_queries_do_not_grow_with_the_number_of_markets(client, home_fr):
    # given one market with a hero image
    def add_market(n):
        f.make_market(home_fr, f.make_territory(f"Territoire {n}"), hero_image=f.make_image(f"Vue {n}"))

    add_market(1)
    one = render_and_count(client, home_fr.url, consume_home)

    # when two more markets are added
    add_market(2)
    add_market(3)
    three = render_and_count(client, home_fr.url, consume_home)

    # then the home page costs the same number of queries
    assert len(client.get(home_fr.url).context["markets"]) == 3
    assert len(three) == len(one), explain_difference(one, three)
    assert len(three) <= 15, "\n".join(three)
