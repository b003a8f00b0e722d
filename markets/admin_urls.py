"""Admin routes served before Wagtail's own (portal.urls includes them first): Wagtail's reports, narrowed.

Wagtail's URLs for these reports are not built from hooks or viewsets, so
the narrowed views (markets.admin_reports) take the same paths ahead of
them; Wagtail's names still reverse to these paths. Like every admin
route, they ask for admin access and are never cached.
"""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.utils.urlpatterns import decorate_urlpatterns

from markets.admin_reports import PlatformPageTypesUsageView, ScopedLogEntriesView

urlpatterns = decorate_urlpatterns(
    [
        path("reports/site-history/", ScopedLogEntriesView.as_view(), name="scoped_site_history"),
        path(
            "reports/site-history/results/",
            ScopedLogEntriesView.as_view(results_only=True),
            name="scoped_site_history_results",
        ),
        path("reports/page-types-usage/", PlatformPageTypesUsageView.as_view(), name="platform_page_types_usage"),
        path(
            "reports/page-types-usage/results/",
            PlatformPageTypesUsageView.as_view(results_only=True),
            name="platform_page_types_usage_results",
        ),
    ],
    lambda view: never_cache(require_admin_access(view)),
)
