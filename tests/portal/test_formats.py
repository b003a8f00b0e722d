"""Money and dates as people read them, one formatter for both languages: `portal.money`, `portal.dates`.

French: "1 234,50 €" (a narrow no-break space between thousands, a
no-break space before the sign), "27 novembre 2026". English: "€1,234.50",
"27 November 2026": day first like French, never the American month first.
"""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats, translation
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from markets.models import MarketPage
from portal.dates import day_month, long_date, long_datetime, short_date, short_datetime
from portal.money import babel_locale, euros, whole_euros
from shops.models import ProductKind, ProductPage

NNBSP = "\u202f"  # narrow no-break space: French thousands
NBSP = "\xa0"  # no-break space: French, before the euro sign
UTC = datetime.UTC
# 14:05 in Paris on 27 November 2026 (winter time, UTC+1).
MOMENT = datetime.datetime(2026, 11, 27, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "french", "english"),
    [
        (Decimal("0"), f"0,00{NBSP}€", "€0.00"),
        (Decimal("8.9"), f"8,90{NBSP}€", "€8.90"),
        (Decimal("1234.5"), f"1{NNBSP}234,50{NBSP}€", "€1,234.50"),
        ("1234567.891", f"1{NNBSP}234{NNBSP}567,89{NBSP}€", "€1,234,567.89"),
        (Decimal("-8.90"), f"-8,90{NBSP}€", "-€8.90"),  # a refund on a statement
        (12, f"12,00{NBSP}€", "€12.00"),
    ],
)
def test_euros_in_french_and_english(amount, french, english):
    with translation.override("fr"):
        assert euros(amount) == french
    with translation.override("en"):
        assert euros(amount) == english


def test_nothing_to_show_is_empty_and_a_float_is_refused():
    for language in ("fr", "en"):
        with translation.override(language):
            assert euros(None) == "" and long_date(None) == "" and long_datetime(None) == ""
            assert short_date(None) == "" and short_datetime(None) == "" and day_month(None) == ""
    with pytest.raises(TypeError, match="float"):
        euros(8.9)


def test_whole_euros_for_chart_axes():
    with translation.override("fr"):
        assert whole_euros(1000) == f"1{NNBSP}000{NBSP}€"
    with translation.override("en"):
        assert whole_euros(1000) == "€1,000"


def test_the_babel_locale_is_french_of_france_and_british_english():
    with translation.override("fr"):
        assert babel_locale() == "fr_FR"
    with translation.override("en"):
        assert babel_locale() == "en_GB"


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (datetime.date(2026, 11, 27), "27 novembre 2026", "27 November 2026"),
        (datetime.date(2026, 12, 1), "1 décembre 2026", "1 December 2026"),
        # 23:30 UTC on the 26th is already the 27th in Paris
        (datetime.datetime(2026, 11, 26, 23, 30, tzinfo=UTC), "27 novembre 2026", "27 November 2026"),
    ],
)
def test_long_date_is_day_first_in_both_languages(value, french, english):
    with translation.override("fr"):
        assert long_date(value) == french
    with translation.override("en"):
        assert long_date(value) == english


def test_long_datetime_is_paris_time_with_the_joining_word_of_the_language():
    with translation.override("fr"):
        assert long_datetime(MOMENT) == "27 novembre 2026 à 14:05"
    with translation.override("en"):
        assert long_datetime(MOMENT) == "27 November 2026 at 14:05"
    # summer time: UTC+2
    summer = datetime.datetime(2026, 7, 1, 7, 9, tzinfo=UTC)
    with translation.override("en"):
        assert long_datetime(summer) == "1 July 2026 at 09:09"


def test_short_forms_are_day_first_with_a_24_hour_clock():
    first_of_december = datetime.datetime(2026, 12, 1, 6, 9, tzinfo=UTC)  # 07:09 in Paris
    for language in ("fr", "en"):
        with translation.override(language):
            assert short_date(datetime.date(2026, 12, 1)) == "01/12/2026"
            assert short_datetime(first_of_december) == "01/12/2026 07:09"
    with translation.override("fr"):
        assert day_month(datetime.date(2026, 11, 27)) == "27 nov."
    with translation.override("en"):
        assert day_month(datetime.date(2026, 11, 27)) == "27 Nov"


def test_the_template_filters_are_the_same_functions():
    template = Template(
        "{% load portal_tags %}{{ fee|euros }}|{{ day|long_date }}|{{ at|long_datetime }}|{{ day|short_date }}"
        "|{{ at|short_datetime }}"
    )
    context = Context({"fee": Decimal("8.90"), "day": datetime.date(2026, 11, 27), "at": MOMENT})
    with translation.override("fr"):
        assert template.render(context) == (
            f"8,90{NBSP}€|27 novembre 2026|27 novembre 2026 à 14:05|27/11/2026|27/11/2026 14:05"
        )
    with translation.override("en"):
        assert template.render(context) == "€8.90|27 November 2026|27 November 2026 at 14:05|27/11/2026|27/11/2026 14:05"


# Messages written in Python -------------------------------------------------------------------


def test_market_and_product_messages_write_their_dates_with_the_module(db):
    market = MarketPage(
        title="Marché", market_opens=datetime.date(2026, 11, 27), market_closes=datetime.date(2026, 12, 24)
    )
    voucher = ProductPage(title="Bon cadeau", kind=ProductKind.VOUCHER, valid_until=datetime.date(2026, 11, 27))
    with translation.override("fr"):
        assert market.sales_closed_reason(datetime.date(2026, 11, 1)) == "Le marché ouvre le 27 novembre 2026."
        assert market.sales_closed_reason(datetime.date(2026, 12, 25)) == "Le marché est clos depuis le 24 décembre 2026."
        assert voucher.expired_reason(datetime.date(2026, 12, 1)) == (
            "« Bon cadeau » n'est plus valable depuis le 27 novembre 2026."
        )
    with translation.override("en"):
        opens = str(market.sales_closed_reason(datetime.date(2026, 11, 1)))
        expired = str(voucher.expired_reason(datetime.date(2026, 12, 1)))
    assert "27 November 2026" in opens and "Nov. 27" not in opens
    assert "27 November 2026" in expired and "November 27" not in expired


# Django's formats: the admin and the date pickers ------------------------------------------


def test_django_english_formats_are_day_first():
    with translation.override("en"):
        assert formats.date_format(datetime.date(2026, 11, 27)) == "27 November 2026"
        assert formats.date_format(datetime.date(2026, 12, 1), "SHORT_DATE_FORMAT") == "01/12/2026"
        assert formats.date_format(datetime.datetime(2026, 12, 1, 7, 9), "SHORT_DATETIME_FORMAT") == "01/12/2026 07:09"
        assert formats.date_format(datetime.datetime(2026, 12, 1, 7, 9), "DATETIME_FORMAT") == "1 December 2026, 07:09"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
    # French stays Django's
    with translation.override("fr"):
        assert formats.date_format(datetime.datetime(2026, 12, 1, 7, 9), "SHORT_DATETIME_FORMAT") == "01/12/2026 07:09"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_typed_01_12_2026_is_the_first_of_december_in_both_languages(language):
    with translation.override(language):
        assert forms.DateField().clean("01/12/2026") == datetime.date(2026, 12, 1)
        assert forms.DateTimeField().clean("01/12/2026 07:09").replace(tzinfo=None) == datetime.datetime(
            2026, 12, 1, 7, 9
        )
        # ISO, as a browser's date field sends it, is still read
        assert forms.DateField().clean("2026-12-01") == datetime.date(2026, 12, 1)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_wagtails_date_pickers_show_and_read_the_day_first(language):
    with translation.override(language):
        date_widget = AdminDateInput()
        datetime_widget = AdminDateTimeInput()
        assert date_widget.get_config()["format"] == "d/m/Y"
        assert date_widget.get_config()["dayOfWeekStart"] == 1
        assert date_widget.format_value(datetime.date(2026, 12, 1)) == "01/12/2026"
        assert datetime_widget.format_value(datetime.datetime(2026, 12, 1, 7, 9)) == "01/12/2026 07:09"
        # what the picker writes is what the field reads
        assert forms.DateField(widget=date_widget).clean("01/12/2026") == datetime.date(2026, 12, 1)
