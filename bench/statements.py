"""The Monday run over the bench's whole season: `python -m bench.statements <out.json>`.

Run by `bench/run.py` with `DJANGO_SETTINGS_MODULE=bench.settings`. Each
week of the seeded season is run as the Monday schedule runs it
(`checkout.billing.statements.run_week`: statements, commission invoices, the SEPA
file, report e-mails enqueued) in order, inside one transaction that is
rolled back, so the cached seed is left as it was. Writes the seconds, the
process's peak resident memory and what was made.
"""

import json
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

import django


class RolledBack(Exception):
    pass


def main(out: str) -> None:
    django.setup()
    from django.db import transaction
    from django.db.models import Max, Min

    from checkout.billing.statements import run_week, week_start_of
    from checkout.models import Invoice, InvoiceKind, LedgerEntry, WeeklyStatement

    season = LedgerEntry.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first_week = week_start_of(season["first"].date())
    weeks = [first_week]
    while weeks[-1] + timedelta(days=7) <= season["last"].date():
        weeks.append(weeks[-1] + timedelta(days=7))
    now = season["last"] + timedelta(days=8)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {}
    try:
        with transaction.atomic():
            per_week = []
            started = time.perf_counter()
            for week in weeks:
                began = time.perf_counter()
                run = run_week(week, now=now)
                per_week.append({"week": week.isoformat(), "statements": len(run.statements),
                                 "payouts": run.batch.payouts_count if run.batch else 0,
                                 "seconds": round(time.perf_counter() - began, 2)})
            seconds = time.perf_counter() - started
            result = {
                "status": "measured",
                "weeks": len(weeks),
                "statements": WeeklyStatement.objects.count(),
                "commission_invoices": Invoice.objects.filter(kind=InvoiceKind.COMMISSION).count(),
                "seconds": round(seconds, 2),
                "ms_per_statement": round(seconds * 1000 / max(1, WeeklyStatement.objects.count()), 2),
                "slowest_week_seconds": max(w["seconds"] for w in per_week),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1),
                "per_week": per_week,
            }
            raise RolledBack
    except RolledBack:
        pass
    Path(out).write_text(json.dumps(result, indent=1))
    print(f"weekly statements: {result['statements']} in {result['seconds']} s, peak {result['peak_rss_mb']} MB",
          flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
