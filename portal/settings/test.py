"""The test suite: SQLite in memory unless `DATABASE_URL` says otherwise."""

import os
import secrets

import dj_database_url

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

DATABASES = {"default": dj_database_url.config(default="sqlite://:memory:")}
if os.environ.get("DATABASE_URL"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_portal")}

# A blank tile (1x1 transparent PNG) for every map tile: the maps load nothing from the network in tests.
MAP_TILE_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
# Its policies allow no tile host (a data: URL has none), as they would for a provider on the site's own origin.
for _policy in (CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_ADMIN):  # noqa: F405
    _policy["DIRECTIVES"]["img-src"] = [s for s in _policy["DIRECTIVES"]["img-src"] if s not in MAP_TILE_SOURCES]  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline so a test sees their effect; they are still enqueued
# through django-q2's `async_task` and still wait for the commit.
Q_CLUSTER = {"name": "portal-test", "orm": "default", "sync": True, "catch_up": False, "timeout": 60, "retry": 120}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Login throttling stays on: its tests need it. Tests log in with `client.force_login`
# (axes refuses an `authenticate` without a request, which `client.login` makes).
AXES_ENABLED = True
AXES_VERBOSE = False
# Two-factor authentication off: tests log in with `force_login`; tests/portal/test_two_factor.py turns it on.
WAGTAIL_2FA_REQUIRED = False

# The page cache off: many tests change stock or pages behind the signals' back and read the page again.
# tests/portal/test_page_cache.py turns it on.
PAGE_CACHE_ENABLED = False

if os.environ.get("REDIS_URL"):
    CACHES = {
        "pages": CACHES["pages"],  # noqa: F405
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "portal-test",
        }
    }
