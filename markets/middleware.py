"""Merchants accept the current terms before anything else in the admin.

`MerchantTermsMiddleware` holds every admin view back from a merchant who
has not accepted the current terms version (markets.onboarding), except an
allow-list of views by URL name (`EXEMPT_VIEW_NAMES`): logging in and out,
choosing a password (all of Wagtail's password-reset views, where the
invitation e-mail leads, markets.emails.set_password_url), the acceptance
screen itself, and what any admin page loads to draw itself (the icon
sprite, the JavaScript catalogues, the sidebar's dismissibles). Static
files never reach a view here (WhiteNoise) and are let through all the same.

How a held-back request is answered depends on who asked:

- a browser loading a page or submitting a form (a navigation): a redirect
  to the acceptance screen, carrying the page asked for as `next`;
- anything else (fetch/XHR, an image, a script, a PUT): 403 with a short
  JSON body naming the acceptance screen. A redirect would be followed
  silently and hand the caller an HTML page it did not ask for: the admin
  injects whatever its sprite request returns into every page, which is how
  a merchant used to see the acceptance screen twice. Letting them pass
  instead would let the admin's APIs (autosave, choosers) act for someone
  who has not accepted the terms.

The decision is taken in `process_view`, after URL resolution, so it goes
by view name rather than by URL prefix: a renamed or relocated admin URL
keeps its rule, and the prefix of one exempt URL cannot exempt another.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from markets import onboarding
from markets.merchants import is_merchant

TERMS_VIEW_NAME = "markets_terms_accept"

# Views a merchant reaches before accepting.
EXEMPT_VIEW_NAMES = frozenset({
    TERMS_VIEW_NAME,
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "wagtail_localize:javascript_catalog",
    "wagtailadmin_dismissibles",
    # The second factor is asked before anything else: its screens come first.
    "wagtail_2fa_auth",
    "wagtail_2fa_device_new",
    "wagtail_2fa_device_qrcode",
    "wagtail_2fa_device_list",
})
# Wagtail's password reset: the request form, "sent", the invitation's link
# (confirm, then its set-password step) and "done".
EXEMPT_VIEW_NAME_PREFIXES = ("wagtailadmin_password_reset",)

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_exempt(view_name: str | None) -> bool:
    """Whether the admin view named `view_name` is reachable before the terms are accepted."""
    return bool(view_name) and (view_name in EXEMPT_VIEW_NAMES or view_name.startswith(EXEMPT_VIEW_NAME_PREFIXES))


def admin_root() -> str:
    return reverse("wagtailadmin_home")


def is_admin_page(path: str) -> bool:
    """Whether `path` is an admin page worth going back to after accepting.

    Not the exempt views: the screen itself would loop, and the sprite or a
    catalogue is a file, not a page (the browser would show raw XML).
    """
    if not path.startswith(admin_root()):
        return False
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return not is_exempt(match.view_name)


def is_navigation(request) -> bool:
    """A browser loading a page (GET, HEAD) or submitting a form: a redirect to another page makes sense.

    Browsers say so with the fetch metadata headers (Sec-Fetch-Mode
    "navigate" to a top-level document); a client without them (an old
    browser, a test client, curl) is believed when it is not an XHR and
    accepts HTML (GET) or sends a form (POST).
    """
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode is not None:
        return mode == "navigate" and request.headers.get("Sec-Fetch-Dest", "document") == "document"
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return False
    if request.method in ("GET", "HEAD"):
        accept = request.headers.get("Accept", "")
        return not accept or "text/html" in accept or "*/*" in accept
    if request.method == "POST":
        return request.content_type in FORM_CONTENT_TYPES
    return False


class MerchantTermsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._must_accept(request):
            return None
        url = reverse(TERMS_VIEW_NAME)
        if not is_navigation(request):
            return JsonResponse({"error": "terms_not_accepted", "terms_url": url}, status=403)
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)

    def _must_accept(self, request) -> bool:
        if request.path.startswith(settings.STATIC_URL) or not request.path.startswith(admin_root()):
            return False
        if not request.user.is_authenticated:
            return False
        match = request.resolver_match
        if match is not None and is_exempt(match.view_name):
            return False
        return is_merchant(request.user) and onboarding.terms_to_accept(request.user) is not None
