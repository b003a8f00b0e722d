"""Serve the portal on one machine: web server, task worker and, without
Stripe keys, a local fake Stripe (localstripe, on 127.0.0.1 only: see
portal.localstripe_launcher).

`make run` ends here. Every process is a child of this one; Ctrl-C (or any
of them dying) stops them all, so nothing is left behind.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

LOCALSTRIPE_PORT = 8420


class Command(BaseCommand):
    help = "Run the development server, the django-q2 worker and (without Stripe keys) localstripe."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the django-q2 worker.")

    def handle(self, *args, addrport, no_worker, **options):
        children: list[subprocess.Popen] = []
        env = dict(os.environ)
        # A plain `kill` must stop the children too, not orphan them.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            if not settings.STRIPE_SECRET_KEY:
                env.update(self._start_localstripe(children, addrport))
            manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
            children.append(_spawn(manage + ["runserver", addrport], env=env))
            if not no_worker:
                children.append(_spawn(manage + ["qcluster"], env=env))
            self.stdout.write(
                self.style.SUCCESS(f"Portal on http://{addrport}/fr/ — admin on http://{addrport}/admin/")
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)

    def _start_localstripe(self, children, addrport) -> dict[str, str]:
        """Start localstripe, register our webhook with it, return the settings that point at it."""
        # Our launcher, not localstripe's own command: that one listens on every interface.
        children.append(
            _spawn(
                localstripe_command(LOCALSTRIPE_PORT),
                cwd=settings.BASE_DIR,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        api_base = f"http://127.0.0.1:{LOCALSTRIPE_PORT}"
        webhook_secret = "whsec_" + secrets.token_hex(16)
        _wait_for(api_base + "/v1/customers", headers={"Authorization": "Bearer sk_test_local"})
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


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_for(url: str, headers: dict, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise CommandError(f"localstripe did not answer at {url}")


def _spawn(command, **kwargs) -> subprocess.Popen:
    # Each child leads its own process group, so stopping it also stops what
    # it started (runserver's autoreloader runs the server in a grandchild).
    return subprocess.Popen(command, start_new_session=True, **kwargs)


def _stop(children) -> None:
    # SIGTERM, not SIGINT: a shell started us in the background, and children
    # of background jobs ignore SIGINT.
    for child in children:
        _signal_group(child, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
