"""Production-like settings for `make bench`, on a database of its own.

What production does and the bench keeps: DEBUG off, whitenoise with the
compressed manifest storage, cached_db sessions, gunicorn with a fixed
number of workers. What differs, and why:

- the database is named after the seed size, so each size keeps its own
  seed: `BENCH_DATABASE_URL`'s database name + `_<size>` (bench/run.py
  creates it), else a SQLite file under var/bench/; never the development
  database;
- the secret key is made once in var/bench/ (no key in the repository);
- plain HTTP on 127.0.0.1: no SSL redirect and no secure-only cookies,
  or the load generator would never send its session back;
- local-memory caches unless `BENCH_REDIS_URL` is set (per gunicorn
  worker); with it, the default cache there and the page cache in the next
  Redis database, as in production, keys prefixed with the size and the
  run, so no run reads another's;
- Stripe is localstripe, whose address and keys `bench/run.py` passes in
  the environment; e-mails go nowhere; tasks are enqueued in the ORM
  broker and not run (no worker competes with the server for the CPU),
  except with `BENCH_QCLUSTER=1` (two hosts): the same ORM broker as in
  production, with `qcluster` workers that bench/run.py starts;
- `bench.middleware` reports the server's CPU time and the queries of every
  request, and `bench.urls` adds the floor view `/bench/floor`.
"""

import os
import secrets

import dj_database_url

from portal.settings.base import *  # noqa: F403
from portal.settings.base import MIDDLEWARE, Q_CLUSTER, VAR_DIR
from portal.settings.redis import redis_caches

BENCH_DIR = VAR_DIR / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
# The seed size, e.g. "3x300x10": it names the SQLite file, so each size keeps its own seed.
BENCH_SEED_KEY = os.environ.get("BENCH_SEED_KEY", "3x300x10")

DEBUG = False


def _bench_secret_key() -> str:
    key_file = BENCH_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _bench_secret_key()
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.ServerCpuMiddleware", "bench.middleware.QueryCountMiddleware", *MIDDLEWARE]


def seed_database_name(base_name: str, seed_key: str) -> str:
    """The PostgreSQL database of one seed size: `bench` and `3x300x10` give `bench_3x300x10`."""
    return f"{base_name}_{seed_key}"


if os.environ.get("BENCH_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DATABASE_URL"], conn_max_age=60)}
    DATABASES["default"]["NAME"] = seed_database_name(DATABASES["default"]["NAME"], BENCH_SEED_KEY)
else:
    DATABASES = {
        "default": dj_database_url.parse(f"sqlite:///{BENCH_DIR / f'seed-{BENCH_SEED_KEY}.sqlite3'}", conn_max_age=60)
    }
    # Several gunicorn workers write sessions and orders: wait for the lock
    # rather than fail at once, and let readers run beside the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

if os.environ.get("BENCH_REDIS_URL"):
    # As in production, the page cache in the next Redis database: clearing it never empties the sessions.
    CACHES = redis_caches(
        os.environ["BENCH_REDIS_URL"], KEY_PREFIX=f"bench:{BENCH_SEED_KEY}:{os.environ.get('BENCH_RUN_ID', '')}"
    )
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# bench/run.py serves the pages twice: from a server with the page cache (as in production) and from one
# without it (BENCH_PAGE_CACHE=0), whose figures are what rendering a page costs.
PAGE_CACHE_ENABLED = os.environ.get("BENCH_PAGE_CACHE", "1") == "1"

STATIC_ROOT = BENCH_DIR / "static"
MEDIA_ROOT = BENCH_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "portal.private_storage.PrivateFileSystemStorage",
                "OPTIONS": {"location": BENCH_DIR / "private"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "name": f"portal-bench-{BENCH_SEED_KEY}"}
if os.environ.get("BENCH_QCLUSTER") == "1":
    Q_CLUSTER.update(workers=int(os.environ.get("BENCH_Q_WORKERS", "2")))
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"

# Quiet: one line per request would cost the server more than some pages.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
