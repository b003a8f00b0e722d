"""Two Monday runs of the same week at the same time: PostgreSQL only (see tests/checkout/races.py).

Each run writes its batch in bulk under the shops' page locks; the one that
waited finds the shops stated and makes nothing.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from checkout.billing import statements
from checkout.models import Invoice, LedgerEntry, Payout, WeeklyStatement
from tests.checkout.races import POSTGRES_RACES, in_own_connection
from tests.checkout.statement_helpers import order_paid_at, paris

pytestmark = POSTGRES_RACES

WEEK = date(2026, 11, 23)
MONDAY_MORNING = paris(2026, 11, 30, 6, 0)


def test_two_runs_of_a_week_at_once_state_each_shop_once_and_number_without_gaps(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))
    order_paid_at(market, market.epicerie, market.miel, 1, paris(2026, 11, 24, 12, 5))
    start = threading.Barrier(2)

    @in_own_connection
    def run(_n):
        start.wait(timeout=10)
        return len(statements.build_weekly_statements(WEEK, now=MONDAY_MORNING))

    with ThreadPoolExecutor(2) as pool:
        made = sorted(pool.map(run, range(2)))

    assert made == [0, 2]
    assert sorted(WeeklyStatement.objects.values_list("shop_id", flat=True)) == sorted(
        [market.atelier.pk, market.epicerie.pk]
    )
    assert sorted(Invoice.objects.filter(statement__isnull=False).values_list("sequence_number", flat=True)) == [1, 2]
    assert Payout.objects.count() == 2
    assert LedgerEntry.objects.filter(statement__isnull=False).count() == 4
