"""django-q2 tasks of the customer's account: they take ids and can run twice.

Schedules and queued tasks store these dotted paths
(`checkout.accounts.tasks.<name>`): a function here keeps its name.
"""

from django.conf import settings
from django.utils import timezone

from checkout.accounts import erasure, guest_requests
from portal.task_queue import retried


@retried()
def send_personal_data_link(order_id: int, action: str, asked_at: str | None = None) -> bool:
    """Enqueued when a customer without an account asks for their data or their erasure; once per request."""
    return guest_requests.send_link(order_id, action, asked_at)


def anonymise_expired_customers() -> int:
    """Scheduled nightly (migration 0015): erase the data of customers without an order for the retention period.

    Their orders are anonymised, then the accounts gone quiet as long (no log-in, no order) are deleted.
    Returns the number of orders anonymised.
    """
    now, days = timezone.now(), int(settings.PERSONAL_DATA_RETENTION_DAYS)
    orders = erasure.anonymise_expired_customers(now=now, days=days)
    erasure.delete_quiet_accounts(now=now, days=days)
    return len(orders)
