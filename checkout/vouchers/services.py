"""Gift vouchers and services sold to be used later: codes, issue, look-up, redemption, refund, reminders.

A voucher is issued per unit of a voucher or service line when its order
is paid (`issue_vouchers_for_order`, called inside `confirm_payment`'s
transaction). A merchant finds it by its code (`find_voucher`: refused
before any database look-up when the check character is wrong; only codes
that match none of the merchant's vouchers count against a limit) and takes
all or part of its balance (`redeem`, under a row lock with a conditional
UPDATE). A refund of the shop order takes from the balances of
its vouchers first (`apply_refund`), so money given back can never also be
spent at the shop.

Which vouchers a user may see or redeem is `Voucher.objects.managed_by(user)`,
which follows from `shops.access.shops_managed_by` only.
"""

import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from checkout.models import (
    Order,
    OrderLine,
    Redemption,
    RedemptionKind,
    Refund,
    Voucher,
    VoucherStatus,
)
from portal.dates import long_date
from portal.money import CENT, ZERO, euros, parse_eur
from shops.models import ProductKind

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: what a person reads off paper or a phone screen, they type right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 15  # 15 × log2(31) ≈ 74 bits: not guessable, even at millions of tries
CODE_LENGTH = RANDOM_LENGTH + 1  # plus the check character
GROUP = 4

REDEEM_ACTION = "checkout.voucher.redeem"
CANCEL_ACTION = "checkout.voucher.cancel"

# Sold to be used later, sent by e-mail, never delivered: a bundle's parts are used at each of its shops.
VOUCHER_KINDS = (ProductKind.VOUCHER, ProductKind.SERVICE, ProductKind.BUNDLE)


class VoucherRefused(Exception):
    """A look-up or a redemption we refuse; the message tells the merchant why."""

    reason = "refused"

    def __init__(self, message: str, voucher: Voucher | None = None):
        super().__init__(message)
        self.voucher = voucher


class MalformedCode(VoucherRefused):
    reason = "malformed"


class UnknownCode(VoucherRefused):
    reason = "unknown"


class ForeignVoucher(VoucherRefused):
    reason = "foreign"


class TooManyLookups(VoucherRefused):
    reason = "rate_limited"


class VoucherExpired(VoucherRefused):
    reason = "expired"


class VoucherCancelled(VoucherRefused):
    reason = "cancelled"


class VoucherUsedUp(VoucherRefused):
    reason = "used"


class BadAmount(VoucherRefused):
    reason = "amount"


class BalanceChanged(VoucherRefused):
    reason = "balance_changed"


# Codes -----------------------------------------------------------------------


def check_character(payload: str) -> str:
    """The character that makes sum((i + 1) × value(i)) over the whole code a multiple of 31.

    31 characters is a prime modulus and the weights 1..16 are all
    different and non-zero modulo 31, so every single wrong character and
    every swap of two characters changes the sum: all are caught. (Luhn
    mod N would not do: it needs an even alphabet size.)
    """
    n = len(ALPHABET)
    total = sum((i + 1) * ALPHABET.index(char) for i, char in enumerate(payload))
    weight = len(payload) + 1
    return ALPHABET[(-total * pow(weight, -1, n)) % n]


def generate_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_character(payload)


def normalize_code(text: str) -> str:
    """What was typed or scanned, without spaces, dashes and case."""
    return "".join((text or "").split()).replace("-", "").upper()


def is_valid_code(code: str) -> bool:
    return (
        len(code) == CODE_LENGTH
        and all(char in ALPHABET for char in code)
        and check_character(code[:-1]) == code[-1]
    )


def format_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


# Selling at a free amount ----------------------------------------------------------


def free_amount_price(product, asked) -> Decimal:
    """The unit price of a gift voucher sold at the amount the buyer chose, checked against its bounds.

    For `product.has_free_amount` products only (see `shops.models.ProductPage`);
    pricing calls this instead of reading `product.price`. Raises
    `BadAmount` with a message for the buyer.
    """
    if not product.has_free_amount:
        raise BadAmount(_("Ce bon cadeau a un montant fixe."))
    amount = _checked_amount(asked)
    low, high = product.voucher_min_amount, product.voucher_max_amount
    if not low <= amount <= high:
        raise BadAmount(
            _("Choisissez un montant entre %(min)s et %(max)s.") % {"min": euros(low), "max": euros(high)}
        )
    return amount


# Issue -------------------------------------------------------------------------


def _default_validity(day: date) -> date:
    return day + timedelta(days=int(getattr(settings, "VOUCHER_DEFAULT_VALIDITY_DAYS", 365)))


def issue_vouchers_for_order(order: Order, now=None) -> list[Voucher]:
    """One voucher per unit of the order's voucher and service lines; the ones already issued are kept.

    Call inside the transaction that marks the order paid. Safe to call
    twice: the (order line, index) pair is unique, so a replay issues
    nothing more.
    """
    now = now or timezone.now()
    issued = []
    lines = (
        OrderLine.objects.filter(shop_order__order=order, kind__in=VOUCHER_KINDS)
        .select_related("shop_order", "product", "bundle_sale")
        .order_by("pk")
    )
    for line in lines:
        existing = set(line.vouchers.values_list("index", flat=True))
        # A bundle's parts: the validity the order recorded, whatever became of the bundle's page.
        recorded = line.bundle_sale.valid_until if line.bundle_sale_id else None
        valid_until = recorded or (line.product.valid_until if line.product else None) or _default_validity(
            timezone.localdate(now)
        )
        for index in range(1, line.quantity + 1):
            if index in existing:
                continue
            voucher = _create_voucher(line, index, order, valid_until)
            if voucher is not None:
                issued.append(voucher)
    return issued


def _create_voucher(line: OrderLine, index: int, order: Order, valid_until: date) -> Voucher | None:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    code=generate_code(),
                    order_line=line,
                    index=index,
                    shop_id=line.shop_order.shop_id,
                    kind=line.kind,
                    name=line.name,
                    amount=line.unit_price,
                    balance=line.unit_price,
                    valid_until=valid_until,
                    beneficiary_name=line.beneficiary_name,
                    gift_message=line.gift_message,
                    buyer_name=order.customer_name,
                    buyer_email=order.customer_email,
                    language=order.language,
                )
        except IntegrityError:
            if Voucher.objects.filter(order_line=line, index=index).exists():
                return None  # issued meanwhile by a concurrent confirmation
            # else: the 1-in-2^74 code collision; draw another code.
    raise RuntimeError(f"Could not draw a free voucher code for order line {line.pk}")


def vouchers_of_order(order: Order) -> QuerySet[Voucher]:
    """The vouchers a customer bought with `order` (for the order page, the e-mail and the account)."""
    return Voucher.objects.filter(order_line__shop_order__order=order).order_by("pk")


# Look-up, rate-limited -------------------------------------------------------------
#
# Why looking a code up before any limit is safe: a code is 15 random
# characters from a 31-letter alphabet plus a check character (see ALPHABET),
# 31**15 ≈ 2**74 possibilities. What a hit reveals while the limit is
# reached is a voucher of the user's own shops only, which the user already
# sees in the list; another shop's voucher is a miss, and a miss is refused
# without saying whether the code exists. Misses are answered at most
# VOUCHER_LOOKUP_LIMIT times per window per user (20 per 10 minutes: under
# 3,000 a day), and a few accounts behind one address share
# VOUCHER_LOOKUP_IP_LIMIT. Even with a million vouchers sold, the chance that
# one guess is a real code is 10**6 / 2**74 ≈ 5·10**-17: a year of guessing at
# the limit finds nothing.

LOOKUP_KEY = "voucher-lookup"


@dataclass(frozen=True)
class LookupLimit:
    """One counter of misses: its cache key and how many misses it allows per window."""

    key: str
    allowed: int


def lookup_window_seconds() -> int:
    return int(getattr(settings, "VOUCHER_LOOKUP_WINDOW_SECONDS", 600))


def lookup_limits(user, ip: str) -> list[LookupLimit]:
    """The user's own limit first; the address's looser one, shared by everyone behind it, second."""
    per_user = int(getattr(settings, "VOUCHER_LOOKUP_LIMIT", 20))
    limits = [LookupLimit(f"{LOOKUP_KEY}:user:{user.pk}", per_user)]
    if ip:
        per_address = int(getattr(settings, "VOUCHER_LOOKUP_IP_LIMIT", 5 * per_user))
        limits.append(LookupLimit(f"{LOOKUP_KEY}:ip:{ip}", per_address))
    return limits


def _count_miss(key: str) -> int:
    """Add a miss to `key`'s window and return the misses in it; the first miss opens the window.

    add() and incr() are atomic in Redis and in the local-memory cache, so
    misses sent at the same time each get their own number. The window's
    end is stored beside the count, for the message saying how long to wait.
    """
    window = lookup_window_seconds()
    if cache.add(key, 1, timeout=window):
        cache.set(f"{key}:until", time.time() + window, timeout=window)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add() and incr(): this miss opens the next one
        cache.set(key, 1, timeout=window)
        cache.set(f"{key}:until", time.time() + window, timeout=window)
        return 1


def _minutes_left(key: str) -> int:
    until = cache.get(f"{key}:until")
    seconds = (until - time.time()) if until else lookup_window_seconds()
    return max(1, math.ceil(seconds / 60))


def _counted_miss(user, ip: str) -> str:
    """Count a miss against the user's limit, then the address's; raise `TooManyLookups` once one is passed.

    Returns "" or, for the miss that reaches a limit, a sentence saying
    that the next unknown codes will be refused and for how long. A user
    already stopped adds nothing to the address's count, so one person
    cannot use up the limit of everyone behind the same address.
    """
    warning = ""
    for limit in lookup_limits(user, ip):
        count = _count_miss(limit.key)
        if count > limit.allowed:
            minutes = _minutes_left(limit.key)
            raise TooManyLookups(
                ngettext(
                    "Trop de codes inconnus saisis : réessayez dans %(minutes)d minute. Les codes des bons de votre boutique restent reconnus.",
                    "Trop de codes inconnus saisis : réessayez dans %(minutes)d minutes. Les codes des bons de votre boutique restent reconnus.",
                    minutes,
                )
                % {"minutes": minutes}
            )
        if count == limit.allowed and not warning:
            minutes = _minutes_left(limit.key)
            warning = ngettext(
                "Limite de codes inconnus atteinte : les prochains seront refusés pendant %(minutes)d minute.",
                "Limite de codes inconnus atteinte : les prochains seront refusés pendant %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
    return warning


def _with_warning(message: str, warning: str) -> str:
    return f"{message} {warning}" if warning else message


def find_voucher(user, text: str, ip: str = "") -> Voucher:
    """The voucher of one of `user`'s shops with this code, or raise `VoucherRefused` saying why.

    A malformed code (wrong length, a character outside the alphabet, a
    wrong check character) is refused without a look-up and counts for
    nothing: it reveals nothing. A well-formed code is always looked up
    first, and a voucher of the user's shops is always found, however many
    misses came before. A miss (no voucher, or another shop's) counts
    against the user (VOUCHER_LOOKUP_LIMIT per VOUCHER_LOOKUP_WINDOW_SECONDS)
    and then against the address `ip` (VOUCHER_LOOKUP_IP_LIMIT, 5 times the
    user's by default); past either, a miss is refused with `TooManyLookups`,
    which says how long to wait and nothing about the code.
    """
    code = normalize_code(text)
    if not is_valid_code(code):
        raise MalformedCode(
            _("Ce code n'est pas valide : vérifiez sa saisie (%(length)d caractères, sans 0, O, 1, I ni L).")
            % {"length": CODE_LENGTH}
        )
    voucher = Voucher.objects.filter(code=code).select_related("order_line__shop_order__order").first()
    if voucher is not None and Voucher.objects.managed_by(user).filter(pk=voucher.pk).exists():
        return voucher
    warning = _counted_miss(user, ip)
    if voucher is None:
        raise UnknownCode(_with_warning(_("Aucun bon ne correspond à ce code."), warning))
    raise ForeignVoucher(
        _with_warning(_("Ce bon a été émis par une autre boutique : il ne peut pas être utilisé chez vous."), warning)
    )


def refusal_for(voucher: Voucher, today: date) -> VoucherRefused | None:
    """Why `voucher` cannot be used today, or None."""
    if voucher.status == VoucherStatus.CANCELLED:
        return VoucherCancelled(_("Ce bon a été annulé (remboursé) : il ne peut plus être utilisé."), voucher)
    if voucher.status == VoucherStatus.USED or voucher.balance <= ZERO:
        return VoucherUsedUp(_("Ce bon a déjà été entièrement utilisé."), voucher)
    if voucher.valid_until < today:
        return VoucherExpired(
            _("Ce bon a expiré le %(date)s.") % {"date": long_date(voucher.valid_until)}, voucher
        )
    return None


# Redemption ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RedemptionResult:
    voucher: Voucher
    redemption: Redemption


def _checked_amount(amount) -> Decimal:
    if isinstance(amount, float | bool):
        raise BadAmount(_("Montant invalide."))
    try:
        amount = parse_eur(amount)
    except ValueError as error:
        raise BadAmount(_("Indiquez un montant en euros, par exemple 12,50.")) from error
    if amount.adjusted() >= 9:  # past any price or balance; and quantize() below would overflow
        raise BadAmount(_("Montant invalide."))
    if amount <= 0 or amount != amount.quantize(CENT):
        raise BadAmount(_("Indiquez un montant positif, au centime près."))
    return amount


def amount_to_redeem(text, balance: Decimal) -> Decimal:
    """The amount a merchant typed to take from a gift voucher of `balance`, or `BadAmount` saying why.

    "12,50" and "12.50" are both 12.50; empty, zero, negative, sub-cent
    amounts and amounts above the balance are refused. For the redemption
    form; `redeem` checks the same again under its lock.
    """
    if text is None or not str(text).strip():
        raise BadAmount(_("Indiquez le montant utilisé, par exemple 12,50."))
    amount = _checked_amount(text)
    if amount > balance:
        raise BadAmount(
            _("Le solde de ce bon est de %(balance)s : vous ne pouvez pas utiliser %(amount)s.")
            % {"balance": euros(balance), "amount": euros(amount)}
        )
    return amount


def redeem(user, voucher_id: int, amount=None, *, expected_balance: Decimal | None = None, now=None) -> RedemptionResult:
    """Take `amount` from a voucher of one of `user`'s shops; `amount=None` (not "") takes all the balance.

    A service is used once, for its whole value. Refuses, changing
    nothing, a voucher of another shop, a cancelled, used-up or expired
    one, an empty, unreadable or non-positive amount, and an amount above
    the balance. With `expected_balance` (the balance the merchant was
    shown), refuses too when the balance is no longer that: a form sent
    twice, or from a page left open while the voucher was used elsewhere,
    takes nothing the second time. Two redemptions at once never take more
    than the balance: the row is locked, and the UPDATE itself requires the
    balance it takes.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        voucher = Voucher.objects.managed_by(user).select_for_update(of=("self",)).filter(pk=voucher_id).first()
        if voucher is None:
            raise ForeignVoucher(_("Ce bon a été émis par une autre boutique : il ne peut pas être utilisé chez vous."))
        refusal = refusal_for(voucher, today)
        if refusal is not None:
            raise refusal
        if expected_balance is not None and voucher.balance != expected_balance:
            raise BalanceChanged(
                _("Le solde de ce bon a changé entre-temps : il est maintenant de %(balance)s. Rien n'a été utilisé ; vérifiez-le avant de recommencer.")
                % {"balance": euros(voucher.balance)},
                voucher,
            )
        if voucher.is_service:
            if amount is not None and _checked_amount(amount) != voucher.balance:
                raise BadAmount(_("Une prestation s'utilise en une seule fois, pour sa valeur entière."), voucher)
            amount = voucher.balance
        elif amount is None:
            amount = voucher.balance
        else:
            try:
                amount = amount_to_redeem(amount, voucher.balance)
            except BadAmount as refusal:
                raise BadAmount(str(refusal), voucher) from None
        taken = Voucher.objects.filter(
            pk=voucher.pk, status=VoucherStatus.ACTIVE, balance__gte=amount, valid_until__gte=today
        ).update(balance=F("balance") - amount)
        if not taken:
            raise VoucherUsedUp(_("Le solde de ce bon a changé entre-temps : vérifiez-le."), voucher)
        Voucher.objects.filter(pk=voucher.pk, balance=ZERO).update(status=VoucherStatus.USED)
        redemption = Redemption.objects.create(voucher=voucher, amount=amount, by=user)
        voucher.refresh_from_db()
        log(
            instance=voucher,
            action=REDEEM_ACTION,
            user=user,
            data={"amount": str(amount), "balance": str(voucher.balance), "redemption": redemption.pk},
        )
    return RedemptionResult(voucher, redemption)


# Refunds ---------------------------------------------------------------------------


def lock_vouchers_of(shop_order_id: int) -> list[Voucher]:
    """Lock a shop order's vouchers (by pk), so no redemption slips in while a refund is decided."""
    return list(
        Voucher.objects.select_for_update(of=("self",))
        .filter(order_line__shop_order_id=shop_order_id)
        .order_by("pk")
    )


def redeemed_total(shop_order_id: int) -> Decimal:
    """What the customer already used at the shop with this shop order's vouchers: never refundable."""
    total = Redemption.objects.filter(
        voucher__order_line__shop_order_id=shop_order_id, kind=RedemptionKind.REDEEMED
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def apply_refund(refund: Refund, now=None, voucher_ids=None) -> Decimal:
    """Take a refund from the shop order's voucher balances first, cancelling each one emptied.

    Call in the refund's transaction, after `lock_vouchers_of`. What the
    refund leaves of a voucher stays usable. `voucher_ids`: take from these
    vouchers only (a bundle's part, whose shop order may hold others).
    Returns the amount taken from vouchers.
    """
    now = now or timezone.now()
    remaining = refund.amount
    for voucher in lock_vouchers_of(refund.shop_order_id):
        if remaining <= ZERO:
            break
        if voucher_ids is not None and voucher.pk not in voucher_ids:
            continue
        if voucher.status != VoucherStatus.ACTIVE or voucher.balance <= ZERO:
            continue
        take = min(voucher.balance, remaining)
        Voucher.objects.filter(pk=voucher.pk, balance__gte=take).update(balance=F("balance") - take)
        Voucher.objects.filter(pk=voucher.pk, balance=ZERO).update(status=VoucherStatus.CANCELLED, cancelled_at=now)
        Redemption.objects.create(voucher=voucher, kind=RedemptionKind.REFUNDED, amount=take, refund=refund,
                                  by=refund.created_by)
        log(
            instance=voucher,
            action=CANCEL_ACTION,
            user=refund.created_by,
            data={"amount": str(take), "refund": refund.pk},
        )
        remaining -= take
    return refund.amount - remaining


def restore_after_failed_refund(refund_id: int) -> None:
    """The provider refused the refund: give the vouchers back what `apply_refund` took."""
    with transaction.atomic():
        taken = list(Redemption.objects.filter(refund_id=refund_id, kind=RedemptionKind.REFUNDED).order_by("voucher_id"))
        for row in taken:
            Voucher.objects.filter(pk=row.voucher_id).update(
                balance=F("balance") + row.amount, status=VoucherStatus.ACTIVE, cancelled_at=None
            )
        Redemption.objects.filter(pk__in=[row.pk for row in taken]).delete()


# Reminders ---------------------------------------------------------------------------


def vouchers_due_for_reminder(today: date) -> QuerySet[Voucher]:
    days = int(getattr(settings, "VOUCHER_REMINDER_DAYS", 30))
    return Voucher.objects.filter(
        status=VoucherStatus.ACTIVE,
        balance__gt=ZERO,
        reminded_at__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=days),
    )
