"""The portal as a cluster of processes on loopback: web servers (gunicorn) and task workers (qcluster).

Every process leads its own process group (portal.processes.Children), so
a worker can be killed with everything it forked, as a host that dies
would, and the whole cluster is stopped at the end whatever happened.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.processes import Children

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database this test runs on (pytest's test database), for the cluster's processes."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Cluster:
    def __init__(self, folder: Path, redis_url: str, stripe: dict[str, str]):
        self.folder = folder
        self.mail_dir = folder / "mail"
        self.children = Children()
        self.servers: list[str] = []
        self.workers: list[subprocess.Popen] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "tests.cluster.settings",
            "PYTHONPATH": str(settings.BASE_DIR),
            "CLUSTER_DATABASE_URL": database_url(),
            "CLUSTER_REDIS_URL": redis_url,
            "CLUSTER_KEY_PREFIX": f"cluster-{secrets.token_hex(4)}",
            "CLUSTER_QUEUE": f"cluster-{secrets.token_hex(4)}",
            "CLUSTER_MAIL_DIR": str(self.mail_dir),
            "CLUSTER_SECRET_KEY": secrets.token_urlsafe(40),
            "CLUSTER_DIR": str(folder),
            **stripe,
        }

    def _log(self, name: str):
        return open(self.folder / f"{name}.log", "ab")

    def start_server(self, port: int | None = None) -> str:
        port = port or free_port()
        number = len(self.servers) + 1
        self.children.spawn(
            [
                str(BIN / "gunicorn"),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self._log(f"web-{number}"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        self.servers.append(url)
        return url

    def start_worker(self, **extra_env) -> subprocess.Popen:
        number = len(self.workers) + 1
        worker = self.children.spawn(
            [sys.executable, "manage.py", "qcluster"],
            env={**self.env, **extra_env},
            cwd=settings.BASE_DIR,
            stdout=self._log(f"worker-{number}"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL to the process and all it forked: nothing of it gets to clean up, as when its host dies."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def run(self, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Python `code` in a fresh process with the cluster's settings, Django set up."""
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def wait_until_serving(self, seconds: float = 60) -> None:
        for url in self.servers:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=5)
                    break
                except urllib.error.HTTPError:
                    break  # it answers
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"nothing answered at {url}:\n{self.logs()}") from None
                    time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        self.children.stop_all(grace=10)


def wait_for(condition, seconds: float, what: str, cluster: Cluster | None = None):
    """Poll `condition` until it returns something true; fail with `what` (and the cluster's logs) after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}" + (f"\n{cluster.logs()}" if cluster else ""))
        time.sleep(0.25)
