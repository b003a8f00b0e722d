"""The demo's shops have hours by day, valid, the same in French and English, beside the merchant's remarks."""

import io
from datetime import time

import pytest
from django.core.management import call_command

from home.demo.content import OPENING_HOURS, OPENING_PERIODS
from shops.models import ShopCategory, ShopOpeningHours, ShopPage, Weekday


@pytest.mark.parametrize("category", ShopCategory.values)
def test_each_kind_of_shop_has_a_valid_week(category):
    rows = [
        ShopOpeningHours(weekday=day, opens=time.fromisoformat(spec.opens), closes=time.fromisoformat(spec.closes))
        for spec in OPENING_PERIODS[category]
        for day in spec.days
    ]

    for row in rows:
        row.clean()
    assert rows
    assert category in OPENING_HOURS


def test_some_shops_open_on_sunday_and_some_close_at_lunch():
    sunday = {c for c, specs in OPENING_PERIODS.items() if any(Weekday.SUNDAY in s.days for s in specs)}
    assert {ShopCategory.SHOP, ShopCategory.FOOD} <= sunday
    assert len(OPENING_PERIODS[ShopCategory.SHOP]) == 3  # morning, afternoon, Sunday afternoon


def test_the_seeded_shops_show_their_week_in_both_languages(db, client, django_capture_on_commit_callbacks):
    # Given the demo, seeded small
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "seed_demo", "--shops", "2", "--products-min", "1", "--products-max", "1", "--force", "--no-logins",
            stdout=io.StringIO(),
        )

    # Then every French shop has hours by day, and its English page the same rows
    french_shops = ShopPage.objects.live().filter(locale__language_code="fr")
    assert french_shops.count() == 6
    for shop in french_shops:
        periods = sorted((p.weekday, p.opens, p.closes) for p in shop.opening_periods.all())
        assert periods, shop.title
        english = shop.get_translation(ShopPage.objects.filter(locale__language_code="en").first().locale)
        assert sorted((p.weekday, p.opens, p.closes) for p in english.opening_periods.all()) == periods

    # and a shop page shows its week with the merchant's remark
    shop = french_shops.filter(category=ShopCategory.SHOP).first() or french_shops.first()
    html = client.get(shop.url).content.decode()
    assert 'class="opening-hours"' in html
    if shop.opening_hours:
        assert shop.opening_hours.splitlines()[0] in html
