"""The Monday run as a chain of batch tasks: the same statements as one run, nothing twice, bounded queries."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Task

from checkout import tasks
from checkout.billing import invoices, statements
from checkout.models import (
    Invoice,
    InvoiceSequence,
    LedgerEntry,
    Payout,
    PayoutAccount,
    PayoutBatch,
    WeeklyStatement,
)
from markets.models import CommissionRate
from tests.checkout.statement_helpers import order_paid_at
from tests.fixtures import factories as f

BATCH_TASK = "checkout.tasks.make_weekly_statements_batch"
EXPORT_TASK = "checkout.tasks.export_weekly_payouts"


@dataclass
class Territory:
    """What `order_paid_at` needs of a market."""

    territory: object
    market: object

    def option(self, shop, kind):
        return shop.delivery_options.get(kind=kind, active=True)


@dataclass
class Season:
    last_week: object  # the week the schedule states now
    week_before: object
    shops: list  # by pk, the territories alternating
    products: list


def at(week_start, days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(week_start + timedelta(days=days), time(hour)))


def new_territory(home, name: str) -> Territory:
    territory = f.make_territory(name)
    CommissionRate.objects.create(territory=territory, starts_on=territory_start(), rate=Decimal("8.00"))
    return Territory(territory, f.make_market(home, territory))


def territory_start():
    return timezone.localdate() - timedelta(days=400)


@pytest.fixture
def season(db):
    """5 shops over 2 territories, created alternately so that batches of 2 cross territories.

    The weeks are the two last ended ones, because the scheduled task states
    the last ended week at the real time.
    """
    home = f.french_home()
    morlaix, brest = new_territory(home, "Pays de Morlaix"), new_territory(home, "Pays de Brest")
    where = [morlaix, brest, morlaix, brest, morlaix]
    shops, products = [], []
    for n, market in enumerate(where, start=1):
        shop = f.make_shop(market.market, f"Boutique {n}", email=f"boutique{n}@example.org")
        PayoutAccount.objects.create(shop=shop, holder=f"Boutique {n}", iban="FR7630006000011234567890189")
        shops.append((market, shop))
        # The last shop sells for 0.10 a week: less than the transfer fee, its balance is carried.
        products.append(f.make_product(shop, price="0.10" if n == 5 else f"{n}2.50", stock=1000))
    last_week = statements.last_ended_week()
    return Season(last_week, last_week - timedelta(days=7), shops, products)


def sell(season: Season, orders_per_shop: int, week, *, shops=None) -> None:
    for index, (market, shop) in enumerate(season.shops):
        if shops is not None and index not in shops:
            continue
        for n in range(orders_per_shop):
            order_paid_at(market, shop, season.products[index], 1 + index % 2, at(week, n % 6, 10 + n))


def statements_made() -> list[tuple]:
    """Everything a run makes that must not depend on how it was cut: statements, invoices, payouts, files."""
    rows = []
    for statement in WeeklyStatement.objects.order_by("week_start", "shop_id"):
        invoice = Invoice.objects.filter(statement=statement).first()
        payout = Payout.objects.filter(statement=statement).first()
        rows.append((
            statement.week_start, statement.shop_id, statement.territory_id, statement.orders_count,
            statement.carried_in, statement.sales, statement.refunds, statement.commission,
            statement.commission_returned, statement.transfer_fee, statement.payout_amount, statement.carried_out,
            statement.report_sent_at is not None,
            invoice and (invoice.number, invoice.kind, invoice.total),
            payout and (payout.amount, payout.state, payout.territory_id, payout.iban),
            sorted(LedgerEntry.objects.filter(statement=statement).values_list("kind", "amount")),
        ))
    files = list(PayoutBatch.objects.order_by("pk").values_list("payouts_count", "total"))
    return rows + [("files", files), ("reports", sorted(message.to[0] for message in mail.outbox))]


class Undo(Exception):
    pass


def made_by_one_run(season: Season) -> list[tuple]:
    """What `run_week` makes in one process, then undone (the numbering sequence included)."""
    try:
        with transaction.atomic():
            statements.run_week(season.week_before)
            statements.run_week(season.last_week)
            made = statements_made()
            raise Undo
    except Undo:
        pass
    mail.outbox.clear()
    assert not WeeklyStatement.objects.exists()
    return made


def test_the_batch_tasks_make_exactly_what_one_run_makes(season, settings):
    sell(season, 2, season.week_before)
    sell(season, 3, season.last_week, shops={0, 1, 3, 4})
    one_run = made_by_one_run(season)
    settings.WEEKLY_RUN_BATCH_SIZE = 2

    assert statements.enqueue_week(season.week_before) == 3
    assert tasks.run_weekly_statements() == 3

    assert statements_made() == one_run
    rows, (_files, files), (_reports, reports) = one_run[:-2], *one_run[-2:]
    index_of = {shop.pk: n for n, (_market, shop) in enumerate(season.shops, start=1)}
    # The third shop sold nothing last week; the fifth sells below the fee, then carries enough to be paid.
    assert [(row[0], index_of[row[1]], row[10], row[11]) for row in rows] == [
        (season.week_before, 1, Decimal("22.82"), Decimal("0.00")),
        (season.week_before, 2, Decimal("82.62"), Decimal("0.00")),
        (season.week_before, 3, Decimal("59.62"), Decimal("0.00")),
        (season.week_before, 4, Decimal("156.22"), Decimal("0.00")),
        (season.week_before, 5, Decimal("0.00"), Decimal("0.18")),
        (season.last_week, 1, Decimal("34.32"), Decimal("0.00")),
        (season.last_week, 2, Decimal("124.02"), Decimal("0.00")),
        (season.last_week, 4, Decimal("234.42"), Decimal("0.00")),
        (season.last_week, 5, Decimal("0.27"), Decimal("0.00")),
    ]
    # The platform's numbers follow the weeks, then the shops, as in one run.
    assert [row[13][0][-6:] for row in rows] == [f"{n:06d}" for n in range(1, 10)]
    assert files == [(4, Decimal("321.28")), (4, Decimal("393.03"))]
    assert len(reports) == 9


def test_the_schedule_enqueues_one_task_per_batch_of_shops_in_order_then_the_export(season, settings):
    sell(season, 1, season.last_week)
    settings.WEEKLY_RUN_BATCH_SIZE = 2
    pks = [shop.pk for _market, shop in season.shops]

    batches = tasks.run_weekly_statements()

    day = season.last_week.isoformat()
    batch_tasks = Task.objects.filter(func=BATCH_TASK).order_by("started")
    assert batches == 3
    assert [task.args for task in batch_tasks] == [(day, pks[0], pks[1]), (day, pks[2], pks[3]), (day, pks[4], pks[4])]
    assert [task.result for task in batch_tasks] == [2, 2, 1]
    assert all(task.success for task in batch_tasks)
    assert Task.objects.filter(func=EXPORT_TASK, success=True).get().result == 4
    assert WeeklyStatement.objects.filter(week_start=season.last_week).count() == 5


def test_a_week_with_nothing_to_state_enqueues_nothing(season):
    assert tasks.run_weekly_statements() == 0

    assert not Task.objects.exists()
    assert not WeeklyStatement.objects.exists()


def test_a_batch_run_twice_makes_nothing_twice(season):
    sell(season, 2, season.last_week)
    [(first, last)] = statements.weekly_batches(season.last_week, size=5)
    day = season.last_week.isoformat()
    assert tasks.make_weekly_statements_batch(day, first, last) == 5
    made = statements_made()
    counts = (Invoice.objects.filter(statement__isnull=False).count(), Payout.objects.count(), LedgerEntry.objects.count(), len(mail.outbox))

    assert tasks.make_weekly_statements_batch(day, first, last) == 0
    assert statements.build_weekly_statements(season.last_week) == []
    assert statements.enqueue_week(season.last_week) == 0

    assert statements_made() == made
    assert (Invoice.objects.filter(statement__isnull=False).count(), Payout.objects.count(), LedgerEntry.objects.count(), len(mail.outbox)) == counts
    assert counts[:2] == (5, 4)


def test_a_batch_states_only_its_own_shops(season):
    sell(season, 1, season.last_week)
    day = season.last_week.isoformat()
    second, third = season.shops[1][1], season.shops[2][1]

    assert tasks.make_weekly_statements_batch(day, second.pk, third.pk) == 2

    assert set(WeeklyStatement.objects.values_list("shop_id", flat=True)) == {second.pk, third.pk}
    assert sorted(message.to[0] for message in mail.outbox) == ["boutique2@example.org", "boutique3@example.org"]


def queries_of_batch(day, first, last) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert tasks.make_weekly_statements_batch(day, first, last) == 2
    return len(captured)


def test_a_batch_reads_as_many_queries_whatever_the_ledger_rows_of_its_shops(season):
    # Shops 1-2 (the first batch) sold 2 orders each, shops 3-4 (the second batch) 6 orders each.
    sell(season, 2, season.last_week, shops={0, 1})
    sell(season, 6, season.last_week, shops={2, 3})
    day = season.last_week.isoformat()
    [(first, second), (third, fourth)] = statements.weekly_batches(season.last_week, size=2)
    rows = {
        shops: LedgerEntry.objects.filter(shop_id__in=shops).count() for shops in ((first, second), (third, fourth))
    }
    assert rows[third, fourth] == 3 * rows[first, second]
    # The platform's invoice sequence exists, as after its first invoice (which creates it: two queries, once).
    InvoiceSequence.objects.create(key=invoices.PLATFORM_SEQUENCE_KEY, prefix=invoices.PLATFORM_PREFIX)

    few_rows = queries_of_batch(day, first, second)
    many_rows = queries_of_batch(day, third, fourth)

    # Statements, fees, payouts, invoices and the report e-mails sent (the tests run tasks in-process).
    assert many_rows == few_rows
    assert len(mail.outbox) == 4


def test_the_monday_run_and_its_reports_run_twice_make_and_send_nothing_twice(season):
    # given last week's sales in the five shops, stated by the scheduled task (its chain runs inline here)
    sell(season, 1, season.last_week)
    assert tasks.run_weekly_statements() == 1
    made = statements_made()
    reports = sorted(message.to[0] for message in mail.outbox)
    assert reports == [f"boutique{n}@example.org" for n in range(1, 6)]

    # when the queue hands out the scheduled task, then one report's task, a second time
    assert tasks.run_weekly_statements() == 0
    statement = WeeklyStatement.objects.get(shop=season.shops[0][1], week_start=season.last_week)
    assert tasks.send_weekly_report(statement.pk) is False

    # then nothing more was stated, invoiced, paid or sent
    assert statements_made() == made
    assert sorted(message.to[0] for message in mail.outbox) == reports


def test_a_batch_writes_four_shops_in_as_many_queries_as_one(season):
    sell(season, 2, season.last_week)
    first, second, last = (season.shops[n][1].pk for n in (0, 1, 4))
    InvoiceSequence.objects.create(key=invoices.PLATFORM_SEQUENCE_KEY, prefix=invoices.PLATFORM_PREFIX)
    with CaptureQueriesContext(connection) as one:
        assert len(statements.build_weekly_statements_batch(season.last_week, first, first)) == 1
    with CaptureQueriesContext(connection) as four:
        assert len(statements.build_weekly_statements_batch(season.last_week, second, last)) == 4

    assert len(four) == len(one)
    # Numbered in the shops' order, one number each, the carried shop (no payout) included.
    assert list(
        Invoice.objects.filter(statement__isnull=False).order_by("sequence_number")
        .values_list("shop_id", "sequence_number")
    ) == [(shop.pk, n) for n, (_market, shop) in enumerate(season.shops, start=1)]
    assert Payout.objects.count() == 4


def test_a_shop_stated_by_another_run_after_the_batch_read_it_is_left_to_that_run(season, monkeypatch):
    sell(season, 1, season.last_week)
    first_shop = season.shops[0][1]
    read = statements._previous_statements
    raced = []

    def read_then_another_run_states_the_first_shop(shop_ids, week_start):
        previous = read(shop_ids, week_start)
        if not raced:
            raced.append(True)
            # Another run, committed between this batch's reads and its writes.
            assert len(statements.build_weekly_statements_batch(week_start, first_shop.pk, first_shop.pk)) == 1
        return previous

    monkeypatch.setattr(statements, "_previous_statements", read_then_another_run_states_the_first_shop)
    made = statements.build_weekly_statements_batch(season.last_week, first_shop.pk, season.shops[4][1].pk)

    # The batch could not be written in bulk; shop by shop, the first shop was skipped, the others stated once.
    assert [statement.shop_id for statement in made] == [shop.pk for _market, shop in season.shops[1:]]
    assert all(statement.pk for statement in made)
    assert sorted(WeeklyStatement.objects.values_list("shop_id", flat=True)) == sorted(
        shop.pk for _market, shop in season.shops
    )
    assert list(
        Invoice.objects.filter(statement__isnull=False).order_by("sequence_number")
        .values_list("shop_id", "sequence_number")
    ) == [(shop.pk, n) for n, (_market, shop) in enumerate(season.shops, start=1)]
    assert LedgerEntry.objects.filter(statement__isnull=False).count() == 2 * 4
