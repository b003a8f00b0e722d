"""Erasing a customer's personal data while keeping the books (GDPR erasure and retention).

An order keeps what it sold, to whom it was invoiced and every movement of
money; it loses who the customer was. `anonymise_orders` replaces, on the
orders and what hangs from them:

- the customer's name by `ERASED`, their e-mail address and phone by "";
- each delivery address by `ERASED` (a merchant still sees there was one);
- the beneficiaries' names and gift messages on order lines and vouchers by "";
- the buyer's name on vouchers by `ERASED`, their e-mail by "";
- the customer's and the buyers' addresses on the record of e-mails sent
  (`portal.models.SentEmail`, kept to file bounces), with the bounces'
  diagnostics that quote them.

An empty address is the one that never receives anything: Django's
`EmailMessage.send` sends nothing to an empty recipient list, so the order,
fulfilment, refund and voucher e-mails that still run for these rows
(claimed and marked sent as usual) reach nobody; a placeholder address
would go to a mail relay and bounce. `Order.anonymised_at` says when, and
lets pages say "données effacées" instead of showing a marker.

Kept untouched, as French accounting law asks for ten years: invoices and
credit notes (their rows and stored PDF files hold the buyer as invoiced),
ledger entries, payments and refunds. Prices, products and shops are not
personal data and stay, so reports and statements still add up.

Every export and erasure leaves an entry in Wagtail's log (actions
registered in `checkout.wagtail_hooks`), carrying order numbers and counts,
never a name or an address.
"""

import datetime
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q, QuerySet
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from checkout.accounts.personal_data import orders_of_email
from checkout.models import Order, OrderLine, OrderStatus, ShopOrder, Voucher
from markets.models import Merchant
from portal.bounces import forget_recipients

ERASED = "Données effacées"
EXPORT_ACTION = "checkout.personal_data.export"
ERASE_ACTION = "checkout.personal_data.erase"
RETENTION_BATCH = 200


class ErasureRefused(Exception):
    """Some orders are still being paid or fulfilled: erasing now would lose their address or confirmation."""

    def __init__(self, order_ids):
        super().__init__(order_ids)
        self.order_ids = order_ids


def orders_in_progress(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Of `orders`, those the payment or a merchant still works on: erasure waits for them.

    A payment not settled yet (its confirmation and vouchers go to the
    customer's address), or a paid shop order with something to hand over
    that is neither shipped, collected nor refunded (the merchant needs the
    delivery address and the customer's phone).
    """
    to_hand_over = ShopOrder.objects.to_hand_over().filter(order=OuterRef("pk"))
    return orders.filter(Q(status=OrderStatus.PENDING) | Exists(to_hand_over))


def _refuse_if_in_progress(orders: QuerySet[Order]) -> None:
    busy = list(orders_in_progress(orders).order_by("pk").values_list("pk", flat=True))
    if busy:
        raise ErasureRefused(busy)


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: the orders it anonymised now (those already anonymised are not repeated)."""

    order_ids: list[int] = field(default_factory=list)
    vouchers: int = 0
    account_deleted: bool = False


def anonymise_orders(order_ids, *, now: datetime.datetime) -> Erasure:
    """Replace the personal data of the orders `order_ids` (see the module); safe to run twice.

    The orders are locked in the order of their keys; one already
    anonymised is left as it is.
    """
    with transaction.atomic():
        ids = list(
            Order.objects.select_for_update(of=("self",))
            .filter(pk__in=list(order_ids), anonymised_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return Erasure()
        addresses = [
            *Order.objects.filter(pk__in=ids).values_list("customer_email", flat=True),
            *Voucher.objects.filter(order_line__shop_order__order__in=ids).values_list("buyer_email", flat=True),
        ]
        Order.objects.filter(pk__in=ids).update(
            customer_name=ERASED, customer_email="", customer_phone="", basket_fingerprint="", anonymised_at=now
        )
        ShopOrder.objects.filter(order__in=ids).exclude(delivery_address="").update(delivery_address=ERASED)
        OrderLine.objects.filter(shop_order__order__in=ids).update(beneficiary_name="", gift_message="")
        vouchers = Voucher.objects.filter(order_line__shop_order__order__in=ids).update(
            buyer_name=ERASED, buyer_email="", beneficiary_name="", gift_message=""
        )
        forget_recipients(addresses)
    return Erasure(order_ids=ids, vouchers=vouchers)


def account_title(user) -> str:
    # The log's label for an account: its number, never its e-mail (the log outlives the account).
    return _("Compte client n° %(number)s") % {"number": user.pk}


def _numbers(order_ids) -> list[str]:
    return [f"{pk:06d}" for pk in sorted(order_ids)]


def log_export(instance, *, scope: str, order_ids, user=None, title: str | None = None) -> None:
    """Record that the data of `order_ids` were downloaded (`scope`: "account" or "email")."""
    log(
        instance=instance,
        action=EXPORT_ACTION,
        user=user,
        title=title,
        data={"scope": scope, "orders": _numbers(order_ids)},
    )


def _strip_account(user) -> None:
    """An account that cannot be deleted (something protects it) keeps its row but nothing of its holder."""
    user.username = f"efface-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _forget_logins(user) -> None:
    # The login throttle's records name the account by what was typed: its user name or e-mail address.
    names = {name for name in (user.get_username(), user.email) if name}
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in=names).delete()


def erase_account(user, *, now: datetime.datetime) -> Erasure:
    """Anonymise every order of `user`'s account, then delete the account; logged.

    Raises `ErasureRefused` while an order is in progress (`orders_in_progress`).
    The caller has checked the password and that the account is a
    customer's only (not one that works in the admin).
    """
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _refuse_if_in_progress(Order.objects.filter(customer=user))
        all_orders = list(Order.objects.filter(customer=user).values_list("pk", flat=True))
        erasure = anonymise_orders(all_orders, now=now)
        _forget_logins(user)
        log(
            instance=user,
            action=ERASE_ACTION,
            user=None,
            title=account_title(user),
            data={"scope": "account", "orders": _numbers(all_orders), "vouchers": erasure.vouchers},
        )
        try:
            with transaction.atomic():
                user.delete()
            deleted = True
        except ProtectedError:
            _strip_account(user)
            deleted = False
    return Erasure(order_ids=erasure.order_ids, vouchers=erasure.vouchers, account_deleted=deleted)


def erase_email(email: str, order: Order, *, now: datetime.datetime) -> Erasure:
    """Anonymise the orders placed without an account with `email`, for its verified holder; logged on `order`.

    Raises `ErasureRefused` while one of them is in progress (`orders_in_progress`).
    """
    with transaction.atomic():
        _refuse_if_in_progress(orders_of_email(email))
        ids = list(orders_of_email(email).values_list("pk", flat=True))
        erasure = anonymise_orders(ids, now=now)
        if erasure.order_ids:
            log(
                instance=order,
                action=ERASE_ACTION,
                user=None,
                data={"scope": "email", "orders": _numbers(erasure.order_ids), "vouchers": erasure.vouchers},
            )
    return erasure


def expired_customer_orders(*, now: datetime.datetime, days: int):
    """Orders not yet anonymised whose customer has ordered nothing for `days` days.

    The customer is the account the order is linked to, and the e-mail
    typed on it: an order is kept while either placed a newer order within
    the period.
    """
    cutoff = now - datetime.timedelta(days=days)
    recent = Order.objects.filter(created_at__gte=cutoff)
    return (
        Order.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(recent.filter(customer_id=OuterRef("customer_id"))))
        .exclude(Exists(recent.filter(customer_email__iexact=OuterRef("customer_email"))))
    )


def anonymise_expired_customers(*, now: datetime.datetime, days: int) -> list[int]:
    """Anonymise the orders of customers gone quiet for `days` days, in batches; each order logged once."""
    done: list[int] = []
    while True:
        batch = list(
            expired_customer_orders(now=now, days=days).order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH]
        )
        if not batch:
            return done
        with transaction.atomic():
            erasure = anonymise_orders(batch, now=now)
            for order in Order.objects.filter(pk__in=erasure.order_ids).order_by("pk"):
                log(instance=order, action=ERASE_ACTION, user=None, data={"scope": "retention"})
        done.extend(erasure.order_ids)
        if not erasure.order_ids:  # another run took them meanwhile
            return done


def quiet_customer_accounts(*, now: datetime.datetime, days: int):
    """Customers' accounts with neither a log-in nor an order for `days` days.

    A customer's account is in no group and is neither staff nor a
    merchant's: the accounts of the admin are the operator's to close.
    """
    cutoff = now - datetime.timedelta(days=days)
    User = get_user_model()
    return (
        User.objects.filter(is_staff=False, is_superuser=False, groups__isnull=True)
        .exclude(Exists(Merchant.objects.filter(user=OuterRef("pk"))))
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(Order.objects.filter(customer=OuterRef("pk"), created_at__gte=cutoff)))
    )


def delete_quiet_accounts(*, now: datetime.datetime, days: int) -> int:
    """Erase the accounts of `quiet_customer_accounts` (their orders were anonymised already, or are now)."""
    deleted = 0
    for user in quiet_customer_accounts(now=now, days=days).order_by("pk")[:RETENTION_BATCH]:
        try:
            erase_account(user, now=now)
        except ErasureRefused:
            continue
        deleted += 1
    return deleted
