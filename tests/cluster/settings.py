"""Settings of the processes of the cluster test (tests/checkout/test_cluster.py): two web servers, two workers.

Production's shape where it matters to several hosts, on the pytest run's
PostgreSQL test database and Redis: sessions in the database behind the
shared cache (cached_db), the default cache and the page cache in two Redis
databases, the ORM broker for tasks. What differs from production: plain
HTTP on loopback, localstripe as Stripe, e-mails written one file each
(tests.cluster.mail), short task time-outs so that a task taken by a dead
worker comes back within seconds, and the test suite's password hasher, so
that accounts made by the test log in.

The test passes everything in the environment: `CLUSTER_DATABASE_URL`,
`CLUSTER_REDIS_URL`, `CLUSTER_KEY_PREFIX`, `CLUSTER_QUEUE`,
`CLUSTER_MAIL_DIR`, `CLUSTER_SECRET_KEY`, `CLUSTER_DIR` and Stripe's
`STRIPE_*` variables (read by the base settings).
"""

import os
from pathlib import Path

import dj_database_url

from portal.settings.base import *  # noqa: F403
from portal.settings.base import Q_CLUSTER
from portal.settings.redis import redis_caches

DEBUG = False
SECRET_KEY = os.environ["CLUSTER_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
DATABASES = {"default": dj_database_url.parse(os.environ["CLUSTER_DATABASE_URL"], conn_max_age=60)}

CACHES = redis_caches(os.environ["CLUSTER_REDIS_URL"], KEY_PREFIX=os.environ["CLUSTER_KEY_PREFIX"])
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
PAGE_CACHE_ENABLED = True

CLUSTER_DIR = Path(os.environ["CLUSTER_DIR"])
MEDIA_ROOT = CLUSTER_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "portal.private_storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": CLUSTER_DIR / "private"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = "tests.cluster.mail.OneFilePerMessageBackend"
EMAIL_FILE_PATH = os.environ["CLUSTER_MAIL_DIR"]

# The ORM broker, as in production: a task taken by a worker that dies is handed out again after `retry` seconds.
Q_CLUSTER = {
    **Q_CLUSTER,
    "name": os.environ["CLUSTER_QUEUE"],
    "orm": "default",
    "workers": 2,
    "timeout": 8,
    "retry": 10,
    "poll": 0.2,
    "catch_up": False,
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WAGTAIL_2FA_REQUIRED = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
