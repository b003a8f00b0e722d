from django.db import OperationalError, connection


def test_healthz_answers_ok_after_asking_the_database(db, client, django_assert_num_queries):
    # given a reachable database
    # when the load balancer probes /healthz
    with django_assert_num_queries(1) as captured:
        response = client.get("/healthz")

    # then it answers 200 with the database's word, having really asked it
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert captured.captured_queries[0]["sql"] == "SELECT 1"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    # given a database whose connection fails
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    # when the load balancer probes /healthz
    response = client.get("/healthz")

    # then it answers 503 so the host is taken out of rotation
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_refuses_post(client):
    # given a probe
    # when it posts instead of getting
    response = client.post("/healthz")

    # then it is refused without touching the database (no db fixture here)
    assert response.status_code == 405
