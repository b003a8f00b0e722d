"""Payouts: hand the merchants' weekly payouts to the bank, then record that the bank paid them.

Contract with `checkout.billing.statements`
- A statement that pays something gets one `Payout` (state `pending`) whose
  `end_to_end_id` is `new_end_to_end_id(statement)`; the statement must be
  saved first (its pk is part of the id). The id travels with the transfer
  to the merchant's bank statement, so it must be unique and ≤ 35 chars.
- `export_pending_payouts()` puts every pending payout whose shop has a
  valid bank account into one `PayoutBatch` (a SEPA file by default) and
  moves those payouts to `exported`; the others stay `pending` for the next
  export (`unpayable_payouts()` says why). Exporting again exports nothing
  twice: payouts are locked and only `pending` ones are taken.
- `mark_paid(payout_or_batch, user)` records the bank's confirmation:
  `exported` → `paid`. Nothing else moves a payout.

The ledger is not touched here: the payout's ledger entry is written with
the statement (the money is owed from then on); these functions only track
how it reaches the merchant.

Backends: `settings.PAYOUT_BACKEND` names a `PayoutBackend` subclass. A
backend says which accounts it can pay (`refusal`) and turns a list of
payouts into a saved `PayoutBatch` (`export`). A Stripe Connect backend is
one more subclass whose `export` makes one transfer per payout and records
them in the batch.
"""

import functools
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import date

import sepaxml
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from sepaxml.validation import ValidationError
from text_unidecode import unidecode
from wagtail.log_actions import log

from checkout.models import Payout, PayoutAccount, PayoutBatch, PayoutState, WeeklyStatement
from portal.money import ZERO, quantize_eur, to_cents
from shops.models import ShopPage

logger = logging.getLogger(__name__)

EXPORT_ACTION = "checkout.payout_batch.export"
PAID_ACTION = "checkout.payout.paid"
BATCH_PAID_ACTION = "checkout.payout_batch.paid"
# Rows per UPDATE when the payees are copied onto exported payouts: the CASE of each statement grows with it.
PAYEE_UPDATE_BATCH = 100


class PayoutRefused(Exception):
    """A payout or a batch cannot make the asked transition; the message is for the admin user."""


def new_end_to_end_id(statement: WeeklyStatement) -> str:
    """The end-to-end reference of the payout of a saved `statement`: "MN-<statement pk>-<ISO year>W<week>".

    Unique because a statement has at most one payout; at most 3 + 20 + 1 + 7
    characters (≤ 35, the SEPA limit); only characters every SEPA bank accepts.
    """
    if statement.pk is None:
        raise ValueError("Save the statement before making its payout's end-to-end id.")
    year, week, _weekday = statement.week_start.isocalendar()
    return f"MN-{statement.pk}-{year}W{week:02d}"


def remittance_information(week_start: date) -> str:
    """What the merchant reads on their bank statement (French, as the platform's bank files)."""
    return f"Marché de Noël — semaine du {week_start:%d/%m/%Y}"


def new_batch_reference() -> str:
    """A batch reference, also the SEPA message id: "MN-YYYYMMDD-HHMMSS-XXXXXX" (25 chars, unique in practice)."""
    return f"MN-{timezone.localtime():%Y%m%d-%H%M%S}-{secrets.token_hex(3).upper()}"


def mask_iban(iban: str) -> str:
    """An IBAN as shown once saved and written in logs: country, check digits and the last four characters."""
    iban = "".join(iban.split()).upper()
    if len(iban) < 8:
        return "•" * len(iban)
    return f"{iban[:4]} •••• •••• {iban[-4:]}"


def valid_iban(value: str) -> IBAN | None:
    try:
        return IBAN(value)
    except (SchwiftyException, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Payee:
    """The account a payout goes to, as copied onto the payout when it is exported."""

    holder: str
    iban: str
    bic: str


class PayoutBackend:
    """How payouts reach the merchants. Subclass it and name the subclass in `settings.PAYOUT_BACKEND`."""

    #: Stored on each batch (`PayoutBatch.backend`, ≤ 20 chars).
    name: str = ""
    #: Shown in the admin.
    label: str = ""

    def refusal(self, account: PayoutAccount | None) -> str | None:
        """Why this backend cannot pay to `account` (a sentence for the admin), or None when it can."""
        if account is None:
            return gettext("Aucune coordonnée bancaire enregistrée.")
        if not account.holder.strip():
            return gettext("Titulaire du compte manquant.")
        if valid_iban(account.iban) is None:
            return gettext("IBAN invalide.")
        return None

    def payee(self, account: PayoutAccount) -> Payee:
        """The account as it will be paid (only called when `refusal(account)` is None)."""
        iban = IBAN(account.iban)
        bic = account.bic.strip().upper()
        if not bic and iban.bic is not None:
            bic = str(iban.bic)
        return Payee(holder=account.holder.strip(), iban=iban.compact, bic=bic)

    def export(self, payouts: list[Payout], *, user) -> PayoutBatch:
        """Hand `payouts` to the bank and return the saved batch recording it.

        `payouts` are locked, pending, ordered by pk, with `holder`, `iban`
        and `bic` already set (from `payee`) and `statement` loaded. Runs in
        the caller's transaction: raise to undo the whole export. The caller
        moves the payouts to `exported` and links them to the batch.
        """
        raise NotImplementedError

    def new_batch(self, payouts: list[Payout], *, user, **fields) -> PayoutBatch:
        """A saved batch for `payouts`: reference, count and total filled in; `fields` for the rest."""
        fields.setdefault("reference", new_batch_reference())
        return PayoutBatch.objects.create(
            backend=self.name,
            created_by=user if user is not None and user.is_authenticated else None,
            payouts_count=len(payouts),
            total=quantize_eur(sum((payout.amount for payout in payouts), ZERO)),
            **fields,
        )


# Characters every SEPA bank accepts (EPC "Latin character set"); others become spaces.
_SEPA_UNSAFE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def sepa_text(value: str, length: int) -> str:
    return re.sub(r" +", " ", _SEPA_UNSAFE.sub(" ", unidecode(value))).strip()[:length]


class _SepaTransfer(SepaTransfer):
    """sepaxml's transfer whose message id is our batch reference (sepaxml draws a random one)."""

    def __init__(self, config, *, message_id: str, schema: str):
        self._message_id = message_id
        super().__init__(config, schema=schema)

    def _create_header(self):
        self.msg_id = self._message_id
        super()._create_header()


class SepaCreditTransferBackend(PayoutBackend):
    """One SEPA credit-transfer file (pain.001.001.03) per export, to upload to the platform's bank.

    Debtor: `settings.PLATFORM` (name, iban, bic). One transaction per
    payout, executed on the day of the export; the file is checked against
    the pain.001.001.03 schema before it is stored (an invalid file raises
    and nothing is exported).
    """

    name = "sepa"
    label = _("Virement SEPA")
    schema = "pain.001.001.03"

    def export(self, payouts, *, user):
        reference = new_batch_reference()
        document = self.document(payouts, message_id=reference, execution_date=timezone.localdate())
        return self.new_batch(
            payouts, user=user, reference=reference, document=document, filename=f"virements-{reference}.xml"
        )

    def document(self, payouts: list[Payout], *, message_id: str, execution_date: date) -> bytes:
        platform = settings.PLATFORM
        config = {
            "name": sepa_text(platform["name"], 70),
            "IBAN": IBAN(platform["iban"]).compact,
            "batch": True,
            "currency": "EUR",
        }
        if platform.get("bic"):
            config["BIC"] = platform["bic"].strip().upper()
        transfer = _SepaTransfer(config, message_id=message_id, schema=self.schema)
        for payout in payouts:
            payment = {
                "name": sepa_text(payout.holder, 70),
                "IBAN": payout.iban,
                "amount": to_cents(payout.amount),
                "execution_date": execution_date,
                "description": sepa_text(remittance_information(payout.statement.week_start), 140),
                "endtoend_id": payout.end_to_end_id,
            }
            if payout.bic:
                payment["BIC"] = payout.bic
            transfer.add_payment(payment)
        document = transfer.export(validate=False)
        from xmlschema import XMLSchemaValidationError  # imported late, as sepaxml does (it patches etree)

        try:
            _xml_schema(self.schema).validate(document.decode())
        except XMLSchemaValidationError as error:
            raise ValidationError(f"The SEPA file does not follow {self.schema}: {error.reason}") from error
        return document


@functools.cache
def _xml_schema(name: str):
    """The XSD that sepaxml ships for `name`, built once per process.

    sepaxml's own `export(validate=True)` builds the schema again for every
    file, which costs about half a second: more than the rest of a weekly run
    of a small territory.
    """
    from xmlschema import XMLSchema

    return XMLSchema(os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{name}.xsd"))


# Environments configured before the billing room existed name the backend by its old path.
MOVED_BACKENDS = {"checkout.payouts.SepaCreditTransferBackend": "checkout.billing.payouts.SepaCreditTransferBackend"}


def get_backend() -> PayoutBackend:
    """An instance of the class named by `settings.PAYOUT_BACKEND`."""
    path = MOVED_BACKENDS.get(settings.PAYOUT_BACKEND, settings.PAYOUT_BACKEND)
    return import_string(path)()


def _accounts_for(payouts: list[Payout]) -> dict[int, PayoutAccount]:
    """The account of each payout's shop, by payout pk, whatever the locale of the shop page it names."""
    shop_keys = dict(
        ShopPage.objects.filter(pk__in={p.shop_id for p in payouts if p.shop_id}).values_list("pk", "translation_key")
    )
    accounts = {
        account.shop_key: account
        for account in PayoutAccount.objects.filter(shop__translation_key__in=shop_keys.values()).annotate(
            shop_key=F("shop__translation_key")
        )
    }
    return {
        payout.pk: accounts[shop_keys[payout.shop_id]]
        for payout in payouts
        if payout.shop_id in shop_keys and shop_keys[payout.shop_id] in accounts
    }


def _pending(territory=None):
    payouts = Payout.objects.filter(state=PayoutState.PENDING).order_by("pk")
    if territory is not None:
        payouts = payouts.filter(territory=territory)
    return payouts


def unpayable_payouts(*, territory=None, backend: PayoutBackend | None = None) -> list[tuple[Payout, str]]:
    """Pending payouts the backend cannot pay yet, each with the reason (for the admin)."""
    backend = backend or get_backend()
    payouts = list(_pending(territory).select_related("statement"))
    accounts = _accounts_for(payouts)
    refusals = [(payout, backend.refusal(accounts.get(payout.pk))) for payout in payouts]
    return [(payout, reason) for payout, reason in refusals if reason is not None]


def export_pending_payouts(*, user=None, territory=None) -> PayoutBatch | None:
    """Export every pending payout (of `territory`, or all) that can be paid; None when there is none.

    In one transaction: lock the pending payouts (by pk), keep those whose
    shop has an account the backend accepts, copy the account onto them,
    let the backend make the batch, then mark them exported. Payouts left
    out stay pending (see `unpayable_payouts`). Two exports running at once
    take each payout at most once: the second waits for the lock and finds
    them no longer pending.
    """
    backend = get_backend()
    with transaction.atomic():
        payouts = list(_pending(territory).select_for_update(of=("self",)).select_related("statement"))
        accounts = _accounts_for(payouts)
        payable = []
        for payout in payouts:
            account = accounts.get(payout.pk)
            reason = backend.refusal(account)
            if reason is not None:
                logger.info("Payout %s stays pending: %s", payout.end_to_end_id, reason)
                continue
            payee = backend.payee(account)
            payout.holder, payout.iban, payout.bic = payee.holder, payee.iban, payee.bic
            payable.append(payout)
        if not payable:
            return None
        batch = backend.export(payable, user=user)
        now = timezone.now()
        for payout in payable:
            payout.state = PayoutState.EXPORTED
            payout.exported_at = now
            payout.batch = batch
        # What every payout shares in one UPDATE; only the payee differs by row. bulk_update's CASE over
        # hundreds of rows and six fields cost seconds a week of building expressions in Python.
        Payout.objects.filter(pk__in=[payout.pk for payout in payable]).update(
            state=PayoutState.EXPORTED, exported_at=now, batch=batch
        )
        Payout.objects.bulk_update(payable, ["holder", "iban", "bic"], batch_size=PAYEE_UPDATE_BATCH)
        log(
            instance=batch,
            action=EXPORT_ACTION,
            user=user,
            data={"count": batch.payouts_count, "total": str(batch.total), "backend": batch.backend},
        )
    return batch


def mark_paid(target: Payout | PayoutBatch, user) -> list[Payout]:
    """The bank paid: move the payout, or every exported payout of the batch, to `paid`. Returns those moved.

    Raises `PayoutRefused` when there is nothing to move: a payout not yet
    exported, already paid, or a batch whose payouts are all paid.
    """
    with transaction.atomic():
        rows = Payout.objects.select_for_update(of=("self",)).order_by("pk")
        if isinstance(target, PayoutBatch):
            rows = rows.filter(batch_id=target.pk)
        else:
            rows = rows.filter(pk=target.pk)
        rows = list(rows)
        exported = [payout for payout in rows if payout.state == PayoutState.EXPORTED]
        if not exported:
            raise PayoutRefused(_refusal_message(target, rows))
        now = timezone.now()
        for payout in exported:
            payout.state = PayoutState.PAID
            payout.paid_at = now
            payout.paid_by = user
            log(instance=payout, action=PAID_ACTION, user=user, data={"amount": str(payout.amount)})
        Payout.objects.bulk_update(exported, ["state", "paid_at", "paid_by"])
        if isinstance(target, PayoutBatch):
            log(
                instance=target,
                action=BATCH_PAID_ACTION,
                user=user,
                data={"count": len(exported), "total": str(sum((p.amount for p in exported), ZERO))},
            )
    if isinstance(target, Payout):
        target.refresh_from_db()
    return exported


def _refusal_message(target, rows: list[Payout]) -> str:
    if isinstance(target, PayoutBatch):
        if rows and all(payout.state == PayoutState.PAID for payout in rows):
            return gettext("Tous les virements de ce lot sont déjà marqués comme payés.")
        return gettext("Ce lot n'a aucun virement à marquer comme payé.")
    state = rows[0].state if rows else None
    if state == PayoutState.PAID:
        return gettext("Ce versement est déjà marqué comme payé.")
    return gettext("Ce versement n'a pas encore été exporté vers la banque : il ne peut pas être marqué comme payé.")
