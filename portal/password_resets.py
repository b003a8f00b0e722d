"""Password-reset requests: how many one address and one client may make.

Both public reset forms (the customer's and the Wagtail admin's) count every
request, whatever the address typed and whether an account answers to it,
per e-mail address (`PASSWORD_RESET_LIMIT_PER_EMAIL`) and per client address
(`PASSWORD_RESET_LIMIT_PER_IP`) over a window of
`PASSWORD_RESET_WINDOW_SECONDS`. Past either limit nothing is sent and the
form says to wait; below it, the usual neutral page, the same whether or not
an e-mail went out.

The counters live in Django's cache (Redis in production, shared by every
web host): `cache.add` opens a window, `cache.incr` counts atomically.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.account import PasswordResetView as WagtailPasswordResetView

from portal.client_ip import client_ip

THROTTLED_MESSAGE = _(
    "Trop de demandes de réinitialisation ont été faites. Par sécurité, attendez une heure avant de réessayer."
)


def _count(kind: str, value: str) -> int:
    """Count one more request for `value` in its current window; the count so far, this one included."""
    digest = hashlib.sha256(value.encode()).hexdigest()
    key = f"password-reset:{kind}:{digest}"
    window = int(settings.PASSWORD_RESET_WINDOW_SECONDS)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window closed between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def reset_allowed(request, email: str) -> bool:
    """Count this reset request; whether it may send anything.

    Both counters move on every request, so a client past its limit keeps
    itself throttled, and a spray over many addresses is caught per client.
    """
    email_count = _count("email", (email or "").strip().lower())
    ip_count = _count("ip", client_ip(request))
    return (
        email_count <= int(settings.PASSWORD_RESET_LIMIT_PER_EMAIL)
        and ip_count <= int(settings.PASSWORD_RESET_LIMIT_PER_IP)
    )


class ThrottledPasswordResetMixin:
    """For a `PasswordResetView`: count the request, and past a limit show the form again with the wait."""

    throttled_status = 429

    def form_valid(self, form):
        if not reset_allowed(self.request, form.cleaned_data["email"]):
            form.add_error(None, THROTTLED_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=self.throttled_status)
        return super().form_valid(form)


class AdminPasswordResetView(ThrottledPasswordResetMixin, WagtailPasswordResetView):
    """Wagtail's own reset page (`/admin/password_reset/`), throttled; routed before Wagtail's in portal.urls."""
