"""What a public page costs to render, without the page cache: `python -m bench.page_profile`.

A script, not a test. It uses the bench's seed of `BENCH_SEED_KEY` (default
1x24x10, the seed `python -m bench.seed --territories 1 --shops 24 --products
10` makes with `DJANGO_SETTINGS_MODULE=bench.settings BENCH_SEED_KEY=1x24x10`),
turns the page cache off, and asks Django's test client for the home page, a
market, a shop and a product: a few warm-up requests, then `--runs` measured
ones. It prints each page's median thread CPU time (`time.thread_time`, the
figure the bench's `X-Bench-Cpu-Us` header reports) and, with `--profile`, a
cProfile run of the same requests: the top functions by cumulative time, then
the same grouped by kind (template rendering, tags and filters, formatting,
image renditions, queries).

    DJANGO_SETTINGS_MODULE=bench.settings BENCH_SEED_KEY=1x24x10 \
        .venv/bin/python -m bench.page_profile --profile [--page market] [--top 40]
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("BENCH_SEED_KEY", "1x24x10")
os.environ["BENCH_PAGE_CACHE"] = "0"

# Groups of the cumulative profile: a function belongs to the first group whose marker is in its file name or name.
GROUPS = [
    ("queries (ORM + driver)", ("django/db/",)),
    ("image renditions", ("wagtail/images/",)),
    (
        "formatting (babel, number, money)",
        ("babel/", "portal/money", "django/utils/numberformat", "django/utils/formats"),
    ),
    ("translation (gettext)", ("django/utils/translation", "gettext")),
    ("url reversing / page urls", ("django/urls/", "get_url_parts", "relative_url", "get_url")),
    ("template engine", ("django/template/",)),
]


def pages() -> dict[str, str]:
    from markets.models import MarketPage
    from shops.models import ProductPage, ShopPage

    market = MarketPage.objects.live().filter(locale__language_code="fr").order_by("path").first()
    shops = list(ShopPage.objects.live().child_of(market).order_by("path"))
    shop = shops[-1]  # a bulk shop, as most of the bench's
    product = ProductPage.objects.live().child_of(shop).order_by("path").first()
    return {"home": "/fr/", "market": market.url, "shop": shop.url, "product": product.url}


def measure(client, url: str, runs: int) -> tuple[list[float], list[float]]:
    """Thread CPU ms of `runs` requests: around the test client's call, and the server's own (X-Bench-Cpu-Us)."""
    times, server = [], []
    for _ in range(runs):
        started = time.thread_time()
        response = client.get(url)
        times.append((time.thread_time() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert response.get("X-Bench-Page-Cache") == "rendered", "the page cache answered"
        server.append(int(response["X-Bench-Cpu-Us"]) / 1000)
    return times, server


def grouped(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own (tottime) seconds per group: each function's own time counted once."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        where = f"{filename}:{name}"
        group = next((label for label, markers in GROUPS if any(m in where for m in markers)), None)
        if group is None:
            group = "project code" if "/work/main/" in filename and ".venv" not in filename else "other"
        totals[group] = totals.get(group, 0.0) + tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--page", action="append", help="home, market, shop or product (default: all)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    django.setup()
    from django.conf import settings
    from django.test import Client

    # No setup_test_environment(): its instrumented template rendering copies every context (a cost the
    # server has not); bench.settings allows the test client's host "testserver".
    settings.PAGE_CACHE_ENABLED = False
    client = Client()
    for name, url in pages().items():
        if args.page and name not in args.page:
            continue
        measure(client, url, args.warm)
        times, server = measure(client, url, args.runs)
        print(
            f"{name:8} {url:50} CPU median {statistics.median(times):6.2f} ms (server "
            f"{statistics.median(server):6.2f})  min {min(times):6.2f}  max {max(times):6.2f}  ({args.runs} runs)",
            flush=True,
        )
        if not args.profile:
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        measure(client, url, args.runs)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        total = sum(row[2] for row in stats.stats.values())
        print(f"  profile: {total / args.runs * 1000:.2f} ms per request (profiled), own time by group:")
        for label, seconds in grouped(stats):
            print(f"    {label:36} {seconds / args.runs * 1000:7.2f} ms  {seconds / total:5.0%}")
        stats.sort_stats("cumulative").print_stats(args.top)
        print("\n".join(out.getvalue().splitlines()[6:]))


if __name__ == "__main__":
    main()
