"""Customers who ordered nothing for PERSONAL_DATA_RETENTION_DAYS lose their personal data; recent ones keep it."""

import datetime

from django.conf import settings as django_settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_q.models import Schedule
from wagtail.models import ModelLogEntry

from checkout.accounts import tasks
from checkout.accounts.erasure import ERASE_ACTION, ERASED
from checkout.models import Invoice, Order
from tests.checkout.accounts.scenario import BOB, paid_at
from tests.checkout.helpers import one_product_order

UTC = datetime.UTC
NOW = datetime.datetime(2029, 1, 15, 3, 30, tzinfo=UTC)


def test_retention_erases_quiet_customers_only(market, monkeypatch, settings):
    # given the retention at 3 × 365 days, and today frozen on 15 January 2029
    settings.PERSONAL_DATA_RETENTION_DAYS = 3 * 365
    cutoff = NOW - datetime.timedelta(days=3 * 365)
    # Alice ordered once, a day before the cut-off; Bob ordered then too, and again a day after it
    alice_old = paid_at(one_product_order(market, market.santon), cutoff - datetime.timedelta(days=1))
    bob_old = paid_at(one_product_order(market, market.santon, customer=BOB), cutoff - datetime.timedelta(days=1))
    bob_recent = paid_at(one_product_order(market, market.miel, customer=BOB), cutoff + datetime.timedelta(days=1))
    invoices_before = list(Invoice.objects.order_by("pk").values())
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    # when the nightly task runs, twice
    assert tasks.anonymise_expired_customers() == 1
    assert tasks.anonymise_expired_customers() == 0
    # then Alice's order is anonymised at that moment; Bob's two orders keep his data
    alice_old.refresh_from_db()
    assert (alice_old.customer_name, alice_old.customer_email, alice_old.customer_phone, alice_old.anonymised_at) == (
        ERASED,
        "",
        "",
        NOW,
    )
    assert list(
        Order.objects.filter(pk__in=[bob_old.pk, bob_recent.pk]).values_list("customer_name", "anonymised_at")
    ) == [("Bob Kerouac", None), ("Bob Kerouac", None)]
    # and invoices are untouched; one log entry, on Alice's order
    assert list(Invoice.objects.order_by("pk").values()) == invoices_before
    assert list(ModelLogEntry.objects.filter(action=ERASE_ACTION).values_list("object_id", "data")) == [
        (str(alice_old.pk), {"scope": "retention"})
    ]


def test_the_setting_and_the_nightly_schedule_exist(db):
    assert django_settings.PERSONAL_DATA_RETENTION_DAYS == 1095
    schedule = Schedule.objects.get(func="checkout.accounts.tasks.anonymise_expired_customers")
    assert (schedule.schedule_type, schedule.repeats) == ("D", -1)
    assert "0015_order_anonymised_at" in {
        name for app, name in MigrationLoader(connection).graph.nodes if app == "checkout"
    }


def test_retention_deletes_the_customer_accounts_gone_quiet_and_no_one_else(market, monkeypatch, settings):
    from django.contrib.auth.models import Group, User

    from markets.merchants import make_merchant

    settings.PERSONAL_DATA_RETENTION_DAYS = 3 * 365
    cutoff = NOW - datetime.timedelta(days=3 * 365)
    long_ago, lately = cutoff - datetime.timedelta(days=1), cutoff + datetime.timedelta(days=1)

    def account(name, *, last_login, order_at=None):
        user = User.objects.create_user(name, email=f"{name}@example.org", password="x")
        User.objects.filter(pk=user.pk).update(last_login=last_login, date_joined=long_ago)
        if order_at is not None:
            order = paid_at(one_product_order(market, market.santon), order_at)
            Order.objects.filter(pk=order.pk).update(customer=user)
        return user

    # Given customers quiet since before the cut-off, with or without an old order
    quiet = account("quiet", last_login=long_ago)
    quiet_buyer = account("quiet-buyer", last_login=long_ago, order_at=long_ago)
    never_logged_in = account("never", last_login=None)
    # and who must stay: a recent log-in, a recent order, a merchant, an editor (in a group), the operator
    came_back = account("came-back", last_login=lately)
    ordered_lately = account("ordered-lately", last_login=long_ago, order_at=lately)
    merchant = account("merchant", last_login=long_ago)
    make_merchant(merchant, market.atelier)
    editor = account("editor", last_login=long_ago)
    editor.groups.add(Group.objects.create(name="Éditeurs test"))
    operator = account("operator", last_login=long_ago)
    User.objects.filter(pk=operator.pk).update(is_superuser=True, is_staff=True)
    monkeypatch.setattr(timezone, "now", lambda: NOW)

    # when the nightly task runs
    tasks.anonymise_expired_customers()

    # then the quiet customers' accounts are gone, with their orders anonymised; the others stay
    kept = set(User.objects.values_list("username", flat=True))
    assert {quiet.username, quiet_buyer.username, never_logged_in.username} & kept == set()
    assert {came_back.username, ordered_lately.username, merchant.username, editor.username, "operator"} <= kept
    assert Order.objects.filter(customer_email="", anonymised_at=NOW).count() == 1
    assert Order.objects.get(customer__username="ordered-lately").anonymised_at is None
