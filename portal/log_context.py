"""What the log lines of the current request say about it: its id, its user, the order it handles.

Held in a context variable, so each thread of a gunicorn worker has its
own. `portal.request_id.RequestIdMiddleware` starts it afresh for each
request; code handling an order adds the order's id with `bind`.
`ContextFilter` copies the fields onto every record a handler writes.
"""

import contextvars
import logging

from django.utils.functional import empty

FIELDS = ("request_id", "user_id", "order_id")

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_context", default=None)


def bind(**fields) -> None:
    """Name these fields (`order_id=order.pk`) in the log lines that follow, until the request ends."""
    _context.set({**(_context.get() or {}), **fields})


def start(**fields) -> None:
    """Forget what an earlier request bound, and bind `fields`."""
    _context.set(fields)


def current() -> dict:
    return dict(_context.get() or {})


def _user_id(request) -> int | None:
    # Only a user something in the request has already asked for: logging
    # never loads a session or a user by itself.
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class ContextFilter(logging.Filter):
    """Adds `request_id`, `user_id` and `order_id` to each record (None where unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        record.request_id = context.get("request_id")
        record.order_id = context.get("order_id")
        record.user_id = _user_id(context.get("request"))
        return True
