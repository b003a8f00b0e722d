"""Production settings, started in a fresh interpreter with an explicit environment."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "marche-noel.example.org,www.marche-noel.example.org",
    # `check` does not connect; nothing listens for this user and database anyway.
    "DATABASE_URL": "postgres://u@127.0.0.1:5432/x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example.org",
    "DEFAULT_FROM_EMAIL": "Marché de Noël <noreply@marche-noel.example.org>",
    "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(12),
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + secrets.token_hex(12),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
    "PLATFORM_NAME": "Marché de Noël du Finistère",
    "PLATFORM_LEGAL_NAME": "Office de tourisme du Finistère",
    "PLATFORM_ADDRESS": "1 quai de l'Odet\\n29000 Quimper",
    "PLATFORM_SIRET": "73282932000074",
    "PLATFORM_EMAIL": "compta@marche-noel.example.org",
    "PLATFORM_IBAN": "FR7630006000011234567890189",
    "PLATFORM_BIC": "AGRIFRPP",
    "PLATFORM_VAT_REGISTERED": "1",
    "PLATFORM_VAT_NUMBER": "FR44732829320",
}
# Anything the test run was given (DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE set
# by the browser tests' conftest, ...) must not leak into the child.
INHERITED_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "AWS_", "STRIPE_", "WAGTAIL", "Q_", "PLATFORM_", "PAYOUT_")
INHERITED_NAMES = {"DEFAULT_FROM_EMAIL", "TEST_DATABASE_NAME", "MEDIA_ROOT", "PRIVATE_MEDIA_ROOT"}


def production_env(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(INHERITED_PREFIXES) and key not in INHERITED_NAMES
    }
    env.update(REQUIRED)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.production"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_start_without_each_required_variable(missing):
    # given a production environment missing one variable
    env = production_env(**{missing: None})

    # when Django starts
    result = run(["-c", "import django; django.setup()"], env)

    # then it stops, naming the variable
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable." in result.stderr


@pytest.mark.parametrize("blank", ["DJANGO_SECRET_KEY", "DATABASE_URL"])
def test_production_treats_a_blank_variable_as_missing(blank):
    result = run(["-c", "import django; django.setup()"], production_env(**{blank: "   "}))

    assert result.returncode != 0
    assert f"Set the {blank} environment variable." in result.stderr


def test_production_passes_the_deployment_checks_when_fully_configured():
    # given every required variable
    env = production_env()

    # when the deployment checks run
    result = run(["manage.py", "check", "--deploy"], env)

    # then there is nothing to fix
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


SETTINGS_PROBE = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "CSRF_TRUSTED_ORIGINS": settings.CSRF_TRUSTED_ORIGINS,
    "db_host": settings.DATABASES["default"]["HOST"],
    "db_name": settings.DATABASES["default"]["NAME"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "q_redis": settings.Q_CLUSTER.get("redis"),
    "q_orm": settings.Q_CLUSTER.get("orm"),
    "from": settings.DEFAULT_FROM_EMAIL,
    "secret_is_env": settings.SECRET_KEY == __import__("os").environ["DJANGO_SECRET_KEY"],
    "platform_address": settings.PLATFORM["address"],
    "platform_iban": settings.PLATFORM["iban"],
    "platform_vat": [settings.PLATFORM_VAT_REGISTERED, settings.PLATFORM_VAT_RATE, settings.PAYOUT_TRANSFER_FEE],
}))
"""


def test_production_takes_hosts_database_cache_and_broker_from_the_environment():
    import json

    result = run(["-c", SETTINGS_PROBE], production_env(
        DJANGO_ALLOWED_HOSTS=" marche-noel.example.org , .example.net ,", PLATFORM_VAT_REGISTERED="0",
    ))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["marche-noel.example.org", ".example.net"],
        "CSRF_TRUSTED_ORIGINS": ["https://marche-noel.example.org", "https://example.net"],
        "db_host": "127.0.0.1",
        "db_name": "x",
        "cache": "django_redis.cache.RedisCache",
        "q_redis": None,
        "q_orm": "default",
        "from": REQUIRED["DEFAULT_FROM_EMAIL"],
        "secret_is_env": True,
        # The address's line break is written "\\n" in an environment file.
        "platform_address": "1 quai de l'Odet\n29000 Quimper",
        "platform_iban": "FR7630006000011234567890189",
        "platform_vat": [False, "20.00", "0.15"],
    }


QUEUE_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django_q.conf import Conf
q = settings.Q_CLUSTER
print(json.dumps({"orm": q.get("orm"), "redis": q.get("redis"), "broker": Conf.ORM,
                  "timeout": q["timeout"], "retry": q["retry"], "workers": q["workers"]}))
"""


def test_production_queues_tasks_in_the_database_acknowledged_and_handed_out_again_after_retry():
    # given production with Redis for the cache
    result = run(["-c", QUEUE_PROBE], production_env(Q_WORKERS="3"))

    # then tasks wait in PostgreSQL (a task a dying worker took comes back after `retry`), not in Redis,
    # and a task is stopped before it could be handed out a second time
    assert result.returncode == 0, result.stderr
    queue = json.loads(result.stdout)
    assert (queue["orm"], queue["redis"], queue["broker"], queue["workers"]) == ("default", None, "default", 3)
    assert queue["timeout"] < queue["retry"]


HTTP_PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="marche-noel.example.org")
page = client.get("/fr/")
probe = client.get("/healthz")
print(page.status_code, page.get("Location"), probe.status_code, probe.get("Location"))
"""


def test_production_redirects_to_https_except_the_health_probe():
    # given production behind a load balancer speaking plain HTTP to the probe
    # when a page and /healthz are asked over HTTP
    result = run(["-c", HTTP_PROBE], production_env())

    # then the page goes to HTTPS, the probe is answered (503 here: no database behind it)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["301", "https://marche-noel.example.org/fr/", "503", "None"]


def test_production_refuses_allowed_hosts_without_a_host():
    result = run(["-c", "import django; django.setup()"], production_env(DJANGO_ALLOWED_HOSTS=" , "))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


STORAGE_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.core.files.storage import storages
print(json.dumps({
    name: [type(storages[name]).__name__, getattr(storages[name], "bucket_name", None),
           getattr(storages[name], "querystring_auth", None)]
    for name in ("default", "private")
}))
"""


def test_production_keeps_public_images_unsigned_and_invoices_in_a_signed_bucket_of_their_own():
    import json

    # given S3 buckets: one for public media, one for private documents
    result = run(["-c", STORAGE_PROBE], production_env(
        AWS_STORAGE_BUCKET_NAME="noel-media", AWS_PRIVATE_STORAGE_BUCKET_NAME="noel-private",
    ))

    # then image URLs are stable (unsigned) and private documents are only ever signed
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "default": ["S3Storage", "noel-media", False],
        "private": ["S3Storage", "noel-private", True],
    }


def test_production_refuses_a_media_bucket_without_a_private_one():
    result = run(["manage.py", "check"], production_env(AWS_STORAGE_BUCKET_NAME="noel-media"))

    assert result.returncode != 0
    assert "Set the AWS_PRIVATE_STORAGE_BUCKET_NAME environment variable." in result.stderr


def test_production_without_buckets_keeps_private_files_in_a_folder_no_url_serves(tmp_path):
    import json

    result = run(["-c", STORAGE_PROBE.replace("getattr(storages[name], \"bucket_name\", None)",
                                              "str(getattr(storages[name], \"location\", None))")],
                 production_env(MEDIA_ROOT=str(tmp_path / "media"), PRIVATE_MEDIA_ROOT=str(tmp_path / "private")))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "default": ["FileSystemStorage", str(tmp_path / "media"), None],
        "private": ["PrivateFileSystemStorage", str(tmp_path / "private"), None],
    }


def test_documents_are_served_through_wagtails_checking_view_never_by_their_storage_url(settings):
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"


SEARCH_PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.WAGTAILSEARCH_BACKENDS['default']))"
)


def test_search_uses_the_database_or_the_search_server_named_by_search_url():
    # Without SEARCH_URL: Wagtail's database backend, PostgreSQL told not to stem the stems again
    database = json.loads(run(["-c", SEARCH_PROBE], production_env(SEARCH_URL=None)).stdout)
    # With it: Wagtail's Elasticsearch or OpenSearch backend on that server
    server = json.loads(
        run(
            ["-c", SEARCH_PROBE],
            production_env(SEARCH_URL="https://search.internal:9200", SEARCH_BACKEND="opensearch2"),
        ).stdout
    )

    assert database == {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}
    assert (server["BACKEND"], server["URLS"], server["INDEX_PREFIX"]) == (
        "wagtail.search.backends.opensearch2",
        ["https://search.internal:9200"],
        "portal_",
    )
