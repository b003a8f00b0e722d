"""Refunds of bundle parts: what customers have not used yet of a part whose shop withdrew, or of a whole bundle.

A bundle's parts are lines of each providing shop's shop order, each unit a
voucher of that shop (see `checkout.services._create_order`). A part is
refunded from its own shop order (that shop's ledger, commission returned
and credit note, through `checkout.services.complete_refund`), and only for
its vouchers still to use: active, not expired, with a balance. What was
used at the shop stays sold; an expired part was the customer's to use in
time and stays sold too.

A participant's shop order may hold other lines of the same customer
(their own gift voucher, another bundle's part): the refund names the
part's vouchers (`refund_shop_order(voucher_ids=...)`), so that those are
the ones cancelled, never another line's.

Withdrawal: `shops.bundles.part_withdrawn` (sent after the withdrawal's
commit, by the participant's admin or their shop's closing) enqueues
`checkout.tasks.refund_withdrawn_part`. Safe to run twice: the vouchers
cancelled by the first run leave nothing to refund; a refund the provider
refused gives its vouchers back, and a second run tries again. Only orders
placed before the withdrawal are refunded: a later order was placed on
terms the participant accepted again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from checkout import services
from checkout.emails import order_url
from checkout.models import (
    BundleSale,
    OrderLine,
    OrderStatus,
    Redemption,
    RedemptionKind,
    Refund,
    RefundState,
    Voucher,
    VoucherStatus,
)
from portal.emails import send_templated_email
from portal.money import ZERO
from shops.models import BundleConsent, ConsentStatus

logger = logging.getLogger(__name__)

REFUND_TASK = "checkout.tasks.refund_withdrawn_part"
NOTICE_TASK = "checkout.tasks.send_part_withdrawn_notice"
WITHDRAWAL_NOTICE_ACTION = "checkout.bundle.withdrawal_notice"


def on_part_withdrawn(sender, bundle_key, participant_id, **kwargs):
    """`shops.bundles.part_withdrawn`: refund in a task, not in the merchant's request."""
    transaction.on_commit(partial(async_task, REFUND_TASK, str(bundle_key), participant_id))


def _unused(voucher: Voucher, today) -> bool:
    return voucher.status == VoucherStatus.ACTIVE and voucher.balance > ZERO and voucher.valid_until >= today


def refund_unused_part(order_line_id: int, by_user=None, now=None) -> Refund | None:
    """Refund the vouchers of bundle part line `order_line_id` that are still to use; None when there are none.

    The amount is their balances (a part's unit price each, unless a refund
    of the shop order already took from one), taken from exactly those
    vouchers. Raises `services.RefundRefused` when the provider refuses (the
    vouchers are then usable again) or one was used meanwhile (nothing done).
    Call it outside a transaction: the provider is called between two of its own.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    line = OrderLine.objects.select_related("shop_order__order").get(pk=order_line_id)
    if line.shop_order.order.status != OrderStatus.PAID:
        return None
    unused = [v for v in line.vouchers.all() if _unused(v, today)]
    if not unused:
        return None
    return services.refund_shop_order(
        line.shop_order_id, sum((v.balance for v in unused), ZERO), by_user, now=now,
        voucher_ids={v.pk for v in unused},
    )


def _withdrawn_at(bundle_key: UUID, participant_id: int) -> datetime | None:
    return (
        BundleConsent.objects.filter(bundle_key=bundle_key, participant_id=participant_id, status=ConsentStatus.WITHDRAWN)
        .order_by("-answered_at").values_list("answered_at", flat=True).first()
    )


def refund_withdrawn_part(bundle_key: str, participant_id: int, now=None) -> list[int]:
    """Refund what customers have not used of `participant_id`'s part of bundle `bundle_key`; the refunds' ids.

    Every paid order placed before the participant's withdrawal. Each
    refund made is then explained to its customer (`send_part_withdrawn_notice`).
    A refund the provider refused is logged and left: the vouchers it took
    are usable again and a run of this task later retries.
    """
    bundle_key = UUID(str(bundle_key))
    withdrawn_at = _withdrawn_at(bundle_key, participant_id)
    if withdrawn_at is None:
        return []
    line_ids = list(
        OrderLine.objects.filter(
            bundle_sale__product_key=bundle_key,
            shop_order__shop_id=participant_id,
            shop_order__order__status=OrderStatus.PAID,
            shop_order__order__created_at__lte=withdrawn_at,
        ).order_by("pk").values_list("pk", flat=True)
    )
    refunded = []
    for line_id in line_ids:
        try:
            refund = refund_unused_part(line_id, None, now)
        except services.RefundRefused:
            logger.error("Bundle part line %s: the refund after a withdrawal was refused; run the task again", line_id)
            continue
        if refund is not None:
            refunded.append(refund.pk)
            transaction.on_commit(partial(async_task, NOTICE_TASK, refund.pk))
    return refunded


@dataclass(frozen=True)
class BundleRefund:
    """What `refund_bundle_sale` did: the refunds made, and the parts the provider refused."""

    refunds: list[Refund]
    refused_lines: list[int]

    @property
    def amount(self) -> Decimal:
        return sum((refund.amount for refund in self.refunds), ZERO)


def refund_bundle_sale(bundle_sale_id: int, by_user, now=None) -> BundleRefund:
    """Refund a whole bundle sale: each part (the seller's and each participant's) in its own shop order.

    Only what is still to use is refunded; a part already used at its shop
    stays that shop's sale. The caller checks that `by_user` may refund the
    sale (the seller's merchants, their editors). Safe to call twice: the
    second call finds nothing left to refund.
    """
    sale = BundleSale.objects.get(pk=bundle_sale_id)
    refunds, refused = [], []
    for line_id in sale.lines.order_by("pk").values_list("pk", flat=True):
        try:
            refund = refund_unused_part(line_id, by_user, now)
        except services.RefundRefused:
            refused.append(line_id)
            continue
        if refund is not None:
            refunds.append(refund)
    return BundleRefund(refunds=refunds, refused_lines=refused)


def send_part_withdrawn_notice(refund_id: int) -> bool:
    """Task: tell the customer a shop withdrew its part of their bundle and what is refunded; once per refund.

    Beside the refund notice every refund sends (with its credit note):
    this one says why, and which codes no longer work. Nothing is sent for
    a refund the provider refused.
    """
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",)).select_related("shop_order__order")
            .filter(pk=refund_id).first()
        )
        if refund is None or refund.shop_order is None or refund.state == RefundState.FAILED:
            return False
        if ModelLogEntry.objects.for_instance(refund).filter(action=WITHDRAWAL_NOTICE_ACTION).exists():
            return False
        taken = list(
            Redemption.objects.filter(refund=refund, kind=RedemptionKind.REFUNDED)
            .select_related("voucher__order_line__bundle_sale").order_by("voucher_id")
        )
        if not taken:
            return False
        shop_order, order = refund.shop_order, refund.shop_order.order
        line = taken[0].voucher.order_line
        context = {
            "order": order,
            "shop_order": shop_order,
            "refund": refund,
            "line": line,
            "bundle_sale": line.bundle_sale,
            "vouchers": [row.voucher for row in taken],
            "order_url": order_url(order),
        }
        send_templated_email(
            "checkout/emails/bundle_part_withdrawn", context, order.customer_email, order.language, about=shop_order
        )
        log(instance=refund, action=WITHDRAWAL_NOTICE_ACTION, user=None, data={"vouchers": len(taken)})
    return True


@hooks.register("register_log_actions")
def register_withdrawal_notice_action(actions):
    actions.register_action(
        WITHDRAWAL_NOTICE_ACTION, gettext_lazy("Prévenir le client d'une part de coffret retirée"),
        gettext_lazy("Client prévenu du retrait d'une part de son coffret"),
    )
