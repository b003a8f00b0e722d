"""Serve the portal on one machine: web server, task worker and, without
Stripe keys, a local fake Stripe (localstripe, on 127.0.0.1 only: see
portal.localstripe_launcher).

`make run` ends here. Every process is a child of this one, leading its own
process group; Ctrl-C, SIGTERM or SIGHUP (a closed terminal), or any child
dying, stops them all with what they started, so nothing is left behind.
Signals that arrive while they stop are ignored until they have stopped.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.processes import Children, StopRequested

LOCALSTRIPE_PORT = 8420


class Command(BaseCommand):
    help = "Run the development server, the django-q2 worker and (without Stripe keys) localstripe."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the django-q2 worker.")
        parser.add_argument(
            "--localstripe-port",
            type=int,
            default=LOCALSTRIPE_PORT,
            help=f"Port of localstripe on 127.0.0.1 (default {LOCALSTRIPE_PORT}).",
        )

    def handle(self, *args, addrport, no_worker, localstripe_port, **options):
        children = Children()
        env = dict(os.environ)
        children.catch_stop_signals()
        try:
            if not settings.STRIPE_SECRET_KEY:
                env.update(self._start_localstripe(children, addrport, localstripe_port))
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            children.spawn(manage + ["runserver", addrport], env=env)
            if not no_worker:
                children.spawn(manage + ["qcluster"], env=env)
            self.stdout.write(
                self.style.SUCCESS(f"Portal on http://{addrport}/fr/ — admin on http://{addrport}/admin/")
            )
            while children.all_running():
                children.check_stop()
                time.sleep(0.2)
        except StopRequested:
            pass
        finally:
            children.stop_all()

    def _start_localstripe(self, children, addrport, port) -> dict[str, str]:
        """Start localstripe, register our webhook with it, return the settings that point at it."""
        # Our launcher, not localstripe's own command: that one listens on every interface.
        children.spawn(
            localstripe_command(port), cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        api_base = f"http://127.0.0.1:{port}"
        webhook_secret = "whsec_" + secrets.token_hex(16)
        _wait_for(api_base + "/v1/customers", headers={"Authorization": "Bearer sk_test_local"}, children=children)
        form = urllib.parse.urlencode(
            {"url": f"http://{addrport}/checkout/webhooks/stripe/", "secret": webhook_secret}
        ).encode()
        urllib.request.urlopen(urllib.request.Request(api_base + "/_config/webhooks/portal", data=form), timeout=5)
        self.stdout.write(f"localstripe on {api_base} — pay with the test card 4242 4242 4242 4242")
        return {
            "STRIPE_API_BASE": api_base,
            "STRIPE_SECRET_KEY": "sk_test_local",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_local",
            "STRIPE_WEBHOOK_SECRET": webhook_secret,
        }


def localstripe_command(port: int) -> list[str]:
    """The command line that serves localstripe on 127.0.0.1:`port` only, with an empty store."""
    return [sys.executable, "-m", "portal.localstripe_launcher", "--port", str(port), "--from-scratch"]


def _wait_for(url: str, headers: dict, children: Children, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        children.check_stop()
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise CommandError(f"localstripe did not answer at {url}")
