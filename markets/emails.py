"""E-mails to merchants about their registration, each sent at most once, in their language.

Each sender claims its `*_sent_at` column with a conditional UPDATE inside
a transaction, then sends: a second run finds the column set and sends
nothing; a failed send rolls the claim back so a retry sends it.

Their language: the one chosen on the registration form until the
merchant has an account and picks a language for it, the account's from
then on. A territory is named in the recipient's language: its market
page's title there (the territory itself has one name, see
`portal.templatetags.portal_tags.territory_name`).

Every link in these e-mails starts with `base_url()` (the configured
site address), never with a request's host nor with a Wagtail Site's
root URL, which is "localhost" on a fresh install: see `page_url`.

Also here: who a shop's merchants are and which language each reads
(`merchant_accounts`, `merchant_languages`), for the e-mails about orders,
payouts and statements.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from markets.models import MarketPage, Merchant, MerchantRegistration
from portal.emails import account_languages, send_templated_email, site_language
from portal.templatetags.portal_tags import territory_name

Status = MerchantRegistration.Status


def base_url() -> str:
    """The portal's address as configured (PORTAL_BASE_URL, else WAGTAILADMIN_BASE_URL), without a final slash."""
    return getattr(settings, "PORTAL_BASE_URL", settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def page_url(page) -> str:
    """A page's address under `base_url()`: its path (with its language prefix), not its Site's root URL."""
    _site_id, _root_url, path = page.get_url_parts()
    return base_url() + path


def set_password_url(user) -> str:
    """Wagtail's password-reset confirmation (Django's token): expires, and works once.

    The token hashes the password and last login: once a password is set
    (or the merchant logs in) the link no longer works.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url() + reverse("wagtailadmin_password_reset_confirm", args=[uid, token])


def shop_in(shop, language: str):
    """The shop's live translation in `language`, else the shop itself."""
    locale = Locale.objects.filter(language_code=language).first()
    translated = shop.get_translation_or_none(locale) if locale is not None else None
    return translated if translated is not None and translated.live else shop


def share_links(url: str, shop_name: str) -> dict:
    return {
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        "email": "mailto:?" + urlencode({"subject": shop_name, "body": url}, quote_via=quote),
    }


def merchant_accounts(shop_translation_key) -> list[tuple[str, str]]:
    """(e-mail, language) of the shop's active merchant accounts with an address, oldest first, each once (one query)."""
    accounts = {}
    for _key, email, language in _merchant_rows([shop_translation_key]):
        if email and email.lower() not in accounts:
            accounts[email.lower()] = (email, site_language(language))
    return list(accounts.values())


def merchant_languages(shop_translation_keys) -> dict:
    """The language of each shop's oldest active merchant account, by shop translation key (one query).

    What the shop's own address is written in: it belongs to no account,
    and the people reading it are the shop's merchants. A shop without an
    account gets the default language.
    """
    languages = dict.fromkeys(shop_translation_keys, settings.LANGUAGE_CODE)
    seen = set()
    for key, _email, language in _merchant_rows(shop_translation_keys):
        if key not in seen:
            seen.add(key)
            languages[key] = site_language(language)
    return languages


def _merchant_rows(shop_translation_keys):
    return (
        Merchant.objects.filter(shop__translation_key__in=list(shop_translation_keys), user__is_active=True)
        .order_by("pk")
        .values_list("shop__translation_key", "user__email", "user__wagtail_userprofile__preferred_language")
    )


def registrant_language(registration: MerchantRegistration) -> str:
    """The registration form's language, or the account's once the merchant chose one for it."""
    if registration.user_id is not None:
        chosen = (
            UserProfile.objects.filter(user_id=registration.user_id)
            .values_list("preferred_language", flat=True)
            .first()
        )
        if chosen:
            return site_language(chosen)
    return site_language(registration.language)


def _send(template: str, context: dict, to: str, language: str, about=None) -> None:
    send_templated_email(f"markets/emails/{template}", context, to, language, about=about)


def _claim(registration_id: int, column: str, **conditions) -> MerchantRegistration | None:
    claimed = MerchantRegistration.objects.filter(
        pk=registration_id, **{f"{column}__isnull": True}, **conditions
    ).update(**{column: timezone.now()})
    if not claimed:
        return None
    return MerchantRegistration.objects.select_related("territory", "user", "shop").get(pk=registration_id)


def _market(registration, language):
    market = MarketPage.objects.filter(territory=registration.territory, locale__language_code=language).first()
    return market or MarketPage.objects.filter(territory=registration.territory).first()


def _about(registration: MerchantRegistration) -> tuple[str, dict]:
    """The registrant's language, and the market and territory's name as the e-mail shows them.

    The market page is the one in the registrant's language, else the French
    one: in English its title names the territory. The sentences that use it
    say so (msgctxt "market title"), so that the title is not wrapped in a
    second "Christmas market".
    """
    language = registrant_language(registration)
    market = _market(registration, language)
    name = territory_name(market, language) if market is not None else registration.territory.name
    return language, {"market": market, "territory_name": name}


def send_registration_acknowledgement(registration_id: int) -> bool:
    """Tell the applicant their registration arrived; once.

    It goes to whatever address was typed in a public form, before anyone
    checked it: its templates show nothing the applicant typed but their
    name (the form refuses a name that looks like a link), and its only
    link is the market's page under `base_url()`.
    """
    with transaction.atomic():
        registration = _claim(registration_id, "acknowledgement_sent_at",
                              status__in=[Status.PENDING, Status.WAITLISTED])
        if registration is None:
            return False
        language, about = _about(registration)
        context = {
            "registration": registration,
            "waitlisted": registration.status == Status.WAITLISTED,
            "outside_territory": registration.waitlist_reason == MerchantRegistration.WaitlistReason.POSTCODE,
            "market_url": page_url(about["market"]) if about["market"] is not None else "",
            **about,
        }
        _send("acknowledgement", context, registration.email, language, about=registration)
    return True


def territory_editors(territory) -> list:
    """The active accounts of the territory's editors group that have an e-mail address, oldest first."""
    if territory.editors_group_id is None:
        return []
    return list(
        get_user_model().objects.filter(groups=territory.editors_group_id, is_active=True)
        .exclude(email="").order_by("pk")
    )


def send_registration_notice(registration_id: int) -> int:
    """Tell the territory's editors that a registration arrived, each in their language; once per registration.

    Returns how many editors were written to (0 on a second run).
    """
    with transaction.atomic():
        registration = _claim(registration_id, "editors_notified_at")
        if registration is None:
            return 0
        editors = territory_editors(registration.territory)
        languages = account_languages(editor.pk for editor in editors)
        context = {
            "registration": registration,
            "inspect_url": base_url() + reverse("registrations:inspect", args=[registration.pk]),
        }
        sent = set()
        for editor in editors:
            if editor.email.lower() in sent:
                continue
            sent.add(editor.email.lower())
            language = languages[editor.pk]
            market = _market(registration, language)
            name = territory_name(market, language) if market is not None else registration.territory.name
            _send("registration_notice", {**context, "editor": editor, "territory_name": name},
                  editor.email, language, about=registration)
    return len(sent)


def send_invitation(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "invitation_sent_at", status=Status.APPROVED, user__isnull=False)
        if registration is None:
            return False
        language, about = _about(registration)
        context = {
            "registration": registration,
            "user": registration.user,
            "set_password_url": set_password_url(registration.user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "admin_url": base_url() + reverse("wagtailadmin_home"),
            "reopened": registration.shop_id is not None and registration.shop_id == registration.returning_shop_id,
            **about,
        }
        _send("invitation", context, registration.email, language, about=registration)
    return True


def send_rejection(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "rejection_sent_at", status=Status.REJECTED)
        if registration is None:
            return False
        language, about = _about(registration)
        context = {"registration": registration, **about}
        _send("rejection", context, registration.email, language, about=registration)
    return True


def send_shop_online(registration_id: int) -> bool:
    with transaction.atomic():
        registration = _claim(registration_id, "online_sent_at", status=Status.APPROVED, shop__live=True)
        if registration is None:
            return False
        language, about = _about(registration)
        shop = shop_in(registration.shop, language)
        url = page_url(shop)
        with translation.override(language):
            links = share_links(url, gettext("%(shop)s au marché de Noël numérique") % {"shop": shop.title})
        context = {
            "registration": registration,
            "shop": shop,
            "shop_url": url,
            "share": links,
            "visual_url": base_url() + reverse("markets:shop_visual", args=[registration.shop.pk]),
            "admin_url": base_url() + reverse("wagtailadmin_home"),
            **about,
        }
        _send("shop_online", context, registration.email, language, about=registration.shop)
    return True
