"""Merchants accept the current terms before anything else in the admin."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from markets import onboarding
from markets.merchants import is_merchant

# Pages a merchant must still reach: logging in and out, choosing a
# password, the acceptance screen itself, and the admin's translations.
EXEMPT_URL_NAMES = (
    "markets_terms_accept",
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_password_reset",
    "wagtailadmin_javascript_catalog",
)


class MerchantTermsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_accept(request):
            url = reverse("markets_terms_accept")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)

    def _must_accept(self, request) -> bool:
        admin_root = reverse("wagtailadmin_home")
        if not request.path.startswith(admin_root) or not request.user.is_authenticated:
            return False
        if any(request.path.startswith(reverse(name)) for name in EXEMPT_URL_NAMES):
            return False
        return is_merchant(request.user) and onboarding.terms_to_accept(request.user) is not None
