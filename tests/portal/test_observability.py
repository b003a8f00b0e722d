"""Observability: JSON log lines naming the request, its user and the order; metrics off the public site; Sentry."""

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from prometheus_client import REGISTRY

from checkout.services import confirm_payment, fail_payment
from portal import log_context, metrics
from portal.log_context import ContextFilter
from portal.logging import JsonFormatter
from portal.money import to_cents
from tests.checkout.conftest import market  # noqa: F401 - a fixture
from tests.checkout.helpers import fake_payment, one_product_order
from tests.portal.test_production_settings import PROJECT, production_env, run

# Names this feature reads that the test run's own environment must not give the child processes.
OBSERVABILITY_ENV = {"SENTRY_DSN": None, "SENTRY_TRACES_SAMPLE_RATE": None, "PROMETHEUS_MULTIPROC_DIR": None,
                     "METRICS_BIND": None}


@pytest.fixture
def log_lines():
    """What production's console handler would write (its filter and formatter), line by line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    log_context.start()


# Logs ------------------------------------------------------------------------


def test_a_log_line_during_a_request_is_one_json_object_naming_the_request_and_its_user(
    client, django_user_model, log_lines
):
    # given a logged-in customer
    user = django_user_model.objects.create_user("alice", "alice@example.org", "x")
    client.force_login(user)

    # when a view that checked who they are logs (an unknown order link: "Not Found", django.request)
    response = client.get("/fr/compte/rattacher/inconnu/")

    # then the line is JSON with the response's request id and the user's id
    assert response.status_code == 404
    (line,) = [line for line in log_lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /fr/compte/rattacher/inconnu/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == user.pk
    assert "order_id" not in line


def test_an_anonymous_request_logs_no_user_and_the_next_lines_are_not_about_it(client, db, log_lines):
    response = client.get("/fr/compte/creer/inconnu/", HTTP_X_REQUEST_ID="lb-7f3a-42")
    logging.getLogger("portal").warning("between requests")

    during, after = log_lines()
    assert response["X-Request-ID"] == "lb-7f3a-42"
    assert during["request_id"] == "lb-7f3a-42"
    assert "user_id" not in during
    # The request is over: nothing of it on a later line.
    assert after == {"time": after["time"], "level": "WARNING", "logger": "portal", "message": "between requests"}


@pytest.mark.parametrize("given", ["a b", "x" * 65, "<script>", "é", "id;rm"])
def test_a_malformed_request_id_from_the_proxy_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_well_formed_request_id_from_the_proxy_is_kept_and_a_missing_one_made_anew_each_time(client):
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="A" * 64)["X-Request-ID"]
    first, second = client.get("/healthz")["X-Request-ID"], client.get("/healthz")["X-Request-ID"]

    assert kept == "A" * 64
    assert first != second


def test_an_exception_is_kept_in_its_line():
    record = logging.LogRecord("checkout", logging.ERROR, __file__, 1, "refused %s", ("é",), None)
    try:
        raise ValueError("montant")
    except ValueError:
        record.exc_info = sys.exc_info()

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "refused é"
    assert line["exception"].startswith("Traceback") and "ValueError: montant" in line["exception"]


# Orders and payments ---------------------------------------------------------


def test_confirming_a_payment_logs_the_order_and_counts_one_paid_order(market, log_lines):
    # given an unpaid order and its payment
    order = one_product_order(market, market.santon)
    payment = fake_payment(order)
    paid_before = REGISTRY.get_sample_value("portal_orders_paid_total")

    # when the payment is confirmed twice (the return page, then the webhook)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")

    # then its line names the order, and one paid order is counted
    assert {"message": f"Order {order.pk} paid", "order_id": order.pk}.items() <= log_lines()[0].items()
    assert [line["message"] for line in log_lines()] == [f"Order {order.pk} paid"]
    assert REGISTRY.get_sample_value("portal_orders_paid_total") == paid_before + 1


def test_a_refused_payment_is_counted_once(market):
    payment = fake_payment(one_product_order(market, market.santon))
    failed_before = REGISTRY.get_sample_value("portal_payments_failed_total")
    paid_before = REGISTRY.get_sample_value("portal_orders_paid_total")

    # when the refusal arrives twice (the payment page, then the webhook)
    assert fail_payment(payment.provider_id) is True
    assert fail_payment(payment.provider_id) is False

    assert REGISTRY.get_sample_value("portal_payments_failed_total") == failed_before + 1
    assert REGISTRY.get_sample_value("portal_orders_paid_total") == paid_before


def test_a_stripe_event_delivered_late_is_measured_once_verified(client, db, settings):
    from tests.checkout.test_gateway import WEBHOOK_SECRET, signed

    # given an event Stripe created two minutes ago (a payment of another application: nothing to do)
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    event = {"id": "evt_late", "object": "event", "created": int(time.time()) - 120, "type": "payment_intent.succeeded",
             "data": {"object": {"id": "pi_elsewhere", "object": "payment_intent"}}}
    body, signature = signed(event)
    count, total = (REGISTRY.get_sample_value(f"portal_stripe_webhook_lag_seconds_{part}") for part in ("count", "sum"))

    # when it arrives, then again with a forged signature
    assert client.post("/checkout/webhooks/stripe/", body, "application/json", HTTP_STRIPE_SIGNATURE=signature).status_code == 200
    forged = client.post("/checkout/webhooks/stripe/", body, "application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00")

    # then its lag is measured once: a forged delivery is not
    assert forged.status_code == 400
    assert REGISTRY.get_sample_value("portal_stripe_webhook_lag_seconds_count") == count + 1
    assert 120 <= REGISTRY.get_sample_value("portal_stripe_webhook_lag_seconds_sum") - total < 180


# Metrics ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/fr/metrics", "/fr/metrics/"])
def test_the_public_site_serves_no_metrics(client, db, path):
    response = client.get(path, follow=True)

    assert response.status_code == 404
    assert b"portal_orders_paid" not in response.content


WORKER = """
from portal import metrics
metrics.ORDERS_PAID.inc(3)
metrics.WEBHOOK_LAG.observe(2.5)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_metrics_server_adds_up_every_worker_even_when_the_queue_cannot_be_read(tmp_path):
    # given two workers that counted into the shared folder
    env = {**production_env(**OBSERVABILITY_ENV), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        assert run(["-c", WORKER], env).returncode == 0
    # when the metrics server runs, its task broker unreadable (test settings: the ORM's, on a database with no tables)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_metrics", "--bind", f"127.0.0.1:{port}"], cwd=PROJECT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        body = _scrape(f"http://127.0.0.1:{port}/metrics", server)
    finally:
        server.terminate()
        log = server.communicate(timeout=10)[1]

    # then it shows the sum of the workers, and says why the queue's length is missing
    assert "portal_orders_paid_total 6.0" in body
    assert 'portal_stripe_webhook_lag_seconds_bucket{le="5.0"} 2.0' in body
    assert "portal_task_queue_length" not in body
    assert "Task queue length not read" in log


def _scrape(url: str, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.read().decode()
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"metrics server not answering: {server.communicate()}") from None
            time.sleep(0.2)


def test_the_metrics_server_refuses_to_start_without_the_workers_folder(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)

    with pytest.raises(CommandError, match="PROMETHEUS_MULTIPROC_DIR"):
        call_command("serve_metrics", "--bind", "127.0.0.1:1")


def test_the_queue_length_is_read_at_scrape_time(db):
    from django_q.brokers import get_broker

    # given the broker's queue (the ORM's in tests) as it is
    collector = metrics.TaskQueueCollector()
    before = next(iter(collector.collect())).samples[0].value

    # when a task is queued
    get_broker().enqueue("a signed task")

    # then the next scrape sees it
    assert next(iter(collector.collect())).samples[0].value == before + 1


PRODUCTION_PROBE = """
import django, json, logging
django.setup()
from django.test import Client
from prometheus_client import REGISTRY
client = Client(HTTP_HOST="marche-noel.example.org")
probe = client.get("/healthz", secure=True, HTTP_X_REQUEST_ID="probe-1")
logging.getLogger("checkout.services").warning("Commande %s réglée", 7)
print(json.dumps([probe["X-Request-ID"], REGISTRY.get_sample_value(
    "django_http_requests_latency_seconds_by_view_method_count", {"view": "healthz", "method": "GET"})]))
"""


def test_production_logs_json_lines_and_times_each_view():
    result = run(["-c", PRODUCTION_PROBE], production_env(**OBSERVABILITY_ENV))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["probe-1", 1.0]
    # (Python's own warnings, such as the static folder not collected here, are not log records.)
    lines = [json.loads(line) for line in result.stderr.splitlines() if not line.startswith(("/", " "))]
    assert {"level": "WARNING", "logger": "checkout.services", "message": "Commande 7 réglée"}.items() <= lines[-1].items()
    # The health probe's own warnings (no database here) name its request.
    assert any(line.get("request_id") == "probe-1" for line in lines)


def test_production_refuses_a_metrics_folder_that_does_not_exist(tmp_path):
    env = production_env(**{**OBSERVABILITY_ENV, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "absent")})

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert "Create the PROMETHEUS_MULTIPROC_DIR folder" in result.stderr


# Sentry ----------------------------------------------------------------------

SENTRY_STUB = {
    "sentry_sdk/__init__.py": "calls = []\ndef init(**options):\n    calls.append(options)\n",
    "sentry_sdk/integrations/__init__.py": "",
    "sentry_sdk/integrations/django.py": "class DjangoIntegration:\n    pass\n",
}
SENTRY_PROBE = """
import django, json, sys
django.setup()
loaded = "sentry_sdk" in sys.modules
calls = sys.modules["sentry_sdk"].calls if loaded else []
print(json.dumps([loaded, [
    {**call, "integrations": [type(i).__name__ for i in call["integrations"]]} for call in calls
]]))
"""


@pytest.fixture
def sentry_stub(tmp_path):
    for name, text in SENTRY_STUB.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return str(tmp_path)


def _with_stub(stub: str, **overrides) -> dict:
    env = production_env(**{**OBSERVABILITY_ENV, **overrides})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [stub, env.get("PYTHONPATH")]))
    return env


def test_production_with_a_sentry_dsn_reports_to_sentry_without_personal_data_or_traces(sentry_stub):
    dsn = "https://public@sentry.example.org/3"

    result = run(["-c", SENTRY_PROBE], _with_stub(sentry_stub, SENTRY_DSN=dsn))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, [
        {"dsn": dsn, "integrations": ["DjangoIntegration"], "send_default_pii": False, "traces_sample_rate": None}
    ]]


def test_production_traces_only_the_share_it_is_given(sentry_stub):
    env = _with_stub(sentry_stub, SENTRY_DSN="https://public@sentry.example.org/3", SENTRY_TRACES_SAMPLE_RATE="0.05")

    result = run(["-c", SENTRY_PROBE], env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[1][0]["traces_sample_rate"] == 0.05


def test_production_without_a_sentry_dsn_does_not_load_sentry(sentry_stub):
    result = run(["-c", SENTRY_PROBE], _with_stub(sentry_stub))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, []]


def test_production_with_a_sentry_dsn_and_no_sentry_sdk_says_what_to_install():
    import importlib.util

    if importlib.util.find_spec("sentry_sdk") is not None:
        pytest.skip("sentry-sdk is installed here")
    env = production_env(**{**OBSERVABILITY_ENV, "SENTRY_DSN": "https://public@sentry.example.org/3"})

    result = run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0
    assert 'SENTRY_DSN is set but sentry-sdk is missing: pip install ".[sentry]".' in result.stderr
