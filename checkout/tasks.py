"""django-q2 tasks: they take ids, are enqueued after commit, and can run twice."""

from checkout import emails, services


def send_order_confirmation(order_id: int) -> bool:
    return emails.send_order_confirmation(order_id)


def notify_merchants(order_id: int) -> int:
    return emails.notify_merchants(order_id)


def send_refund_notice(refund_id: int) -> bool:
    return emails.send_refund_notice(refund_id)


def refund_unfulfilled_payment(payment_id: int) -> None:
    services.refund_unfulfilled_payment(payment_id)


def expire_unpaid_orders() -> int:
    """Scheduled every few minutes (see the report for the django-q2 Schedule)."""
    return services.expire_unpaid_orders()


def send_voucher_expiry_reminders() -> int:
    """Scheduled daily (migration 0004): holders of vouchers expiring within 30 days, once per voucher."""
    from checkout import vouchers

    return vouchers.send_expiry_reminders()


def run_weekly_statements() -> int:
    """Scheduled on Monday mornings (migration 0006): last week's statements, payouts file and reports."""
    from checkout import statements

    return len(statements.run_week(statements.last_ended_week()).statements)


def send_bank_details_changed(account_id: int, changed_by_id: int | None) -> int:
    from checkout import payout_emails

    return payout_emails.send_bank_details_changed(account_id, changed_by_id)
