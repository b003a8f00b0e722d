"""django-q2 tasks: they take ids, are enqueued after commit, and can run twice."""

from markets import emails, publication_promise
from portal.task_queue import retried


@retried()
def send_registration_acknowledgement(registration_id: int) -> bool:
    return emails.send_registration_acknowledgement(registration_id)


@retried()
def send_registration_notice(registration_id: int) -> int:
    return emails.send_registration_notice(registration_id)


@retried()
def send_invitation(registration_id: int) -> bool:
    return emails.send_invitation(registration_id)


@retried()
def send_rejection(registration_id: int) -> bool:
    return emails.send_rejection(registration_id)


@retried()
def send_shop_online(registration_id: int) -> bool:
    return emails.send_shop_online(registration_id)


def send_promise_reminders() -> int:
    """Scheduled hourly (migration 0010): whoever holds a late step of the 4-day promise, once per step."""
    return publication_promise.send_promise_reminders()
