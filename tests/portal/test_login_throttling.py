"""Logins are throttled (django-axes, portal.login_throttling) on the admin's and the customer's login pages.

Time moves by ageing the recorded failures (axes compares their time with
now minus the cool-off), never by sleeping.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission, User
from django.db.models import F
from django.test import Client

from markets.merchants import make_merchant
from tests.fixtures import factories as f

ADMIN_LOGIN = "/admin/login/"
CUSTOMER_LOGIN = "/fr/compte/connexion/"
CUSTOMER_LOGIN_EN = "/en/compte/connexion/"
PASSWORD = "Sapin-de-Noel-2026"
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
WAIT_FR = "la connexion est suspendue pendant 15 minutes"
WAIT_EN = "logging in is suspended for 15 minutes"

pytestmark = pytest.mark.django_db


def post_login(url, username, password, ip, client=None, **headers):
    client = client or Client()
    response = client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)
    return client, response


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def fail(url, username, ip, times):
    return [post_login(url, username, "not-the-password", ip)[1].status_code for _ in range(times)]


def age_failures(minutes):
    """As if every recorded failure happened `minutes` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes))


@pytest.fixture
def operator():
    return User.objects.create_superuser("operatrice", "operatrice@example.org", PASSWORD)


@pytest.fixture
def merchant():
    market = f.make_market(f.french_home(), f.make_territory("Pays de Morlaix"))
    shop = f.make_shop(market, "Atelier")
    user = User.objects.create_user("atelier", "atelier@example.org", PASSWORD)
    make_merchant(user, shop)
    return user


@pytest.fixture
def customer():
    return User.objects.create_user("alice@example.org", "alice@example.org", PASSWORD)


# The pair (user name, address) ------------------------------------------------------------------


def test_admin_fifth_failure_locks_the_pair_and_the_right_password_is_then_refused_with_the_wait(operator):
    # given four failures: each answered by the login page, the account still open
    assert fail(ADMIN_LOGIN, "operatrice", HOME, 4) == [200, 200, 200, 200]
    assert AccessAttempt.objects.get().failures_since_start == 4
    # when the fifth fails
    _, fifth = post_login(ADMIN_LOGIN, "operatrice", "still-wrong", HOME)
    # then the pair is locked: Wagtail's login page, with the wait, status 429
    assert fifth.status_code == 429
    assert "wagtailadmin/login.html" in [t.name for t in fifth.templates]
    assert WAIT_FR in fifth.content.decode()
    # and the right password is refused while locked, with the same page, and no session
    client, right = post_login(ADMIN_LOGIN, "operatrice", PASSWORD, HOME)
    assert right.status_code == 429 and WAIT_FR in right.content.decode()
    assert 'class="login-form"' in right.content.decode()
    assert logged_in_as(client) is None


def test_another_address_still_logs_in_as_a_locked_user(operator):
    fail(ADMIN_LOGIN, "operatrice", HOME, 5)
    client, response = post_login(ADMIN_LOGIN, "operatrice", PASSWORD, ELSEWHERE)
    assert response.status_code == 302 and logged_in_as(client) == str(operator.pk)


def test_a_stranger_typing_a_merchants_public_name_cannot_lock_the_merchant_out(merchant):
    # given someone elsewhere tries the shop's login name twenty times
    statuses = fail(ADMIN_LOGIN, "atelier", ELSEWHERE, 20)
    assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
    # when the merchant logs in from their shop
    client, response = post_login(ADMIN_LOGIN, "atelier", PASSWORD, HOME)
    # then they are in
    assert response.status_code == 302 and logged_in_as(client) == str(merchant.pk)


def test_the_lock_ends_after_the_cool_off_and_not_before(operator):
    fail(ADMIN_LOGIN, "operatrice", HOME, 5)
    # 14 minutes later: still locked
    age_failures(14)
    client, response = post_login(ADMIN_LOGIN, "operatrice", PASSWORD, HOME)
    assert response.status_code == 429 and logged_in_as(client) is None
    # the refused attempt restarted the cool-off: 16 minutes after it, the right password opens
    age_failures(16)
    client, response = post_login(ADMIN_LOGIN, "operatrice", PASSWORD, HOME)
    assert response.status_code == 302 and logged_in_as(client) == str(operator.pk)
    # and a success forgets the pair's failures
    assert AccessAttempt.objects.filter(username="operatrice").count() == 0


def test_customer_login_locks_the_pair_in_its_own_page(customer):
    assert fail(CUSTOMER_LOGIN, "alice@example.org", HOME, 5) == [200, 200, 200, 200, 429]
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 429 and logged_in_as(client) is None
    assert "registration/login.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert WAIT_FR in html and 'role="alert"' in html
    # the e-mail typed in capitals is the same user name: no way around the limit
    _, upper = post_login(CUSTOMER_LOGIN, "ALICE@example.org", PASSWORD, HOME)
    assert upper.status_code == 429
    # from elsewhere, Alice logs in
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, ELSEWHERE)
    assert response.status_code == 302 and logged_in_as(client) == str(customer.pk)


def test_the_wait_is_said_in_english_on_the_english_login(customer):
    fail(CUSTOMER_LOGIN_EN, "alice@example.org", HOME, 5)
    _, response = post_login(CUSTOMER_LOGIN_EN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 429 and WAIT_EN in response.content.decode()


def test_failures_on_both_login_pages_add_up_for_one_pair(customer):
    fail(CUSTOMER_LOGIN, "alice@example.org", HOME, 3)
    assert fail(ADMIN_LOGIN, "alice@example.org", HOME, 2) == [200, 429]


# The address alone ------------------------------------------------------------------------------


def test_a_spray_over_many_names_locks_the_address_at_thirty_failures(customer):
    # given 29 names tried once each from one address: no pair reached its limit, nothing locked
    assert {fail(CUSTOMER_LOGIN, f"guess{n}@example.org", HOME, 1)[0] for n in range(29)} == {200}
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", "wrong", HOME)
    # when the thirtieth fails, the address is locked for every name
    assert response.status_code == 429
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 429 and logged_in_as(client) is None
    _, admin = post_login(ADMIN_LOGIN, "someone-else", "x", HOME)
    assert admin.status_code == 429
    # while Alice, elsewhere, logs in
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, ELSEWHERE)
    assert response.status_code == 302 and logged_in_as(client) == str(customer.pk)
    # and the address is free again after the cool-off
    age_failures(16)
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 302


def test_logging_into_ones_own_account_does_not_forget_the_addresss_other_failures(customer):
    # given 29 failed names from one address
    for n in range(29):
        fail(CUSTOMER_LOGIN, f"guess{n}@example.org", HOME, 1)
    # when the sprayer logs into an account they hold, from there
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 302
    # then the next failure still locks the address: the 29 were not forgotten
    assert AccessAttempt.objects.filter(ip_address=HOME).count() == 29
    assert fail(CUSTOMER_LOGIN, "guess99@example.org", HOME, 1) == [429]


# Whose address ----------------------------------------------------------------------------------


def test_a_forged_forwarded_for_without_proxies_changes_nothing(settings, operator):
    settings.TRUSTED_PROXY_HOPS = 0
    statuses = [
        post_login(ADMIN_LOGIN, "operatrice", "wrong", HOME, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")[1].status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [HOME]
    _, response = post_login(ADMIN_LOGIN, "operatrice", PASSWORD, HOME, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(settings, operator):
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"
    for _ in range(5):
        post_login(ADMIN_LOGIN, "operatrice", "wrong", proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {HOME}")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [HOME]
    # another client through the same proxy (even claiming HOME further left) logs in
    client, response = post_login(
        ADMIN_LOGIN, "operatrice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=f"{HOME}, {ELSEWHERE}"
    )
    assert response.status_code == 302 and logged_in_as(client) == str(operator.pk)


# The operator's list of lock-outs ---------------------------------------------------------------

LOCKOUTS = "/admin/lockouts/"


def test_superuser_sees_the_lockouts_and_deleting_one_unlocks_the_pair(operator, customer):
    fail(CUSTOMER_LOGIN, "alice@example.org", HOME, 5)
    attempt = AccessAttempt.objects.get()
    admin = Client()
    admin.force_login(operator)
    listing = admin.get(LOCKOUTS)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "alice@example.org" in html and HOME in html
    assert f"{LOCKOUTS}delete/{attempt.pk}/" in html
    assert f"{LOCKOUTS}new/" not in html and "/edit/" not in html
    # when the operator deletes it
    assert admin.get(f"{LOCKOUTS}delete/{attempt.pk}/").status_code == 200
    response = admin.post(f"{LOCKOUTS}delete/{attempt.pk}/")
    assert response.status_code == 302 and response["Location"] == LOCKOUTS
    # then Alice logs in from her address at once
    assert not AccessAttempt.objects.exists()
    client, response = post_login(CUSTOMER_LOGIN, "alice@example.org", PASSWORD, HOME)
    assert response.status_code == 302 and logged_in_as(client) == str(customer.pk)


def test_the_lockouts_are_for_superusers_only(merchant, customer):
    fail(CUSTOMER_LOGIN, "alice@example.org", HOME, 5)
    attempt = AccessAttempt.objects.get()
    editor = User.objects.create_user("editrice", "editrice@example.org", PASSWORD, is_staff=True)
    group = Group.objects.create(name="Éditeurs test")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    for user in (merchant, editor):
        client = Client()
        client.force_login(user)
        assert client.get("/admin/").status_code == 200  # they are in the admin
        assert client.get(LOCKOUTS).status_code in (302, 403)
        assert client.post(f"{LOCKOUTS}delete/{attempt.pk}/").status_code in (302, 403)
        assert LOCKOUTS not in client.get("/admin/").content.decode()
    anonymous = Client().get(LOCKOUTS)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(ADMIN_LOGIN)
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
