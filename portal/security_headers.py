"""Security headers of every answer: a Content-Security-Policy for the public site, another for the admin,
and a Permissions-Policy.

The public pages carry no inline script or style, so their policy allows
scripts, styles and everything else from the site only (settings
`CONTENT_SECURITY_POLICY`). The payment page alone adds Stripe's hosts, for
Stripe.js, its card frames and 3-D Secure (`checkout.payments.gateway
.csp_sources`, set on that response with `allow_payment_provider`). The
Wagtail admin's widgets write inline scripts and styles, so the admin gets
its own policy (`CONTENT_SECURITY_POLICY_ADMIN`), still limited to this
site's origin for what it loads and frames. `X-Content-Type-Options` and
`Referrer-Policy` come from Django's SecurityMiddleware settings.
"""

from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.urls import reverse

# Browser features no page of the site uses; payment only for Stripe's frames on the payment page.
PERMISSIONS_POLICY = (
    'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), '
    'usb=(), payment=(self "https://js.stripe.com")'
)


def allow_payment_provider(response, sources: dict[str, list[str]]):
    """Add the payment provider's hosts (directive → sources) to this response's policy only."""
    response._csp_update = sources
    return response


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin's policy under the admin, plus Permissions-Policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(reverse("wagtailadmin_home")):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
