"""CPU and queries of the merchant's lists at Christmas-rush size: `python -m bench.merchant_lists`.

A measurement, not a test. On a scratch SQLite file (default
/tmp/lists.sqlite3, `--database` to change it) it seeds once one territory
of ~40 shops with ~12,000 shop orders (`bench.seed`, most of them in the
territory's other shops, ~400 in the measured merchant's shop) and one
voucher per shop order, then logs in as the merchant of the first shop with
Django's test client and asks each page N times:

- the orders list (/admin/commandes/),
- the voucher holders list (/admin/bons/),
- the admin home with the merchant's sales panel (`MerchantMoneyPanel`);
- and, as the territory's editor, the sales dashboard (/admin/rapports/ventes/).

For each it prints the thread CPU time (`time.thread_time`, the request's
work in this process: views, ORM, templates, SQLite) median and p95, and
the number of queries. `--profile NAME` prints the cProfile of one page.

    .venv/bin/python -m bench.merchant_lists --repeat 30
    .venv/bin/python -m bench.merchant_lists --profile orders
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

import django

SHOPS = 40
SHOP_ORDERS = 12_000
MERCHANT_SHOP_ORDERS = 400
PRODUCTS = 3


def configure(database: Path) -> None:
    """bench.settings (DEBUG off, production middleware), on the scratch database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("BENCH_SEED_KEY", "lists")
    import bench.settings as bench_settings

    bench_settings.DATABASES["default"]["NAME"] = str(database)
    # No collectstatic for a measurement: static URLs without the manifest (same cost per tag).
    bench_settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    django.setup()


def seed() -> None:
    """One territory, SHOPS shops, SHOP_ORDERS shop orders, one voucher per shop order; once per database."""
    from django.core.management import call_command
    from django.db import transaction

    from bench import seed as bench_seed
    from checkout.models import ShopOrder, Voucher

    call_command("migrate", "--noinput", verbosity=0)
    if ShopOrder.objects.exists():
        return
    # bench.seed gives the first shop `weight` picks for each one of the others'; about 1.75 shop
    # orders per order. Orders per shop and the first shop's weight are set for the sizes above.
    orders_per_shop = round(SHOP_ORDERS / 1.75 / SHOPS)
    others = SHOPS - 1
    weight = MERCHANT_SHOP_ORDERS * others / (SHOP_ORDERS - MERCHANT_SHOP_ORDERS)
    bench_seed.BENCH_MERCHANT_SHOP_ORDERS = weight * orders_per_shop
    bench_seed.seed(1, SHOPS, PRODUCTS, orders_per_shop)

    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    with transaction.atomic():
        vouchers = []
        rows = ShopOrder.objects.select_related("order").prefetch_related("lines").order_by("pk")
        for n, shop_order in enumerate(rows.iterator(chunk_size=2000)):
            line = shop_order.lines.all()[0]
            vouchers.append(
                Voucher(
                    code=uuid.uuid4().hex[:16].upper(),
                    order_line=line,
                    index=0,
                    shop_id=shop_order.shop_id,
                    kind="voucher",
                    name=line.name,
                    amount=line.unit_price,
                    balance=line.unit_price if n % 3 else 0,
                    valid_until=today + timedelta(days=365 if n % 5 else -1),
                    buyer_name=shop_order.order.customer_name,
                    buyer_email=shop_order.order.customer_email,
                    beneficiary_name=f"Bénéficiaire {n}",
                    status="active" if n % 3 else "used",
                )
            )
        Voucher.objects.bulk_create(vouchers, batch_size=1000)
    print(f"seed: {len(vouchers)} vouchers", flush=True)


def users():
    from django.contrib.auth import get_user_model

    from bench.seed import shop_plans
    from home.demo import content
    from markets.editors import territories_edited_by

    User = get_user_model()
    merchant = User.objects.get(username=shop_plans(content.TERRITORIES[0], range(1), 1)[0].slug)
    editor = next(
        u for u in User.objects.filter(is_superuser=False).order_by("pk") if territories_edited_by(u).exists()
    )
    return merchant, editor


def pages(merchant, editor) -> dict:
    from django.urls import reverse

    return {
        "orders": (merchant, reverse("commandes:index")),
        "vouchers": (merchant, reverse("bons:index")),
        "home (sales panel)": (merchant, reverse("wagtailadmin_home")),
        "sales dashboard (editor)": (editor, reverse("sales_dashboard")),
    }


def measure(client, url: str, repeat: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: templates, translations, caches
    assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        counted = client.get(url)
    # bench.middleware counts them too; the larger, should the capture have been reset on the way.
    count = max(len(queries), int(counted.get("X-Bench-Queries", 0)))
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        client.get(url)
        times.append((time.thread_time() - started) * 1000)
    return times, count, len(response.content)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path("/tmp/lists.sqlite3"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", help="a page name (orders, vouchers, home, sales): print its cProfile")
    args = parser.parse_args(argv)
    configure(args.database)
    seed()

    from django.test import Client

    from checkout.models import ShopOrder, Voucher

    merchant, editor = users()
    mine = ShopOrder.objects.managed_by(merchant).count()
    print(
        f"shop orders: {ShopOrder.objects.count()} in all, {mine} in the merchant's shop; "
        f"vouchers: {Voucher.objects.count()}, {Voucher.objects.managed_by(merchant).count()} the merchant's"
    )
    clients = {}
    for user in (merchant, editor):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    for name, (user, url) in pages(merchant, editor).items():
        if args.profile and not name.startswith(args.profile):
            continue
        client = clients[user.pk]
        if args.profile:
            client.get(url)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                client.get(url)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
            continue
        times, queries, size = measure(client, url, args.repeat)
        print(
            f"{name:26} {url:28} CPU median {statistics.median(times):7.1f} ms  p95 {p95(times):7.1f} ms  "
            f"queries {queries:4}  {size // 1024} KiB",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
