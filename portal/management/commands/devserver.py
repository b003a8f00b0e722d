"""Serve the portal on one machine: web server, task worker and, without
Stripe keys, a local fake Stripe (localstripe, on 127.0.0.1 only: see
portal.localstripe_launcher).

`make run` ends here. Every process is a child of this one, leading its own
process group; Ctrl-C, SIGTERM or SIGHUP (a closed terminal), or any child
dying, stops them all with what they started, so nothing is left behind.
Signals that arrive while they stop are ignored until they have stopped.
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
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long the children have to stop after SIGTERM before SIGKILL.
STOP_GRACE_SECONDS = 10


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


class StopRequested(Exception):
    """A stop signal arrived: leave the start-up or the watch for the clean-up."""


class Children:
    """The processes started here, each leading its own process group, and the signals that stop them.

    The signal handlers only take note; the main flow looks (`check_stop`)
    and leaves for `stop_all`. No handler ever raises, so no signal can cut
    the clean-up short: neither a second Ctrl-C nor `kill -- -PGID`, which
    reaches us twice under make (once directly, once forwarded by make).
    """

    def __init__(self):
        self.processes: list[subprocess.Popen] = []
        self.stop_signal: int | None = None
        self._previous_handlers: dict[int, object] = {}

    def catch_stop_signals(self) -> None:
        for signum in STOP_SIGNALS:
            self._previous_handlers[signum] = signal.signal(signum, self._take_note)

    def _take_note(self, signum, frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    def check_stop(self) -> None:
        if self.stop_signal is not None:
            raise StopRequested

    def spawn(self, command, **kwargs) -> subprocess.Popen:
        """Start `command` in a session of its own, unless a stop signal came first."""
        self.check_stop()
        # Its own process group, so that stopping it also stops what it started
        # (runserver's autoreloader serves from a grandchild, qcluster forks its
        # workers); its own session, so that the terminal's Ctrl-C and hang-up
        # reach us only, and we stop the children in order.
        process = subprocess.Popen(command, start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def all_running(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def stop_all(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every child and what it started, SIGKILL for what is left after `grace` seconds;
        then put back the signal handlers that were there before `catch_stop_signals`."""
        deadline = time.monotonic() + grace
        # The leaders first, alone: qcluster's own stop has its sentinel stop the
        # workers, whereas a SIGTERM to its whole group kills the sentinel at once
        # and leaves qcluster waiting for it. SIGTERM, not SIGINT: a shell that
        # started us in the background has its children ignore SIGINT.
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
        # Then what a leader leaves of its group (runserver's autoreloader serves
        # from a child that outlives it), the same deadline, then SIGKILL.
        for process in self.processes:
            _signal_group(process.pid, signal.SIGTERM)
            while _group_alive(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
        for signum, handler in self._previous_handlers.items():
            # None: a handler set outside Python, which cannot be put back; the default then.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous_handlers.clear()


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


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
