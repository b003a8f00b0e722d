"""The client's address, the one place that decides it.

Behind N trusted proxies (`TRUSTED_PROXY_HOPS`, 0 in development), each
proxy appends the address it received the request from to
`X-Forwarded-For`; the client is therefore the Nth entry from the right.
Entries further left are whatever the client sent and are never believed:
a forged header can change neither whose limit is counted nor what an
audit entry records.
"""

from django.conf import settings


def client_ip(request) -> str:
    """The address of whoever sent `request`, as the trusted proxies saw it; "" when unknown."""
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0))
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or ""
