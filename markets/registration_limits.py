"""How many registrations one sender may make: per client address, and per e-mail address.

Each registration sends an e-mail to the address typed in the form, so
the form must not become a way to mail strangers in bulk. Every
registration that passed the form's checks counts once against its client
address (`portal.client_ip`: a forged X-Forwarded-For changes nothing)
and once against its e-mail address; past either limit it is refused with
a message saying how long to wait, and nothing is stored or sent.

The counters live in the cache (shared between web hosts once the cache
is Redis): `cache.add` starts a window with its time-out, `cache.incr`
counts atomically, so N simultaneous requests cannot all read "4" and all
pass. A window is fixed from the first registration it counts.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from portal.client_ip import client_ip


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int
    message: str


# Settings may change the numbers (MARKETS_REGISTRATION_LIMITS = {"ip": (5, 3600), "email": (3, 86400)}).
_DEFAULTS = {"ip": (5, 3600), "email": (3, 86400)}
_MESSAGES = {
    "ip": _("Trop d'inscriptions ont été envoyées depuis votre connexion. Merci de patienter une heure avant "
            "de réessayer."),
    "email": _("Trop d'inscriptions ont été envoyées avec cette adresse e-mail. Merci de patienter jusqu'à demain "
               "avant de réessayer."),
}


def limit(name: str) -> Limit:
    count, seconds = getattr(settings, "MARKETS_REGISTRATION_LIMITS", {}).get(name, _DEFAULTS[name])
    return Limit(name, count, seconds, _MESSAGES[name])


def _key(name: str, value: str) -> str:
    # Hashed: no e-mail address in cache keys, and any value makes a valid key.
    return f"markets:registration:{name}:" + hashlib.sha256(value.encode()).hexdigest()


def _count(key: str, seconds: int) -> int:
    """Add one to the counter `key` (created for `seconds`) and return its new value."""
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: this one opens the next
        cache.add(key, 1, seconds)
        return 1


def refusal(request, email: str) -> Limit | None:
    """Count this registration; the limit it goes past, or None when it may go ahead."""
    for name, value in (("ip", client_ip(request) or "unknown"), ("email", email.strip().lower())):
        rule = limit(name)
        if _count(_key(name, value), rule.seconds) > rule.count:
            return rule
    return None
