"""Every request has an id, in its log lines and in its response's X-Request-ID header.

The id the proxy sent in X-Request-ID is kept when it looks like one (at
most 64 letters, digits and dashes), so the proxy's access log and ours
name the same request; otherwise the request gets a new one.
"""

import re
import uuid

from django.core.signals import request_finished

from portal import log_context

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9-]{1,64}")


def request_id_for(request) -> str:
    given = request.headers.get(HEADER, "")
    return given if _WELL_FORMED.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every middleware's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        # The request itself, for the user once authentication has found them (portal.log_context).
        log_context.start(request_id=request.request_id, request=request)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _forget(**kwargs) -> None:
    # At the response's close, after Django has logged an error answer:
    # the thread's next log lines are not about this request.
    log_context.start()


request_finished.connect(_forget, dispatch_uid="portal.request_id.forget")
