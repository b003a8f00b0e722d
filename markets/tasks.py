"""django-q2 tasks: they take ids, are enqueued after commit, and can run twice."""

from markets import emails


def send_registration_acknowledgement(registration_id: int) -> bool:
    return emails.send_registration_acknowledgement(registration_id)


def send_invitation(registration_id: int) -> bool:
    return emails.send_invitation(registration_id)


def send_rejection(registration_id: int) -> bool:
    return emails.send_rejection(registration_id)


def send_shop_online(registration_id: int) -> bool:
    return emails.send_shop_online(registration_id)
