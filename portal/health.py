"""Whether this host can serve: the database, the cache and the task queue, each asked for real.

Every check runs in its own short-lived thread and is given up after a
time-out, so a locked SQLite file, a hung PostgreSQL or an unreachable
Redis makes the probe answer late by at most that time-out, never hang
the load balancer's request. The database check also limits itself on
the server (`statement_timeout` on PostgreSQL, `busy_timeout` on SQLite)
so an abandoned thread ends soon after. While a check is still running
from an earlier probe, the next probe does not start another one: it
reports the part as not answering (no pile-up of threads on a sick host).

A part is `OK` or the reason it is not: `UNREACHABLE` (it raised),
`TIMEOUT` (no answer in time), or for the tasks `NO_WORKER` or `STALE`.
"""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction

from portal import task_queue

logger = logging.getLogger(__name__)

OK = "ok"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
NO_WORKER = "no worker"
STALE = "stale"

DATABASE_TIMEOUT_SECONDS = 1.0
CACHE_TIMEOUT_SECONDS = 1.0
TASKS_TIMEOUT_SECONDS = 1.0

# A query that reads a table (SELECT 1 alone never touches SQLite's file, so
# it answers even while another process holds the file locked).
DATABASE_PROBE_SQL = "SELECT 1 FROM django_migrations LIMIT 1"

# Cache backends private to one process: the task cluster's heartbeat (kept
# by django-q2 in the cache) cannot be seen from the web process there.
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)

_in_flight: dict[str, "_Check"] = {}
_in_flight_lock = threading.Lock()


def check_database(alias: str = "default") -> None:
    """Run a real read on `alias` with a server-side limit; raises when the database does not answer.

    Runs in the checking thread, on that thread's own connection, which it
    closes: a connection is never shared between threads. No transaction on
    SQLite, where one configured as IMMEDIATE would wait for the write lock.
    """
    connection = connections[alias]
    milliseconds = int(DATABASE_TIMEOUT_SECONDS * 1000)
    try:
        if connection.vendor == "postgresql":
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [milliseconds])
                cursor.execute(DATABASE_PROBE_SQL)
                cursor.fetchone()
            return
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                # A PRAGMA takes no parameters; the value is our own integer.
                cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")
            cursor.execute(DATABASE_PROBE_SQL)
            cursor.fetchone()
    finally:
        connection.close()


def check_cache(alias: str = "default") -> None:
    """Write a value to the cache and read it back; raises when the cache does not keep it."""
    cache = caches[alias]
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, 10)
    try:
        if cache.get(key) != token:
            raise RuntimeError("the cache did not return what was written")
    finally:
        cache.delete(key)


def check_tasks() -> str:
    """The task queue: its broker answers, and a worker has shown a sign of life lately.

    django-q2's broker `ping()` asks Redis for real (the ORM broker is the
    database, already checked). The workers' heartbeat (portal.task_queue,
    a schedule every minute) is in the database, which every host sees:
    older than `task_queue.HEARTBEAT_MAX_AGE` is `STALE`. Before the first
    beat (a fresh install), the cluster's statistics decide: a running
    cluster saves its statistics (`Stat`) every few seconds with a 3-second lifetime in the cache that
    django-q2 uses: when that cache is shared (Redis), no statistic at all
    means no worker is running. With a process-local cache, or tasks run
    inline (`sync`), there is nothing to see and the broker's answer decides.
    """
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.status import Stat

    broker = get_broker()
    if broker.ping() is False:
        raise RuntimeError("the task broker does not answer")
    if Conf.SYNC:
        return OK
    beat_at = _last_heartbeat()
    if beat_at is not None:
        return OK if task_queue.heartbeat_is_fresh(beat_at) else STALE
    if not _cluster_stats_visible():
        return OK
    return OK if Stat.get_all(broker=broker) else NO_WORKER


def _last_heartbeat():
    from django.db import connection

    try:
        return task_queue.last_heartbeat()
    finally:
        # The probe's own thread opened this connection: close it (never a caller's open transaction).
        if not connection.in_atomic_block:
            connection.close()


def _cluster_stats_visible() -> bool:
    q_cluster = getattr(settings, "Q_CLUSTER", {})
    alias = q_cluster.get("cache", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    return backend not in PROCESS_LOCAL_CACHES


class _Check:
    """One part's check, running in its own thread; a probe arriving while it runs waits for the same one."""

    def __init__(self, name: str, check):
        self.name, self.check, self.outcome, self.thread = name, check, [], None

    def start(self) -> "_Check":
        """The check in flight for this part: a running one (two probes at once share it), else this one."""
        with _in_flight_lock:
            running = _in_flight.get(self.name)
            if running is not None and running.thread.is_alive():
                return running  # never a second query stuck behind the first
            self.thread = threading.Thread(target=self._work, name=f"healthz-{self.name}", daemon=True)
            _in_flight[self.name] = self
            self.thread.start()
            return self

    def _work(self) -> None:
        try:
            self.outcome.append(self.check() or OK)
        except Exception:
            logger.warning("healthz: the %s check failed", self.name, exc_info=True)
            self.outcome.append(UNREACHABLE)

    def result(self, deadline: float) -> str:
        """OK (or what the check returned), UNREACHABLE if it raised, TIMEOUT if not done by `deadline`."""
        self.thread.join(max(0.0, deadline - time.monotonic()))
        return self.outcome[0] if self.outcome else TIMEOUT


def check_all() -> dict[str, str]:
    """{"database": …, "cache": …, "tasks": …}, each OK or the reason it is not; the checks run side by side."""
    checks = {
        "database": (_Check("database", check_database), DATABASE_TIMEOUT_SECONDS),
        "cache": (_Check("cache", check_cache), CACHE_TIMEOUT_SECONDS),
        "tasks": (_Check("tasks", check_tasks), TASKS_TIMEOUT_SECONDS),
    }
    started = time.monotonic()
    running = {name: (check.start(), seconds) for name, (check, seconds) in checks.items()}
    return {name: check.result(started + seconds) for name, (check, seconds) in running.items()}
