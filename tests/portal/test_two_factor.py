"""Two-factor authentication in the admin (portal.two_factor): who must enrol, what an unverified session reaches.

The test settings turn it off (`WAGTAIL_2FA_REQUIRED`), as the rest of the
suite logs in with `force_login`; each test here turns it on. Codes are
computed from the device's key as the person's phone would.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from markets.merchants import make_merchant
from portal.two_factor import two_factor_required
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, terms

PASSWORD = "Vin-chaud-2026!"
HOME = "/admin/"


@pytest.fixture
def two_factor(settings):
    settings.WAGTAIL_2FA_REQUIRED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 1


def code(device: TOTPDevice) -> str:
    """The code the person's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    # Not the code of this step nor of the steps either side, which the device also accepts.
    shown = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0 + shift, digits=device.digits):06d}"
        for shift in (-device.step, 0, device.step)
    }
    return next(candidate for candidate in ("123456", "654321", "111111", "999999") if candidate not in shown)


def enrolled(user, name="Téléphone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def superuser(name="exploitant") -> User:
    return User.objects.create_superuser(name, email=f"{name}@example.org", password=PASSWORD)


def accountant() -> User:
    user = User.objects.create_user("comptable", email="comptable@example.org", password=PASSWORD)
    group = Group.objects.create(name="Comptabilité")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="checkout", codename="change_payout"),
    )
    user.groups.add(group)
    return user


def merchant() -> User:
    market = f.make_market(f.french_home(), f.make_territory("Pays de Morlaix"))
    shop = f.make_shop(market, "Atelier")
    user = User.objects.create_user("atelier", email="atelier@example.org", password=PASSWORD)
    make_merchant(user, shop)
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sent_to(response, url_name: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(url_name) + "?next=")


def enrol(client, user) -> TOTPDevice:
    """The enrolment screen as a person uses it: open it, type the app's code and the password."""
    page = client.get(reverse("wagtail_2fa_device_new"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        reverse("wagtail_2fa_device_new"), {"name": "Mon téléphone", "otp_token": code(device), "password": PASSWORD}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("wagtail_2fa_device_list", args=[user.pk])
    device.refresh_from_db()
    assert device.confirmed
    return device


# Who must enrol ----------------------------------------------------------------


def test_who_must_use_two_factor_authentication(db):
    editor = editor_of(f.make_territory("Pays de Brocéliande"))
    customer = User.objects.create_user("client")
    retired = User.objects.create_superuser("ancien", is_active=False)

    assert [two_factor_required(user) for user in (superuser(), accountant(), editor, customer, retired)] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_superuser_without_a_device_reaches_only_the_enrolment_and_the_log_out(db, two_factor, settings):
    client = logged_in(superuser())

    # Every admin screen, GET or POST, sends them to the enrolment, keeping where they were going
    for url in (
        HOME,
        reverse("wagtailusers_users:index"),
        reverse("wagtailadmin_explore_root"),
        reverse("wagtailadmin_account"),
    ):
        response = client.get(url)
        assert sent_to(response, "wagtail_2fa_device_new"), url
        assert response["Location"] == f"{reverse('wagtail_2fa_device_new')}?next={url}"
    assert sent_to(client.post(reverse("wagtailusers_users:add"), {"username": "intrus"}), "wagtail_2fa_device_new")
    assert not User.objects.filter(username="intrus").exists()

    # The enrolment screen with its QR code (an image of this site, allowed by the admin's CSP), and the sprite
    page = client.get(reverse("wagtail_2fa_device_new"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'<img src="{reverse("wagtail_2fa_device_qrcode")}"' in text
    assert "Votre compte doit être protégé par un code de vérification" in text
    assert "Double authentification" in text and "2FA Setup" not in text  # the one item of the menu
    device = TOTPDevice.objects.get(confirmed=False)
    assert escape(device.config_url) in text  # to type in by hand
    assert "img-src 'self'" in page["Content-Security-Policy"]
    assert "no-store" in page["Cache-Control"]
    qr_code = client.get(reverse("wagtail_2fa_device_qrcode"))
    assert (qr_code.status_code, qr_code["Content-Type"]) == (200, "image/svg+xml")
    assert "no-store" in qr_code["Cache-Control"]
    assert client.get(reverse("wagtailadmin_sprite")).status_code == 200
    assert client.get(reverse("wagtail_2fa_device_list", args=[device.user_id])).status_code == 200

    # Log-out works
    response = client.post(reverse("wagtailadmin_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolling_opens_the_admin_and_the_next_session_asks_for_a_code(db, two_factor):
    user = superuser()
    client = logged_in(user)

    device = enrol(client, user)

    assert client.get(HOME).status_code == 200
    assert client.get(reverse("wagtailusers_users:index")).status_code == 200
    # The QR code was for the enrolment only
    assert client.get(reverse("wagtail_2fa_device_qrcode")).status_code == 404

    # Another session (another browser), once the app shows its next code, gives a code first
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 1)
    other = logged_in(user)
    response = other.get(reverse("wagtailusers_users:index"))
    assert sent_to(response, "wagtail_2fa_auth")
    page = other.get(response["Location"])
    assert page.status_code == 200 and "Code de vérification" in page.content.decode()
    response = other.post(reverse("wagtail_2fa_auth"), {"otp_token": code(device), "next": "/admin/users/"})
    assert response.status_code == 302 and response["Location"] == "/admin/users/"
    assert other.get(HOME).status_code == 200


def test_enrolment_needs_the_app_code_and_the_password(db, two_factor):
    user = superuser()
    client = logged_in(user)
    client.get(reverse("wagtail_2fa_device_new"))
    device = TOTPDevice.objects.get(user=user)

    wrong_password = client.post(
        reverse("wagtail_2fa_device_new"), {"name": "Tél", "otp_token": code(device), "password": "pas-le-bon"}
    )
    device.refresh_from_db()
    assert wrong_password.status_code == 200 and not device.confirmed
    assert sent_to(client.get(HOME), "wagtail_2fa_device_new")


def test_a_code_is_used_once_and_an_off_site_next_is_ignored(db, two_factor):
    user = superuser()
    device = enrolled(user)
    first, second = logged_in(user), logged_in(user)
    token = code(device)

    response = first.post(reverse("wagtail_2fa_auth"), {"otp_token": token, "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil.example")

    # The same code again, from another session: refused
    replay = second.post(reverse("wagtail_2fa_auth"), {"otp_token": token, "next": HOME})
    assert replay.status_code == 200
    assert "Code incorrect ou expiré" in replay.content.decode()
    assert sent_to(second.get(HOME), "wagtail_2fa_auth")


def test_wrong_codes_are_throttled_so_the_right_one_is_refused_after_ten(db, two_factor):
    user = superuser()
    device = enrolled(user)
    client = logged_in(user)

    # Ten wrong codes, each typed once the previous wait is over (each one counts)
    for attempt in range(1, 11):
        response = client.post(reverse("wagtail_2fa_auth"), {"otp_token": wrong_code(device), "next": HOME})
        assert response.status_code == 200
        device.refresh_from_db()
        assert device.throttling_failure_count == attempt
        waited = datetime.timedelta(seconds=2 ** (attempt - 1) + 1)
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - waited)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())

    # The right code, during the wait (512 s after the tenth): refused, nothing opens
    response = client.post(reverse("wagtail_2fa_auth"), {"otp_token": code(device), "next": HOME})
    assert response.status_code == 200
    assert "Trop de codes erronés d&#x27;affilée (10)" in response.content.decode()
    assert sent_to(client.get(HOME), "wagtail_2fa_auth")
    device.refresh_from_db()
    assert device.throttling_failure_count == 10

    # Once the wait is over, the right code opens the admin and the count starts again
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=513)
    )
    response = client.post(reverse("wagtail_2fa_auth"), {"otp_token": code(device), "next": HOME})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_accounting_must_enrol(db, two_factor):
    client = logged_in(accountant())

    assert sent_to(client.get(HOME), "wagtail_2fa_device_new")
    assert sent_to(client.get("/admin/versements/"), "wagtail_2fa_device_new")


# Who may enrol -----------------------------------------------------------------


def test_an_editor_is_not_made_to_enrol_but_may_and_then_gives_codes(db, two_factor):
    editor = editor_of(f.make_territory("Pays de Brocéliande"))
    editor.set_password(PASSWORD)
    editor.save()
    client = logged_in(editor)

    # Not asked; the menu is whole and the account page offers the enrolment
    home = client.get(HOME)
    assert home.status_code == 200
    assert "2FA Setup" not in home.content.decode()
    account = client.get(reverse("wagtailadmin_account"))
    assert reverse("wagtail_2fa_device_list", args=[editor.pk]) in account.content.decode()
    devices = client.get(reverse("wagtail_2fa_device_list", args=[editor.pk]))
    assert "Aucun appareil" in devices.content.decode()

    # They enrol; the next session gives a code
    enrol(client, editor)
    assert client.get(HOME).status_code == 200
    assert sent_to(logged_in(editor).get(HOME), "wagtail_2fa_auth")


def test_a_merchant_is_not_made_to_enrol(db, two_factor):
    user = merchant()
    client = logged_in(user)

    assert client.get(HOME).status_code == 200
    enrol(client, user)
    assert sent_to(logged_in(user).get(HOME), "wagtail_2fa_auth")


def test_an_enrolled_merchant_gives_the_code_before_accepting_new_terms(db, two_factor):
    # Given a merchant with a device and terms published since their last visit
    user = merchant()
    device = enrolled(user)
    terms("v2")
    client = logged_in(user)

    # The code comes first, then the terms, then the admin
    response = client.get(HOME)
    assert sent_to(response, "wagtail_2fa_auth")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(reverse("wagtail_2fa_auth"), {"otp_token": code(device), "next": HOME})
    assert response["Location"] == HOME
    assert sent_to(client.get(HOME), "markets_terms_accept")


def test_others_devices_are_out_of_reach(db, two_factor):
    operator = superuser()
    device = enrolled(operator)
    editor = editor_of(f.make_territory("Pays de Brocéliande"))
    client = logged_in(editor)

    # Wagtail answers a refusal with the dashboard and a message
    for response in (
        client.get(reverse("wagtail_2fa_device_list", args=[operator.pk])),
        client.get(reverse("wagtail_2fa_device_remove", args=[device.pk])),
        client.post(reverse("wagtail_2fa_device_remove", args=[device.pk]), {}),
        client.post(reverse("wagtail_2fa_device_update", args=[device.pk]), {"name": "x", "password": PASSWORD}),
    ):
        assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(reverse("wagtail_2fa_device_remove", args=[99999999])).status_code == 404
    assert client.get("/admin/2fa/devices/" + "9" * 20 + "/remove").status_code == 404
    assert client.get("/admin/2fa/devices/" + "9" * 20).status_code == 404
    assert client.get(reverse("wagtail_2fa_device_qrcode")).status_code == 404
    device.refresh_from_db()
    assert device.name == "Téléphone"


def test_a_superuser_removes_a_lost_phone_and_the_owner_enrols_again(db, two_factor):
    operator, colleague = superuser(), superuser("collegue")
    client = logged_in(operator)
    enrol(client, operator)
    lost = enrolled(colleague)

    response = client.post(reverse("wagtail_2fa_device_remove", args=[lost.pk]), {})

    assert response["Location"] == reverse("wagtail_2fa_device_list", args=[colleague.pk])
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    assert sent_to(logged_in(colleague).get(HOME), "wagtail_2fa_device_new")


# Off -------------------------------------------------------------------------------


def test_with_the_setting_off_nothing_is_asked(db, settings):
    settings.WAGTAIL_2FA_REQUIRED = False
    operator = superuser()
    enrolled(operator)

    assert logged_in(operator).get(HOME).status_code == 200
    assert logged_in(accountant()).get(HOME).status_code == 200
