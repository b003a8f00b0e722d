"""A customer without an account asks for their data, or their erasure, from their order's private link.

Holding the order's link is not enough to act on every order placed with
its e-mail address: the request is confirmed from that address. The
customer asks on the order's page (`ask`, counted per address and per
client like a password reset, as both send an e-mail to an address typed
by someone); a task e-mails the order's address a link signed with
`TimestampSigner` that names the order, its address and the action, valid
`LINK_MAX_AGE`; opening it shows a page whose POST does the action. A
forged, altered or expired link does nothing, and a GET never erases.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task

from checkout.models import Order
from portal.emails import send_templated_email
from portal.password_resets import reset_allowed
from portal.pdf import base_url

SALT = "checkout.accounts.personal-data-request"
LINK_MAX_AGE = datetime.timedelta(hours=24)
# A signed value is about 120 characters; anything much longer is not one of ours.
MAX_LINK_LENGTH = 400
SEND_TASK = "checkout.accounts.tasks.send_personal_data_link"


class RequestedAction(models.TextChoices):
    EXPORT = "export", _("Télécharger mes données")
    ERASE = "erase", _("Effacer mes données")


@dataclass(frozen=True)
class ConfirmedRequest:
    """What a valid link asks: the action on the data of `email`, asked from `order`'s page."""

    order: Order
    email: str
    action: str


def can_ask(order: Order) -> bool:
    """Whether the order's page offers the request: an order without an account, with an address still on it."""
    return order.customer_id is None and order.anonymised_at is None and bool(order.customer_email)


def ask(request, order: Order, action: str) -> bool:
    """Count the request; when under the limits, e-mail the confirmation link after the commit. Whether it goes."""
    if not can_ask(order) or action not in RequestedAction.values:
        return False
    if not reset_allowed(request, order.customer_email):
        return False
    asked_at = timezone.now().isoformat()
    transaction.on_commit(lambda: async_task(SEND_TASK, order.pk, action, asked_at))
    return True


def make_link_token(order: Order, action: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"order": order.pk, "email": order.customer_email.strip().lower(), "action": action}
    )


def read_link_token(token: str) -> ConfirmedRequest | None:
    """The request a link names, or None when it is forged, altered, expired or names nothing that exists."""
    if not token or len(token) > MAX_LINK_LENGTH:
        return None
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=LINK_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("action") not in RequestedAction.values:
        return None
    order_id, email = data.get("order"), data.get("email")
    if not isinstance(order_id, int) or not isinstance(email, str) or not email:
        return None
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    return ConfirmedRequest(order, email, data["action"])


def send_link(order_id: int, action: str, asked_at: str | None = None) -> bool:
    """Task: e-mail the signed link to the order's address, in the order's language. Whether it was sent.

    Once per request: the order's `<action>_link_sent_at` is claimed with a
    conditional UPDATE (which locks the row) unless a link for that action
    already went out at or after `asked_at`, the request's time; the e-mail
    is sent in the same transaction, so a failed send rolls the claim back.
    A second run of the task sends nothing; a later request sends again.
    Without `asked_at` (tasks queued before it existed) the link is sent.
    """
    if action not in RequestedAction.values:
        return False
    with transaction.atomic():
        column = f"{action}_link_sent_at"
        claim = Order.objects.filter(pk=order_id)
        if asked_at is not None:
            claim = claim.exclude(**{f"{column}__gte": datetime.datetime.fromisoformat(asked_at)})
        if not claim.update(**{column: timezone.now()}):
            return False
        order = Order.objects.get(pk=order_id)
        if not can_ask(order):
            transaction.set_rollback(True)
            return False
        _send_link(order, action)
    return True


def _send_link(order: Order, action: str) -> None:
    with translation.override(order.language):
        url = base_url() + reverse("account:personal_data_confirm", kwargs={"token": make_link_token(order, action)})
    context = {
        "order": order,
        "url": url,
        "erase": action == RequestedAction.ERASE,
        "hours": int(LINK_MAX_AGE.total_seconds() // 3600),
    }
    send_templated_email(
        "checkout/emails/personal_data_link", context, order.customer_email, order.language, about=order
    )
