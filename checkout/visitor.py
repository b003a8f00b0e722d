"""What the cached pages leave out for each visitor (portal.page_cache), read by static/js/visitor.js.

A page kept in the page cache is the same for every anonymous visitor: the
basket count of the header, who is logged in and the CSRF token of its forms
come from `visitor_state`, never cached.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_GET

from checkout.context_processors import basket


@require_GET
def visitor_state(request):
    """This visitor's basket count, login state and CSRF token, as JSON for the page they are on."""
    count = basket(request)["basket_item_count"]
    authenticated = request.user.is_authenticated
    response = JsonResponse({
        "basket_count": count,
        "basket_label": ngettext("%(count)s article", "%(count)s articles", count) % {"count": count} if count else "",
        "authenticated": authenticated,
        "account_url": reverse("account:orders") if authenticated else reverse("account:login"),
        "account_label": _("Mes commandes") if authenticated else _("Se connecter"),
        "csrf_token": get_token(request),
    })
    response["Cache-Control"] = "private, no-store"
    return response


def csrf_failure(request, reason=""):
    """Django's refusal, except for an add-to-basket form posted without its token from a cached page.

    Without JavaScript such a form has no token (the page is the same for
    everyone): the visitor is sent back to the product, which, with a message
    pending, is rendered for them alone with a token, to add it again.
    """
    match = getattr(request, "resolver_match", None)
    target = request.POST.get("next", "") if request.method == "POST" else ""
    if (
        match is not None and match.view_name == "checkout:add" and target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        messages.info(request, _("Pour votre sécurité, confirmez l'ajout au panier."))
        return redirect(target)
    return django_csrf_failure(request, reason)
