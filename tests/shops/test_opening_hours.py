"""A shop's hours by day: validated, entered in the admin, shown as a week on its page in French and English."""

import re
from datetime import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from shops.models import ShopOpeningHours, ShopPage, Weekday
from shops.opening_hours import hour, opening_week
from tests.fixtures import factories as f
from tests.fixtures.queries import explain_difference, render_and_count
from tests.markets.onboarding_helpers import harvest_form

pytestmark = pytest.mark.django_db

TUESDAY_TO_SATURDAY = (Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY, Weekday.SATURDAY)


def periods(*days_opens_closes):
    """ShopOpeningHours rows from (day, "HH:MM", "HH:MM")."""
    return [
        ShopOpeningHours(weekday=day, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))
        for day, opens, closes in days_opens_closes
    ]


def with_lunch_break():
    """Tuesday to Saturday 10:00–12:30 and 14:00–19:00, the afternoon rows typed first."""
    return periods(
        *((day, "14:00", "19:00") for day in TUESDAY_TO_SATURDAY),
        *((day, "10:00", "12:30") for day in TUESDAY_TO_SATURDAY),
    )


@pytest.fixture
def market(db):
    """A market in French and English, where shops can be translated."""
    f.english_home()
    market = f.make_market(f.french_home())
    f.translate(market, title="Christmas market")
    return market


def week_rows(html: str) -> dict[str, str]:
    """The hours table of a shop page: day → its cell."""
    (table,) = re.findall(r'<table class="opening-hours".*?</table>', html, re.S)
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table))


# Validation -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("opens", "closes"), [("14:00", "12:00"), ("10:00", "10:00"), ("18:00", "00:30")])
def test_a_period_must_close_after_it_opens(opens, closes):
    (row,) = periods((Weekday.MONDAY, opens, closes))

    with pytest.raises(ValidationError) as raised:
        row.clean()

    assert list(raised.value.message_dict) == ["closes"]


@pytest.mark.parametrize(("opens", "closes"), [("09:00", "19:00"), ("18:00", "00:00"), ("00:00", "00:00")])
def test_a_period_may_close_at_midnight(opens, closes):
    (row,) = periods((Weekday.FRIDAY, opens, closes))

    row.clean()

    assert row.closes_at_midnight is (closes == "00:00")


# The week on the page ---------------------------------------------------------------------------------------------


def test_the_french_page_shows_each_day_with_its_periods_closed_days_and_the_remark(market, client):
    shop = f.make_shop(market, "Ty Gwechall", opening_hours="Fermé le 25 décembre", opening_periods=with_lunch_break())

    html = client.get(shop.url).content.decode()

    assert week_rows(html) == {
        "Lundi": "Fermé",
        "Mardi": "10 h – 12 h 30, 14 h – 19 h",
        "Mercredi": "10 h – 12 h 30, 14 h – 19 h",
        "Jeudi": "10 h – 12 h 30, 14 h – 19 h",
        "Vendredi": "10 h – 12 h 30, 14 h – 19 h",
        "Samedi": "10 h – 12 h 30, 14 h – 19 h",
        "Dimanche": "Fermé",
    }
    # the merchant's remark under the table
    assert re.search(r"</table>\s*<p>Fermé le 25 décembre</p>", html)


def test_the_english_page_shows_the_same_week_in_english(market, client):
    shop = f.make_shop(market, "Ty Gwechall", opening_periods=with_lunch_break())
    english = f.translate(shop, "en", title="Ty Gwechall", opening_hours="Closed on 25 December")

    html = client.get(english.url).content.decode()

    assert list(week_rows(html).items()) == [
        ("Monday", "Closed"),
        *((day, "10:00 – 12:30, 14:00 – 19:00") for day in ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")),
        ("Sunday", "Closed"),
    ]
    assert "Closed on 25 December" in html
    assert "Fermé" not in html and "Mardi" not in html


def test_without_hours_by_day_the_page_shows_the_merchants_words_and_calls_no_day_closed(market, client):
    shop = f.make_shop(market, opening_hours="Du mardi au samedi, 10 h – 19 h")

    html = client.get(shop.url).content.decode()

    assert "Du mardi au samedi, 10 h – 19 h" in html
    assert 'class="opening-hours"' not in html and "Fermé" not in html


def test_a_shop_without_any_hours_has_no_hours_heading(market, client):
    shop = f.make_shop(market)

    html = client.get(shop.url).content.decode()

    assert "Horaires d’ouverture" not in html


def test_a_period_closing_at_midnight_says_so(market, client):
    shop = f.make_shop(market, opening_periods=periods((Weekday.SATURDAY, "18:30", "00:00")))
    english = f.translate(shop, "en")

    assert week_rows(client.get(shop.url).content.decode())["Samedi"] == "18 h 30 – minuit"
    assert week_rows(client.get(english.url).content.decode())["Saturday"] == "18:30 – midnight"


def test_hours_read_in_the_active_language():
    with translation.override("fr"):
        assert [hour(time(9)), hour(time(12, 30)), hour(time(0)), hour(time(0), closing=True)] == [
            "9 h", "12 h 30", "0 h", "minuit",
        ]
    with translation.override("en"):
        assert [hour(time(9)), hour(time(12, 30)), hour(time(0), closing=True)] == ["09:00", "12:30", "midnight"]


def test_a_week_without_periods_is_empty_and_one_with_periods_has_seven_days_from_monday():
    assert opening_week([]) == []

    with translation.override("fr"):
        week = opening_week(periods((Weekday.SUNDAY, "09:00", "12:00")))

    assert [(day.name, day.periods) for day in week] == [
        ("Lundi", ()), ("Mardi", ()), ("Mercredi", ()), ("Jeudi", ()), ("Vendredi", ()), ("Samedi", ()),
        ("Dimanche", ("9 h – 12 h",)),
    ]


def consume_shop(response):
    list(response.context["products"])


def test_the_week_costs_one_query_whatever_its_number_of_periods(market, client):
    # Given a shop open one period a week
    shop = f.make_shop(market, opening_periods=periods((Weekday.MONDAY, "10:00", "12:00")))
    one = render_and_count(client, shop.url, consume_shop)

    # When it gets a period on each half-day of the week
    shop = ShopPage.objects.get(pk=shop.pk)
    shop.opening_periods = periods(
        *((day, "09:00", "12:00") for day in Weekday.values), *((day, "14:00", "19:00") for day in Weekday.values)
    )
    shop.save_revision().publish()
    fourteen = render_and_count(client, shop.url, consume_shop)

    # Then the page (its JSON-LD included) costs the same
    assert len(week_rows(client.get(shop.url).content.decode())) == 7
    assert len(fourteen) == len(one), explain_difference(one, fourteen)


# The admin ---------------------------------------------------------------------------------------------------


def edit_form(client, shop) -> tuple[str, dict]:
    url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    response = client.get(url)
    assert response.status_code == 200
    return url, harvest_form(response.content.decode(), "page-edit-form")


def with_rows(data: dict, rows) -> dict:
    data = {**data, "opening_periods-TOTAL_FORMS": str(len(rows)), "action-publish": "action-publish"}
    for n, (day, opens, closes) in enumerate(rows):
        data.update({
            f"opening_periods-{n}-weekday": str(day), f"opening_periods-{n}-opens": opens,
            f"opening_periods-{n}-closes": closes, f"opening_periods-{n}-ORDER": str(n + 1),
            f"opening_periods-{n}-id": "", f"opening_periods-{n}-DELETE": "",
        })
    return data


def test_the_merchant_enters_hours_by_day_in_the_address_panel(market, client):
    # Given a shop and its editor
    shop = f.make_shop(market)
    client.force_login(User.objects.create_superuser("operator"))

    # When the edit form is opened, the hours by day sit in the address panel, before the remarks
    url, data = edit_form(client, shop)
    html = client.get(url).content.decode()
    assert "opening_periods-TOTAL_FORMS" in html
    assert html.index("opening_periods-TOTAL_FORMS") < html.index('name="opening_hours"') < html.index('name="phone"')
    assert "fermeture exceptionnelle" in html

    # and a morning and an afternoon on Tuesday are published
    response = client.post(url, with_rows(data, [(Weekday.TUESDAY, "10:00", "12:30"), (Weekday.TUESDAY, "14:00", "19:00")]))

    # Then the page has both periods
    assert response.status_code == 302
    shop = ShopPage.objects.get(pk=shop.pk)
    assert [(p.weekday, p.opens, p.closes) for p in shop.opening_periods.all()] == [
        (Weekday.TUESDAY, time(10), time(12, 30)), (Weekday.TUESDAY, time(14), time(19)),
    ]


def test_a_period_closing_before_it_opens_is_refused_in_the_admin(market, client):
    shop = f.make_shop(market)
    client.force_login(User.objects.create_superuser("operator"))
    url, data = edit_form(client, shop)

    response = client.post(url, with_rows(data, [(Weekday.MONDAY, "19:00", "10:00")]))

    assert response.status_code == 200
    assert "L&#x27;heure de fermeture doit venir après l&#x27;heure d&#x27;ouverture" in response.content.decode()
    assert not ShopOpeningHours.objects.filter(page=shop).exists()
