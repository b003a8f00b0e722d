"""Two-factor authentication (TOTP codes, wagtail-2fa on django-otp): who must give a code.

Contract
- `two_factor_required(user)`: superusers and the platform's accounting
  (those who export payouts to the bank and approve changes of the account a
  merchant is paid on: "checkout.change_payout") must enrol a device before
  using the admin. Decided by permission names, so the portal needs none of
  the apps' models.
- `AdminTwoFactorMiddleware` (django-otp's OTPMiddleware and wagtail-2fa's
  check in one): with `WAGTAIL_2FA_REQUIRED` on, a required user with no
  device is sent to the enrolment screen (QR code) and reaches nothing else
  but the log-out, the enrolment screens and what a page loads to draw
  itself; a user with a device, required or not, gives a code once per
  session before anything else. Editors and merchants are not made to
  enrol; they may from their account menu, and then give a code at each
  log-in like everyone else, or enrolling would protect nothing.
- The whole site is checked, not only /admin/: the session is the admin's
  session, and a public page is served to it with the admin's rights
  (previews, the userbar, private pages).

Wrong codes are throttled by django-otp on the device itself
(`OTP_TOTP_THROTTLE_FACTOR`): each failure doubles the wait before the next
code is even checked, so a right code typed during the wait is refused too.

`admin_urls()` (registered by portal.wagtail_hooks before wagtail-2fa's own,
same paths and names) stands in for wagtail-2fa's routes: its code form
refuses every code with django-otp 1.7 unless a device is named; its views
answered an unknown or oversized id, or a QR code asked for with no device
being enrolled, with a server error; the enrolment page and the QR code
carry the new secret and are never cached.
"""

import django_otp
from django import forms
from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail_2fa import forms as wagtail_2fa_forms
from wagtail_2fa import utils as wagtail_2fa_utils
from wagtail_2fa import views as wagtail_2fa_views
from wagtail_2fa.middleware import VerifyUserMiddleware

from portal.converters import valid_id

#: Holders of any of these must use two-factor authentication, as superusers do.
REQUIRED_PERMISSIONS = ("checkout.change_payout",)


def two_factor_required(user) -> bool:
    """Whether `user` must enrol a device before using the admin (whatever their devices)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(user.has_perm(permission) for permission in REQUIRED_PERMISSIONS)


class AdminTwoFactorMiddleware(VerifyUserMiddleware):
    """wagtail-2fa's middleware, asking for a code from required users and from enrolled ones only."""

    def process_request(self, request):
        response = super().process_request(request)
        if settings.WAGTAIL_2FA_REQUIRED and self._is_admin_user(request.user):
            # wagtail-2fa empties the admin's menu of an unverified user unless told 2FA is not theirs.
            request.user.enable_2fa = self._two_factor_enabled(request)
        return response

    def _require_verified_user(self, request):
        try:
            checked = super()._require_verified_user(request)
        except Resolver404:
            # No view answers this path: the 404 shows nothing, whoever asks.
            return False
        return checked and self._two_factor_enabled(request)

    @staticmethod
    def _is_admin_user(user) -> bool:
        return user.is_authenticated and (
            user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin")
        )

    @staticmethod
    def _two_factor_enabled(request) -> bool:
        """Required, or enrolled: once per request (a device look-up)."""
        if not hasattr(request, "_two_factor_enabled"):
            user = request.user
            request._two_factor_enabled = two_factor_required(user) or django_otp.user_has_device(user, confirmed=True)
        return request._two_factor_enabled


class TokenForm(wagtail_2fa_forms.TokenForm):
    """The code form, checked against each of the user's confirmed TOTP devices (a person may enrol two phones)."""

    otp_error_messages = {
        **wagtail_2fa_forms.TokenForm.otp_error_messages,
        "token_required": _("Saisissez le code affiché par votre application."),
        "invalid_token": _("Code incorrect ou expiré : saisissez le code affiché en ce moment par votre application."),
        "n_failed_attempts": _(
            "Trop de codes erronés d'affilée (%(failure_count)d) : attendez un moment avant de réessayer."
        ),
        "verification_not_allowed": _("La vérification est momentanément suspendue : réessayez dans un moment."),
        "device_required": _("Aucun appareil de vérification n'est enregistré pour ce compte."),
    }

    def _verify_token(self, user, token, device=None):
        if device is not None:
            return super()._verify_token(user, token, device)
        first_error = None
        for candidate in TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk"):
            try:
                return super()._verify_token(user, token, candidate)
            except forms.ValidationError as error:
                first_error = first_error or error
        raise first_error or forms.ValidationError(self.otp_error_messages["device_required"], code="device_required")


class LoginView(wagtail_2fa_views.LoginView):
    form_class = TokenForm


class DeviceQRCodeView(wagtail_2fa_views.DeviceQRCodeView):
    """The QR code of the device being enrolled; 404 when none is."""

    def get(self, request):
        if wagtail_2fa_utils.get_unconfirmed_device(request.user) is None:
            raise Http404
        return super().get(request)


class ValidIdsMixin:
    """A 404 for an id no row can have (wagtail-2fa's routes take any run of digits)."""

    def dispatch(self, request, *args, **kwargs):
        if any(valid_id(kwargs[name]) is None for name in ("pk", "user_id") if name in kwargs):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class DeviceListView(ValidIdsMixin, wagtail_2fa_views.DeviceListView):
    pass


class DeviceUpdateView(ValidIdsMixin, wagtail_2fa_views.DeviceUpdateView):
    pass


class DeviceDeleteView(wagtail_2fa_views.DeviceDeleteView):
    """Removal of one's own device (another user's for superusers); 404 for no device, back to its owner's list."""

    def dispatch(self, request, *args, **kwargs):
        if valid_id(kwargs["pk"]) is None or not TOTPDevice.objects.filter(pk=kwargs["pk"]).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return reverse("wagtail_2fa_device_list", kwargs={"user_id": self.object.user_id})


def admin_urls():
    """Routes that take the place of wagtail-2fa's, for `register_admin_urls` (registered before wagtail-2fa's).

    Same paths (its regular expressions, so no id it would take falls through to its views) and names.
    """
    return [
        path("2fa/auth", LoginView.as_view(), name="wagtail_2fa_auth"),
        re_path(r"^2fa/devices/(?P<user_id>\d+)$", DeviceListView.as_view(), name="wagtail_2fa_device_list"),
        # The enrolment page shows the new device's secret.
        path(
            "2fa/devices/new", never_cache(wagtail_2fa_views.DeviceCreateView.as_view()), name="wagtail_2fa_device_new"
        ),
        re_path(r"^2fa/devices/(?P<pk>\d+)/update$", DeviceUpdateView.as_view(), name="wagtail_2fa_device_update"),
        re_path(r"^2fa/devices/(?P<pk>\d+)/remove$", DeviceDeleteView.as_view(), name="wagtail_2fa_device_remove"),
        re_path(r"^2fa/devices/qr-code$", never_cache(DeviceQRCodeView.as_view()), name="wagtail_2fa_device_qrcode"),
    ]
