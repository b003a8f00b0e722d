"""Sales figures of territories over a range of days, from the ledger, and their chart as inline SVG.

Figures are sums over LedgerEntry rows of kind sale, refund, commission and
commission returned whose shop order belongs to the territories asked,
created from the first day 00:00 to the day after the last 00:00
(Europe/Paris). Every figure is one aggregate query: the number of
queries does not grow with the number of shops or days.

Amounts are shown as magnitudes: `sales` what customers paid, `refunds`
what was given back, `commission` what the platform kept net of the
commission returned on refunds.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checkout.models import LedgerEntry, LedgerKind
from portal.dates import day_month, short_date
from portal.money import ZERO, euros, quantize_eur, whole_euros
from portal.spreadsheets import csv_text

PARIS = ZoneInfo("Europe/Paris")
MAX_DAYS = 366
TOP_SHOPS = 10
SALES_KINDS = (LedgerKind.SALE, LedgerKind.REFUND, LedgerKind.COMMISSION, LedgerKind.COMMISSION_RETURNED)


@dataclass
class Totals:
    sales: Decimal = ZERO
    refunds: Decimal = ZERO
    commission: Decimal = ZERO
    orders: int = 0


@dataclass
class DayFigures(Totals):
    day: date | None = None


@dataclass
class ShopFigures(Totals):
    shop_id: int | None = None
    name: str = ""


@dataclass
class TerritoryTotals(Totals):
    active_shops: int = 0


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in Europe/Paris, whatever the DST."""
    return (
        datetime.combine(start, time.min, tzinfo=PARIS),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS),
    )


def sales_entries(territory_ids: list[int] | None, start: date, end: date) -> QuerySet[LedgerEntry]:
    """Entries of the range; `territory_ids=None` means every territory (the platform's view)."""
    since, until = period_bounds(start, end)
    entries = LedgerEntry.objects.filter(kind__in=SALES_KINDS, created_at__gte=since, created_at__lt=until)
    if territory_ids is not None:
        entries = entries.filter(shop_order__order__territory_id__in=territory_ids)
    return entries


def _money_sum(condition: Q):
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Sum("amount", filter=condition), Value(ZERO, output_field=money), output_field=money)


def _sums(orders_field: str) -> dict:
    # Signs in the ledger are the merchant's; turned into magnitudes by `_totals`.
    return {
        "sale_sum": _money_sum(Q(kind=LedgerKind.SALE)),
        "refund_sum": _money_sum(Q(kind=LedgerKind.REFUND)),
        "commission_sum": _money_sum(Q(kind__in=[LedgerKind.COMMISSION, LedgerKind.COMMISSION_RETURNED])),
        "orders_count": Count(orders_field, distinct=True, filter=Q(kind=LedgerKind.SALE)),
    }


def _totals(row: dict) -> dict:
    return {
        "sales": quantize_eur(row["sale_sum"]),
        "refunds": quantize_eur(-row["refund_sum"]),
        "commission": quantize_eur(-row["commission_sum"]),
        "orders": row["orders_count"],
    }


def territory_totals(entries: QuerySet[LedgerEntry]) -> TerritoryTotals:
    """Sales, refunds, commission, paid orders (customers' baskets) and active shops: one query."""
    row = entries.aggregate(
        **_sums("shop_order__order_id"), active=Count("shop_id", distinct=True, filter=Q(kind=LedgerKind.SALE))
    )
    return TerritoryTotals(**_totals(row), active_shops=row["active"])


def figures_by_day(entries: QuerySet[LedgerEntry], start: date, end: date) -> list[DayFigures]:
    """One row per day of the range, days without sales included: one query."""
    rows = (
        entries.annotate(day=TruncDate("created_at", tzinfo=PARIS))
        .values("day")
        .annotate(**_sums("shop_order__order_id"))
        .order_by("day")
    )
    found = {row["day"]: DayFigures(day=row["day"], **_totals(row)) for row in rows}
    days = (end - start).days + 1
    return [found.get(day, DayFigures(day=day)) for day in (start + timedelta(days=n) for n in range(days))]


def figures_by_shop(entries: QuerySet[LedgerEntry], limit: int | None = None) -> list[ShopFigures]:
    """Shops by sales, best first (ties by name); `orders` counts their shop orders: one query."""
    rows = (
        entries.values("shop_id", "shop__title")
        .annotate(**_sums("shop_order_id"))
        .order_by("-sale_sum", "shop__title", "shop_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        ShopFigures(shop_id=row["shop_id"], name=row["shop__title"] or _("Boutique supprimée"), **_totals(row))
        for row in rows
    ]


@dataclass
class SalesDashboard:
    start: date
    end: date
    totals: TerritoryTotals
    days: list[DayFigures]
    top_shops: list[ShopFigures]


def sales_dashboard(territory_ids: list[int] | None, start: date, end: date) -> SalesDashboard:
    """Everything the dashboard shows, in three queries."""
    entries = sales_entries(territory_ids, start, end)
    return SalesDashboard(
        start=start,
        end=end,
        totals=territory_totals(entries),
        days=figures_by_day(entries, start, end),
        top_shops=figures_by_shop(entries, TOP_SHOPS),
    )


# CSV ----------------------------------------------------------------------------------------


def days_csv(days: list[DayFigures]) -> str:
    """One row per day, in the active language (`portal.spreadsheets`)."""
    headings = [_("Jour"), _("Commandes payées"), _("Ventes TTC"), _("Remboursements"), _("Commission nette")]
    return csv_text([headings, *([d.day, d.orders, d.sales, d.refunds, d.commission] for d in days)])


def shops_csv(shops: list[ShopFigures]) -> str:
    """One row per shop, in the active language; a shop's name is text made inert (`portal.spreadsheets`)."""
    headings = [_("Boutique"), _("Commandes payées"), _("Ventes TTC"), _("Remboursements"), _("Commission nette")]
    return csv_text([headings, *([s.name, s.orders, s.sales, s.refunds, s.commission] for s in shops)])


# The chart ----------------------------------------------------------------------------------

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 16, 40  # margins around the plot, in SVG units
BAR_COLOUR, AXIS_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#9b1c2c", "#4a5a66", "#dde3e8", "#1d2a33"


def nice_step(maximum: Decimal, ticks: int = 4) -> Decimal:
    """A round whole step (1, 2, 2.5 or 5 × 10ⁿ euros, at least 1 €) so that `ticks` steps cover `maximum`."""
    if maximum <= 0:
        return Decimal(1)
    raw = maximum / ticks
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        step = factor * magnitude
        # Whole euros only, so the axis needs no cents (2.5 becomes 5, 0.5 becomes 1).
        if step >= raw and step >= 1 and step == step.to_integral_value():
            return step.quantize(Decimal(1))
    return Decimal(1)  # below 4 € in all: steps of 1 €


def _n(value: Decimal) -> str:
    """An SVG coordinate, one decimal."""
    return f"{Decimal(value).quantize(Decimal('0.1'))}"


def day_label(day: date) -> str:
    return day_month(day)


def sales_chart_svg(days: list[DayFigures], *, title: str, desc: str, element_id: str = "sales-chart") -> SafeString:
    """Bars of the sales (TTC) of each day, with a euro axis and day labels; a <title> per bar.

    Plain SVG in the page: no script, no font or file from elsewhere.
    """
    count = max(len(days), 1)
    plot_width = Decimal(WIDTH - LEFT - RIGHT)
    plot_height = Decimal(HEIGHT - TOP - BOTTOM)
    baseline = Decimal(TOP) + plot_height
    ticks = 4
    step = nice_step(max((d.sales for d in days), default=ZERO), ticks)
    top_value = step * ticks
    slot = plot_width / count
    bar_width = max(slot * Decimal("0.7"), Decimal("0.5"))
    label_every = int((Decimal(count) / 12).to_integral_value(ROUND_CEILING)) or 1

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sales-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{element_id}-title {element_id}-desc" '
        f'font-family="sans-serif" font-size="11" fill="{TEXT_COLOUR}">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(desc)}</desc>',
    ]
    for n in range(ticks + 1):
        value = step * n
        y = baseline - plot_height * n / ticks
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y)}" y2="{_n(y)}" '
            f'stroke="{GRID_COLOUR if n else AXIS_COLOUR}" stroke-width="1"/>'
            f'<text class="y-label" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">{escape(whole_euros(value))}</text>'
        )
    for index, day in enumerate(days):
        height = plot_height * day.sales / top_value if top_value else ZERO
        x = Decimal(LEFT) + slot * index + (slot - bar_width) / 2
        label = day_label(day.day)
        parts.append(
            f'<rect class="bar" x="{_n(x)}" y="{_n(baseline - height)}" width="{_n(bar_width)}" '
            f'height="{_n(height)}" fill="{BAR_COLOUR}"><title>{escape(label)} : {escape(euros(day.sales))}</title></rect>'
        )
        if index % label_every == 0:
            centre = Decimal(LEFT) + slot * index + slot / 2
            parts.append(
                f'<text class="x-label" x="{_n(centre)}" y="{_n(baseline + 16)}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is numbers and constants.
    return mark_safe("".join(parts))


def chart_description(dashboard: SalesDashboard) -> str:
    """The chart's <desc>: the range, the total and the best day, for screen readers."""
    best = max(dashboard.days, key=lambda d: d.sales, default=None)
    text = _("Ventes TTC par jour du %(start)s au %(end)s : %(total)s au total.") % {
        "start": short_date(dashboard.start),
        "end": short_date(dashboard.end),
        "total": euros(dashboard.totals.sales),
    }
    if best is not None and best.sales > 0:
        text += " " + _("Meilleur jour : %(day)s, %(amount)s.") % {
            "day": short_date(best.day), "amount": euros(best.sales)
        }
    return text
