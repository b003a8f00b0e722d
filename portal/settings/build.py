"""Building the container image: `collectstatic` and `compiletranslations`, with no secret and no database.

The production settings refuse to load without their secrets, which an image
must never hold; these take the shared settings and only what the build
needs. Static files are collected with production's storage (hashed names
and compressed copies, under the same STATIC_URL and STATIC_ROOT), so the
image ships exactly the files production's pages name. No database is
configured: a command that tried to query one would fail the build.
"""

from .base import *  # noqa: F403
from .base import STORAGES

DEBUG = False
# Signs nothing: no request is served with these settings.
SECRET_KEY = "image-build-only"
ALLOWED_HOSTS: list[str] = []
DATABASES: dict = {}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
