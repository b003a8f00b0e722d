from django.db import OperationalError, connections

from portal import health


def test_healthz_answers_ok_after_asking_the_database(db, client, monkeypatch):
    # given a reachable database, its probe's queries recorded (they run in the check's own thread)
    asked = []
    probe = health.check_database

    def recorded_probe():
        probe()
        asked.append(health.DATABASE_PROBE_SQL)

    monkeypatch.setattr(health, "check_database", recorded_probe)

    # when the load balancer probes /healthz
    response = client.get("/healthz")

    # then it answers 200 with each part's word, having really asked the database
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "tasks": "ok"}
    assert asked == ["SELECT 1 FROM django_migrations LIMIT 1"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    # given a database whose connection fails
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    # on every connection: the check runs on its own thread's connection
    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)

    # when the load balancer probes /healthz
    response = client.get("/healthz")

    # then it answers 503 so the host is taken out of rotation
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unreachable"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_post(client):
    # given a probe
    # when it posts instead of getting
    response = client.post("/healthz")

    # then it is refused without touching the database (no db fixture here)
    assert response.status_code == 405
