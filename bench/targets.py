"""What the load generator asks for, read from the seeded database: `python -m bench.targets OUT.json`.

Lists are samples drawn with a fixed seed, so every run asks for the same pages.
"""

import json
import math
import os
import random
import sys

import django


def targets() -> dict:
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation
    from wagtail.models import Locale

    from bench.seed import TEMPLATE_SHOPS, shop_plans
    from home.demo import content
    from markets.models import MarketPage
    from shops.models import ProductPage, ProductStock, ShopPage

    rng = random.Random("bench-targets")
    fr = Locale.objects.get(language_code="fr")
    markets = list(MarketPage.objects.live().order_by("path"))
    deep = []
    for market in markets:
        count = ShopPage.objects.live().child_of(market).count()
        deep.append(f"{market.url}?page={max(1, math.ceil(count / settings.SHOPS_PER_PAGE))}")
    shops = list(ShopPage.objects.live().order_by("path").values_list("url_path", "locale__language_code"))
    products = list(ProductPage.objects.live().order_by("path").values_list("url_path", "locale__language_code"))
    root = {lang: ShopPage.objects.filter(locale__language_code=lang).first().get_parent().get_parent().url_path
            for lang in ("fr", "en")}

    def url(url_path, lang):
        return f"/{lang}/" + url_path[len(root[lang]):]

    # Baskets: two French products from two shops of one market, with enough stock for the whole run.
    stocked = {k for k, q in ProductStock.objects.values_list("translation_key", "quantity") if q is None or q >= 20}
    by_market = {}
    for product in ProductPage.objects.live().filter(locale=fr, translation_key__in=stocked).order_by("path"):
        shop_path = product.path[: -ProductPage.steplen]
        by_market.setdefault(shop_path[: -ProductPage.steplen], {}).setdefault(shop_path, []).append(product.url)
    baskets = []
    for shops_of_market in by_market.values():
        shop_lists = [v for v in shops_of_market.values() if v]
        for _ in range(100):
            first, second = rng.sample(shop_lists, 2)
            baskets.append([rng.choice(first), rng.choice(second)])

    merchant = shop_plans(content.TERRITORIES[0], range(min(TEMPLATE_SHOPS, 1)), 1)[0].slug
    with translation.override("fr"):
        basket_add, checkout = reverse("checkout:add"), reverse("checkout:checkout")
    return {
        "home": ["/fr/", "/en/"],
        "markets": [m.url for m in markets],
        "markets_deep": deep,
        "shops": [url(p, lang) for p, lang in rng.sample(shops, min(300, len(shops)))],
        "products": [url(p, lang) for p, lang in rng.sample(products, min(1000, len(products)))],
        "baskets": baskets,
        "basket_add": basket_add,
        "checkout": checkout,
        "merchant": merchant,
        "password": "noel2026",
        "merchant_login": reverse("wagtailadmin_login"),
        "merchant_orders": reverse("commandes:index"),
        "stripe": os.environ.get("STRIPE_API_BASE", ""),
        "stripe_pk": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
    }


if __name__ == "__main__":
    django.setup()
    with open(sys.argv[1], "w") as handle:
        json.dump(targets(), handle, indent=1)
