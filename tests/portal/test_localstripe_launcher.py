"""localstripe in development listens on the loopback only."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal import localstripe_launcher
from portal.management.commands.devserver import localstripe_command

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_socket_is_bound_to_the_ipv4_loopback_only():
    # when the launcher builds its socket on a free port
    sock = localstripe_launcher.loopback_socket(0)
    try:
        # then it is IPv4, bound to 127.0.0.1 (not 0.0.0.0 nor ::) and not yet listening
        assert sock.family == socket.AF_INET
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        assert port > 0
    finally:
        sock.close()


def test_main_serves_localstripes_own_app_on_that_socket(monkeypatch):
    # given aiohttp's runner replaced by a recorder (no server started)
    from localstripe import server

    served = {}

    def run_app(app, *, sock, **kwargs):
        served.update(app=app, address=sock.getsockname(), family=sock.family)
        sock.close()

    loaded = []
    monkeypatch.setattr(server.web, "run_app", run_app)
    monkeypatch.setattr(server.store, "try_load_from_disk", lambda: loaded.append(True))

    # when the launcher runs with --from-scratch on a free port
    localstripe_launcher.main(["--port", "0", "--from-scratch"])

    # then localstripe's own app is served on 127.0.0.1, and the last run's data is not loaded
    assert served["app"] is server.app
    assert served["address"][0] == "127.0.0.1"
    assert served["family"] == socket.AF_INET
    assert loaded == []


def test_main_without_from_scratch_loads_the_last_runs_data(monkeypatch):
    from localstripe import server

    loaded = []
    monkeypatch.setattr(server.web, "run_app", lambda app, *, sock, **kwargs: sock.close())
    monkeypatch.setattr(server.store, "try_load_from_disk", lambda: loaded.append(True))

    localstripe_launcher.main(["--port", "0"])

    assert loaded == [True]


def test_devserver_starts_the_launcher_not_localstripes_own_command():
    command = localstripe_command(8420)

    assert command == [sys.executable, "-m", "portal.localstripe_launcher", "--port", "8420", "--from-scratch"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _other_address() -> str | None:
    """An address of this machine that is not a loopback one, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the kernel picks the outgoing address
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_started_launcher_answers_on_127_0_0_1_and_nowhere_else():
    # given the launcher started as devserver starts it, on a free port
    port = _free_port()
    process = subprocess.Popen(
        localstripe_command(port), cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # then it answers on the loopback (localstripe asks for a key: 401 without one is an answer)
        answered = None
        for _attempt in range(100):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/customers", headers={"Authorization": "Bearer sk_test_local"}
                )
                answered = urllib.request.urlopen(request, timeout=2).status
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("the launcher stopped")
                time.sleep(0.1)
        assert answered == 200

        # its configuration answers a script, but not a web page
        def delete_data(**headers):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/_config/data", method="DELETE", headers=headers)
            try:
                return urllib.request.urlopen(request, timeout=2).status
            except urllib.error.HTTPError as refused:
                return refused.code

        assert delete_data(Origin="https://evil.example") == 403
        assert delete_data() == 200

        # and refuses connections on IPv6's any-address and on the machine's other address
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as ipv6:
            ipv6.settimeout(2)
            assert ipv6.connect_ex(("::1", port)) != 0
        other = _other_address()
        if other is not None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as outside:
                outside.settimeout(2)
                assert outside.connect_ex((other, port)) != 0
    finally:
        process.terminate()
        process.wait(timeout=10)
