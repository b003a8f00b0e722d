"""`manage.py devserver` (what `make run` ends in) stops everything it started,
even when stop signals keep coming while it stops: a second Ctrl-C, or
`kill -- -PGID` (reaching it directly and again through make), or a closed
terminal. Nothing may be left holding the ports for the next `make run`.

Real processes on free ports, a throw-away SQLite database: about ten seconds per signal.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or not hasattr(os, "killpg"),
    reason="reads the processes' sessions from Linux's /proc",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _can_listen_on(port: int) -> bool:
    """Whether a server could listen on the port again (as runserver and localstripe do, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
    return True


def _processes() -> list[dict]:
    """Every process still running (zombies left out: they hold nothing), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        # The command name, in parentheses, may hold spaces: the fields after its closing one.
        state, ppid, _pgrp, session = stat[stat.rindex(")") + 2 :].split()[:4]
        if state != "Z":
            found.append({"pid": int(entry.name), "ppid": int(ppid), "session": int(session), "command": command})
    return found


def _in_sessions(sessions: set[int]) -> list[dict]:
    return [process for process in _processes() if process["session"] in sessions]


@pytest.fixture(scope="module")
def devserver_env(tmp_path_factory):
    """devserver's environment: development settings on a SQLite file, no Stripe keys (so localstripe starts)."""
    database = tmp_path_factory.mktemp("devserver") / "db.sqlite3"
    env = {name: value for name, value in os.environ.items() if not name.startswith("STRIPE_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SECRET_KEY": "devserver-signals-test-" + "x" * 40,
    }
    # The worker's queue only: without it qcluster's pusher fails and sleeps ten seconds
    # before it can stop. runserver answers without any table.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "django_q", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"])
def test_a_second_stop_signal_during_the_stop_leaves_nothing_running(devserver_env, tmp_path, signum):
    # given devserver running in a session of its own (as in a terminal), with runserver, the worker and localstripe
    web_port, localstripe_port = _free_port(), _free_port()
    log_path = tmp_path / "devserver.log"
    with log_path.open("wb") as log:
        devserver = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "devserver",
                f"127.0.0.1:{web_port}",
                "--localstripe-port",
                str(localstripe_port),
            ],
            cwd=settings.BASE_DIR,
            env=devserver_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    sessions = {devserver.pid}  # each child leads a session of its own: theirs are added as they appear

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-3000:]

    try:
        deadline = time.monotonic() + 60
        while True:
            running = _processes()
            sessions |= {process["pid"] for process in running if process["ppid"] == devserver.pid}
            commands = [process["command"] for process in running if process["session"] in sessions]
            # Ready once the web port answers and qcluster has forked (its sentinel starts the workers).
            if _answers(web_port) and sum("qcluster" in command for command in commands) >= 2:
                break
            assert devserver.poll() is None, f"devserver stopped while starting:\n{log_tail()}"
            assert time.monotonic() < deadline, f"devserver did not start:\n{log_tail()}"
            time.sleep(0.2)
        assert _answers(localstripe_port)
        assert len(sessions) == 4  # devserver, localstripe, runserver, qcluster

        # when the whole group gets the signal, and again while it stops
        os.killpg(devserver.pid, signum)
        time.sleep(0.3)
        os.killpg(devserver.pid, signum)

        # then devserver finishes its clean-up and exits of its own accord, nothing of it is left, the ports are free
        returncode = devserver.wait(timeout=20)
        assert returncode == 0, log_tail()
        assert _in_sessions(sessions) == []
        assert _can_listen_on(web_port)
        assert _can_listen_on(localstripe_port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(devserver.pid, signal.SIGKILL)
        for process in _in_sessions(sessions):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process["pid"], signal.SIGKILL)
        devserver.wait()
