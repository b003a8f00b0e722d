"""Changes of the account a merchant is paid on: applied at once by the merchant, confirmed otherwise.

Contract
- `apply_merchant_change(shop, user, ...)`: the shop's own merchant (who
  typed their password again, checked by the form) changes the account;
  it applies at once and cancels any change waiting for the shop.
- `request_change(shop, user, ...)`: anyone else (an editor, a superuser)
  asks for a change; it is stored as a pending `BankDetailsChange`,
  replacing (cancelling) the one already waiting, and applies nothing. The
  merchants get a confirmation link (`send_confirmation_request` makes its
  token when the e-mail goes out: only the token's hash is stored).
- `confirm(token, user)`: a merchant of that shop confirms with the link;
  `approve(change, user)`: the platform's accounting approves instead.
  Either applies the change once: a used, cancelled, expired or unknown
  link, or another shop's merchant, changes nothing (`ChangeRefused`).
- `cancel(change, user)`, `expire_overdue()`: a change that will not apply.

The SEPA export (`checkout.billing.payouts`) reads `PayoutAccount` only, so a
pending change never reaches a bank file. Every step is in Wagtail's log
(the actions below, registered in `checkout.billing.payout_admin`), with
masked IBANs only.
"""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django_q.tasks import async_task
from wagtail.log_actions import log
from wagtail.models import Page

from checkout.billing.payouts import mask_iban
from checkout.models import BankDetailsChange, BankDetailsChangeStatus, PayoutAccount
from checkout.models.payouts import is_accountant
from markets.models import Merchant

Status = BankDetailsChangeStatus

ACCOUNT_CHANGE_ACTION = "checkout.payout_account.change"
REQUEST_ACTION = "checkout.bank_details_change.request"
CONFIRM_ACTION = "checkout.bank_details_change.confirm"
APPROVE_ACTION = "checkout.bank_details_change.approve"
CANCEL_ACTION = "checkout.bank_details_change.cancel"
EXPIRE_ACTION = "checkout.bank_details_change.expire"

#: How long a confirmation link works.
CONFIRMATION_DAYS = 7


class ChangeRefused(Exception):
    """The change cannot be confirmed, approved or cancelled; the message is for the person who tried.

    `status`: the HTTP status a view answers with: 410 for a link that is used up (decided, expired),
    404 for one that never existed, 403 for a person who may not use a valid link.
    """

    def __init__(self, message: str, status: int = 410):
        super().__init__(message)
        self.status = status


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_of(shop) -> PayoutAccount | None:
    """The account of `shop`, kept on its default-locale page."""
    return PayoutAccount.objects.filter(shop__translation_key=shop.translation_key).first()


def pending_change_of(shop) -> BankDetailsChange | None:
    """The change waiting for `shop`'s merchant, if any and not yet expired."""
    return (
        BankDetailsChange.objects.filter(
            shop__translation_key=shop.translation_key, status=Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("requested_by")
        .first()
    )


def is_shop_merchant(user, shop) -> bool:
    """`user` has an active merchant account for `shop` (either language of it)."""
    return (
        user.is_authenticated
        and user.is_active
        and Merchant.objects.filter(user=user, shop__translation_key=shop.translation_key).exists()
    )


def _details(holder: str, iban: str, bic: str) -> dict:
    """What the log keeps of an account: never the full IBAN."""
    return {"holder": holder, "iban": mask_iban(iban) if iban else "", "bic": bic}


def _log_change(change: BankDetailsChange, action: str, user, **data) -> None:
    log(
        instance=change,
        action=action,
        user=user,
        data={
            "shop": change.shop_id,
            "old": _details(change.old_holder, change.old_iban, change.old_bic),
            "new": _details(change.new_holder, change.new_iban, change.new_bic),
            **data,
        },
    )


def _lock_shop(shop) -> None:
    """Serialise changes of one shop's bank details: two requests at once would both find nothing pending."""
    list(Page.objects.select_for_update().filter(translation_key=shop.translation_key).order_by("pk").values("pk"))


def _close_pending(shop, user, status: str, action: str, reason: str) -> list[BankDetailsChange]:
    """Close every change waiting for `shop` (locked, by pk) with `status`; each one logged."""
    now = timezone.now()
    closed = list(
        BankDetailsChange.objects.select_for_update(of=("self",))
        .filter(shop__translation_key=shop.translation_key, status=Status.PENDING)
        .order_by("pk")
    )
    for change in closed:
        change.status, change.decided_at = status, now
        change.decided_by = user if user is not None and user.is_authenticated else None
        change.save(update_fields=["status", "decided_at", "decided_by"])
        _log_change(change, action, user, reason=reason)
    return closed


def _write_account(
    shop, *, holder: str, iban: str, bic: str, user, via: str, author=None, change_id=None
) -> PayoutAccount:
    """Apply the details to the shop's account (made when missing); logged, and the merchants told after commit.

    `user` made it take effect (logged); `author` typed the details (the
    account's `updated_by` and the e-mail's "changed by"), `user` by default.
    """
    author = author or user
    account = (
        PayoutAccount.objects.select_for_update(of=("self",)).filter(shop__translation_key=shop.translation_key).first()
    )
    created = account is None
    if created:
        account = PayoutAccount(shop=shop)
    iban_changed = account.iban != iban
    account.holder, account.iban, account.bic, account.updated_by = holder, iban, bic, author
    account.save()
    log(
        instance=account,
        action=ACCOUNT_CHANGE_ACTION,
        user=user,
        data={
            **_details(holder, iban, bic),
            "created": created,
            "iban_changed": iban_changed,
            "via": via,
            "change": change_id,
        },
    )
    user_id = author.pk if author is not None else None
    transaction.on_commit(lambda: async_task("checkout.tasks.send_bank_details_changed", account.pk, user_id))
    return account


def apply_merchant_change(shop, user, *, holder: str, iban: str, bic: str) -> PayoutAccount:
    """The shop's merchant changes their own account: applied now; a change waiting for the shop is cancelled."""
    with transaction.atomic():
        _lock_shop(shop)
        _close_pending(shop, user, Status.CANCELLED, CANCEL_ACTION, reason="merchant_change")
        return _write_account(shop, holder=holder, iban=iban, bic=bic, user=user, via="merchant")


def request_change(shop, user, *, holder: str, iban: str, bic: str) -> BankDetailsChange:
    """Someone other than the merchant asks to change the shop's account: stored pending, nothing applied.

    The change already waiting for the shop is cancelled (replaced). The
    confirmation e-mail is enqueued after commit.
    """
    with transaction.atomic():
        _lock_shop(shop)
        _close_pending(shop, user, Status.CANCELLED, CANCEL_ACTION, reason="replaced")
        account = account_of(shop)
        now = timezone.now()
        change = BankDetailsChange.objects.create(
            shop=account.shop if account is not None else shop,
            old_holder=account.holder if account else "",
            old_iban=account.iban if account else "",
            old_bic=account.bic if account else "",
            new_holder=holder,
            new_iban=iban,
            new_bic=bic,
            requested_by=user,
            requested_at=now,
            expires_at=now + datetime.timedelta(days=CONFIRMATION_DAYS),
        )
        _log_change(change, REQUEST_ACTION, user, expires_at=change.expires_at.isoformat())
        transaction.on_commit(lambda: async_task("checkout.tasks.send_bank_details_confirmation", change.pk))
    return change


def claim_token(change_id: int) -> tuple[BankDetailsChange, str] | None:
    """Make the confirmation token of a pending change that has none yet; None when there is nothing to send.

    To be called in the transaction that sends the e-mail: a failed send
    rolls the hash back and a retry makes a new token; a second run finds
    the hash set and sends nothing.
    """
    change = (
        BankDetailsChange.objects.select_for_update(of=("self",))
        .filter(pk=change_id, status=Status.PENDING, token_hash__isnull=True, expires_at__gt=timezone.now())
        .select_related("shop", "requested_by")
        .first()
    )
    if change is None:
        return None
    token = secrets.token_urlsafe(32)
    change.token_hash = hash_token(token)
    change.save(update_fields=["token_hash"])
    return change, token


def change_for_token(token: str) -> BankDetailsChange | None:
    if not token or len(token) > 100:
        return None
    return BankDetailsChange.objects.select_related("shop", "requested_by").filter(token_hash=hash_token(token)).first()


def _refusal(change: BankDetailsChange | None) -> str | None:
    if change is None:
        return gettext("Ce lien de confirmation n'existe pas ou a été remplacé par une demande plus récente.")
    if change.status in (Status.CONFIRMED, Status.APPROVED):
        return gettext("Cette modification a déjà été appliquée : ce lien ne sert plus.")
    if change.status == Status.CANCELLED:
        return gettext("Cette modification a été annulée : ce lien ne sert plus.")
    if change.status == Status.EXPIRED or change.expires_at <= timezone.now():
        return gettext("Ce lien de confirmation a expiré. Demandez une nouvelle modification si besoin.")
    return None


def check_confirmation(token: str, user) -> BankDetailsChange:
    """The change `user` may confirm with `token`; raises `ChangeRefused` saying why not (changes nothing)."""
    change = change_for_token(token)
    reason = _refusal(change)
    if reason is not None:
        raise ChangeRefused(reason, status=404 if change is None else 410)
    if not is_shop_merchant(user, change.shop):
        raise ChangeRefused(gettext(
            "Seul un commerçant de la boutique concernée peut confirmer ce changement. "
            "Connectez-vous avec son compte."
        ), status=403)
    return change


def _decide(change_id: int, user, status: str, action: str) -> BankDetailsChange:
    """Apply a pending change once, under its row lock (a replay or a concurrent click finds it decided)."""
    with transaction.atomic():
        # The same order as a request or the merchant's own change: the shop, its changes, its account.
        _lock_shop(BankDetailsChange.objects.select_related("shop").get(pk=change_id).shop)
        change = (
            BankDetailsChange.objects.select_for_update(of=("self",))
            .select_related("shop", "requested_by")
            .get(pk=change_id)
        )
        reason = _refusal(change)
        if reason is not None:
            if change.status == Status.PENDING:  # overdue: recorded as expired, then refused
                _expire(change)
        else:
            change.status, change.decided_by, change.decided_at = status, user, timezone.now()
            change.save(update_fields=["status", "decided_by", "decided_at"])
            _log_change(change, action, user)
            _write_account(
                change.shop,
                holder=change.new_holder,
                iban=change.new_iban,
                bic=change.new_bic,
                user=user,
                author=change.requested_by,
                via=status,
                change_id=change.pk,
            )
    if reason is not None:
        raise ChangeRefused(reason)
    return change


def confirm(token: str, user) -> BankDetailsChange:
    """A merchant of the shop confirms with the e-mailed link: the change applies. Raises `ChangeRefused`.

    A pending change past its date is recorded as expired on the way.
    """
    try:
        change = check_confirmation(token, user)
    except ChangeRefused:
        overdue = change_for_token(token)
        if overdue is not None and overdue.status == Status.PENDING:
            expire_overdue()
        raise
    return _decide(change.pk, user, Status.CONFIRMED, CONFIRM_ACTION)


def approve(change: BankDetailsChange, user) -> BankDetailsChange:
    """The platform's accounting approves a pending change instead of the merchant. Raises `ChangeRefused`."""
    if not is_accountant(user):
        raise ChangeRefused(gettext("Seule la comptabilité de la plateforme peut approuver ce changement."))
    if change.requested_by_id == user.pk:
        # Four eyes: whoever asked for a new account cannot also be the one who lets money follow it.
        raise ChangeRefused(gettext("Vous avez demandé ce changement : une autre personne doit l'approuver."))
    return _decide(change.pk, user, Status.APPROVED, APPROVE_ACTION)


def cancel(change: BankDetailsChange, user) -> BankDetailsChange:
    """Withdraw a pending change (its requester, the shop's managers or the accounting). Raises `ChangeRefused`."""
    with transaction.atomic():
        change = BankDetailsChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
        reason = _refusal(change)
        if reason is not None:
            raise ChangeRefused(reason)
        change.status, change.decided_by, change.decided_at = Status.CANCELLED, user, timezone.now()
        change.save(update_fields=["status", "decided_by", "decided_at"])
        _log_change(change, CANCEL_ACTION, user, reason="cancelled")
    return change


def _expire(change: BankDetailsChange) -> None:
    change.status, change.decided_at = Status.EXPIRED, timezone.now()
    change.save(update_fields=["status", "decided_at"])
    _log_change(change, EXPIRE_ACTION, None)


def expire_overdue() -> int:
    """Record as expired every pending change past its date (they could not apply anyway); returns how many."""
    with transaction.atomic():
        overdue = list(
            BankDetailsChange.objects.select_for_update(of=("self",))
            .filter(status=Status.PENDING, expires_at__lte=timezone.now())
            .order_by("pk")
        )
        for change in overdue:
            _expire(change)
    return len(overdue)
