"""Login throttling with django-axes: who is locked out, and what they are told.

Two limits count failed logins within the cool-off (`AXES_COOLOFF_TIME`),
each over its own entry of `AXES_LOCKOUT_PARAMETERS`:

- the pair (user name, client address) is locked after `AXES_FAILURE_LIMIT`
  failures: someone guessing one account's password from one place;
- the client address alone is locked after the looser
  `LOGIN_IP_FAILURE_LIMIT` failures over any user names: a spray.

Merchants' login names are public (their shop's slug), so no limit counts a
user name alone: a stranger typing a merchant's name elsewhere locks only
their own address out, never the merchant. Axes compares the largest count
of all its combinations to one limit; `PortalAxesHandler` gives each
combination its own. Every lock-out ends after the cool-off.
"""

import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.forms.utils import ErrorDict
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import ngettext


def ip_failure_limit() -> int:
    """Failures from one address, over any user names, that lock that address out."""
    return int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 30))


def _is_pair(parameter) -> bool:
    return not isinstance(parameter, str) and set(parameter) == {"username", "ip_address"}


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per lock-out combination.

    `AXES_LOCKOUT_PARAMETERS` lists the combinations; the pair (user name,
    address) is held to `AXES_FAILURE_LIMIT`, any other combination (the
    address alone) to `LOGIN_IP_FAILURE_LIMIT`. Axes locks out when the count
    returned here reaches `AXES_FAILURE_LIMIT`, so a combination past its own
    limit reports at least that.
    """

    def get_failures(self, request, credentials=None) -> int:
        pair_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if _is_pair(parameter):
                worst = max(worst, failures)
            elif failures >= ip_failure_limit():
                worst = max(worst, pair_limit, failures)
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On a successful login, forget the failures of that user from that address only.

        Axes would also forget the address's failures under every other name:
        an attacker holding one account could then spray without end.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


def lockout_minutes(request) -> int:
    """How long, in whole minutes, a locked-out client waits from now.

    Each failure, even one refused during a lock-out, restarts the cool-off
    (axes' `AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`), so the wait is
    the whole cool-off.
    """
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return max(1, math.ceil(cool_off.total_seconds() / 60))


def lockout_message(request) -> str:
    minutes = lockout_minutes(request)
    return ngettext(
        "Trop de tentatives de connexion ont échoué. Par sécurité, la connexion est suspendue "
        "pendant %(minutes)s minute : réessayez ensuite.",
        "Trop de tentatives de connexion ont échoué. Par sécurité, la connexion est suspendue "
        "pendant %(minutes)s minutes : réessayez ensuite.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """`AXES_LOCKOUT_CALLABLE`: the login page the client was on, with the wait in place of its error.

    The admin's login and the customer's each keep their own look; the
    password field stays empty and the status is 429. A lock-out reached by
    some other page gets a plain page saying the same.
    """
    message = lockout_message(request)
    status = settings.AXES_HTTP_RESPONSE_CODE
    context = getattr(original_response, "context_data", None)
    form = (context or {}).get("form")
    if isinstance(original_response, TemplateResponse) and form is not None and form.is_bound:
        form._errors = ErrorDict()
        form.add_error(None, message)
        # Rendered here: the middlewares after this one read the content.
        return TemplateResponse(
            request, original_response.template_name, {**context, "axes_locked_out": True}, status=status
        ).render()
    return render(request, "portal/lockout.html", {"message": message}, status=status)
