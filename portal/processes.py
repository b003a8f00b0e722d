"""Child processes that stop together: each leads its own process group, and no signal cuts their stop short.

Used by `manage.py devserver` (`make run`) and by the tests that run the
portal as a cluster of processes.
"""

import contextlib
import os
import signal
import subprocess
import time

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# How long the children have to stop after SIGTERM before SIGKILL.
STOP_GRACE_SECONDS = 10


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
