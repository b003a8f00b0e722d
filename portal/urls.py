# First: registers the `<pk:...>` converter before any urls module or admin hook uses it.
import portal.converters  # noqa: F401, I001

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import page_cache
from portal.password_resets import AdminPasswordResetView
from portal.views import AdminLogoutView, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before Wagtail's own: its logout deletes the cookie even when it refuses a GET.
    path("admin/logout/", AdminLogoutView.as_view(), name="wagtailadmin_logout"),
    # Before Wagtail's own: the same reset page, throttled per e-mail and per client.
    path("admin/password_reset/", AdminPasswordResetView.as_view(), name="wagtailadmin_password_reset"),
    # Before Wagtail's own: its site-wide reports, narrowed to what the reader may reach.
    path("admin/", include("markets.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Stripe calls this without a language prefix. Its own instance name leaves
    # the "checkout" namespace to the customer's pages below.
    path("checkout/", include("checkout.urls", namespace="checkout_webhooks")),
    path("marches/", include("markets.urls")),
    # At the root, where robots look for them; each its own include, so that nothing else lands outside /fr/.
    path("sitemap.xml", include("home.sitemap_urls")),
    path("robots.txt", include("home.robots_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Public pages: every URL starts with its language, /fr/ or /en/.
urlpatterns += i18n_patterns(
    path("panier/", include("checkout.public_urls")),
    path("panier/", include("checkout.vouchers.urls")),
    path("panier/", include("checkout.billing.urls")),
    path("compte/", include("checkout.accounts.urls")),
    path("recherche/", include("markets.search_urls")),
    # Wagtail's page serving, answered from the page cache before it routes the path (portal.page_cache).
    re_path(wagtail_urls.serve_pattern, page_cache.serve, name="wagtail_serve"),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
