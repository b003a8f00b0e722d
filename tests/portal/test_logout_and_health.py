"""Logging out only by POST (admin and customer), and /healthz asking each part for real."""

import threading

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import OperationalError, connections
from django.urls import reverse

from portal import health

PASSWORD = "un mot de passe assez long"


def _admin(client):
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.org", PASSWORD))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _customer(client):
    client.force_login(
        get_user_model().objects.create_user("alice@example.org", email="alice@example.org", password=PASSWORD)
    )
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# Logout --------------------------------------------------------------------


def test_admin_logout_route_is_the_projects_own_under_wagtails_name(db):
    assert reverse("wagtailadmin_logout") == "/admin/logout/"


@pytest.mark.parametrize("method", ["get", "head", "put", "delete", "options"])
def test_admin_logout_by_anything_but_post_changes_nothing(db, client, method):
    # given a logged-in editor
    session_key = _admin(client)

    # when something else than a POST reaches the logout URL (a link, an <img> on another site)
    response = getattr(client, method)("/admin/logout/")

    # then it is refused, the cookie is neither deleted nor replaced, and the session still works
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert client.session["_auth_user_id"]
    assert client.get("/admin/").status_code == 200


def test_admin_logout_by_post_ends_the_session(db, client):
    # given a logged-in editor
    session_key = _admin(client)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME]

    # when they press "log out"
    response = client.post("/admin/logout/")

    # then they are sent to the admin login, the cookie is deleted and the old session is dead on the server
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_login")
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key  # replaying the old cookie
    assert stolen.value == session_key
    following = client.get("/admin/")
    assert following.status_code == 302 and following["Location"].startswith("/admin/login/")


def test_admin_logout_post_needs_the_csrf_token(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    session_key = _admin(client)

    assert client.post("/admin/logout/").status_code == 403
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert client.get("/admin/").status_code == 200


def test_customer_logout_by_get_changes_nothing(db, client):
    # given a logged-in customer
    session_key = _customer(client)

    # when a GET reaches the logout URL
    response = client.get("/fr/compte/deconnexion/")

    # then nothing changes: still logged in, same cookie
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "GET" not in response["Allow"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert client.get("/fr/compte/commandes/").status_code == 200


def test_customer_logout_by_post_ends_the_session(db, client):
    session_key = _customer(client)

    response = client.post("/fr/compte/deconnexion/")

    assert response.status_code == 302 and response["Location"] == "/fr/panier/"
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    assert client.get("/fr/compte/commandes/").status_code == 302


# Health --------------------------------------------------------------------


def test_healthz_all_fine_reports_each_part_ok(db, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reads_a_table_with_a_time_limit(db, monkeypatch):
    # given the database check's queries recorded as the thread runs them
    seen = []
    real_cursor = type(connections["default"]).cursor

    def recording_cursor(self, *args, **kwargs):
        cursor = real_cursor(self, *args, **kwargs)
        real_execute = cursor.execute

        def execute(sql, params=None):
            seen.append(sql)
            return real_execute(sql, params)

        cursor.execute = execute
        return cursor

    monkeypatch.setattr(type(connections["default"]), "cursor", recording_cursor)

    # when the database is checked
    assert health.check_all()["database"] == health.OK

    # then it read a table (SELECT 1 alone never touches SQLite's file) under a server-side limit
    assert seen[-1] == "SELECT 1 FROM django_migrations LIMIT 1"
    limits = {"sqlite": "PRAGMA busy_timeout = 1000", "postgresql": "SET LOCAL statement_timeout = %s"}
    assert seen[0] == limits[connections["default"].vendor]


def test_healthz_answers_503_naming_the_database_when_its_query_fails(db, client, monkeypatch):
    # given a database whose cursor raises in the check, as a locked SQLite file does
    real_cursor = type(connections["default"]).cursor

    def locked(self, *args, **kwargs):
        if threading.current_thread().name == "healthz-database":
            raise OperationalError("database is locked")
        return real_cursor(self, *args, **kwargs)

    monkeypatch.setattr(type(connections["default"]), "cursor", locked)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "cache": "ok", "tasks": "ok"}


def test_healthz_answers_503_when_the_database_hangs_past_the_time_out(db, client, monkeypatch):
    # given a database check that does not come back (released at the end of the test)
    release, entered = threading.Event(), threading.Event()

    def hang():
        entered.set()
        release.wait(10)

    monkeypatch.setattr(health, "check_database", hang)
    monkeypatch.setattr(health, "DATABASE_TIMEOUT_SECONDS", 0.05)
    try:
        # when the load balancer probes
        response = client.get("/healthz")
        # and probes again while the first check still hangs
        again = client.get("/healthz")
    finally:
        release.set()

    # then both answer 503 naming the database; the second did not start a second hanging thread
    assert entered.is_set()
    assert response.status_code == 503 and again.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "timeout", "cache": "ok", "tasks": "ok"}
    assert again.json()["database"] == "timeout"
    assert [t.name for t in threading.enumerate()].count("healthz-database") <= 1


def test_two_probes_at_once_share_one_slow_but_healthy_database_check(db, monkeypatch):
    # given a database that answers, slowly, and two load balancers probing at the same moment
    calls, release = [], threading.Event()

    def slow():
        calls.append(1)
        release.wait(5)

    monkeypatch.setattr(health, "check_database", slow)
    started = threading.Barrier(2, timeout=5)
    original_start = health._Check.start

    def start_then_meet(check):
        running = original_start(check)
        if check.name == "database":
            started.wait()  # both probes hold their database check before it may answer
            release.set()
        return running

    monkeypatch.setattr(health._Check, "start", start_then_meet)
    results = []
    probes = [threading.Thread(target=lambda: results.append(health.check_all()["database"])) for _ in range(2)]
    for probe in probes:
        probe.start()
    for probe in probes:
        probe.join(5)

    # then both read the one check's answer: healthy, not a timeout for the second
    assert (results, len(calls)) == (["ok", "ok"], 1)


def test_healthz_stays_200_but_degraded_when_the_cache_fails(db, client, monkeypatch):
    # given a cache that refuses every write
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(type(caches["default"]), "set", refuse)  # each thread has its own cache object

    response = client.get("/healthz")

    # then the host keeps serving (pages come from the database) and says what is wrong
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unreachable", "tasks": "ok"}


def test_healthz_stays_200_but_degraded_when_the_task_broker_does_not_answer(db, client, monkeypatch):
    monkeypatch.setattr(health, "check_tasks", lambda: (_ for _ in ()).throw(ConnectionError("broker down")))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "ok", "tasks": "unreachable"}


def test_tasks_report_no_worker_when_the_shared_cache_has_no_cluster_heartbeat(db, monkeypatch, settings):
    # given a shared cache for the cluster's statistics, tasks not run inline, and no cluster running
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(health, "_cluster_stats_visible", lambda: True)

    assert health.check_tasks() == health.NO_WORKER


def test_tasks_ok_when_a_cluster_reported_in(db, monkeypatch):
    from django_q.conf import Conf
    from django_q.status import Stat

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(health, "_cluster_stats_visible", lambda: True)
    monkeypatch.setattr(Stat, "get_all", staticmethod(lambda broker=None: ["a cluster"]))

    assert health.check_tasks() == health.OK


def test_cluster_heartbeat_is_not_looked_for_in_a_process_local_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert health._cluster_stats_visible() is False
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x"}}
    assert health._cluster_stats_visible() is True
