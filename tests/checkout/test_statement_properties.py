"""Property: over random orders, refunds and commission schedules, every week adds up to the cent.

For each week, summed over the merchants' statements:

    payouts + transfer fees + (carried out − carried in) + commission − commission returned
        = paid by customers − refunded to them

and the sales, refunds and commission figures equal what this test
computes on its own from the prices and the schedule (ROUND_HALF_UP per
shop order, commission given back pro rata of the refunded total).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkout.billing.statements import build_weekly_statements, transfer_fee
from checkout.models import LedgerEntry, WeeklyStatement
from markets.models import CommissionRate
from shops.models import DeliveryKind
from tests.checkout.statement_helpers import PARIS, order_paid_at, paris, provider_refunds, refund_at  # noqa: F401
from tests.fixtures import factories as f

START = paris(2026, 10, 19)  # four weeks, the first one 169 hours long (clocks go back on the 25th)
WEEKS = [date(2026, 10, 19) + timedelta(days=7 * n) for n in range(4)]
MINUTES = 28 * 24 * 60
PRICES = ["0.99", "3.33", "12.50", "47.10"]
FIXTURE_RATE = Decimal("8.00")  # the `market` fixture's rate since 2020
CENT = Decimal("0.01")


class Rollback(Exception):
    pass


orders = st.lists(
    st.fixed_dictionaries({
        "shop": st.sampled_from(["atelier", "epicerie"]),
        "product": st.integers(0, len(PRICES) - 1),
        "quantity": st.integers(1, 4),
        "home": st.booleans(),  # home delivery at 5.00 when the shop is the épicerie
        "minute": st.integers(0, MINUTES - 1),
        # Each refund: a share (percent) of what is left to refund, some minutes after the previous event.
        "refunds": st.lists(st.tuples(st.integers(1, 100), st.integers(1, 10 * 24 * 60)), max_size=2),
    }),
    min_size=1,
    max_size=6,
)
schedules = st.lists(
    st.tuples(st.integers(0, 27), st.sampled_from(["0", "1", "3", "4", "5", "7.5", "12.34"])),
    max_size=3,
    unique_by=lambda step: step[0],
)


def expected_rate(steps, day: date) -> Decimal:
    started = [(start, rate) for start, rate in steps if start <= day]
    return max(started)[1] if started else FIXTURE_RATE


def half_up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def week_of(when) -> date:
    day = when.astimezone(PARIS).date()
    return day - timedelta(days=day.weekday())


@dataclass
class Expected:
    paid: dict = field(default_factory=dict)
    refunded: dict = field(default_factory=dict)
    commission: dict = field(default_factory=dict)
    returned: dict = field(default_factory=dict)

    def add(self, column: str, week: date, amount: Decimal):
        table = getattr(self, column)
        table[week] = table.get(week, Decimal("0.00")) + amount


@pytest.fixture
def catalogue(market):
    return {
        "atelier": [f.make_product(market.atelier, f"Article {p}", price=p, stock=None) for p in PRICES],
        "epicerie": [f.make_product(market.epicerie, f"Produit {p}", price=p, stock=None) for p in PRICES],
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(orders=orders, schedule=schedules, on_delivery=st.booleans())
def test_every_week_adds_up_to_the_cent(market, catalogue, provider_refunds, orders, schedule, on_delivery):
    try:
        with transaction.atomic():
            check_weeks(market, catalogue, orders, schedule, on_delivery)
            raise Rollback
    except Rollback:
        pass


def check_weeks(market, catalogue, orders, schedule, on_delivery):
    market.territory.commission_on_delivery = on_delivery
    market.territory.save()
    steps = [(WEEKS[0] + timedelta(days=offset), Decimal(rate)) for offset, rate in schedule]
    for starts_on, rate in steps:
        CommissionRate.objects.create(territory=market.territory, starts_on=starts_on, rate=rate)

    expected = Expected()
    end = START + timedelta(minutes=MINUTES - 1)
    for spec in orders:
        shop = getattr(market, spec["shop"])
        home = spec["home"] and spec["shop"] == "epicerie"
        price = Decimal(PRICES[spec["product"]])
        paid_at = START + timedelta(minutes=spec["minute"])
        shop_order = order_paid_at(
            market, shop, catalogue[spec["shop"]][spec["product"]], spec["quantity"], paid_at,
            delivery=DeliveryKind.HOME if home else DeliveryKind.PICKUP,
        )
        fee = Decimal("5.00") if home else Decimal("0.00")
        total = price * spec["quantity"] + fee
        base = total if on_delivery else total - fee
        commission = half_up(base * expected_rate(steps, paid_at.astimezone(PARIS).date()) / 100)
        assert (shop_order.total, shop_order.commission_amount) == (total, commission)
        expected.add("paid", week_of(paid_at), total)
        expected.add("commission", week_of(paid_at), commission)

        refunded, returned, when = Decimal("0.00"), Decimal("0.00"), paid_at
        for share, delay in spec["refunds"]:
            left = total - refunded
            amount = max(CENT, (left * share / 100).quantize(CENT))
            if left <= 0:
                break
            when = min(when + timedelta(minutes=delay), end)
            refund_at(shop_order, str(amount), when)
            refunded += amount
            returned_now = half_up(commission * refunded / total)
            expected.add("refunded", week_of(when), amount)
            expected.add("returned", week_of(when), returned_now - returned)
            returned = returned_now

    for week in WEEKS:
        build_weekly_statements(week, now=paris(2026, 12, 1, 6, 0))

    fee = transfer_fee()
    zero = Decimal("0.00")
    for week in WEEKS:
        stated = list(WeeklyStatement.objects.filter(week_start=week))
        total = {name: sum((getattr(s, name) for s in stated), zero) for name in (
            "sales", "refunds", "commission", "commission_returned", "transfer_fee", "payout_amount",
            "carried_in", "carried_out",
        )}
        assert total["sales"] == expected.paid.get(week, zero)
        assert total["refunds"] == expected.refunded.get(week, zero)
        assert total["commission"] == expected.commission.get(week, zero)
        assert total["commission_returned"] == expected.returned.get(week, zero)
        merchants = total["payout_amount"] + total["carried_out"] - total["carried_in"]
        platform = total["commission"] - total["commission_returned"] + total["transfer_fee"]
        assert merchants + platform == expected.paid.get(week, zero) - expected.refunded.get(week, zero)
        for statement in stated:
            if statement.payout_amount:
                assert (statement.payout_amount + statement.transfer_fee, statement.carried_out) == (
                    statement.balance, zero
                )
            else:
                assert statement.carried_out == statement.balance and statement.balance - fee <= 0
                assert statement.transfer_fee == zero

    # After the last week, what the platform owes each merchant is what their last statement carries.
    for shop in (market.atelier, market.epicerie):
        last = WeeklyStatement.objects.filter(shop=shop).order_by("week_start").last()
        balance = LedgerEntry.objects.filter(shop=shop).aggregate(total=Sum("amount"))["total"]
        assert (half_up(balance) if last else balance) == (last.carried_out if last else None)
    assert all(week_of(s.period_end.astimezone(UTC) - timedelta(seconds=1)) == s.week_start
               for s in WeeklyStatement.objects.all())
