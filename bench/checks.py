"""Checks of the books after a bench run: `python -m bench.checks OUT.json [--since-order ID]`.

Run by `bench/run.py` after the scenarios, on the database the server
wrote to. The load is a stress test too: these say whether what the
customers did under it left the books right.

- stock: no `ProductStock.quantity` below zero, and every stock row's
  `sold` equals the units of the paid orders that take it (their lines
  outside bundles, their bundles and the bundles' parts);
- paid once: no order with more than one succeeded payment, and no shop
  order with more than one sale or commission ledger entry;
- ledger: each shop order of a paid order has its sale and commission
  entries, and no order that is not paid has a sale entry;
- invoices: each shop order of an order paid during the run (id above
  `--since-order`) has its sale invoice. The seed writes no invoices, so
  its orders are left out of this one.

Each check gives `ok`, how many rows it looked at and up to ten examples
of what is wrong.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from uuid import UUID

import django

EXAMPLES = 10


def _result(checked: int, problems: list) -> dict:
    return {"ok": not problems, "checked": checked, "problems": len(problems), "examples": problems[:EXAMPLES]}


def check_stock() -> dict:
    from django.db.models import Sum

    from checkout.models import BundleSale, OrderLine, OrderStatus
    from shops.models import ProductStock

    # The units a paid order takes, as checkout.services counts them when it adds them to `sold`.
    expected = Counter()
    lines = (OrderLine.objects.filter(shop_order__order__status=OrderStatus.PAID, bundle_sale__isnull=True)
             .values("product_key").annotate(units=Sum("quantity")).values_list("product_key", "units"))
    for key, units in lines:
        expected[key] += units
    bundles = BundleSale.objects.filter(order__status=OrderStatus.PAID).values_list("product_key", "quantity", "parts")
    for key, quantity, parts in bundles:
        for stock_key in [key, *(UUID(part["product_key"]) for part in parts if part["product_key"])]:
            expected[stock_key] += quantity
    problems = []
    rows = ProductStock.objects.values_list("translation_key", "quantity", "sold")
    seen = set()
    for key, quantity, sold in rows:
        seen.add(key)
        if quantity is not None and quantity < 0:
            problems.append(f"stock {key}: quantity {quantity}")
        if sold != expected.get(key, 0):
            problems.append(f"stock {key}: sold {sold}, paid orders take {expected.get(key, 0)}")
    for key in expected.keys() - seen:
        problems.append(f"stock {key}: no stock row, paid orders take {expected[key]}")
    return _result(len(seen), problems)


def check_paid_once() -> dict:
    from django.db.models import Count, Q

    from checkout.models import LedgerEntry, LedgerKind, Order, PaymentState

    problems = []
    twice = (Order.objects.annotate(kept=Count("payments", filter=Q(payments__state=PaymentState.SUCCEEDED)))
             .filter(kept__gt=1).values_list("pk", "kept"))
    problems += [f"order {pk}: {kept} succeeded payments" for pk, kept in twice]
    entries = (LedgerEntry.objects.filter(kind__in=(LedgerKind.SALE, LedgerKind.COMMISSION), shop_order__isnull=False)
               .values("shop_order_id", "kind").annotate(n=Count("pk")).filter(n__gt=1)
               .values_list("shop_order_id", "kind", "n"))
    problems += [f"shop order {so}: {n} {kind} entries" for so, kind, n in entries]
    return _result(Order.objects.count(), problems)


def check_ledger() -> dict:
    from django.db.models import Count, Q

    from checkout.models import LedgerKind, OrderStatus, ShopOrder

    shop_orders = ShopOrder.objects.annotate(
        sales=Count("ledger_entries", filter=Q(ledger_entries__kind=LedgerKind.SALE)),
        commissions=Count("ledger_entries", filter=Q(ledger_entries__kind=LedgerKind.COMMISSION)),
    )
    problems = [
        f"shop order {pk} (order {order_id}, paid): {sales} sale, {commissions} commission entries"
        for pk, order_id, sales, commissions in shop_orders.filter(order__status=OrderStatus.PAID)
        .filter(Q(sales=0) | Q(commissions=0)).values_list("pk", "order_id", "sales", "commissions")
    ]
    problems += [
        f"shop order {pk} (order {order_id}, {status}): a sale entry"
        for pk, order_id, status in shop_orders.exclude(order__status=OrderStatus.PAID).filter(sales__gt=0)
        .values_list("pk", "order_id", "order__status")
    ]
    return _result(shop_orders.filter(order__status=OrderStatus.PAID).count(), problems)


def check_invoices(since_order: int) -> dict:
    from django.db.models import Exists, OuterRef

    from checkout.models import Invoice, InvoiceKind, OrderStatus, ShopOrder

    paid = ShopOrder.objects.filter(order__status=OrderStatus.PAID, order_id__gt=since_order)
    missing = paid.exclude(Exists(Invoice.objects.filter(kind=InvoiceKind.SALE, shop_order=OuterRef("pk"))))
    problems = [f"shop order {pk} (order {order_id}): no sale invoice"
                for pk, order_id in missing.values_list("pk", "order_id")]
    return _result(paid.count(), problems)


def run_checks(since_order: int = 0) -> dict:
    """Every check, by name, and `ok` when all pass."""
    checks = {
        "stock": check_stock(),
        "paid_once": check_paid_once(),
        "ledger": check_ledger(),
        "invoices": check_invoices(since_order),
    }
    return {"ok": all(c["ok"] for c in checks.values()), "since_order": since_order, "checks": checks}


def last_order_id() -> int:
    from django.db.models import Max

    from checkout.models import Order

    return Order.objects.aggregate(last=Max("pk"))["last"] or 0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--since-order", type=int)
    parser.add_argument("--last-order", action="store_true", help="write the last order's id and stop")
    args = parser.parse_args(argv)
    django.setup()
    result = {"last_order": last_order_id()} if args.last_order else run_checks(args.since_order or 0)
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
