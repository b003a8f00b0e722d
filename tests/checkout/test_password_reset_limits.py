"""Password resets: limited per e-mail address and per client; the public one mails customers only.

The customer's reset (/fr/compte/mot-de-passe/) and the admin's
(/admin/password_reset/) answer the same neutral page whether or not an
account answers to the address; past a limit they send nothing and say to wait.
"""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.test import Client

from markets.merchants import make_merchant
from tests.fixtures import factories as f

CUSTOMER_RESET = "/fr/compte/mot-de-passe/"
CUSTOMER_DONE = "/fr/compte/mot-de-passe/envoye/"
ADMIN_RESET = "/admin/password_reset/"
ADMIN_DONE = "/admin/password_reset/done/"
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
WAIT_FR = "attendez une heure avant de réessayer"

pytestmark = pytest.mark.django_db


def ask(url, email, ip=HOME, **headers):
    return Client().post(url, {"email": email}, REMOTE_ADDR=ip, **headers)


@pytest.fixture
def alice():
    return User.objects.create_user("alice@example.org", "alice@example.org", "Sapin-de-Noel-2026")


def is_neutral(response, done):
    return response.status_code == 302 and response["Location"] == done


# Limits --------------------------------------------------------------------------------------------


def test_an_address_gets_five_resets_an_hour_then_is_told_to_wait(alice):
    # given five requests for Alice: five e-mails, each answered by the neutral page
    assert all(is_neutral(ask(CUSTOMER_RESET, "alice@example.org"), CUSTOMER_DONE) for _ in range(5))
    assert len(mail.outbox) == 5
    # when a sixth comes, even from elsewhere and in capitals
    response = ask(CUSTOMER_RESET, "ALICE@example.org ", ip=ELSEWHERE)
    # then nothing is sent and the form says to wait
    assert response.status_code == 429 and WAIT_FR in response.content.decode()
    assert len(mail.outbox) == 5
    # while another address from the same client is still served
    User.objects.create_user("bob@example.org", "bob@example.org", "x")
    assert is_neutral(ask(CUSTOMER_RESET, "bob@example.org"), CUSTOMER_DONE)
    assert [m.to for m in mail.outbox[5:]] == [["bob@example.org"]]


def test_an_unknown_address_is_counted_and_answered_like_a_known_one(alice):
    known = [ask(CUSTOMER_RESET, "alice@example.org") for _ in range(6)]
    unknown = [ask(CUSTOMER_RESET, "nobody@example.org", ip=ELSEWHERE) for _ in range(6)]
    assert [(r.status_code, r.get("Location")) for r in known] == [(r.status_code, r.get("Location")) for r in unknown]
    assert [r.status_code for r in unknown] == [302] * 5 + [429]
    assert [m.to for m in mail.outbox] == [["alice@example.org"]] * 5


def test_a_client_gets_twenty_resets_an_hour_over_any_addresses(alice):
    # given twenty requests for twenty addresses from one client
    assert all(is_neutral(ask(CUSTOMER_RESET, f"guess{n}@example.org"), CUSTOMER_DONE) for n in range(20))
    # when it asks for Alice
    response = ask(CUSTOMER_RESET, "alice@example.org")
    # then nothing is sent
    assert response.status_code == 429 and WAIT_FR in response.content.decode()
    assert mail.outbox == []
    # while Alice, from her own address, gets her link
    assert is_neutral(ask(CUSTOMER_RESET, "alice@example.org", ip=ELSEWHERE), CUSTOMER_DONE)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_a_forged_forwarded_for_does_not_buy_more_resets(settings, alice):
    settings.TRUSTED_PROXY_HOPS = 0
    statuses = [
        ask(CUSTOMER_RESET, f"guess{n}@example.org", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(21)
    ]
    assert statuses == [302] * 20 + [429]


def test_the_limits_reopen_after_the_window(alice):
    from django.core.cache import cache

    for _ in range(6):
        ask(CUSTOMER_RESET, "alice@example.org")
    assert len(mail.outbox) == 5
    cache.clear()  # the hour's counters expire with their window
    assert is_neutral(ask(CUSTOMER_RESET, "alice@example.org"), CUSTOMER_DONE)
    assert len(mail.outbox) == 6


def test_the_admins_reset_is_limited_too_in_its_own_page():
    staff = User.objects.create_user("editrice", "editrice@example.org", "x", is_staff=True)
    assert all(is_neutral(ask(ADMIN_RESET, "editrice@example.org"), ADMIN_DONE) for _ in range(5))
    assert [m.to for m in mail.outbox] == [[staff.email]] * 5
    response = ask(ADMIN_RESET, "editrice@example.org")
    assert response.status_code == 429
    assert "wagtailadmin/account/password_reset/form.html" in [t.name for t in response.templates]
    assert WAIT_FR in response.content.decode()
    assert len(mail.outbox) == 5


def test_the_admins_reset_is_limited_per_client():
    for n in range(20):
        assert is_neutral(ask(ADMIN_RESET, f"guess{n}@example.org"), ADMIN_DONE)
    User.objects.create_superuser("operatrice", "operatrice@example.org", "x")
    assert ask(ADMIN_RESET, "operatrice@example.org").status_code == 429
    assert mail.outbox == []


def test_both_reset_forms_count_together_for_one_address(alice):
    for _ in range(3):
        ask(CUSTOMER_RESET, "alice@example.org")
    assert [ask(ADMIN_RESET, "alice@example.org").status_code for _ in range(3)] == [302, 302, 429]


# Who the public reset mails ---------------------------------------------------------------------


def _merchant():
    market = f.make_market(f.french_home(), f.make_territory("Pays de Morlaix"))
    shop = f.make_shop(market, "Atelier")
    user = User.objects.create_user("atelier", "atelier@example.org", "x")
    make_merchant(user, shop)
    return user


def _editor():
    user = User.objects.create_user("office", "office@example.org", "x")
    group = Group.objects.create(name="Office test")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: User.objects.create_user("staff", "staff@example.org", "x", is_staff=True), id="staff"),
        pytest.param(lambda: User.objects.create_superuser("root", "root@example.org", "x"), id="superuser"),
        pytest.param(_editor, id="admin-access"),
        pytest.param(_merchant, id="merchant"),
    ],
)
def test_the_public_reset_sends_nothing_to_an_admin_account_and_answers_the_same(make_user):
    user = make_user()
    response = ask(CUSTOMER_RESET, user.email)
    assert is_neutral(response, CUSTOMER_DONE)
    assert mail.outbox == []
    # their own reset is the admin's, which does mail them
    assert is_neutral(ask(ADMIN_RESET, user.email), ADMIN_DONE)
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_the_public_reset_mails_a_customer_sharing_nothing_with_the_admin(alice):
    User.objects.create_user("staff", "staff@example.org", "x", is_staff=True)
    assert is_neutral(ask(CUSTOMER_RESET, "alice@example.org"), CUSTOMER_DONE)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "/fr/compte/mot-de-passe/" in mail.outbox[0].body


def test_a_customer_and_a_merchant_on_one_address_only_the_customer_is_mailed():
    merchant = _merchant()
    User.objects.create_user("shared@example.org", "shared@example.org", "x")
    merchant.email = "shared@example.org"
    merchant.save()
    assert is_neutral(ask(CUSTOMER_RESET, "shared@example.org"), CUSTOMER_DONE)
    assert len(mail.outbox) == 1
    assert f"/{_uid(User.objects.get(username='shared@example.org'))}/" in mail.outbox[0].body


def _uid(user):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk))
