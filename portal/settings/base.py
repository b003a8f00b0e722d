"""Settings shared by every environment.

Nothing here reads a secret: `dev` and `test` make their own, `production`
takes every secret and host from the environment and refuses to start
without them.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Run-time state of a local install (SQLite file, media, generated secret).
VAR_DIR = BASE_DIR / "var"

INSTALLED_APPS = [
    "portal",
    "home",
    "markets",
    "shops",
    "checkout",
    "wagtail_localize",
    "wagtail_localize.locales",  # replaces wagtail.locales
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    # After Wagtail, so Wagtail's own French wins for the strings both translate;
    # its screens are the project's templates (templates/wagtail_2fa/).
    "wagtail_2fa",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "modelcluster",
    "taggit",
    "django_q",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # First: every later middleware's log lines name the request (portal.log_context).
    "portal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.security_headers.SecurityHeadersMiddleware",  # CSP (public and admin), Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.language_middleware.LocaleMiddleware",  # no /fr/ redirect of an admin 404
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware (it is one) and wagtail-2fa's check, before the
    # merchant's terms: an unverified session is stopped before any view is chosen.
    "portal.two_factor.AdminTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "markets.middleware.MerchantTermsMiddleware",
    "markets.localize_access.LocalizeAccessMiddleware",
    # Last, as axes asks: turns a lock-out flagged during the view into its answer.
    "axes.middleware.AxesMiddleware",
]

# Map tiles (Leaflet, vendored): OpenStreetMap's by default, whose tile usage
# policy forbids heavy use; a production site sets its own provider here.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def map_tile_origin(url: str) -> str | None:
    """The origin the pages' policies must allow for the tiles of `url`; None for the site's own or a data: URL.

    A `{s}` subdomain placeholder becomes a wildcard (`https://*.tiles.example`).
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.replace("subdomain", "*", 1) if "{s}" in url else parts.netloc
    return f"{parts.scheme}://{host}"


MAP_TILE_SOURCES = [source for source in [map_tile_origin(MAP_TILE_URL)] if source]

# Content-Security-Policy (portal.security_headers). Public pages: nothing
# inline, nothing from elsewhere; media from another host (S3) is added by
# production settings. The payment page adds Stripe's hosts itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *MAP_TILE_SOURCES],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        # Wagtail's preview frames the site's own pages.
        "frame-ancestors": ["'self'"],
    },
}
# The admin: Wagtail's widgets write inline scripts and styles, and its
# preview and choosers frame the site's own pages.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *MAP_TILE_SOURCES],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "checkout.context_processors.basket",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The customer's account (checkout.accounts.views); the Wagtail admin keeps its own login.
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "account:orders"
LOGOUT_REDIRECT_URL = "checkout:basket"

# Login throttling (django-axes, portal.login_throttling): the pair (user name,
# address) is locked after AXES_FAILURE_LIMIT failures, the address alone after
# LOGIN_IP_FAILURE_LIMIT failures over any names; never a user name alone, as
# merchants' login names are public. Every lock-out ends after the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out client before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "portal.login_throttling.PortalAxesHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = 5
LOGIN_IP_FAILURE_LIMIT = 30
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
# A failure during a lock-out restarts the cool-off, so the wait shown is the whole cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_CLIENT_IP_CALLABLE = "portal.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.login_throttling.lockout_response"
# Neither passwords nor the typed form are worth keeping in the attempts table.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "new_password1", "new_password2"]

# Two-factor authentication (TOTP, wagtail-2fa; portal.two_factor): superusers and
# the accounting (payouts, bank details) must enrol before using the admin; other
# admin users may enrol from their account menu, and once enrolled always give a code.
# Off in the test settings, where tests log in with `force_login`.
WAGTAIL_2FA_REQUIRED = True
# A wrong code doubles the wait before the next one is checked (1 s, 2 s, 4 s…).
OTP_TOTP_THROTTLE_FACTOR = 1

# Password resets (portal.password_resets): requests per hour for one e-mail
# address and for one client address, on the customer's and the admin's forms.
PASSWORD_RESET_LIMIT_PER_EMAIL = 5
PASSWORD_RESET_LIMIT_PER_IP = 20
PASSWORD_RESET_WINDOW_SECONDS = 3600

# Customers' personal data on orders are erased this many days after their last
# order (checkout.accounts.erasure); invoices keep theirs for the accounting law.
PERSONAL_DATA_RETENTION_DAYS = 3 * 365

# The Monday run makes the statements of this many shops per task (checkout.billing.statements),
# so that no task outlives the task queue's time-out whatever the number of shops.
WEEKLY_RUN_BATCH_SIZE = 200

# Languages: French first, English second; every public URL carries its
# language prefix (/fr/, /en/).
LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", _("Français")),
    ("en", _("English")),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True
# Day-first dates in both languages: Django's English formats are American,
# portal/formats/en/ makes the admin's English British (27/11/2026, 14:05).
FORMAT_MODULE_PATH = ["portal.formats"]
# Wagtail's date pickers use one format whatever the admin's language (ISO by
# default); day first, as typed in France, and in each language's
# DATE_INPUT_FORMATS so the value read back is the day shown.
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# Documents with personal or financial data (invoices) are never under
# MEDIA_ROOT, which is served: see portal.private_storage.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "portal.private_storage.PrivateFileSystemStorage",
                "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The page cache (portal.page_cache): its own alias, so that it never shares a store with anything else.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
PAGE_CACHE_ENABLED = True
# At most this long (seconds), and never past the local midnight.
PAGE_CACHE_TIMEOUT = 60 * 60
# A cached page's add-to-basket form posted without its token (no JavaScript) comes back to a fresh page.
CSRF_FAILURE_VIEW = "checkout.visitor.csrf_failure"

# Background tasks: django-q2 with the ORM broker, so one machine needs
# nothing else; production switches to Redis.
Q_CLUSTER = {
    "name": "portal",
    "orm": "default",
    "workers": 2,
    "timeout": 60,
    "retry": 120,
    "max_attempts": 5,
    "catch_up": False,
    "label": "Tâches",
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "Marché de Noël numérique <noreply@marche-noel.localhost>"
# The envelope sender of every e-mail, made unique per e-mail (`bounces+<token>@…`, portal.bounces) so
# that a bounce says which e-mail failed; empty: no record, DEFAULT_FROM_EMAIL is the envelope sender.
BOUNCE_ADDRESS = ""

# Proxies in front of the site that append to X-Forwarded-For (0: clients
# connect directly). portal.client_ip reads it for every limit and log.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

WAGTAIL_SITE_NAME = "Marché de Noël numérique"
# The dashboard would ask releases.wagtail.org for news: a request the admin's policy refuses, and
# nothing of the admin leaves the platform's hosts. Upgrades are the operators' to watch.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
# Pages index their own stemmed text (shops.search), so PostgreSQL's full text
# is told not to stem again ("simple"): the same matches as SQLite's FTS5.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "simple"}}
if os.environ.get("SEARCH_URL"):
    # Elasticsearch or OpenSearch (SEARCH_BACKEND: elasticsearch7/8/9, opensearch2/3); `manage.py update_index` fills it.
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends." + os.environ.get("SEARCH_BACKEND", "elasticsearch8"),
            "URLS": [os.environ["SEARCH_URL"]],
            # Each model gets its own index, named with this prefix (portal_shops_shoppage…).
            "INDEX_PREFIX": os.environ.get("SEARCH_INDEX", "portal") + "_",
            "TIMEOUT": 5,
            "OPTIONS": {},
            # The engine's French and English analysers, rebuilt to fold accents too
            # (its own "french" and "english" do not): "creme" finds "Crème". Folded
            # before the stop words, so that a word typed with or without its accents
            # is kept or dropped alike on both sides. shops.models indexes each
            # language's text under its analyser (search_text_fr, search_text_en).
            "INDEX_SETTINGS": {
                "settings": {
                    "analysis": {
                        "filter": {
                            "french_elision": {
                                "type": "elision",
                                "articles_case": True,
                                "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"],
                            },
                            "french_stop": {"type": "stop", "stopwords": "_french_"},
                            "french_stemmer": {"type": "stemmer", "language": "light_french"},
                            "english_possessive_stemmer": {"type": "stemmer", "language": "possessive_english"},
                            "english_stop": {"type": "stop", "stopwords": "_english_"},
                            "english_stemmer": {"type": "stemmer", "language": "english"},
                        },
                        "analyzer": {
                            "portal_french": {
                                "type": "custom",
                                "tokenizer": "standard",
                                "filter": ["french_elision", "lowercase", "asciifolding", "french_stop", "french_stemmer"],
                            },
                            "portal_english": {
                                "type": "custom",
                                "tokenizer": "standard",
                                "filter": [
                                    "english_possessive_stemmer", "lowercase", "asciifolding", "english_stop",
                                    "english_stemmer",
                                ],
                            },
                        },
                    }
                }
            },
        }
    }
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]
# Documents through Wagtail's view, which checks collection privacy, never by a
# redirect to the storage's URL: public media URLs are unsigned and permanent.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# The public site loads nothing from the internet; the admin must not either.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Payments. With no keys (a developer's machine, the tests) `devserver` and
# the test suite start localstripe and point STRIPE_API_BASE at it.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Seconds to reach Stripe and to get its answer; the gateway retries twice
# (with idempotency keys), so a customer waits at most about three times the sum.
STRIPE_CONNECT_TIMEOUT = float(os.environ.get("STRIPE_CONNECT_TIMEOUT", "3"))
STRIPE_READ_TIMEOUT = float(os.environ.get("STRIPE_READ_TIMEOUT", "10"))

# Checkout: how long stock stays reserved for an unpaid order, how long a
# payment confirmation waits for a row lock before Stripe is told to retry.
# Stock is held for an unpaid order this long from the payment page, extended
# while the page stays open, never beyond the maximum from the order's creation.
CHECKOUT_HOLD_MINUTES = 15
CHECKOUT_HOLD_MAX_MINUTES = 45
# Units of one product a basket may hold, so one visitor cannot hold a whole stock.
CHECKOUT_MAX_UNITS_PER_PRODUCT = 10
CHECKOUT_LOCK_TIMEOUT_MS = 5000
CHECKOUT_DEFAULT_COMMISSION_RATE = "0"
# A refund left requested or unknown this long is looked up at Stripe (and failed if Stripe never got it).
CHECKOUT_REFUND_RECONCILE_AFTER_MINUTES = 5

# The platform: who issues commission invoices and pays merchants (the SEPA
# debtor). Production reads every value from the environment.
PLATFORM = {
    "name": os.environ.get("PLATFORM_NAME", "Marché de Noël numérique"),
    "legal_name": os.environ.get("PLATFORM_LEGAL_NAME", "Association Marché de Noël numérique"),
    "address": os.environ.get("PLATFORM_ADDRESS", "1 place de la Mairie\n68000 Colmar"),
    "siret": os.environ.get("PLATFORM_SIRET", "73282932000074"),
    "vat_number": os.environ.get("PLATFORM_VAT_NUMBER", "FR44732829320"),
    "email": os.environ.get("PLATFORM_EMAIL", "comptabilite@marche-noel.localhost"),
    "iban": os.environ.get("PLATFORM_IBAN", "FR7630006000011234567890189"),
    "bic": os.environ.get("PLATFORM_BIC", "AGRIFRPP"),
}
# Whether the platform charges VAT on its commission and fees, and at what rate (percent).
PLATFORM_VAT_REGISTERED = os.environ.get("PLATFORM_VAT_REGISTERED", "1").strip().lower() in {"1", "true", "yes", "on"}
PLATFORM_VAT_RATE = os.environ.get("PLATFORM_VAT_RATE", "20.00")
# What one payout transfer costs the merchant, excluding VAT (EUR).
PAYOUT_TRANSFER_FEE = os.environ.get("PAYOUT_TRANSFER_FEE", "0.15")
# How payouts reach the bank: dotted path of a `checkout.billing.payouts.PayoutBackend`.
PAYOUT_BACKEND = os.environ.get("PAYOUT_BACKEND", "checkout.billing.payouts.SepaCreditTransferBackend")

# Each public page listing is cut into pages of this many shops.
SHOPS_PER_PAGE = 12

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Where `manage.py serve_metrics` answers Prometheus: an internal address, never the public site's.
METRICS_BIND = "127.0.0.1:9100"
