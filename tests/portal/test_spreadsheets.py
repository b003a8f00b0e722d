"""The one CSV writer: a French spreadsheet reads it in columns, with its accents, and no cell is a formula."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from portal.spreadsheets import csv_response, csv_text, dialect_for, spreadsheet_text

PARIS_EVENING = datetime.datetime(2026, 12, 24, 17, 30, tzinfo=datetime.UTC)  # 18:30 in Paris


def test_french_is_semicolons_decimal_commas_and_a_byte_order_mark():
    text = csv_text(
        [["Boutique", "Ventes", "Commandes"], ["Crêperie Ty Gwenn", Decimal("12.50"), 3]], language="fr"
    )
    assert text == "\ufeffBoutique;Ventes;Commandes\r\nCrêperie Ty Gwenn;12,50;3\r\n"
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbfBoutique;")


def test_english_is_commas_and_decimal_points_with_the_byte_order_mark_too():
    text = csv_text([["Shop", "Sales"], ["Crêperie", Decimal("12.50")]], language="en")
    assert text == "\ufeffShop,Sales\r\nCrêperie,12.50\r\n"


def test_the_active_language_chooses_the_dialect():
    with translation.override("fr"):
        assert csv_text([[Decimal("1.5")]]) == "\ufeff1,5\r\n"
    with translation.override("en"):
        assert csv_text([[Decimal("1.5")]]) == "\ufeff1.5\r\n"
    assert dialect_for("fr-ca").delimiter == ";"
    assert dialect_for("de").delimiter == ","


def test_negative_and_large_amounts_stay_numbers():
    text = csv_text([[Decimal("-3.00"), Decimal("-0.14"), Decimal("1234567.89"), Decimal("1E+2"), -7, 0]], "fr")
    assert text == "\ufeff-3,00;-0,14;1234567,89;100;-7;0\r\n"
    assert csv_text([[Decimal("-3.00")]], "en") == "\ufeff-3.00\r\n"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_a_spreadsheet_would_run_is_made_inert(start):
    value = f"{start}HYPERLINK(1)"
    assert spreadsheet_text(value) == "'" + value
    line = csv_text([[value]], "fr")
    # Tab and carriage return are inside the cell's text: the csv module quotes the CR, not the tab.
    quoted = start == "\r"
    assert line == "\ufeff" + ('"\'' + value + '"' if quoted else "'" + value) + "\r\n"


def test_a_formula_typed_by_a_customer_is_text_while_amounts_stay_numbers():
    text = csv_text([['=HYPERLINK("http://x","y")', Decimal("-3.00"), "-3,00"]], "fr")
    # The name is quoted (it holds quotes) and prefixed; the Decimal is a number; the text "-3,00" is not.
    assert text == '\ufeff"\'=HYPERLINK(""http://x"",""y"")";-3,00;\'-3,00\r\n'


def test_ordinary_text_is_left_alone():
    assert spreadsheet_text("Alice Le Goff") == "Alice Le Goff"
    assert spreadsheet_text("06 12 34 56 78") == "06 12 34 56 78"
    assert spreadsheet_text("") == ""


def test_separators_quotes_and_line_breaks_inside_text_are_quoted():
    text = csv_text([["Le Goff; Alice", 'Le "Ty" Coz', "1 rue du Port\n29600 Morlaix", "a,b"]], "fr")
    assert text == '\ufeff"Le Goff; Alice";"Le ""Ty"" Coz";"1 rue du Port\n29600 Morlaix";a,b\r\n'
    assert csv_text([["a,b", "c;d"]], "en") == '\ufeff"a,b",c;d\r\n'


def test_dates_and_moments_are_written_for_people_in_paris_time():
    with translation.override("fr"):
        assert csv_text([[PARIS_EVENING, datetime.date(2026, 12, 24), None]]) == "\ufeff24/12/2026 18:30;24/12/2026;\r\n"
    with translation.override("en"):
        assert csv_text([[PARIS_EVENING, datetime.date(2026, 12, 24)]]) == "\ufeff24/12/2026 18:30,24/12/2026\r\n"


def test_an_empty_file_is_still_utf8_with_its_mark():
    assert csv_text([], "fr") == "\ufeff"


def test_the_download_is_utf8_text_csv_named_as_asked():
    with translation.override("fr"):
        response = csv_response(csv_text([["Ventes"], [Decimal("12.50")]]), "ventes.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ventes.csv"'
    assert response.content == b"\xef\xbb\xbfVentes\r\n12,50\r\n"
