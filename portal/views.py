"""The portal's own views: the load balancer's probe, and the admin's logout."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.admin.views import account

from portal import health


@never_cache
@require_GET
def healthz(request):
    """What a load balancer asks: may this host serve? JSON, never cached.

    Each part is reported on its own (`health.check_all`): "database",
    "cache" and "tasks", each "ok" or the reason it is not. The answer is

    - 200, "status": "ok" when every part is "ok";
    - 200, "status": "degraded" when the database answers but the cache or
      the task queue does not: pages can still be served (a slower page,
      e-mails sent later), so the host stays in rotation while the
      monitoring shows what is wrong;
    - 503, "status": "unavailable" when the database does not answer a real
      query within `health.DATABASE_TIMEOUT_SECONDS` (1 s), locked, hung or
      unreachable: nothing can be served, take the host out.
    """
    parts = health.check_all()
    if parts["database"] != health.OK:
        return JsonResponse({"status": "unavailable", **parts}, status=503)
    status = "ok" if all(state == health.OK for state in parts.values()) else "degraded"
    return JsonResponse({"status": status, **parts})


class AdminLogoutView(account.LogoutView):
    """Wagtail's logout, by POST only.

    Wagtail's view deletes the session cookie on every answer, the 405 to a
    GET included, while the session stays valid on the server: a link on
    another site could then log an editor out of their browser, and the
    session would live on. Here a GET (or anything but POST) changes
    nothing and answers 405 with `Allow: POST`; a POST is Wagtail's logout
    (session flushed, cookie deleted, redirect to the admin login).
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
