"""Production: every secret and host comes from the environment.

Start-up fails with `ImproperlyConfigured` naming the first missing
variable, so a half-configured server never answers a request.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import Q_CLUSTER
from .redis import next_database, redis_caches, redis_database


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the DJANGO_ALLOWED_HOSTS environment variable.")
CSRF_TRUSTED_ORIGINS = [f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS]
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")

DATABASES = {
    "default": dj_database_url.parse(required("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
}

REDIS_URL = required("REDIS_URL")
# The page cache in a Redis database of its own: never the one of the sessions and the default cache
# (REDIS_URL's), so that clearing it loses nobody's basket.
PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "").strip() or next_database(REDIS_URL)
if redis_database(PAGE_CACHE_URL) == redis_database(REDIS_URL):
    raise ImproperlyConfigured("Set PAGE_CACHE_URL to another Redis database than REDIS_URL's.")
CACHES = redis_caches(REDIS_URL, PAGE_CACHE_URL, OPTIONS={"CLIENT_CLASS": "django_redis.client.DefaultClient"})
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The task queue on PostgreSQL (django-q2's ORM broker), never Redis: a task taken by a worker that dies
# is acknowledged only once done, so it is handed out again after `retry` seconds instead of being lost.
# django-q2 requires `timeout` < `retry` (else a slow task would run twice at once).
Q_CLUSTER = {**Q_CLUSTER, "orm": "default", "workers": int(os.environ.get("Q_WORKERS", "4"))}
if not Q_CLUSTER["timeout"] < Q_CLUSTER["retry"]:
    raise ImproperlyConfigured("Q_CLUSTER's timeout must be shorter than its retry.")

# Who invoices the commission and pays the merchants: the demo's identity must never reach a bank or an invoice.
PLATFORM = {
    "name": required("PLATFORM_NAME"),
    "legal_name": required("PLATFORM_LEGAL_NAME"),
    "address": required("PLATFORM_ADDRESS").replace("\\n", "\n"),
    "siret": required("PLATFORM_SIRET"),
    "vat_number": "",
    "email": required("PLATFORM_EMAIL"),
    "iban": required("PLATFORM_IBAN"),
    "bic": required("PLATFORM_BIC"),
}
# Said explicitly: whether commission invoices and transfer fees bear VAT changes what merchants pay.
PLATFORM_VAT_REGISTERED = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
    required("PLATFORM_VAT_REGISTERED").lower()
)
if PLATFORM_VAT_REGISTERED is None:
    raise ImproperlyConfigured("Set PLATFORM_VAT_REGISTERED to 1 or 0.")
if PLATFORM_VAT_REGISTERED:
    PLATFORM["vat_number"] = required("PLATFORM_VAT_NUMBER")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = required("EMAIL_HOST")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = flag("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = required("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
BOUNCE_ADDRESS = os.environ.get("BOUNCE_ADDRESS", "")

# Payments: real Stripe only; localstripe is for development and tests.
STRIPE_SECRET_KEY = required("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = required("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = required("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = ""

# Media on S3-compatible storage when a bucket is named, else local folders
# (a single host, or shared volumes mounted at MEDIA_ROOT and PRIVATE_MEDIA_ROOT).
# Two storages (portal.private_storage): public media (images, renditions)
# with stable, unsigned URLs that pages and caches can keep; private
# documents (invoices) in a bucket of their own, read by the views that
# check who asks, with signed URLs only there.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "portal.private_storage.PrivateFileSystemStorage",
                "OPTIONS": {"location": os.environ.get("PRIVATE_MEDIA_ROOT", str(PRIVATE_MEDIA_ROOT))}},  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    _s3 = {
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "default_acl": None,  # the buckets' policies decide: public-read on the media bucket only
        "file_overwrite": False,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"], "querystring_auth": False},
    }
    # Images are served from the bucket: the public pages' policy allows its origin (portal.security_headers).
    _media_origin = os.environ.get("MEDIA_ORIGIN") or (
        os.environ.get("AWS_S3_ENDPOINT_URL") or f"https://{os.environ['AWS_STORAGE_BUCKET_NAME']}.s3.amazonaws.com"
    ).rstrip("/")
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [  # noqa: F405
        *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"], _media_origin,  # noqa: F405
    ]
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "bucket_name": required("AWS_PRIVATE_STORAGE_BUCKET_NAME"), "querystring_auth": True,
                    "querystring_expire": 300},
    }
else:
    MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(MEDIA_ROOT))  # noqa: F405

# HTTPS. TLS ends at the load balancer, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer appends the client's address to X-Forwarded-For (portal.client_ip).
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1"))
SECURE_SSL_REDIRECT = flag("DJANGO_SECURE_SSL_REDIRECT", True)
# /healthz is probed by the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = flag("DJANGO_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's preview panel frames our own pages.

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way commitment for the whole domain: the
    # operator opts in with DJANGO_HSTS_PRELOAD once they own that decision.
    "security.W021",
    # X_FRAME_OPTIONS is SAMEORIGIN, not DENY: Wagtail's live preview shows
    # our own pages in an iframe of the admin. Other origins stay refused.
    "security.W019",
]

# Observability (README, "Observability"). Logs: one JSON object per line on
# stderr, naming the request, its user and the order it handles where known.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "portal.log_context.ContextFilter"}},
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Metrics (portal.metrics): request latency by view from django-prometheus, counted in
# each worker. Its second middleware goes before axes's, which must stay last.
MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "django_prometheus.middleware.PrometheusAfterMiddleware"
)
# prometheus_client itself reads PROMETHEUS_MULTIPROC_DIR: read here only to refuse a missing folder.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if _metrics_dir and not os.path.isdir(_metrics_dir):
    raise ImproperlyConfigured("Create the PROMETHEUS_MULTIPROC_DIR folder (empty) before starting.")
METRICS_BIND = os.environ.get("METRICS_BIND", "").strip() or METRICS_BIND  # noqa: F405

# Errors to Sentry when a DSN is given: no personal data, no tracing unless a sample rate is set.
_sentry_dsn = os.environ.get("SENTRY_DSN", "").strip()
if _sentry_dsn:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as error:
        raise ImproperlyConfigured('SENTRY_DSN is set but sentry-sdk is missing: pip install ".[sentry]".') from error
    _traces_rate = os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "").strip()
    try:
        _traces_rate = float(_traces_rate) if _traces_rate else None
    except ValueError:
        raise ImproperlyConfigured("Set SENTRY_TRACES_SAMPLE_RATE to a number from 0 to 1.") from None
    sentry_sdk.init(
        dsn=_sentry_dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        traces_sample_rate=_traces_rate,
    )
