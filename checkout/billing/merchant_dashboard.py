"""The money side of the admin's home page: a merchant's orders, sales, vouchers and payouts; a territory's week.

Merchant (`merchant_dashboard`), over the shops they manage and nothing
else (`Model.objects.managed_by(user)`, see `checkout.models.shop_rows`):
- paid, non-archived shop orders to prepare (those with something to hand
  over: vouchers and services go by e-mail) and ready for collection;
- today's and this week's sales (Monday 00:00 to now, Europe/Paris), from
  the ledger through `checkout.billing.dashboard`;
- vouchers still valid with a balance, and what was redeemed this week;
- per shop, the balance the next weekly statement would pay, by the rules
  of `checkout.billing.statements` (carried balance plus the movements
  since the last statement, minus the transfer fee; carried over when it
  does not exceed the fee), and the last statement.

Territories (`week_comparison`): the sales from Monday 00:00 to now against
last week's same span (last Monday 00:00 to the same Paris time a week
ago), one row per territory and their total.

Figures are plain functions returning dataclasses; each is a fixed number
of queries whatever the number of shops, orders or territories. Nothing
here writes.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_percent
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from wagtail.admin.ui.components import Component

from checkout.billing import dashboard, statements
from checkout.billing.dashboard import TerritoryTotals
from checkout.models import (
    FulfilmentStatus,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Redemption,
    RedemptionKind,
    ShopOrder,
    Voucher,
    VoucherStatus,
    WeeklyStatement,
)
from checkout.models.shop_rows import managed_shop_page_ids
from markets.editors import territories_edited_by
from markets.merchants import is_merchant
from markets.models import Territory
from portal.money import ZERO, babel_locale, quantize_eur
from shops.access import shops_managed_by

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO, output_field=MONEY_FIELD), output_field=MONEY_FIELD)


def week_start_at(now: datetime) -> datetime:
    """Monday 00:00, Europe/Paris, of the week of `now`."""
    return statements.week_bounds(statements.week_start_of(timezone.localdate(now)))[0]


# Orders -------------------------------------------------------------------------------------


@dataclass
class OrderCounts:
    to_prepare: int
    ready_for_pickup: int
    to_prepare_url: str
    ready_for_pickup_url: str


def _orders_url(status: str) -> str:
    # The list's own filter; it shows paid, non-archived orders by default.
    return f"{reverse('commandes:index')}?{urlencode({'fulfilment_status': status})}"


def _rows(model, user, shop_page_ids: list[int] | None):
    """The user's rows of `model`: by their shops' pages when known (the indexed `shop_id`), else `managed_by`."""
    if shop_page_ids is None:
        return model.objects.managed_by(user)
    return model.objects.of_shop_pages(shop_page_ids)


def order_counts(user, shop_page_ids: list[int] | None = None) -> OrderCounts:
    """Paid, non-archived orders of the user's shops waiting to be prepared, and ready for collection: one query.

    `shop_page_ids`: `managed_shop_page_ids(user)` when the caller has it.
    """
    waiting = _rows(ShopOrder, user, shop_page_ids).filter(order__status=OrderStatus.PAID, archived=False)
    counts = waiting.aggregate(
        # A shop order of vouchers and services only stays "to prepare" with nothing to hand over.
        to_prepare=Count("pk", filter=Q(fulfilment_status=FulfilmentStatus.TO_PREPARE) & ~Q(delivery_kind="")),
        ready=Count("pk", filter=Q(fulfilment_status=FulfilmentStatus.READY_FOR_PICKUP)),
    )
    return OrderCounts(
        to_prepare=counts["to_prepare"],
        ready_for_pickup=counts["ready"],
        to_prepare_url=_orders_url(FulfilmentStatus.TO_PREPARE),
        ready_for_pickup_url=_orders_url(FulfilmentStatus.READY_FOR_PICKUP),
    )


# Sales --------------------------------------------------------------------------------------


@dataclass
class MerchantSales:
    today: TerritoryTotals
    week: TerritoryTotals
    week_start: date


def merchant_sales(user, now: datetime, shop_page_ids: list[int] | None = None) -> MerchantSales:
    """Today's and this week's (Monday to now) sales of the user's shops, from the ledger: two queries."""
    today = timezone.localdate(now)
    monday = statements.week_start_of(today)

    def totals(start: date) -> TerritoryTotals:
        entries = dashboard.sales_entries(None, start, today)
        if shop_page_ids is None:
            entries = entries.managed_by(user)
        else:
            entries = entries.of_shop_pages(shop_page_ids)
        entries = entries.filter(created_at__lt=now)
        return dashboard.territory_totals(entries)

    return MerchantSales(today=totals(today), week=totals(monday), week_start=monday)


# Vouchers -----------------------------------------------------------------------------------


@dataclass
class VoucherFigures:
    outstanding: int
    outstanding_value: Decimal
    redeemed: int
    redeemed_amount: Decimal
    outstanding_url: str


def voucher_figures(user, now: datetime, shop_page_ids: list[int] | None = None) -> VoucherFigures:
    """Vouchers of the user's shops still usable (active, not expired, with a balance) and their balance;
    what was taken from them at the shop since Monday 00:00 (refunds excluded): two queries."""
    today = timezone.localdate(now)
    vouchers = _rows(Voucher, user, shop_page_ids)
    # The rule of the voucher list's "valid" filter: expiry is not stored, it follows from the day.
    usable = Q(status=VoucherStatus.ACTIVE, valid_until__gte=today, balance__gt=0)
    # The conditions in the aggregate, not the WHERE: the database reads the shop's vouchers by `shop_id`
    # (SQLite would otherwise start from every active voucher of every shop, by the status index).
    outstanding = vouchers.aggregate(count=Count("pk", filter=usable), value=_money(Sum("balance", filter=usable)))
    redeemed = Redemption.objects.filter(
        voucher__in=vouchers, kind=RedemptionKind.REDEEMED, at__gte=week_start_at(now), at__lt=now
    ).aggregate(count=Count("pk"), amount=_money(Sum("amount")))
    return VoucherFigures(
        outstanding=outstanding["count"],
        outstanding_value=quantize_eur(outstanding["value"]),
        redeemed=redeemed["count"],
        redeemed_amount=quantize_eur(redeemed["amount"]),
        outstanding_url=f"{reverse('bons:index')}?{urlencode({'state': VoucherStatus.ACTIVE})}",
    )


# Payouts ------------------------------------------------------------------------------------


@dataclass
class NextPayout:
    """What the next weekly statement of one shop would pay, as things stand at `now`.

    `balance` is the statement's balance (carried in + sales − refunds −
    commission + commission returned); `payout` is `balance − fee` when that
    is positive, else nothing is paid and `balance` is carried over.
    """

    shop_id: int
    shop_name: str
    week_start: date  # the week the next statement is for
    balance: Decimal
    fee: Decimal
    payout: Decimal
    last_statement: WeeklyStatement | None = None
    last_statement_url: str = ""

    @property
    def carried_over(self) -> bool:
        return self.payout <= 0


def _kind_sums(prefix: str, condition: Q) -> dict:
    return {
        f"{prefix}_{name}": _money(Sum("amount", filter=condition & Q(kind=kind)))
        for name, kind in (
            ("sales", LedgerKind.SALE),
            ("refunds", LedgerKind.REFUND),
            ("commission", LedgerKind.COMMISSION),
            ("commission_returned", LedgerKind.COMMISSION_RETURNED),
        )
    }


def _movements(row: dict | None, prefix: str) -> statements.Movements:
    # The ledger's signs are the merchant's; a statement holds magnitudes (as statements._movements does).
    if row is None:
        return statements.Movements()
    return statements.Movements(
        sales=quantize_eur(row[f"{prefix}_sales"]),
        refunds=quantize_eur(-row[f"{prefix}_refunds"]),
        commission=quantize_eur(-row[f"{prefix}_commission"]),
        commission_returned=quantize_eur(row[f"{prefix}_commission_returned"]),
    )


def _balance(carried_in: Decimal, moved: statements.Movements) -> Decimal:
    # The statement's own formula, on an unsaved statement.
    return WeeklyStatement(
        carried_in=carried_in,
        sales=moved.sales,
        refunds=moved.refunds,
        commission=moved.commission,
        commission_returned=moved.commission_returned,
    ).balance


def next_payouts(user, now: datetime) -> list[NextPayout]:
    """Per shop the user manages, the next statement's balance and payout, and the last statement: three queries.

    The next statement is the one for the last ended week when that week
    is not stated yet and the shop has something to state in it (movements
    since its last statement before that week's end, or a balance carried);
    it then counts the movements up to that week's end. Otherwise it is
    this week's, counting the movements up to `now`. This follows
    `statements.build_weekly_statements`, which writes the real one.
    """
    shops = list(shops_managed_by(user).order_by("title").only("pk", "title"))
    if not shops:
        return []
    shop_ids = [shop.pk for shop in shops]
    latest_of_shop = WeeklyStatement.objects.filter(shop_id=OuterRef("shop_id")).order_by("-week_start")
    last_statements = {
        statement.shop_id: statement
        for statement in WeeklyStatement.objects.filter(
            shop_id__in=shop_ids, pk=Subquery(latest_of_shop.values("pk")[:1])
        )
    }
    this_week = statements.week_start_of(timezone.localdate(now))
    ended_week = this_week - timedelta(days=7)
    _start, ended_week_end = statements.week_bounds(ended_week)
    rows = (
        LedgerEntry.objects.filter(shop_id__in=shop_ids, kind__in=statements.MOVEMENTS, created_at__lt=now)
        .annotate(since=Subquery(latest_of_shop.values("period_end")[:1]))
        .filter(Q(since__isnull=True) | Q(created_at__gte=F("since")))
        .values("shop_id")
        .annotate(**_kind_sums("pre", Q(created_at__lt=ended_week_end)), **_kind_sums("all", Q()))
    )
    sums = {row["shop_id"]: row for row in rows}
    fee = statements.transfer_fee()
    found = []
    for shop in shops:
        last = last_statements.get(shop.pk)
        carried_in = last.carried_out if last else ZERO
        before_end = _movements(sums.get(shop.pk), "pre")
        if (last is None or last.week_start < ended_week) and (not before_end.empty or carried_in):
            week, moved = ended_week, before_end
        else:
            week, moved = this_week, _movements(sums.get(shop.pk), "all")
        balance = _balance(carried_in, moved)
        found.append(
            NextPayout(
                shop_id=shop.pk,
                shop_name=shop.title,
                week_start=week,
                balance=balance,
                fee=fee,
                payout=balance - fee if balance - fee > 0 else ZERO,
                last_statement=last,
                last_statement_url=reverse("releves:inspect", args=(last.pk,)) if last else "",
            )
        )
    return found


@dataclass
class MerchantDashboard:
    now: datetime
    orders: OrderCounts
    sales: MerchantSales
    vouchers: VoucherFigures
    payouts: list[NextPayout]


def merchant_dashboard(user, now: datetime | None = None) -> MerchantDashboard:
    """Everything the merchant's money panel shows, in a fixed number of queries."""
    now = now or timezone.now()
    # Once for the three figures below: each then reads its rows by `shop_id`.
    shop_page_ids = managed_shop_page_ids(user)
    return MerchantDashboard(
        now=now,
        orders=order_counts(user, shop_page_ids),
        sales=merchant_sales(user, now, shop_page_ids),
        vouchers=voucher_figures(user, now, shop_page_ids),
        payouts=next_payouts(user, now),
    )


# Territories: this week against last week ----------------------------------------------------


def percent_change(now_value: Decimal, before: Decimal) -> Decimal | None:
    """(now − before) / before, as a fraction rounded half up to the whole percent; None when nothing was sold before."""
    if before <= 0:
        return None
    return ((now_value - before) / before).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class TerritoryWeek:
    name: str
    this_week: TerritoryTotals
    last_week: TerritoryTotals
    territory_id: int | None = None  # None for the total row

    @property
    def change(self) -> Decimal:
        return self.this_week.sales - self.last_week.sales

    @property
    def change_ratio(self) -> Decimal | None:
        return percent_change(self.this_week.sales, self.last_week.sales)

    @property
    def change_label(self) -> str:
        """"+13 %" (fr) / "+13%" (en); "" when last week sold nothing."""
        ratio = self.change_ratio
        if ratio is None:
            return ""
        text = format_percent(ratio, locale=babel_locale())
        return f"+{text}" if ratio > 0 else text


@dataclass
class WeekComparison:
    this_week_start: datetime
    last_week_start: datetime
    last_week_until: datetime  # the same Paris time as now, a week ago
    rows: list[TerritoryWeek]
    total: TerritoryWeek | None = None  # when there are several rows
    sales_dashboard_url: str = field(default="")


def _by_territory(entries) -> dict[int, TerritoryTotals]:
    rows = (
        entries.values("shop_order__order__territory_id")
        .annotate(
            # The sums of the sales dashboard, by territory.
            **dashboard._sums("shop_order__order_id"),
            active=Count("shop_id", distinct=True, filter=Q(kind=LedgerKind.SALE)),
        )
        .order_by()
    )
    return {
        row["shop_order__order__territory_id"]: TerritoryTotals(**dashboard._totals(row), active_shops=row["active"])
        for row in rows
    }


def week_comparison(territories: list[Territory], now: datetime) -> WeekComparison:
    """Sales of each of `territories` from Monday 00:00 to `now` against last week's same span: four queries."""
    local_now = timezone.localtime(now)
    today = local_now.date()
    monday = statements.week_start_of(today)
    last_until = local_now - timedelta(days=7)  # wall-clock arithmetic: the same Paris time, DST or not
    ids = [t.pk for t in territories]
    this_entries = dashboard.sales_entries(ids, monday, today).filter(created_at__lt=now)
    last_entries = dashboard.sales_entries(ids, monday - timedelta(days=7), today - timedelta(days=7)).filter(
        created_at__lt=last_until
    )
    this_by, last_by = _by_territory(this_entries), _by_territory(last_entries)
    rows = [
        TerritoryWeek(
            name=t.name,
            territory_id=t.pk,
            this_week=this_by.get(t.pk, TerritoryTotals()),
            last_week=last_by.get(t.pk, TerritoryTotals()),
        )
        for t in territories
    ]
    total = None
    if len(rows) > 1:
        total = TerritoryWeek(
            name="",
            this_week=dashboard.territory_totals(this_entries),
            last_week=dashboard.territory_totals(last_entries),
        )
    return WeekComparison(
        this_week_start=week_start_at(now),
        last_week_start=week_start_at(now) - timedelta(days=7),
        last_week_until=last_until,
        rows=rows,
        total=total,
        sales_dashboard_url=reverse("sales_dashboard"),
    )


# Panels of the admin's home page ------------------------------------------------------------


class MerchantMoneyPanel(Component):
    """Orders, sales, vouchers and payouts of a merchant's shops (merchants only)."""

    name = "merchant_money"
    template_name = "checkout/admin/dashboard_merchant_money.html"
    order = 15

    def __init__(self, user, now: datetime | None = None):
        self.user = user
        self.now = now

    @classmethod
    def for_request(cls, request):
        return cls(request.user) if is_merchant(request.user) else None

    def get_context_data(self, parent_context=None):
        figures = merchant_dashboard(self.user, self.now)
        return {"figures": figures, "several_shops": len(figures.payouts) > 1}


class TerritorySalesPanel(Component):
    """This week's sales against last week's, per territory the user edits (every territory for a superuser)."""

    name = "territory_sales_week"
    template_name = "checkout/admin/dashboard_territory_sales.html"
    order = 25

    def __init__(self, territories: list[Territory], now: datetime | None = None):
        self.territories = territories
        self.now = now

    @classmethod
    def for_request(cls, request):
        user = request.user
        territories = list(territories_edited_by(user).order_by("name"))
        if not territories:
            return None
        return cls(territories)

    def get_context_data(self, parent_context=None):
        return {"comparison": week_comparison(self.territories, self.now or timezone.now())}

