"""`seed_demo` builds the demo portal once; running it again changes nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from checkout.billing import statements
from checkout.models import (
    Invoice,
    InvoiceKind,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    Payout,
    PayoutBatch,
    ShopOrder,
    WeeklyStatement,
)
from home.models import HomePage
from markets.models import MarketPage, PartnerContact, Territory
from shops.models import ProductPage, ProductStock, ShopPage

SMALL_DEMO = ("--shops", "2", "--products-min", "2", "--products-max", "3", "--force", "--no-logins")


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Page, Revision, get_image_model(), get_user_model(), Group, ProductStock, PartnerContact,
                      Territory)
    }


@pytest.fixture
def seed(db, django_capture_on_commit_callbacks):
    """Run the command; wagtail-localize publishes translations on commit, which a test must run itself."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", *SMALL_DEMO, stdout=io.StringIO())

    return run


def test_seed_demo_builds_three_markets_in_two_languages_with_their_people(seed):
    # when the demo is seeded with 2 shops per territory, 2–3 products per shop
    seed()

    # then both home pages are live
    assert sorted(HomePage.objects.live().values_list("locale__language_code", flat=True)) == ["en", "fr"]

    # and there are three territories, each with one market per language
    assert Territory.objects.count() == 3
    for language in ("fr", "en"):
        markets = MarketPage.objects.live().filter(locale__language_code=language)
        assert markets.count() == 3, language
        assert sorted(m.territory_id for m in markets) == sorted(Territory.objects.values_list("pk", flat=True))
        # each market has 2 live shops in each language
        for market in markets:
            assert ShopPage.objects.live().child_of(market).count() == 2, (language, market.title)

    # each French shop has 2 or 3 live products, each with one stock row shared with its translation
    french_products = ProductPage.objects.live().filter(locale__language_code="fr")
    for shop in ShopPage.objects.filter(locale__language_code="fr"):
        assert 2 <= ProductPage.objects.live().child_of(shop).count() <= 3, shop.title
    assert ProductPage.objects.live().filter(locale__language_code="en").count() == french_products.count()
    assert set(ProductStock.objects.values_list("translation_key", flat=True)) == set(
        french_products.values_list("translation_key", flat=True)
    )

    # and the logins: one admin, one editor per territory, one merchant owning each shop
    User = get_user_model()
    french_shops = ShopPage.objects.filter(locale__language_code="fr").select_related("owner")
    merchants = {shop.owner.username for shop in french_shops}
    editors = set(User.objects.filter(username__startswith="editeur-").values_list("username", flat=True))
    assert len(merchants) == 6
    assert len(editors) == 3
    assert set(User.objects.values_list("username", flat=True)) == {"admin"} | editors | merchants
    assert list(User.objects.filter(is_superuser=True).values_list("username", flat=True)) == ["admin"]


def test_seed_demo_a_second_time_changes_nothing(seed):
    # given a seeded demo
    seed()
    first = row_counts()

    # when it is seeded again with the same sizes
    seed()

    # then no row was added
    assert row_counts() == first
    assert first["Territory"] == 3


def test_seed_demo_refuses_to_run_without_debug_unless_forced(db, settings):
    # given a non-debug server (production-like)
    settings.DEBUG = False
    before = row_counts()

    # when seed_demo runs without --force
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", "--shops", "1", "--products-min", "1", "--products-max", "1")

    # then it created nothing (no account with the public password)
    assert row_counts() == before


def test_the_demo_has_a_week_of_orders_that_the_monday_run_states(seed, django_capture_on_commit_callbacks, mailoutbox):
    # given a seeded demo (orders over last week and this one, bank accounts for all shops but one per market)
    seed()
    assert Order.objects.filter(status=OrderStatus.PAID).count() > 0
    assert Invoice.objects.filter(kind=InvoiceKind.SALE).count() == ShopOrder.objects.count()
    last_week = statements.last_ended_week()
    stated = LedgerEntry.objects.filter(created_at__lt=statements.week_bounds(last_week)[1], kind=LedgerKind.SALE)
    mailoutbox.clear()

    # when the Monday run is made by hand for last week
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_weekly_statements", "--week", last_week.isoformat(), stdout=out)

    # then each shop that sold last week has its statement, its commission invoice and its report
    made = WeeklyStatement.objects.filter(week_start=last_week)
    assert set(made.values_list("shop", flat=True)) == set(stated.values_list("shop", flat=True))
    assert Invoice.objects.filter(kind=InvoiceKind.COMMISSION, statement__in=made).count() == made.count()
    assert made.filter(report_sent_at__isnull=False).count() == made.count()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(made.values_list("merchant_email", flat=True))
    # and the payouts of shops with a bank account are in one SEPA file
    batch = PayoutBatch.objects.get()
    assert batch.payouts_count == Payout.objects.filter(statement__in=made, shop__payout_account__isnull=False).count()
    assert b"pain.001.001.03" in bytes(batch.document)
    assert f"{made.count()} relevé(s) établi(s)" in out.getvalue()
