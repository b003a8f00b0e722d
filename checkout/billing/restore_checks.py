"""Checks of the books that a restored database must pass: statements against the ledger, invoice numbering.

Each check reads the database of the default connection and returns a
`CheckResult`: what it looked at and, for each rule broken, one line saying
where. `manage.py check_restore` runs them on a freshly restored dump; they
only read, so they may run on the live database too.

Statements (`checkout.billing.statements`): a shop's statements form a
chain, week after week; each sums the shop's movements (sale, commission,
refund, commission returned) created from the end of the previous
statement to its own `period_end`, and its transfer fee and payout are
ledger entries pointing at it. So, for each statement S of a shop:

- its figures are the sums of the movements of its window, its
  `carried_in` is the previous statement's `carried_out`, and
  `balance = transfer_fee + payout_amount + carried_out`;
- its fee and payout entries carry −`transfer_fee` and −`payout_amount`;
- the sum of the shop's ledger entries counted up to S (movements created
  before `period_end`, fees and payouts of S and the statements before it)
  equals S's `carried_out`.

Invoices (`checkout.billing.invoices`): each sequence numbers its invoices
1, 2, … `last_number`, without a gap or a number beyond its counter.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Max, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from checkout.models import Invoice, InvoiceSequence, LedgerEntry, LedgerKind, WeeklyStatement
from portal.money import ZERO, quantize_eur

MOVEMENT_FIELDS = {
    # statement field: (ledger kind, sign turning the ledger's sum into the statement's magnitude)
    "sales": (LedgerKind.SALE, 1),
    "refunds": (LedgerKind.REFUND, -1),
    "commission": (LedgerKind.COMMISSION, -1),
    "commission_returned": (LedgerKind.COMMISSION_RETURNED, 1),
}
# A broken sequence can miss thousands of numbers: the report names the first ones.
SHOWN_NUMBERS = 20


@dataclass
class CheckResult:
    """One check's outcome: its title, how many rows it covered, and the rules broken (empty when it passes)."""

    title: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _ledger_sum(entries) -> Coalesce:
    """The sum of `entries` (a queryset filtered on OuterRef), for one statement row; 0 when there are none."""
    money = DecimalField(max_digits=14, decimal_places=2)
    total = entries.order_by().values("shop").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=money), Value(ZERO), output_field=money)


def _statements_with_ledger_sums():
    """Each statement with the shop's ledger sums counted up to it, one query (correlated sums, by index)."""
    before_end = LedgerEntry.objects.filter(shop=OuterRef("shop"), created_at__lt=OuterRef("period_end"))
    sums = {
        f"ledger_{name}": _ledger_sum(before_end.filter(kind=kind)) for name, (kind, _sign) in MOVEMENT_FIELDS.items()
    }
    # Fees and payouts are stamped when the statement is made, after its week: they count by statement.
    paid_so_far = LedgerEntry.objects.filter(
        shop=OuterRef("shop"),
        kind__in=(LedgerKind.TRANSFER_FEE, LedgerKind.PAYOUT),
        statement__week_start__lte=OuterRef("week_start"),
    )
    own = LedgerEntry.objects.filter(statement=OuterRef("pk"))
    return (
        WeeklyStatement.objects.filter(shop__isnull=False)
        .annotate(
            **sums,
            ledger_paid=_ledger_sum(paid_so_far),
            own_fee=_ledger_sum(own.filter(kind=LedgerKind.TRANSFER_FEE)),
            own_payout=_ledger_sum(own.filter(kind=LedgerKind.PAYOUT)),
        )
        .order_by("shop_id", "week_start")
    )


def check_statements_against_ledger() -> CheckResult:
    """Every statement's figures, its chain and its carried balance against the ledger (see the module)."""
    result = CheckResult("Relevés hebdomadaires et grand livre")
    shops = set()
    previous = None  # (shop id, cumulative movements, carried_out) of the statement before, in the same shop
    for statement in _statements_with_ledger_sums().iterator(chunk_size=500):
        result.checked += 1
        shops.add(statement.shop_id)
        if previous is not None and previous[0] != statement.shop_id:
            previous = None
        where = f"boutique {statement.shop_id}, relevé du {statement.week_start:%d/%m/%Y} (n° {statement.pk})"
        cumulative = {name: quantize_eur(getattr(statement, f"ledger_{name}")) for name in MOVEMENT_FIELDS}
        for name, (_kind, sign) in MOVEMENT_FIELDS.items():
            before = previous[1][name] if previous else ZERO
            window = sign * (cumulative[name] - before)
            if window != getattr(statement, name):
                result.problems.append(f"{where} : {name} {getattr(statement, name)} au relevé, {window} au grand livre")
        carried_in = previous[2] if previous else ZERO
        if statement.carried_in != carried_in:
            result.problems.append(
                f"{where} : report entrant {statement.carried_in}, le relevé précédent a reporté {carried_in}"
            )
        paid_out = statement.transfer_fee + statement.payout_amount + statement.carried_out
        if statement.balance != paid_out:
            result.problems.append(
                f"{where} : solde {statement.balance} ≠ frais + versement + report ({paid_out})"
            )
        own = (quantize_eur(-statement.own_fee), quantize_eur(-statement.own_payout))
        if own != (statement.transfer_fee, statement.payout_amount):
            result.problems.append(
                f"{where} : frais et versement {statement.transfer_fee} et {statement.payout_amount} au relevé, "
                f"{own[0]} et {own[1]} au grand livre"
            )
        ledger_balance = quantize_eur(sum(cumulative.values(), Decimal(0)) + statement.ledger_paid)
        if ledger_balance != statement.carried_out:
            result.problems.append(
                f"{where} : le grand livre de la boutique totalise {ledger_balance} à ce relevé, "
                f"qui a reporté {statement.carried_out}"
            )
        previous = (statement.shop_id, cumulative, statement.carried_out)
    orphans = WeeklyStatement.objects.filter(shop__isnull=True).count()
    if orphans:
        # A deleted shop page leaves its statements without a shop: their ledger entries cannot be told apart.
        result.notes.append(f"{orphans} relevé(s) d'une boutique supprimée non vérifié(s)")
    result.notes.insert(0, f"{result.checked} relevé(s) de {len(shops)} boutique(s)")
    return result


def check_invoice_sequences() -> CheckResult:
    """Every sequence numbers its invoices 1 … last_number, each once (see the module)."""
    result = CheckResult("Numérotation des factures et avoirs")
    sequences = InvoiceSequence.objects.annotate(
        issued=Count("invoices"), lowest=Min("invoices__sequence_number"), highest=Max("invoices__sequence_number")
    ).order_by("key")
    invoices = 0
    for sequence in sequences:
        result.checked += 1
        invoices += sequence.issued
        if sequence.issued == sequence.last_number and sequence.highest in (None, sequence.last_number) and (
            sequence.lowest in (None, 1)
        ):
            continue
        numbers = set(
            Invoice.objects.filter(sequence=sequence).values_list("sequence_number", flat=True).iterator()
        )
        top = max(sequence.last_number, max(numbers, default=0))
        missing = sorted(set(range(1, top + 1)) - numbers)
        if missing:
            shown = ", ".join(str(n) for n in missing[:SHOWN_NUMBERS]) + (" …" if len(missing) > SHOWN_NUMBERS else "")
            result.problems.append(f"séquence {sequence.prefix} : {len(missing)} numéro(s) manquant(s) : {shown}")
        beyond = sorted(n for n in numbers if n > sequence.last_number or n < 1)
        if beyond:
            result.problems.append(
                f"séquence {sequence.prefix} : numéro(s) {', '.join(map(str, beyond[:SHOWN_NUMBERS]))} "
                f"hors du compteur ({sequence.last_number})"
            )
    result.notes.append(f"{invoices} facture(s) et avoir(s) dans {result.checked} séquence(s)")
    return result
