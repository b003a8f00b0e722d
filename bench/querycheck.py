"""Queries per page on one seeded database: `python -m bench.querycheck OUT.json`.

Django's test client against the bench settings, the same pages on any seed
size (first market, its first and last page of shops, a template shop and a
bulk one, a product, a basket of two, the checkout page, the merchant's
orders list). `bench/run.py` runs it on a small seed and on the measured
one: a page whose count differs grows with the number of shops or products,
and the statements that repeat more are named.
"""

import json
import math
import re
import sys
from collections import Counter

import django

LITERALS = re.compile(r"'[^']*'|\b\d+(\.\d+)?\b")
IN_LISTS = re.compile(r"IN \([^)]*\)")


def shape(sql: str) -> str:
    """A statement with its values taken out, to count repeats of the same query."""
    return IN_LISTS.sub("IN (…)", LITERALS.sub("?", sql))


def pages() -> dict[str, dict]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from wagtail.models import Locale

    from bench.seed import TEMPLATE_SHOPS, shop_plans
    from home.demo import content
    from markets.models import MarketPage
    from shops.models import ProductPage, ShopPage

    fr = Locale.objects.get(language_code="fr")
    spec = content.TERRITORIES[0]
    market = MarketPage.objects.get(locale=fr, territory__slug=spec.slug)
    shops = list(ShopPage.objects.child_of(market).order_by("path")[: TEMPLATE_SHOPS + 3])
    template_shop, bulk_shop = shops[0], shops[-1]
    product = ProductPage.objects.child_of(bulk_shop).order_by("path").first()
    other = ProductPage.objects.child_of(shops[1]).order_by("path").first()
    last = math.ceil(ShopPage.objects.child_of(market).live().count() / settings.SHOPS_PER_PAGE)

    visitor = Client()
    urls = {
        "home": "/fr/",
        "market (page 1)": market.url,
        "market (deep page)": f"{market.url}?page={last}",
        "shop (demo builder)": template_shop.url,
        "shop (bulk)": bulk_shop.url,
        "product": product.url,
    }
    found = {}

    def measure(name, client, url, method="get", **data):
        getattr(client, method)(url, **data)  # warm: renditions, caches
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, **data)
        found[name] = {"url": url, "status": response.status_code, "count": len(queries),
                       "sql": [q["sql"] for q in queries.captured_queries]}

    for name, url in urls.items():
        measure(name, visitor, url)
    for item in (product, other):
        visitor.post(reverse("checkout:add"), {"product": item.pk, "quantity": 1,
                                               **{f"option-{i}": 0 for i in range(len(item.options))}})
    measure("basket page", visitor, reverse("checkout:basket"))
    measure("checkout page", visitor, reverse("checkout:checkout"))

    merchant = Client()
    username = shop_plans(spec, range(1), 1)[0].slug
    from django.contrib.auth import get_user_model

    merchant.force_login(get_user_model().objects.get(username=username))
    measure("merchant orders list", merchant, reverse("commandes:index"))
    return found


def growth(small: dict, large: dict) -> list[dict]:
    """Pages whose query count is larger on the larger seed, with the statements that repeat more."""
    grown = []
    for name, big in large.items():
        little = small.get(name)
        if little is None or big["count"] <= little["count"]:
            continue
        more = Counter(shape(s) for s in big["sql"])
        more.subtract(Counter(shape(s) for s in little["sql"]))
        grown.append({
            "page": name, "small_seed": little["count"], "measured_seed": big["count"],
            "statements": [{"extra": n, "sql": sql[:400]} for sql, n in more.most_common() if n > 0][:5],
        })
    return grown


if __name__ == "__main__":
    django.setup()
    from django.test import override_settings

    # The page cache would answer the measured request from the warm-up's copy: count the page's own queries.
    with override_settings(PAGE_CACHE_ENABLED=False), open(sys.argv[1], "w") as handle:
        json.dump(pages(), handle, indent=1)
