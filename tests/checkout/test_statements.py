"""Weekly statements: the week's edges, carried balances, fees, payouts, and a run that never makes anything twice."""

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings
from django_q.models import Schedule

from checkout.billing import invoices, statements
from checkout.billing.statements import StatementRefused, build_weekly_statements, week_bounds
from checkout.models import Invoice, LedgerEntry, LedgerKind, Payout, PayoutState, WeeklyStatement
from markets.models import CommissionRate
from portal.money import quantize_eur
from shops.models import DeliveryKind
from tests.checkout.statement_helpers import order_paid_at, paris, provider_refunds, refund_at  # noqa: F401
from tests.fixtures import factories as f

WEEK = date(2026, 11, 23)  # Monday 23 to Sunday 29 November 2026
NEXT_WEEK = date(2026, 11, 30)
MONDAY_MORNING = paris(2026, 11, 30, 6, 0)
LATER = paris(2027, 1, 4, 6, 0)


def statement_of(shop, week=WEEK) -> WeeklyStatement:
    return WeeklyStatement.objects.get(shop=shop, week_start=week)


def figures(statement):
    return {
        name: getattr(statement, name)
        for name in (
            "carried_in", "sales", "refunds", "commission", "commission_returned",
            "transfer_fee", "payout_amount", "carried_out",
        )
    }


def balance_of(shop) -> Decimal:
    # SQLite sums decimals as floats.
    return quantize_eur(LedgerEntry.objects.filter(shop=shop).aggregate(total=Sum("amount"))["total"])


def test_a_paris_week_runs_from_monday_midnight_to_monday_midnight_across_the_clock_change():
    start, end = week_bounds(date(2026, 10, 19))
    assert (start, end) == (paris(2026, 10, 19), paris(2026, 10, 26))
    # Clocks went back on Sunday 25 October (same-zone subtraction would ignore it: compare in UTC).
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=169)


def test_a_payment_at_23_59_59_on_sunday_belongs_to_that_week_and_one_at_midnight_to_the_next(market):
    order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 29, 23, 59, 59))
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 30, 0, 0, 0))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    # 2 × 12.50 at 8 %: commission 2.00; fee 0.15 + 20 % VAT = 0.18.
    assert figures(statement) == {
        "carried_in": Decimal("0.00"), "sales": Decimal("25.00"), "refunds": Decimal("0.00"),
        "commission": Decimal("2.00"), "commission_returned": Decimal("0.00"),
        "transfer_fee": Decimal("0.18"), "payout_amount": Decimal("22.82"), "carried_out": Decimal("0.00"),
    }
    assert statement.orders_count == 1
    [next_week] = build_weekly_statements(NEXT_WEEK, now=paris(2026, 12, 7, 6, 0))
    assert (next_week.sales, next_week.commission, next_week.payout_amount) == (
        Decimal("12.50"), Decimal("1.00"), Decimal("11.32")
    )


def test_the_payout_and_its_fee_are_ledger_entries_so_the_balance_is_what_is_carried(market):
    shop_order = order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 25, 10, 0))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    payout, fee = LedgerEntry.objects.filter(statement=statement).order_by("kind")
    assert (payout.kind, payout.amount, fee.kind, fee.amount) == (
        LedgerKind.PAYOUT, Decimal("-22.82"), LedgerKind.TRANSFER_FEE, Decimal("-0.18")
    )
    assert balance_of(market.atelier) == Decimal("0.00") == statement.carried_out
    payout_row = Payout.objects.get(statement=statement)
    assert (payout_row.amount, payout_row.state, payout_row.shop, payout_row.territory) == (
        Decimal("22.82"), PayoutState.PENDING, market.atelier, market.territory
    )
    assert payout_row.end_to_end_id == f"MN-{statement.pk}-2026W48"
    assert shop_order.shop == statement.shop


@override_settings(PLATFORM_VAT_REGISTERED=False)
def test_a_platform_without_vat_charges_the_bare_fee(market):
    order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 25, 10, 0))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    assert (statement.transfer_fee, statement.payout_amount) == (Decimal("0.15"), Decimal("22.85"))


def test_a_refund_in_a_later_week_is_carried_until_sales_cover_it(market, provider_refunds):
    shop_order = order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 20, 10, 0))
    build_weekly_statements(date(2026, 11, 16), now=MONDAY_MORNING)
    refund_at(shop_order, "12.50", paris(2026, 11, 24, 9, 30))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    # −12.50 refunded, +1.00 commission given back: −11.50, nothing paid, no fee.
    assert figures(statement) == {
        "carried_in": Decimal("0.00"), "sales": Decimal("0.00"), "refunds": Decimal("12.50"),
        "commission": Decimal("0.00"), "commission_returned": Decimal("1.00"),
        "transfer_fee": Decimal("0.00"), "payout_amount": Decimal("0.00"), "carried_out": Decimal("-11.50"),
    }
    assert not Payout.objects.filter(statement=statement).exists()

    # A quiet week still carries the debt forward.
    [quiet] = build_weekly_statements(NEXT_WEEK, now=LATER)
    assert (quiet.carried_in, quiet.carried_out, quiet.orders_count) == (Decimal("-11.50"), Decimal("-11.50"), 0)

    order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 12, 8, 10, 0))
    [paid] = build_weekly_statements(date(2026, 12, 7), now=LATER)
    # −11.50 + 25.00 − 2.00 = 11.50, minus 0.18.
    assert (paid.carried_in, paid.payout_amount, paid.carried_out) == (
        Decimal("-11.50"), Decimal("11.32"), Decimal("0.00")
    )
    assert balance_of(market.atelier) == Decimal("0.00")


def test_a_balance_smaller_than_the_fee_is_carried_without_a_transfer(market):
    card = f.make_product(market.atelier, "Carte postale", price="0.15", stock=None)
    order_paid_at(market, market.atelier, card, 1, paris(2026, 11, 26, 15, 0))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    # 0.15 − 0.01 commission = 0.14, less than the 0.18 fee.
    assert (statement.commission, statement.transfer_fee, statement.payout_amount, statement.carried_out) == (
        Decimal("0.01"), Decimal("0.00"), Decimal("0.00"), Decimal("0.14")
    )
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 12, 1, 15, 0))
    [next_week] = build_weekly_statements(NEXT_WEEK, now=LATER)
    # 0.14 + 12.50 − 1.00 − 0.18.
    assert (next_week.carried_in, next_week.payout_amount) == (Decimal("0.14"), Decimal("11.46"))


def test_a_shop_with_nothing_to_state_gets_no_statement(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))

    made = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    assert [s.shop for s in made] == [market.atelier]
    assert not WeeklyStatement.objects.filter(shop=market.epicerie).exists()


def test_a_week_not_run_is_counted_in_the_next_one_and_never_twice(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 10, 12, 0))
    build_weekly_statements(date(2026, 11, 9), now=MONDAY_MORNING)
    order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 18, 12, 0))  # week of the 16th: not run
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))

    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    assert (statement.sales, statement.orders_count) == (Decimal("37.50"), 2)
    # The chain only moves forward: the skipped week can no longer be stated.
    assert build_weekly_statements(date(2026, 11, 16), now=MONDAY_MORNING) == []


def test_running_the_week_twice_makes_nothing_twice(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))
    order_paid_at(market, market.epicerie, market.miel, 1, paris(2026, 11, 24, 12, 5))
    first = build_weekly_statements(WEEK, now=MONDAY_MORNING)
    entries, payouts = LedgerEntry.objects.count(), Payout.objects.count()

    assert build_weekly_statements(WEEK, now=MONDAY_MORNING) == []

    assert len(first) == 2
    assert (WeeklyStatement.objects.count(), LedgerEntry.objects.count(), Payout.objects.count()) == (
        2, entries, payouts
    )


def test_a_run_cut_off_halfway_is_finished_by_the_next_one(market, monkeypatch):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))
    order_paid_at(market, market.epicerie, market.miel, 1, paris(2026, 11, 24, 12, 5))
    real = invoices._commission_document

    def crash_on_the_epicerie(statement):
        if statement.shop == market.epicerie:
            raise RuntimeError("worker killed")
        return real(statement)

    monkeypatch.setattr(invoices, "_commission_document", crash_on_the_epicerie)
    with pytest.raises(RuntimeError):
        build_weekly_statements(WEEK, now=MONDAY_MORNING)
    # The batch written in bulk failed as a whole; then shop by shop, the atelier's statement is whole and
    # nothing of the épicerie's was kept.
    assert list(WeeklyStatement.objects.values_list("shop", flat=True)) == [market.atelier.pk]
    assert not LedgerEntry.objects.filter(shop=market.epicerie, statement__isnull=False).exists()
    assert Invoice.objects.filter(statement__isnull=False).count() == 1

    monkeypatch.setattr(invoices, "_commission_document", real)
    [finished] = build_weekly_statements(WEEK, now=MONDAY_MORNING)

    assert finished.shop == market.epicerie
    assert WeeklyStatement.objects.filter(shop=market.atelier).count() == 1


def test_a_week_that_has_not_ended_or_does_not_start_on_monday_is_refused(market):
    with pytest.raises(StatementRefused):
        build_weekly_statements(WEEK, now=paris(2026, 11, 29, 23, 59, 59))
    # A payment stamped 23:59:59 may still be committing: the week settles for 15 minutes.
    with pytest.raises(StatementRefused):
        build_weekly_statements(WEEK, now=paris(2026, 11, 30, 0, 14, 59))
    assert build_weekly_statements(WEEK, now=paris(2026, 11, 30, 0, 15)) == []
    with pytest.raises(StatementRefused):
        build_weekly_statements(date(2026, 11, 24), now=MONDAY_MORNING)


def test_the_rate_in_force_changes_at_midnight_paris_time(market):
    CommissionRate.objects.create(territory=market.territory, starts_on=date(2026, 12, 1), rate=Decimal("4.00"))
    CommissionRate.objects.create(territory=market.territory, starts_on=date(2026, 12, 14), rate=Decimal("3.00"))
    before = order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 12, 13, 23, 59, 59))
    after = order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 12, 14, 0, 0, 0))
    first_day = order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 12, 1, 0, 0, 0))
    last_old = order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 30, 23, 59, 59))

    # 12.50 at 4 % = 0.50; at 3 % = 0.375 → 0.38 (half up); at 8 % = 1.00.
    assert [(so.commission_rate, so.commission_amount) for so in (last_old, first_day, before, after)] == [
        (Decimal("8.00"), Decimal("1.00")),
        (Decimal("4.00"), Decimal("0.50")),
        (Decimal("4.00"), Decimal("0.50")),
        (Decimal("3.00"), Decimal("0.38")),
    ]


def test_delivery_fees_bear_commission_only_when_the_territory_says_so(market):
    honey = order_paid_at(market, market.epicerie, market.miel, 1, paris(2026, 11, 24, 12, 0), delivery=DeliveryKind.HOME)
    market.territory.commission_on_delivery = False
    market.territory.save()
    honey_again = order_paid_at(
        market, market.epicerie, market.miel, 1, paris(2026, 11, 24, 12, 5), delivery=DeliveryKind.HOME
    )

    # 8.30 + 5.00 delivery at 8 %: 1.064 → 1.06 with it, 0.664 → 0.66 without.
    assert (honey.total, honey.commission_amount, honey_again.commission_amount) == (
        Decimal("13.30"), Decimal("1.06"), Decimal("0.66")
    )


def test_the_command_states_the_week_of_any_day_given(market, capsys):
    order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 25, 10, 0))

    call_command("run_weekly_statements", "--week", "2026-11-27", "--no-export")

    out = capsys.readouterr().out
    assert "Semaine du 23/11/2026 : 1 relevé(s) établi(s)." in out
    assert statement_of(market.atelier).payout_amount == Decimal("22.82")


def test_the_weekly_run_is_scheduled_on_monday_morning_paris_time(db):
    schedule = Schedule.objects.get(func="checkout.tasks.run_weekly_statements")
    next_run = schedule.next_run.astimezone(paris(2026, 1, 1).tzinfo)
    assert (schedule.schedule_type, schedule.repeats, next_run.weekday(), next_run.hour, next_run.minute) == (
        Schedule.WEEKLY, -1, 0, 6, 0
    )


def test_a_run_that_read_before_another_committed_makes_nothing_twice(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 24, 12, 0))
    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)
    entries = LedgerEntry.objects.count()

    # What a second, concurrent run would do for the same shop and week after its reads.
    made = statements._make_statement(
        market.atelier, market.territory.pk, None, WEEK, statement.period_end, Decimal("0.00"),
        statements.Movements(sales=Decimal("12.50"), commission=Decimal("1.00")), statements.transfer_fee(),
        MONDAY_MORNING,
    )

    assert made is None
    assert (WeeklyStatement.objects.count(), Payout.objects.count(), LedgerEntry.objects.count()) == (1, 1, entries)


def test_a_run_for_another_week_at_the_same_time_never_forks_the_chain(market):
    order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 18, 12, 0))
    # The run for the week of the 23rd read "no statement yet" for the atelier; meanwhile the 16th is stated.
    [earlier] = build_weekly_statements(date(2026, 11, 16), now=MONDAY_MORNING)
    end = week_bounds(WEEK)[1]

    made = statements._make_statement(
        market.atelier, market.territory.pk, None, WEEK, end, Decimal("0.00"),
        statements.Movements(sales=Decimal("12.50"), commission=Decimal("1.00")), statements.transfer_fee(),
        MONDAY_MORNING,
    )

    # The 16th's sale is paid once, by its own statement.
    assert made is None
    assert list(WeeklyStatement.objects.values_list("week_start", flat=True)) == [earlier.week_start]
    assert Payout.objects.get().amount == Decimal("11.32")


def test_the_last_ended_week_is_the_one_before_until_the_week_has_settled():
    assert statements.last_ended_week(paris(2026, 11, 30, 0, 10)) == date(2026, 11, 16)
    assert statements.last_ended_week(paris(2026, 11, 30, 6, 0)) == WEEK
    assert statements.last_ended_week(paris(2026, 12, 6, 23, 59)) == WEEK
