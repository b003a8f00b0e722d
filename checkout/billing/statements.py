"""Weekly statements: what each merchant earned in a week, and what is paid to them.

A week runs from Monday 00:00 to the next Monday 00:00, Europe/Paris. The
statement of a shop for a week sums the shop's ledger movements (sale,
commission, refund, commission returned) created from the end of the
shop's previous statement (or the beginning) to the end of the week, so
a skipped week is counted in the next one and nothing is counted twice:

    balance  = carried_in + sales − refunds − commission + commission_returned
    fee      = PAYOUT_TRANSFER_FEE, plus VAT when PLATFORM_VAT_REGISTERED
    if balance − fee > 0:  payout = balance − fee, carried_out = 0
    else:                  no transfer, no fee, carried_out = balance

The fee and the payout are ledger entries of the statement (`statement`
set), so a merchant's balance stays the sum of their ledger entries and,
after a statement, equals its `carried_out`.

A statement is written with its fee, payout and commission invoice in one
transaction, under a lock on the shop's page and only if the shop's latest
statement is still the one its carried balance came from; so a second run,
a run after a crash halfway, or a run for another week at the same time
creates only what is missing, and never forks a shop's chain.

A week is made in batches of shops (`weekly_batches`), the sums left to the
database: the schedule runs each batch as its own task (`enqueue_week`),
`run_week` runs them all in one process. A batch's statements are written
together, in a fixed number of queries whatever its shops; when another run
stated one of them since the batch read it, or one shop's statement fails,
nothing of the batch is kept and each shop is written in its own
transaction, so the failure is that shop's alone.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from wagtail.models import Page

from checkout.billing import invoices, payouts
from checkout.models import LedgerEntry, LedgerKind, Payout, WeeklyStatement
from markets.emails import merchant_languages
from portal.money import ZERO, quantize_eur
from shops.models import ShopPage

logger = logging.getLogger(__name__)

MOVEMENTS = (LedgerKind.SALE, LedgerKind.COMMISSION, LedgerKind.REFUND, LedgerKind.COMMISSION_RETURNED)
# A payment stamps its ledger entries when it starts and commits after its
# row locks (seconds): a week is stated only once this long has passed.
SETTLING = timedelta(minutes=15)


class StatementRefused(Exception):
    pass


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def last_ended_week(now: datetime | None = None) -> date:
    """The Monday of the last week that has ended and settled at `now` (Paris time)."""
    today = timezone.localdate((now or timezone.now()) - SETTLING)
    return week_start_of(today) - timedelta(days=7)


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """Monday 00:00 and the next Monday 00:00 of the week, Europe/Paris (a week may last 167 or 169 hours)."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(week_start, time.min), tz)
    end = timezone.make_aware(datetime.combine(week_start + timedelta(days=7), time.min), tz)
    return start, end


def transfer_fee() -> Decimal:
    """What one transfer costs the merchant, VAT included when the platform charges VAT."""
    fee = Decimal(settings.PAYOUT_TRANSFER_FEE)
    if settings.PLATFORM_VAT_REGISTERED:
        fee += quantize_eur(fee * Decimal(settings.PLATFORM_VAT_RATE) / 100)
    return fee


@dataclass
class Movements:
    sales: Decimal = ZERO
    refunds: Decimal = ZERO
    commission: Decimal = ZERO
    commission_returned: Decimal = ZERO
    orders_count: int = 0

    @property
    def empty(self) -> bool:
        return not (self.sales or self.refunds or self.commission or self.commission_returned)


def _movements(shop_ids, since: datetime | None, until: datetime) -> dict[int, Movements]:
    """Sums of the shops' movements created in [since, until), one query."""
    entries = LedgerEntry.objects.filter(shop_id__in=shop_ids, kind__in=MOVEMENTS, created_at__lt=until)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    rows = entries.values("shop_id").annotate(
        sales=Sum("amount", filter=Q(kind=LedgerKind.SALE)),
        refunds=Sum("amount", filter=Q(kind=LedgerKind.REFUND)),
        commission=Sum("amount", filter=Q(kind=LedgerKind.COMMISSION)),
        commission_returned=Sum("amount", filter=Q(kind=LedgerKind.COMMISSION_RETURNED)),
        orders_count=Count("shop_order", filter=Q(kind=LedgerKind.SALE), distinct=True),
    )
    # Ledger signs are the merchant's; a statement shows magnitudes. SQLite sums
    # decimals as floats (0.1 + 0.2 ≠ 0.3): quantize before comparing with the fee.
    return {
        row["shop_id"]: Movements(
            sales=quantize_eur(row["sales"] or ZERO),
            refunds=quantize_eur(-(row["refunds"] or ZERO)),
            commission=quantize_eur(-(row["commission"] or ZERO)),
            commission_returned=quantize_eur(row["commission_returned"] or ZERO),
            orders_count=row["orders_count"],
        )
        for row in rows
    }


def _shops_with_movements(week_start: date, end: datetime):
    """Ids of the shops with movements before `end` and no statement for this week or a later one, by pk.

    A shop carrying a balance had movements before, so it is among them.
    Shops stated for this week or a later one are left out: the chain only
    moves forward.
    """
    moved = LedgerEntry.objects.filter(shop=OuterRef("pk"), kind__in=MOVEMENTS, created_at__lt=end)
    stated = WeeklyStatement.objects.filter(shop=OuterRef("pk"), week_start__gte=week_start)
    return (
        ShopPage.objects.filter(Exists(moved)).exclude(Exists(stated)).order_by("pk").values_list("pk", flat=True)
    )


def _previous_statements(shop_ids: list[int], week_start: date) -> dict[int, WeeklyStatement | None]:
    """Each shop's latest statement before the week (None for its first), one query whatever the weeks behind."""
    latest = (
        WeeklyStatement.objects.filter(shop=OuterRef("shop"), week_start__lt=week_start)
        .order_by("-week_start")
        .values("pk")[:1]
    )
    previous = WeeklyStatement.objects.filter(shop_id__in=shop_ids, pk=Subquery(latest)).only(
        "shop_id", "week_start", "period_end", "carried_out"
    )
    found = {statement.shop_id: statement for statement in previous}
    return {shop_id: found.get(shop_id) for shop_id in shop_ids}


def _week_end(week_start: date, now: datetime) -> datetime:
    """The end of the week, once it may be stated at `now`; raises `StatementRefused` before."""
    if week_start.weekday() != 0:
        raise StatementRefused(f"{week_start} is not a Monday.")
    _start, end = week_bounds(week_start)
    if now < end + SETTLING:
        raise StatementRefused(f"The week of {week_start} has not ended, or ended less than {SETTLING} ago.")
    return end


def batch_size() -> int:
    return int(settings.WEEKLY_RUN_BATCH_SIZE)


def weekly_batches(week_start: date, *, size: int | None = None, now: datetime | None = None) -> list[tuple[int, int]]:
    """The week's shops still to state, cut in batches of `size` by shop pk: (first pk, last pk) of each.

    Only the bounds are kept while the ids stream from the database, so
    memory grows with the number of batches, not of shops. A batch's shops
    are those still to state between its bounds (`build_weekly_statements_batch`).
    """
    size = size or batch_size()
    end = _week_end(week_start, now or timezone.now())
    bounds = []
    first = last = None
    count = 0
    for shop_id in _shops_with_movements(week_start, end).iterator(chunk_size=2000):
        if first is None:
            first = shop_id
        last, count = shop_id, count + 1
        if count == size:
            bounds.append((first, last))
            first, count = None, 0
    if first is not None:
        bounds.append((first, last))
    return bounds


def build_weekly_statements(week_start: date, *, now: datetime | None = None) -> list[WeeklyStatement]:
    """Make the missing statements of the week starting on Monday `week_start`; return those made.

    Refuses a week that ended less than `SETTLING` ago. A shop with no
    movement and nothing carried gets no statement. Safe to run twice and
    concurrently, for this week or another. Runs every batch in this
    process; the Monday schedule runs each batch as its own task instead.
    """
    now = now or timezone.now()
    made = []
    for first, last in weekly_batches(week_start, now=now):
        made += build_weekly_statements_batch(week_start, first, last, now=now)
    return made


def build_weekly_statements_batch(
    week_start: date, first_shop_id: int, last_shop_id: int, *, now: datetime | None = None
) -> list[WeeklyStatement]:
    """Make the missing statements of the week for the shops with pk in [first_shop_id, last_shop_id].

    The same rules as `build_weekly_statements`, for one batch: a fixed
    number of queries whatever the number of shops and of ledger rows (they
    are summed by the database), a credit note's lookup of the invoice it
    corrects aside.
    Shops already stated for the week are skipped, so a batch run twice, or
    at the same time as another run, makes nothing twice.
    """
    now = now or timezone.now()
    end = _week_end(week_start, now)
    shop_ids = list(_shops_with_movements(week_start, end).filter(pk__gte=first_shop_id, pk__lte=last_shop_id))
    previous_of = _previous_statements(shop_ids, week_start)
    by_since: dict[datetime | None, list[int]] = {}
    for shop_id, previous in previous_of.items():
        by_since.setdefault(previous.period_end if previous else None, []).append(shop_id)
    movements: dict[int, Movements] = {}
    for since, ids in by_since.items():
        movements.update(_movements(ids, since, end))

    shops = ShopPage.objects.select_related("locale").in_bulk(shop_ids)
    territory_of = _territories(shops.values())
    # The statement, its report and its invoice are written in the merchants' own language.
    language_of = merchant_languages([shop.translation_key for shop in shops.values()])
    fee = transfer_fee()
    drafts = []
    for shop_id, previous in previous_of.items():
        carried_in = previous.carried_out if previous else ZERO
        moved = movements.get(shop_id, Movements())
        if moved.empty and not carried_in:
            continue
        shop = shops[shop_id]
        statement = _new_statement(
            shop, territory_of[shop_id], week_start, end, carried_in, moved, fee,
            language=language_of[shop.translation_key],
        )
        drafts.append((statement, previous))
    if not drafts:
        return []
    try:
        return _save_in_bulk(drafts, now)
    except _NotInBulk as reason:
        # Another run got there first, or one shop's statement fails: each shop then in its own
        # transaction, so that the others are stated and the failure is that shop's alone.
        logger.info("Statements of the week of %s one shop at a time: %s", week_start, reason)
    made = []
    for statement, previous in drafts:
        if _save_one(statement, previous, now):
            made.append(statement)
    return made


class _NotInBulk(Exception):
    pass


def _save_in_bulk(drafts: list[tuple[WeeklyStatement, WeeklyStatement | None]], now: datetime) -> list[WeeklyStatement]:
    """Write a batch's statements, their payouts and commission invoices in one transaction, a few queries for all.

    The same rules as `_save_one`, for all the shops at once: their pages
    locked in pk order (the order `_save_one` locks them, one at a time),
    each shop's latest statement still the one its carried balance came
    from. Raises `_NotInBulk`, having written nothing, when one is not.
    """
    shop_ids = [statement.shop_id for statement, _previous in drafts]
    try:
        with transaction.atomic():
            list(Page.objects.select_for_update().filter(pk__in=shop_ids).order_by("pk").values_list("pk"))
            latest = _latest_statements(shop_ids)
            moved = [
                statement.shop_id for statement, previous in drafts
                if latest.get(statement.shop_id) != (previous.pk if previous else None)
            ]
            if moved:
                raise _NotInBulk(f"shops stated by another run since they were read: {moved}")
            made = WeeklyStatement.objects.bulk_create([statement for statement, _previous in drafts])
            paid = [statement for statement in made if statement.payout_amount]
            LedgerEntry.objects.bulk_create([entry for statement in paid for entry in _payout_entries(statement, now)])
            Payout.objects.bulk_create([_payout(statement) for statement in paid])
            invoices.issue_commission_invoices_of_new_statements(made)
    except _NotInBulk:
        raise
    except Exception as error:
        for statement, _previous in drafts:
            statement.pk = None  # not saved: the transaction is rolled back
        raise _NotInBulk(repr(error)) from error
    return made


def _latest_statements(shop_ids: list[int]) -> dict[int, int]:
    """The pk of each shop's latest statement, whatever its week, for the shops that have one; one query."""
    latest = WeeklyStatement.objects.filter(shop=OuterRef("shop")).order_by("-week_start").values("pk")[:1]
    return dict(
        WeeklyStatement.objects.filter(shop_id__in=shop_ids, pk=Subquery(latest)).values_list("shop_id", "pk")
    )


def _make_statement(
    shop, territory_id, previous, week_start, end, carried_in, moved: Movements, fee, now, language=None
) -> WeeklyStatement | None:
    """Write the statement unless another run stated this shop since `previous` was read (then None).

    `language` is the merchants' (default: the shop page's).
    """
    statement = _new_statement(shop, territory_id, week_start, end, carried_in, moved, fee, language=language)
    return statement if _save_one(statement, previous, now) else None


def _new_statement(
    shop, territory_id, week_start, end, carried_in, moved: Movements, fee, language=None
) -> WeeklyStatement:
    """The statement of `shop` for the week, not saved: its balance paid out, less the fee, or carried."""
    statement = WeeklyStatement(
        shop=shop,
        territory_id=territory_id,
        week_start=week_start,
        period_end=end,
        **{**shop.invoicing_identity(), **({"merchant_language": language} if language else {})},
        orders_count=moved.orders_count,
        carried_in=carried_in,
        sales=moved.sales,
        refunds=moved.refunds,
        commission=moved.commission,
        commission_returned=moved.commission_returned,
        transfer_fee=ZERO,
        payout_amount=ZERO,
        carried_out=ZERO,
    )
    balance = statement.balance
    if balance - fee > 0:
        statement.transfer_fee, statement.payout_amount = fee, balance - fee
    else:
        statement.carried_out = balance
    return statement


def _save_one(statement: WeeklyStatement, previous: WeeklyStatement | None, now: datetime) -> bool:
    """Write the statement with its payout and invoice unless another run stated the shop since `previous` was read."""
    shop, week_start = statement.shop, statement.week_start
    try:
        with transaction.atomic():
            # One run at a time per shop; then check the chain is still where it was read.
            Page.objects.select_for_update().filter(pk=shop.pk).values_list("pk").first()
            latest = WeeklyStatement.objects.filter(shop=shop).order_by("-week_start").values_list("pk", flat=True)
            if latest.first() != (previous.pk if previous else None):
                logger.info("Shop %s was stated by another run since; skipped for %s", shop.pk, week_start)
                return False
            statement.save(force_insert=True)
            if statement.payout_amount:
                LedgerEntry.objects.bulk_create(_payout_entries(statement, now))
                _payout(statement).save(force_insert=True)
            invoices.issue_commission_invoice(statement)
    except IntegrityError:
        # Another run made this week's statement for the shop first.
        logger.info("Statement of shop %s for %s already made", shop.pk, week_start)
        return False
    return True


def _payout_entries(statement: WeeklyStatement, now: datetime) -> list[LedgerEntry]:
    """The fee and the payout of a saved statement, as the ledger entries that take them off the balance."""
    return [
        LedgerEntry(kind=kind, shop=statement.shop, statement=statement, amount=-amount, created_at=now)
        for kind, amount in (
            (LedgerKind.TRANSFER_FEE, statement.transfer_fee),
            (LedgerKind.PAYOUT, statement.payout_amount),
        )
    ]


def _payout(statement: WeeklyStatement) -> Payout:
    return Payout(
        statement=statement,
        shop=statement.shop,
        territory_id=statement.territory_id,
        amount=statement.payout_amount,
        end_to_end_id=payouts.new_end_to_end_id(statement),
    )


def _territories(shops) -> dict[int, int]:
    """Each shop's territory: that of the market page above it (one query for all shops)."""
    from markets.models import MarketPage

    market_territory = dict(MarketPage.objects.values_list("path", "territory_id"))
    step = ShopPage.steplen
    found = {}
    for shop in shops:
        for depth in range(len(shop.path) // step - 1, 0, -1):
            territory_id = market_territory.get(shop.path[: depth * step])
            if territory_id is not None:
                found[shop.pk] = territory_id
                break
    return found


@dataclass
class WeekRun:
    week_start: date
    statements: list[WeeklyStatement]
    batch: object | None  # the PayoutBatch exported, if any payout was ready
    reports_enqueued: int


def _enqueue_reports(statements_to_send) -> int:
    """Enqueue the report e-mail of each statement not reported yet; the task sends each at most once."""
    from django_q.tasks import async_task

    unsent = list(
        statements_to_send.filter(report_sent_at__isnull=True).exclude(merchant_email="").order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in unsent:
        async_task("checkout.tasks.send_weekly_report", pk)
    return len(unsent)


def run_week(week_start: date, *, now: datetime | None = None, export: bool = True) -> WeekRun:
    """The Monday-morning run in one process: statements and commission invoices, the transfer file, the reports.

    Each step is safe to repeat: statements are made once per shop and
    week, a payout is exported once, a report is sent once (its task
    claims `report_sent_at`), so a run after a crash finishes the job.
    The schedule runs the same steps as a chain of tasks (`enqueue_week`).
    """
    made = build_weekly_statements(week_start, now=now)
    batch = payouts.export_pending_payouts() if export else None
    reports_enqueued = _enqueue_reports(WeeklyStatement.objects.filter(week_start=week_start))
    return WeekRun(week_start, made, batch, reports_enqueued)


def enqueue_week(week_start: date, *, size: int | None = None) -> int:
    """The Monday run as tasks: one per batch of shops, then one exporting the payouts; returns the batch count.

    The tasks form a django-q2 chain, each enqueued when the previous one
    ends, so each stays well within the queue's time-out whatever the
    number of shops, and the batches state the shops in the same order as
    one run would: the platform's invoice numbers follow the shops' order
    (and the batches do not queue up on that sequence's lock). A batch that
    fails does not stop the chain; its shops are stated by the next run.
    Nothing is enqueued when no shop is to be stated.
    """
    from django_q.tasks import async_chain

    day = week_start.isoformat()
    bounds = weekly_batches(week_start, size=size)
    if not bounds:
        return 0
    chain = [("checkout.tasks.make_weekly_statements_batch", (day, first, last)) for first, last in bounds]
    chain.append(("checkout.tasks.export_weekly_payouts",))
    async_chain(chain, group=f"weekly-run-{day}")
    return len(bounds)


def run_week_batch(week_start: date, first_shop_id: int, last_shop_id: int) -> int:
    """One task of the Monday run: state the batch's shops, enqueue their reports; returns the statements made."""
    made = build_weekly_statements_batch(week_start, first_shop_id, last_shop_id)
    _enqueue_reports(
        WeeklyStatement.objects.filter(
            week_start=week_start, shop_id__gte=first_shop_id, shop_id__lte=last_shop_id
        )
    )
    return len(made)
