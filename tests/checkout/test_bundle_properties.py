"""Property: over random bundles, orders and refunds by part, each shop's money adds up to the cent.

A bundle of the épicerie (random price, VAT rate) with one to three
participants (a share in euros or in percent of the price, a VAT rate),
bought once or twice (quantity 1 to 5, sometimes with a santon of the
atelier in the same basket), some of its shop orders refunded in full or
in part, this week or the next. This test computes on its own, from the
prices and the 8 % rate of the `market` fixture:

- each part's share (an amount, or the percentage rounded half up), the
  seller's rest, and each shop order's total, commission (half up, per
  shop order) and commission returned (pro rata of the refunded total);

and checks that the ledger, the orders and the weekly statements say the
same: the sales of an order add up to what the customer paid, the parts
of a bundle line to the line, each shop's statement to its own figures,
and the merchants' payouts and balances plus the platform's commission
and fees to what the customers paid less what they got back.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checkout.billing.statements import build_weekly_statements
from checkout.models import BundleSale, LedgerEntry, LedgerKind, Payment, PaymentState, ShopOrder, WeeklyStatement
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from portal.money import to_cents
from shops.models import DeliveryKind, VatRate
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.statement_helpers import paris, provider_refunds  # noqa: F401
from tests.fixtures import factories as f

RATE = Decimal("8.00")  # the `market` fixture's commission rate
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
WEEKS = [date(2026, 11, 23), date(2026, 11, 30)]
PAID_AT = paris(2026, 11, 24, 10, 0)
REFUNDED_AT = [paris(2026, 11, 27, 16, 0), paris(2026, 12, 2, 11, 0)]  # the same week, the next one
STATED_AT = paris(2026, 12, 8, 6, 0)
VAT_RATES = [rate.value for rate in VatRate]
PARTICIPANTS = ["atelier", "creperie", "cidrerie"]


class Rollback(Exception):
    pass


def half_up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cents(n: int) -> Decimal:
    return Decimal(n) / 100


@st.composite
def bundles(draw):
    """A price and parts whose shares never take more than the price (the split a bundle's form accepts)."""
    price = draw(st.integers(1, 50_000))
    count = draw(st.sampled_from([1, 2, 3]))
    shops = draw(st.permutations(PARTICIPANTS))[:count]
    parts, left = [], price
    for index, shop in enumerate(shops):
        vat = draw(st.sampled_from(VAT_RATES))
        last = index == len(shops) - 1
        kind = draw(st.sampled_from(["amount", "percent", "the rest"] if last else ["amount", "percent"]))
        if kind != "percent":
            # "the rest": the participants take the whole price, and the seller has no part.
            amount = max(left, 1) if kind == "the rest" else draw(st.integers(1, max(left, 1)))
            parts.append({"shop": shop, "share_amount": cents(amount), "vat_rate": vat})
            share = amount
        else:
            # At most what is left, in hundredths of a percent of the price (1 to 9999).
            most = max(1, min(9999, left * 10_000 // price))
            percent = draw(st.integers(1, most))
            parts.append({"shop": shop, "share_percent": cents(percent), "vat_rate": vat})
            share = int(half_up(cents(price) * cents(percent) / 100) * 100)
            assume(share > 0)  # a share rounding to nothing is refused by the form
        left -= share
        assume(left >= 0)  # a percentage rounded up may take the last cent
    return {"price": cents(price), "vat_rate": draw(st.sampled_from(VAT_RATES)), "parts": parts}


orders = st.lists(
    st.fixed_dictionaries({
        "quantity": st.integers(1, 5),
        "santon": st.booleans(),  # a santon of the atelier (12.50, picked up) in the same basket
        # Per shop order, seller's first, the santon's last: None (kept), or the percentage refunded (100: in full).
        "refunds": st.lists(st.one_of(st.none(), st.just(100), st.integers(1, 99)), min_size=5, max_size=5),
        "next_week": st.booleans(),  # refunds made the week after the payment
    }),
    min_size=1,
    max_size=2,
)


@dataclass
class Expected:
    """Per shop id and week: what its statement must show."""

    sales: dict = field(default_factory=dict)
    commission: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    returned: dict = field(default_factory=dict)
    paid: Decimal = ZERO
    refunded: Decimal = ZERO

    def add(self, column: str, shop_id: int, week: date, amount: Decimal):
        table = getattr(self, column)
        table[shop_id, week] = table.get((shop_id, week), ZERO) + amount

    def of(self, column: str, shop_id: int, week: date) -> Decimal:
        return getattr(self, column).get((shop_id, week), ZERO)


@pytest.fixture
def participants(market):
    return {
        "atelier": market.atelier,
        "creperie": f.make_shop(market.market, "Crêperie du Viaduc", delivery_options=[f.pickup()]),
        "cidrerie": f.make_shop(market.market, "Cidrerie de la Baie", delivery_options=[f.pickup()]),
    }


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(bundle=bundles(), orders=orders)
def test_every_part_of_every_bundle_adds_up_to_the_cent(market, participants, provider_refunds, bundle, orders):
    cache.clear()  # nothing cached by an earlier example, whose rows were rolled back
    try:
        with transaction.atomic():
            check_bundle_money(market, participants, bundle, orders)
            raise Rollback
    except Rollback:
        pass


def expected_shares(spec) -> tuple[Decimal, list[Decimal]]:
    shares = [
        part["share_amount"] if "share_amount" in part else half_up(spec["price"] * part["share_percent"] / 100)
        for part in spec["parts"]
    ]
    return spec["price"] - sum(shares, ZERO), shares


def check_bundle_money(market, participants, spec, orders):
    seller = market.epicerie
    product = f.make_bundle(
        seller, "Coffret de la Baie", price=str(spec["price"]), vat_rate=spec["vat_rate"],
        parts=[
            {"participant": participants[part["shop"]], "vat_rate": part["vat_rate"],
             **{key: part[key] for key in ("share_amount", "share_percent") if key in part}}
            for part in spec["parts"]
        ],
    )
    rest, shares = expected_shares(spec)
    # Who provides what of one unit, seller first; the seller has no part when the participants take it all.
    unit_parts = ([(seller.pk, rest)] if rest > 0 else []) + [
        (participants[part["shop"]].pk, share) for part, share in zip(spec["parts"], shares, strict=True)
    ]
    santon = Decimal(market.santon.price)
    expected = Expected()

    for n, spec_order in enumerate(orders):
        quantity = spec_order["quantity"]
        lines = [BasketLine(product.pk, quantity)]
        deliveries = {}
        if spec_order["santon"]:
            lines.append(BasketLine(market.santon.pk, 1))
            deliveries[market.atelier.pk] = DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)
        order = place_order(market.territory.pk, lines, deliveries, ALICE)
        payment = fake_payment(order)
        paid_at = PAID_AT + timedelta(minutes=n)
        confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=paid_at)
        order.refresh_from_db()

        # The customer paid the bundle's price per unit, and the santon.
        paid = spec["price"] * quantity + (santon if spec_order["santon"] else ZERO)
        payment.refresh_from_db()
        assert (order.total, payment.amount, payment.state) == (paid, paid, PaymentState.SUCCEEDED)
        sales = LedgerEntry.objects.filter(kind=LedgerKind.SALE, shop_order__order=order)
        assert sum(sales.values_list("amount", flat=True), ZERO) == paid
        expected.paid += paid

        # Each part is a line of its shop at its share × quantity; the parts add up to the bundle's line.
        sale = BundleSale.objects.get(order=order)
        assert (sale.unit_price, sale.quantity, sale.total) == (spec["price"], quantity, spec["price"] * quantity)
        assert [(p["shop_id"], Decimal(p["unit_amount"])) for p in sale.parts] == unit_parts
        part_lines = list(sale.lines.select_related("shop_order"))
        assert sorted((line.shop_order.shop_id, line.unit_price, line.total) for line in part_lines) == sorted(
            (shop_id, share, share * quantity) for shop_id, share in unit_parts
        )
        assert sum((line.total for line in part_lines), ZERO) == sale.total

        # Each shop order: its sale, its commission at 8 % half up; then its refund, if any.
        totals = {shop_id: share * quantity for shop_id, share in unit_parts}
        if spec_order["santon"]:
            totals[market.atelier.pk] = totals.get(market.atelier.pk, ZERO) + santon
        shop_orders = {so.shop_id: so for so in ShopOrder.objects.filter(order=order)}
        assert {shop_id: so.total for shop_id, so in shop_orders.items()} == totals
        when = REFUNDED_AT[spec_order["next_week"]] + timedelta(minutes=n)
        order_of_shops = [shop_id for shop_id, _share in unit_parts] + [
            pk for pk in shop_orders if pk not in dict(unit_parts)
        ]
        for shop_id, refund_percent in zip(order_of_shops, spec_order["refunds"][:len(order_of_shops)], strict=True):
            shop_order = shop_orders[shop_id]
            commission = half_up(shop_order.total * RATE / 100)
            assert (shop_order.commission_rate, shop_order.commission_amount) == (RATE, commission)
            assert entries(shop_order, LedgerKind.SALE) == shop_order.total
            assert entries(shop_order, LedgerKind.COMMISSION) == -commission
            expected.add("sales", shop_id, WEEKS[0], shop_order.total)
            expected.add("commission", shop_id, WEEKS[0], commission)

            refunded = (
                ZERO if refund_percent is None
                else max(CENT, (shop_order.total * refund_percent / 100).quantize(CENT))
            )
            if refunded > shop_order.total:  # a shop order of 0.00 (a part of 0 %) has nothing to refund
                refunded = ZERO
            if refunded:
                refund_shop_order(shop_order.pk, refunded, now=when)
            returned = half_up(commission * refunded / shop_order.total) if shop_order.total else ZERO
            assert entries(shop_order, LedgerKind.REFUND) == -refunded
            assert entries(shop_order, LedgerKind.COMMISSION_RETURNED) == returned
            if refund_percent == 100:
                assert returned == commission
            week = WEEKS[spec_order["next_week"]]
            expected.add("refunds", shop_id, week, refunded)
            expected.add("returned", shop_id, week, returned)
            expected.refunded += refunded

    check_statements(expected)


def entries(shop_order, kind) -> Decimal:
    return sum(shop_order.ledger_entries.filter(kind=kind).values_list("amount", flat=True), ZERO)


def check_statements(expected: Expected):
    for week in WEEKS:
        build_weekly_statements(week, now=STATED_AT)
    statements = list(WeeklyStatement.objects.order_by("week_start", "shop_id"))
    merchants = platform = ZERO
    for statement in statements:
        shop_id, week = statement.shop_id, statement.week_start
        assert (statement.sales, statement.commission, statement.refunds, statement.commission_returned) == (
            expected.of("sales", shop_id, week), expected.of("commission", shop_id, week),
            expected.of("refunds", shop_id, week), expected.of("returned", shop_id, week),
        ), statement.trade_name
        balance = (
            statement.carried_in + statement.sales - statement.refunds - statement.commission
            + statement.commission_returned
        )
        assert statement.balance == balance
        if statement.payout_amount:
            assert (statement.payout_amount + statement.transfer_fee, statement.carried_out) == (balance, ZERO)
        else:
            assert (statement.transfer_fee, statement.carried_out) == (ZERO, balance)
        merchants += statement.payout_amount + statement.carried_out - statement.carried_in
        platform += statement.commission - statement.commission_returned + statement.transfer_fee
    # Every shop with a sale was stated; none was left out.
    assert {s.shop_id for s in statements} == {shop_id for (shop_id, _week), sales in expected.sales.items() if sales}
    assert merchants + platform == expected.paid - expected.refunded
    # What the platform still owes each merchant is what their last statement carries.
    for shop_id in {s.shop_id for s in statements}:
        last = [s for s in statements if s.shop_id == shop_id][-1]
        balance = LedgerEntry.objects.filter(shop_id=shop_id).aggregate(total=Sum("amount"))["total"]
        assert half_up(Decimal(balance)) == last.carried_out
    assert not Payment.objects.exclude(state__in=[PaymentState.SUCCEEDED, PaymentState.REFUNDED]).exists()
