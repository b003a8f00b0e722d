"""E-mails to merchants about their registration, each sent at most once, in their language.

Each sender claims its `*_sent_at` column with a conditional UPDATE inside
a transaction, then sends: a second run finds the column set and sends
nothing; a failed send rolls the claim back so a retry sends it.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from wagtail.models import Locale

from markets.models import MerchantRegistration
from portal.emails import send_templated_email

Status = MerchantRegistration.Status


def base_url() -> str:
    return getattr(settings, "PORTAL_BASE_URL", settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def set_password_url(user) -> str:
    """Wagtail's password-reset confirmation (Django's token): expires, and works once.

    The token hashes the password and last login: once a password is set
    (or the merchant logs in) the link no longer works.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url() + reverse("wagtailadmin_password_reset_confirm", args=[uid, token])


def shop_url(shop, language: str) -> str:
    """The shop's public address in `language` when it has a live translation there."""
    locale = Locale.objects.filter(language_code=language).first()
    translated = shop.get_translation_or_none(locale) if locale is not None else None
    page = translated if translated is not None and translated.live else shop
    return page.get_full_url()


def share_links(url: str, shop_name: str) -> dict:
    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "email": "mailto:?" + urlencode({"subject": shop_name, "body": url}, quote_via=quote),
    }


def _send(template: str, context: dict, to: str, language: str) -> None:
    send_templated_email(f"markets/emails/{template}", context, to, language)


def _claim(registration_id: int, column: str, **conditions) -> MerchantRegistration | None:
    claimed = MerchantRegistration.objects.filter(
        pk=registration_id, **{f"{column}__isnull": True}, **conditions
    ).update(**{column: timezone.now()})
    if not claimed:
        return None
    return MerchantRegistration.objects.select_related("territory", "user", "shop").get(pk=registration_id)


def _market(registration, language):
    from markets.models import MarketPage

    market = MarketPage.objects.filter(territory=registration.territory, locale__language_code=language).first()
    return market or MarketPage.objects.filter(territory=registration.territory).first()


def send_registration_acknowledgement(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "acknowledgement_sent_at",
                              status__in=[Status.PENDING, Status.WAITLISTED])
        if registration is None:
            return False
        context = {
            "registration": registration,
            "waitlisted": registration.status == Status.WAITLISTED,
            "market": _market(registration, registration.language),
        }
        _send("acknowledgement", context, registration.email, registration.language)
    return True


def send_invitation(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "invitation_sent_at", status=Status.APPROVED, user__isnull=False)
        if registration is None:
            return False
        context = {
            "registration": registration,
            "user": registration.user,
            "set_password_url": set_password_url(registration.user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "admin_url": base_url() + reverse("wagtailadmin_home"),
            "market": _market(registration, registration.language),
        }
        _send("invitation", context, registration.email, registration.language)
    return True


def send_rejection(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "rejection_sent_at", status=Status.REJECTED)
        if registration is None:
            return False
        context = {"registration": registration, "market": _market(registration, registration.language)}
        _send("rejection", context, registration.email, registration.language)
    return True


def send_shop_online(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "online_sent_at", status=Status.APPROVED, shop__live=True)
        if registration is None:
            return False
        shop = registration.shop
        url = shop_url(shop, registration.language)
        with translation.override(registration.language):
            links = share_links(url, gettext("%(shop)s au marché de Noël numérique") % {"shop": shop.title})
        context = {
            "registration": registration,
            "shop": shop,
            "shop_url": url,
            "share": links,
            "visual_url": base_url() + reverse("markets:shop_visual", args=[shop.pk]),
            "admin_url": base_url() + reverse("wagtailadmin_home"),
            "market": _market(registration, registration.language),
        }
        _send("shop_online", context, registration.email, registration.language)
    return True
