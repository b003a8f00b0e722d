"""The merchant's weekly report: a statement's movements, its e-mail, its CSV and its PDF.

A statement (see `checkout.models.payouts.WeeklyStatement`) counts the
ledger entries of its shop created in [previous statement's `period_end`,
`period_end`) — from the very first entry for a shop's first statement —
which is how `checkout.billing.statements` cuts them. Everything here reads that
statement and those entries again; nothing is recomputed into the
statement and nothing is written but `report_sent_at`.

A movement is what the merchant recognises: one sale (a shop order paid,
with its commission) or one refund (with the commission given back).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from checkout.models import LedgerEntry, LedgerKind, ShopOrder, Voucher, WeeklyStatement
from portal.emails import send_templated_email
from portal.money import ZERO
from portal.pdf import html_to_pdf
from portal.spreadsheets import csv_text

SALE_KINDS = (LedgerKind.SALE, LedgerKind.COMMISSION)
REFUND_KINDS = (LedgerKind.REFUND, LedgerKind.COMMISSION_RETURNED)
ORDER_KINDS = SALE_KINDS + REFUND_KINDS


@dataclass
class Movement:
    """One sale or one refund of the week, seen from the merchant's balance (refunds are negative)."""

    kind: str  # LedgerKind.SALE or LedgerKind.REFUND
    at: datetime
    shop_order: ShopOrder
    refund_id: int | None = None
    amount: Decimal = ZERO  # + what the customer paid, − what was given back
    commission: Decimal = ZERO  # − the commission taken, + the commission returned

    @property
    def net(self) -> Decimal:
        return self.amount + self.commission

    @property
    def is_sale(self) -> bool:
        return self.kind == LedgerKind.SALE

    @property
    def label(self) -> str:
        return _("Vente") if self.is_sale else _("Remboursement")


@dataclass
class MovementTotals:
    amount: Decimal = ZERO
    commission: Decimal = ZERO
    net: Decimal = ZERO


@dataclass
class WeeklyReport:
    """What the e-mail, the CSV and the PDF of one statement show."""

    statement: WeeklyStatement
    movements: list[Movement]
    totals: MovementTotals
    vouchers: list[Voucher] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        """The Sunday that ends the statement's week."""
        return self.statement.week_start + timedelta(days=6)

    @property
    def sales(self) -> list[Movement]:
        return [m for m in self.movements if m.is_sale]

    @property
    def refunds(self) -> list[Movement]:
        return [m for m in self.movements if not m.is_sale]

    @property
    def paid(self) -> bool:
        return self.statement.payout_amount > 0


def period_start(statement: WeeklyStatement) -> datetime | None:
    """Where the statement's period begins: the previous statement's end, or None for a shop's first one."""
    return (
        WeeklyStatement.objects.filter(shop_id=statement.shop_id, week_start__lt=statement.week_start)
        .order_by("-week_start")
        .values_list("period_end", flat=True)
        .first()
    )


def statement_entries(statement: WeeklyStatement) -> QuerySet[LedgerEntry]:
    """The sale, commission, refund and returned-commission entries the statement counts."""
    if statement.shop_id is None:
        # The shop was deleted: its entries lost their shop too, nothing tells them apart.
        return LedgerEntry.objects.none()
    entries = LedgerEntry.objects.filter(
        shop_id=statement.shop_id, kind__in=ORDER_KINDS, created_at__lt=statement.period_end
    )
    start = period_start(statement)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    return entries


def statement_movements(statement: WeeklyStatement) -> list[Movement]:
    """The week's sales and refunds, oldest first, each with its commission (one query and one for the start)."""
    movements: dict[tuple, Movement] = {}
    entries = statement_entries(statement).select_related("shop_order__order").order_by("created_at", "pk")
    for entry in entries:
        if entry.kind in SALE_KINDS:
            key = (LedgerKind.SALE, entry.shop_order_id)
        else:
            key = (LedgerKind.REFUND, entry.refund_id or f"entry-{entry.pk}")
        movement = movements.get(key)
        if movement is None:
            movement = movements[key] = Movement(
                kind=key[0], at=entry.created_at, shop_order=entry.shop_order, refund_id=entry.refund_id
            )
        if entry.kind in (LedgerKind.SALE, LedgerKind.REFUND):
            movement.amount += entry.amount
        else:
            movement.commission += entry.amount
    return list(movements.values())


def movement_totals(movements: list[Movement]) -> MovementTotals:
    return MovementTotals(
        amount=sum((m.amount for m in movements), ZERO),
        commission=sum((m.commission for m in movements), ZERO),
        net=sum((m.net for m in movements), ZERO),
    )


def vouchers_sold(shop_order_ids) -> list[Voucher]:
    """The vouchers issued for these shop orders, in the order they were issued."""
    return list(
        Voucher.objects.filter(order_line__shop_order_id__in=list(shop_order_ids))
        .select_related("order_line__shop_order__order")
        .order_by("pk")
    )


def weekly_report(statement: WeeklyStatement) -> WeeklyReport:
    movements = statement_movements(statement)
    sold = vouchers_sold({m.shop_order.pk for m in movements if m.is_sale})
    return WeeklyReport(statement, movements, movement_totals(movements), sold)


def voucher_holder(voucher: Voucher) -> str:
    """Who holds a voucher: the beneficiary named by the buyer, else the buyer."""
    return voucher.beneficiary_name or voucher.buyer_name


# Links --------------------------------------------------------------------------------------


def admin_url(url_name: str, statement: WeeklyStatement) -> str:
    """An absolute link into the admin (the URLs are registered by `checkout.billing.report_admin`)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(url_name, kwargs={"pk": statement.pk})


def file_stem(statement: WeeklyStatement) -> str:
    return f"releve-{slugify(statement.trade_name) or statement.shop_id}-{statement.week_start.isoformat()}"


# The e-mail ---------------------------------------------------------------------------------


def _language(statement: WeeklyStatement) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return statement.merchant_language if statement.merchant_language in codes else settings.LANGUAGE_CODE


def send_weekly_report(statement_id: int) -> bool:
    """Task: e-mail the merchant their statement of the week, at most once. Returns whether it was sent.

    Claims `report_sent_at` with a conditional UPDATE, then sends inside the
    same transaction: a replay finds it set and sends nothing, a failed send
    rolls the claim back so a retry sends it. A statement without an
    e-mail address is never claimed.
    """
    with transaction.atomic():
        claimed = (
            WeeklyStatement.objects.filter(pk=statement_id, report_sent_at__isnull=True)
            .exclude(merchant_email="")
            .update(report_sent_at=timezone.now())
        )
        if not claimed:
            return False
        statement = WeeklyStatement.objects.get(pk=statement_id)
        report = weekly_report(statement)
        context = {
            "report": report,
            "statement": statement,
            "vouchers": [{"voucher": v, "holder": voucher_holder(v)} for v in report.vouchers],
            "pdf_url": admin_url("statement_pdf", statement),
            "csv_url": admin_url("statement_csv", statement),
        }
        send_templated_email(
            "checkout/reports/emails/weekly_report",
            context,
            statement.merchant_email,
            _language(statement),
            about=statement,
        )
    return True


# The CSV ------------------------------------------------------------------------------------

def statement_csv(statement: WeeklyStatement) -> str:
    """One row per sale or refund of the statement's period, then a total row, in the active language.

    Written by `portal.spreadsheets`: the customer's name is made inert
    (`spreadsheet_text`), amounts stay numbers, refunds negative.
    """
    report = weekly_report(statement)
    headings = [_("Date"), _("Nature"), _("Commande n°"), _("Client"), _("Montant TTC"), _("Commission"), _("Net")]
    rows = [
        [
            movement.at,
            movement.label,
            movement.shop_order.order.number,
            movement.shop_order.order.customer_name,
            movement.amount,
            movement.commission,
            movement.net,
        ]
        for movement in report.movements
    ]
    totals = report.totals
    return csv_text([headings, *rows, ["", _("Total"), "", "", totals.amount, totals.commission, totals.net]])


# The PDF ------------------------------------------------------------------------------------




def render_statement_html(statement: WeeklyStatement) -> str:
    report = weekly_report(statement)
    return render_to_string(
        "checkout/reports/statement_pdf.html",
        {
            "report": report,
            "statement": statement,
            "vouchers": [{"voucher": v, "holder": voucher_holder(v)} for v in report.vouchers],
            "platform": settings.PLATFORM,
            "language": translation.get_language(),
        },
    )


def render_statement_pdf(statement: WeeklyStatement) -> bytes:
    """The statement as a PDF, in the active language."""
    return html_to_pdf(render_statement_html(statement))
