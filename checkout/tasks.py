"""django-q2 tasks: they take ids, are enqueued after commit, and can run twice.

This module is the one entry point the queue names: tasks and schedules
store these dotted paths (`checkout.tasks.<name>`), so a function here keeps
its name even when the code it calls moves.
"""

from dataclasses import asdict
from datetime import date

from checkout import emails, services
from checkout.billing import emails as billing_emails
from checkout.billing import payouts, reports, statements
from checkout.vouchers import emails as voucher_emails
from portal.task_queue import retried


@retried()
def send_order_confirmation(order_id: int) -> bool:
    return emails.send_order_confirmation(order_id)


@retried()
def notify_merchants(order_id: int) -> int:
    return emails.notify_merchants(order_id)


@retried()
def send_refund_notice(refund_id: int) -> bool:
    return emails.send_refund_notice(refund_id)


def refund_unfulfilled_payment(payment_id: int) -> None:
    services.refund_unfulfilled_payment(payment_id)


def expire_unpaid_orders() -> int:
    """Scheduled every few minutes (migration 0002)."""
    return services.expire_unpaid_orders()


def send_voucher_expiry_reminders() -> int:
    """Scheduled daily (migration 0004): holders of vouchers expiring within 30 days, once per voucher."""
    return voucher_emails.send_expiry_reminders()


def run_weekly_statements() -> int:
    """Scheduled on Monday mornings (migration 0006): last week's run, as a chain of tasks; returns the batches.

    One `make_weekly_statements_batch` per batch of `WEEKLY_RUN_BATCH_SIZE`
    shops, then `export_weekly_payouts` (see `statements.enqueue_week`).
    """
    return statements.enqueue_week(statements.last_ended_week())


def make_weekly_statements_batch(week_start: str, first_shop_id: int, last_shop_id: int) -> int:
    """Enqueued by `run_weekly_statements`: the statements of one batch of shops and their report e-mails."""
    return statements.run_week_batch(date.fromisoformat(week_start), first_shop_id, last_shop_id)


def export_weekly_payouts() -> int:
    """Last task of the Monday run: the pending payouts in one transfer file; returns how many were exported."""
    batch = payouts.export_pending_payouts()
    return batch.payouts_count if batch is not None else 0


@retried()
def send_weekly_report(statement_id: int) -> bool:
    return reports.send_weekly_report(statement_id)


@retried()
def send_bank_details_changed(account_id: int, changed_by_id: int | None) -> int:
    return billing_emails.send_bank_details_changed(account_id, changed_by_id)


@retried()
def send_bank_details_confirmation(change_id: int) -> int:
    """Enqueued when someone other than the merchant changes bank details (checkout.billing.bank_details)."""
    return billing_emails.send_bank_details_confirmation(change_id)


@retried()
def send_ready_for_pickup_notice(shop_order_id: int) -> bool:
    """Enqueued when a merchant marks a pick-up ready (checkout.order_admin); sent once per shop order."""
    return emails.send_ready_for_pickup_notice(shop_order_id)


@retried()
def send_shipped_notice(shop_order_id: int) -> bool:
    """Enqueued when a merchant marks a delivery shipped (checkout.order_admin); sent once per shop order."""
    return emails.send_shipped_notice(shop_order_id)


def reconcile_refunds() -> dict:
    """Scheduled every five minutes (migration 0009): settle refunds Stripe did not answer or a crash left open."""
    return asdict(services.reconcile_refunds())


def refund_withdrawn_part(bundle_key: str, participant_id: int) -> list[int]:
    """Enqueued when a shop withdraws its part of a bundle (checkout.bundle_refunds.on_part_withdrawn)."""
    from checkout import bundle_refunds

    return bundle_refunds.refund_withdrawn_part(bundle_key, participant_id)


@retried()
def send_part_withdrawn_notice(refund_id: int) -> bool:
    """Enqueued for each refund of a withdrawn bundle part: the customer is told why; once per refund."""
    from checkout import bundle_refunds

    return bundle_refunds.send_part_withdrawn_notice(refund_id)
