"""The erasures as a log kept beside the backups, replayed on a restored database.

A dump taken before an erasure still holds the erased person. Restoring it
must not bring them back: the erasures done since are exported from
Wagtail's log (`erasure_records`, `manage.py export_erasure_log`, one JSON
line each, order numbers and account numbers only, like the log itself),
kept with the backups, and applied again to the restored database
(`replay_erasures`), which `personal_data_left` then checks.

A line: `{"at": "2026-12-01T09:30:00+00:00", "scope": "account",
"orders": ["000012", "000015"], "account": 7}`; `account` is null for an
erasure by e-mail and for the retention's.

Keys are reused after a restore (the database's counters go back to the
dump's), so a row is taken for the one erased only if it already existed
at the erasure: an order placed, or an account opened, after `at` is
someone else's and is left alone.
"""

import datetime
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError, Q
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from checkout.accounts.erasure import (
    ERASE_ACTION,
    ERASED,
    _forget_logins,
    _numbers,
    _strip_account,
    account_title,
    anonymise_orders,
)
from checkout.models import Order, OrderLine, ShopOrder, Voucher


@dataclass(frozen=True)
class ErasureRecord:
    """One erasure of the log: when, why, the orders it anonymised and the account it deleted (if any)."""

    at: datetime.datetime
    scope: str
    orders: list[int] = field(default_factory=list)
    account: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"at": self.at.isoformat(), "scope": self.scope, "orders": _numbers(self.orders), "account": self.account}
        )

    @classmethod
    def from_json(cls, line: str) -> "ErasureRecord":
        data = json.loads(line)
        at = datetime.datetime.fromisoformat(data["at"])
        if at.tzinfo is None:
            raise ValueError(f"{data['at']!r} has no time zone")
        account = data.get("account")
        return cls(at, data["scope"], [int(n) for n in data.get("orders", [])], int(account) if account else None)


def erasure_records(since: datetime.datetime | None = None) -> list[ErasureRecord]:
    """The erasures in Wagtail's log (replays included, at their first date), oldest first."""
    entries = ModelLogEntry.objects.filter(action=ERASE_ACTION).select_related("content_type").order_by("timestamp", "pk")
    if since is not None:
        entries = entries.filter(timestamp__gte=since)
    records = []
    for entry in entries:
        data = entry.data or {}
        at = datetime.datetime.fromisoformat(data["erased_at"]) if data.get("erased_at") else entry.timestamp
        if since is not None and at < since:
            continue
        scope = data.get("scope", "")
        orders = [int(n) for n in data.get("orders", [])]
        if not orders and entry.content_type.model_class() is Order:
            # The retention logs each order on its own entry, without a list.
            orders = [int(entry.object_id)]
        account = int(entry.object_id) if scope == "account" else None
        records.append(ErasureRecord(at, scope, orders, account))
    return records


def read_erasure_log(lines) -> list[ErasureRecord]:
    """The records of an exported log (an iterable of lines; blank lines skipped), in their order."""
    return [ErasureRecord.from_json(line) for line in lines if line.strip()]


def _existing_then(record: ErasureRecord):
    """The rows the record speaks of that existed at its erasure: (orders queryset, account or None)."""
    User = get_user_model()
    user = User.objects.filter(pk=record.account, date_joined__lte=record.at).first() if record.account else None
    wanted = Q(pk__in=record.orders)
    if user is not None:
        wanted |= Q(customer=user)
    return Order.objects.filter(wanted, created_at__lte=record.at), user


@dataclass
class Replay:
    erasures: int = 0  # records that changed something
    orders: int = 0
    accounts: int = 0


def replay_erasures(records: list[ErasureRecord]) -> Replay:
    """Apply each erasure of `records` again, in order; those already done change nothing and log nothing.

    Unlike the customer's erasure, nothing is refused for an order in
    progress: the erasure was done and confirmed in the database that was
    lost. Each replay that changes something is logged like the erasure,
    with `erased_at`, so a later export carries it.
    """
    done = Replay()
    for record in records:
        with transaction.atomic():
            orders, user = _existing_then(record)
            erasure = anonymise_orders(list(orders.values_list("pk", flat=True)), now=record.at)
            if not erasure.order_ids and user is None:
                continue
            data = {
                "scope": record.scope,
                "orders": _numbers(erasure.order_ids),
                "vouchers": erasure.vouchers,
                "replayed": True,
                "erased_at": record.at.isoformat(),
            }
            if user is not None:
                _forget_logins(user)
                log(instance=user, action=ERASE_ACTION, user=None, title=account_title(user), data=data)
                try:
                    with transaction.atomic():
                        user.delete()
                except ProtectedError:
                    _strip_account(user)
                done.accounts += 1
            else:
                log(instance=Order.objects.get(pk=erasure.order_ids[0]), action=ERASE_ACTION, user=None, data=data)
            done.erasures += 1
            done.orders += len(erasure.order_ids)
    return done


def personal_data_left(records: list[ErasureRecord]) -> tuple[int, list[str]]:
    """What the erasures of `records` should have removed and is still there: (orders looked at, one line per find)."""
    problems = []
    looked_at = 0
    for record in records:
        orders, user = _existing_then(record)
        ids = list(orders.values_list("pk", flat=True))
        looked_at += len(ids)
        when = f"effacement du {record.at:%d/%m/%Y %H:%M}"
        for number in _numbers(
            orders.filter(
                Q(anonymised_at__isnull=True) | ~Q(customer_name=ERASED) | ~Q(customer_email="")
                | ~Q(customer_phone="") | ~Q(basket_fingerprint="")
            ).values_list("pk", flat=True)
        ):
            problems.append(f"{when} : la commande {number} garde le nom, l'e-mail ou le téléphone du client")
        for number in _numbers(
            ShopOrder.objects.filter(order__in=ids).exclude(delivery_address__in=("", ERASED))
            .values_list("order_id", flat=True).distinct()
        ):
            problems.append(f"{when} : la commande {number} garde une adresse de livraison")
        for number in _numbers(
            OrderLine.objects.filter(shop_order__order__in=ids)
            .filter(~Q(beneficiary_name="") | ~Q(gift_message=""))
            .values_list("shop_order__order_id", flat=True).distinct()
        ):
            problems.append(f"{when} : la commande {number} garde un bénéficiaire ou un message")
        for number in _numbers(
            Voucher.objects.filter(order_line__shop_order__order__in=ids)
            .filter(~Q(buyer_name=ERASED) | ~Q(buyer_email="") | ~Q(beneficiary_name="") | ~Q(gift_message=""))
            .values_list("order_line__shop_order__order_id", flat=True).distinct()
        ):
            problems.append(f"{when} : un bon de la commande {number} garde l'acheteur ou le bénéficiaire")
        if user is not None and (
            user.is_active or user.email or user.first_name or user.last_name or user.username != f"efface-{user.pk}"
        ):
            problems.append(f"{when} : le compte client n° {user.pk} existe encore avec ses données")
    return looked_at, problems
