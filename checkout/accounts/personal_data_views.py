"""The customer's data rights, under /fr/compte/donnees/: download, erase, and the same asked by e-mail.

Thin views: what is gathered lives in `checkout.accounts.personal_data`,
what is erased in `checkout.accounts.erasure`, the e-mailed confirmation in
`checkout.accounts.guest_requests`.
"""

from django import forms
from django.contrib.auth import authenticate, get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checkout.accounts import erasure, guest_requests, personal_data
from checkout.accounts.views import _order_by_token, _private, resets_through_the_admin
from checkout.models import Voucher


def _download(document: dict, now) -> HttpResponse:
    response = HttpResponse(personal_data.archive(document, get_language()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{personal_data.archive_name(now)}"'
    return _private(response)


@login_required
@require_POST
def export_account(request):
    """The logged-in customer's data, as a ZIP (a POST: a link followed by a crawler or a prefetch logs nothing)."""
    now = timezone.now()
    # The account itself, not the request's lazy wrapper: Wagtail's log finds no log model for the wrapper.
    user = get_user_model().objects.get(pk=request.user.pk)
    orders = personal_data.orders_of_user(user)
    document = personal_data.collect(orders, now=now, user=user)
    erasure.log_export(
        user,
        scope="account",
        order_ids=orders.values_list("pk", flat=True),
        user=user,
        title=erasure.account_title(user),
    )
    return _download(document, now)


class ErasureForm(forms.Form):
    """The account's password: someone who found the session open cannot erase it (failures count as logins')."""

    password = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        # Through `authenticate`, so that django-axes counts a wrong password and locks out as for a login.
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise forms.ValidationError(_("Mot de passe incorrect : rien n'a été effacé."), code="wrong_password")
        return password


def _preview(orders) -> dict:
    """What the erasure will touch, shown before it is confirmed, and the orders it waits for."""
    return {
        "orders": orders.count(),
        "vouchers": Voucher.objects.filter(order_line__shop_order__order__in=orders).count(),
        "in_progress": [
            f"{pk:06d}" for pk in erasure.orders_in_progress(orders).order_by("pk").values_list("pk", flat=True)
        ],
    }


@login_required
def erase_account(request):
    """GET: what goes and what stays, and the password asked; POST with the right password: erased, logged out."""
    user = request.user
    if resets_through_the_admin(user):
        return _private(render(request, "checkout/account/erase.html", {"admin_account": True}, status=403))
    form = ErasureForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = erasure.erase_account(user, now=timezone.now())
        except erasure.ErasureRefused:
            pass  # an order started meanwhile: the page below names it
        else:
            logout(request)
            return _private(render(request, "checkout/account/erased.html", {"result": result}))
    context = {"form": form, **_preview(personal_data.orders_of_user(user))}
    status = 409 if request.method == "POST" and context["in_progress"] else 200
    return _private(render(request, "checkout/account/erase.html", context, status=status))


def guest_request(request, token):
    """From an order's private link: ask, by e-mail to the order's address, for its data or their erasure."""
    order = _order_by_token(token)
    if order is None:
        raise Http404
    context = {"order": order, "can_ask": guest_requests.can_ask(order)}
    if request.method == "POST" and context["can_ask"]:
        action = request.POST.get("action", "")
        if action not in guest_requests.RequestedAction.values:
            context["error"] = _("Choisissez ce que vous demandez.")
            return _private(render(request, "checkout/account/data_request.html", context, status=400))
        if not guest_requests.ask(request, order, action):
            context["error"] = _("Trop de demandes ont été faites pour cette adresse. Réessayez dans une heure.")
            return _private(render(request, "checkout/account/data_request.html", context, status=429))
        context["sent"] = True
    return _private(render(request, "checkout/account/data_request.html", context))


def guest_confirm(request, token):
    """The e-mailed link: GET shows what will be done; POST does it (download, or erasure then its receipt)."""
    confirmed = guest_requests.read_link_token(token)
    if confirmed is None:
        return _private(render(request, "checkout/account/data_request_invalid.html", status=400))
    orders = personal_data.orders_of_email(confirmed.email)
    erase = confirmed.action == guest_requests.RequestedAction.ERASE
    context = {"confirmed": confirmed, "erase": erase, **_preview(orders)}
    if request.method == "POST":
        now = timezone.now()
        if erase:
            try:
                result = erasure.erase_email(confirmed.email, confirmed.order, now=now)
            except erasure.ErasureRefused:
                return _private(render(request, "checkout/account/data_request_confirm.html", context, status=409))
            return _private(render(request, "checkout/account/erased.html", {"result": result, "guest": True}))
        document = personal_data.collect(orders, now=now, email=confirmed.email)
        erasure.log_export(confirmed.order, scope="email", order_ids=orders.values_list("pk", flat=True))
        return _download(document, now)
    return _private(render(request, "checkout/account/data_request_confirm.html", context))
