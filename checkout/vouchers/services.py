"""Gift vouchers and services sold to be used later: codes, issue, look-up, redemption, refund, reminders.

A voucher is issued per unit of a voucher or service line when its order
is paid (`issue_vouchers_for_order`, called inside `confirm_payment`'s
transaction). A merchant finds it by its code (`find_voucher`, rate-limited
and refused before any database look-up when the check character is wrong)
and takes all or part of its balance (`redeem`, under a row lock with a
conditional UPDATE). A refund of the shop order takes from the balances of
its vouchers first (`apply_refund`), so money given back can never also be
spent at the shop.

Which vouchers a user may see or redeem is `Voucher.objects.managed_by(user)`,
which follows from `shops.access.shops_managed_by` only.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
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

VOUCHER_KINDS = (ProductKind.VOUCHER, ProductKind.SERVICE)


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
        .select_related("shop_order", "product")
        .order_by("pk")
    )
    for line in lines:
        existing = set(line.vouchers.values_list("index", flat=True))
        valid_until = (line.product.valid_until if line.product else None) or _default_validity(
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


def _limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "VOUCHER_LOOKUP_LIMIT", 20)),
        int(getattr(settings, "VOUCHER_LOOKUP_WINDOW_SECONDS", 600)),
    )


def _lookup_keys(user, ip: str) -> list[str]:
    keys = [f"voucher-lookup:user:{user.pk}"]
    if ip:
        keys.append(f"voucher-lookup:ip:{ip}")
    return keys


def _lookups_blocked(keys: list[str]) -> bool:
    limit, _window = _limit()
    counts = cache.get_many(keys)
    return any(int(counts.get(key) or 0) >= limit for key in keys)


def _count_miss(keys: list[str]) -> None:
    _limit_count, window = _limit()
    for key in keys:
        # add() starts the window; incr() is atomic in Redis and in the local-memory cache.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def find_voucher(user, text: str, ip: str = "") -> Voucher:
    """The voucher of one of `user`'s shops with this code, or raise `VoucherRefused` saying why.

    A malformed code (wrong length, a character outside the alphabet, a
    wrong check character) is refused without a look-up. Codes that match
    no voucher of the user's shops count against a limit per user and per
    address (VOUCHER_LOOKUP_LIMIT per VOUCHER_LOOKUP_WINDOW_SECONDS): a
    merchant who types the codes of real vouchers is never slowed down,
    someone trying codes is stopped after a few.
    """
    keys = _lookup_keys(user, ip)
    if _lookups_blocked(keys):
        raise TooManyLookups(
            _("Trop de codes inconnus saisis : réessayez dans quelques minutes.")
        )
    code = normalize_code(text)
    if not is_valid_code(code):
        raise MalformedCode(
            _("Ce code n'est pas valide : vérifiez sa saisie (%(length)d caractères, sans 0, O, 1, I ni L).")
            % {"length": CODE_LENGTH}
        )
    voucher = Voucher.objects.filter(code=code).select_related("order_line__shop_order__order").first()
    if voucher is None:
        _count_miss(keys)
        raise UnknownCode(_("Aucun bon ne correspond à ce code."))
    if not Voucher.objects.managed_by(user).filter(pk=voucher.pk).exists():
        _count_miss(keys)
        raise ForeignVoucher(_("Ce bon a été émis par une autre boutique : il ne peut pas être utilisé chez vous."))
    return voucher


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
    if amount <= 0 or amount != amount.quantize(CENT):
        raise BadAmount(_("Indiquez un montant positif, au centime près."))
    return amount


def redeem(user, voucher_id: int, amount=None, *, now=None) -> RedemptionResult:
    """Take `amount` (all the balance when None) from a voucher of one of `user`'s shops.

    A service is used once, for its whole value. Refuses, changing
    nothing, a voucher of another shop, a cancelled, used-up or expired
    one, and an amount above the balance. Two redemptions at once never
    take more than the balance: the row is locked, and the UPDATE itself
    requires the balance it takes.
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
        if voucher.is_service:
            if amount not in (None, "") and _checked_amount(amount) != voucher.balance:
                raise BadAmount(_("Une prestation s'utilise en une seule fois, pour sa valeur entière."), voucher)
            amount = voucher.balance
        else:
            amount = voucher.balance if amount in (None, "") else _checked_amount(amount)
            if amount > voucher.balance:
                raise BadAmount(
                    _("Le solde de ce bon est de %(balance)s : vous ne pouvez pas utiliser %(amount)s.")
                    % {"balance": euros(voucher.balance), "amount": euros(amount)},
                    voucher,
                )
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


def apply_refund(refund: Refund, now=None) -> Decimal:
    """Take a refund from the shop order's voucher balances first, cancelling each one emptied.

    Call in the refund's transaction, after `lock_vouchers_of`. What the
    refund leaves of a voucher stays usable. Returns the amount taken from
    vouchers.
    """
    now = now or timezone.now()
    remaining = refund.amount
    for voucher in lock_vouchers_of(refund.shop_order_id):
        if remaining <= ZERO:
            break
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
