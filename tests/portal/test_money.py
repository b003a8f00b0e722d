from decimal import Decimal

import pytest
from django.utils import translation

from portal.money import CENT, ZERO, euros, from_cents, parse_eur, percent, quantize_eur, to_cents, whole_euros


def half_up_reference(thousandths: int) -> Decimal:
    """Integer arithmetic, independent of `decimal`: round |n|/1000 to cents, ties away from zero."""
    sign = -1 if thousandths < 0 else 1
    cents, remainder = divmod(abs(thousandths), 10)
    if remainder >= 5:
        cents += 1
    return Decimal(sign * cents) / 100


def test_quantize_eur_rounds_half_up_every_thousandth_from_minus_50_to_plus_50_euros():
    # given every amount with three decimals between -50.000 and 50.000
    for thousandths in range(-50_000, 50_001):
        amount = Decimal(thousandths) / 1000

        # when it is rounded to the cent
        rounded = quantize_eur(amount)

        # then it is the half-up cent, with exactly two places
        assert rounded == half_up_reference(thousandths), amount
        assert rounded.as_tuple().exponent == -2, amount


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("1.005", "1.01"),  # a float would say 1.00
        ("2.675", "2.68"),  # a float would say 2.67
        ("1.015", "1.02"),
        ("-0.005", "-0.01"),
        ("-1.005", "-1.01"),
        ("-2.675", "-2.68"),
        ("19.9949", "19.99"),
        ("19.995", "20.00"),
        ("9999.995", "10000.00"),
        ("0.0049999999", "0.00"),
    ],
)
def test_quantize_eur_known_cases(amount, expected):
    # given a Decimal from a string / when rounded / then half up
    assert str(quantize_eur(Decimal(amount))) == expected
    # a string is accepted the same way
    assert str(quantize_eur(amount)) == expected


def test_quantize_eur_accepts_ints_and_gives_two_places():
    assert str(quantize_eur(3)) == "3.00"
    assert str(quantize_eur(-7)) == "-7.00"
    assert quantize_eur(0) == ZERO
    assert Decimal("0.01") == CENT


@pytest.mark.parametrize("amount", [1.005, 0.1, 2.0, float("nan")])
def test_quantize_eur_refuses_floats(amount):
    with pytest.raises(TypeError, match="float"):
        quantize_eur(amount)


def test_to_cents_and_from_cents_round_trip_for_every_cent_from_minus_1000_to_plus_1000_euros():
    for cents in range(-100_000, 100_001):
        # given integer cents from the payment provider
        amount = from_cents(cents)

        # then the euro amount has two places and goes back to the same cents
        assert amount.as_tuple().exponent == -2, cents
        assert amount == Decimal(cents) / 100, cents
        assert to_cents(amount) == cents
        assert type(to_cents(amount)) is int


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("0.01", 1), ("1.10", 110), ("1.1", 110), ("24.00", 2400), ("-3.50", -350), ("1.230", 123), ("99999999.99", 9999999999)],
)
def test_to_cents_exact_values(amount, cents):
    assert to_cents(Decimal(amount)) == cents


@pytest.mark.parametrize("amount", ["0.001", "1.005", "-0.009", "12.999", "0.0000001"])
def test_to_cents_refuses_sub_cent_amounts(amount):
    # given an amount that was not rounded first / then it never reaches the provider truncated
    with pytest.raises(ValueError, match="more than two decimal places"):
        to_cents(Decimal(amount))


@pytest.mark.parametrize("cents", [1.0, "100", Decimal("100")])
def test_from_cents_refuses_anything_but_an_int(cents):
    with pytest.raises(TypeError):
        from_cents(cents)


def test_to_cents_refuses_floats():
    with pytest.raises(TypeError):
        to_cents(1.5)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("12,50", Decimal("12.50")), ("12.50", Decimal("12.50")), (" 3 ", Decimal("3")), ("-1,5", Decimal("-1.5")),
     (7, Decimal("7")), (Decimal("0.001"), Decimal("0.001"))],
)
def test_parse_eur_reads_a_decimal_comma_or_point(typed, amount):
    assert parse_eur(typed) == amount


@pytest.mark.parametrize("typed", ["", "douze", "12,50 €", "1,2,3", "Infinity", "NaN", "-inf", 1.5, True])
def test_parse_eur_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValueError):
        parse_eur(typed)


@pytest.mark.parametrize(
    ("language", "amount", "shown"),
    [("fr", Decimal("1234.5"), "1\u202f234,50\xa0€"), ("en", Decimal("1234.5"), "€1,234.50"),
     ("fr", "0.005", "0,01\xa0€"), ("en", None, "")],
)
def test_euros_formats_in_the_active_language_rounding_half_up(language, amount, shown):
    with translation.override(language):
        assert euros(amount) == shown


def test_euros_refuses_a_float():
    with pytest.raises(TypeError):
        euros(1.5)


def test_whole_euros_and_percent_in_each_language():
    with translation.override("fr"):
        assert (whole_euros(Decimal("1000")), percent("5.50")) == ("1\u202f000\xa0€", "5,5")
    with translation.override("en"):
        assert (whole_euros(Decimal("1000")), percent("5.50")) == ("€1,000", "5.5")
