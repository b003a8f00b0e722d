"""Money helpers: amounts are `Decimal` euros with two places, everywhere.

Integer cents exist only at the payment provider's boundary. There is one
rounding rule, ROUND_HALF_UP to the cent, applied by `quantize_eur`. Amounts
are shown in the active language through Babel (`euros`, `whole_euros`) and
read from what a person typed with `parse_eur`.

Every page, e-mail and PDF shows an amount through `euros` (the template
filter `|euros` in `portal_tags`), never as `{{ amount }} €`: French says
"1 234,50 €" (narrow no-break space between thousands, no-break space
before the sign), English "€1,234.50". `babel_locale` is the one place that
turns the active language into a Babel locale; `portal.dates` uses it too.
CSV exports write bare numbers in the reader's spreadsheet format ("1234,50" in French),
through `portal.spreadsheets`, without a currency sign.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils import translation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize_eur(amount: Decimal | int | str) -> Decimal:
    """Round an amount to the cent, half up (1.005 -> 1.01)."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float; pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """EUR -> integer cents, for the payment provider only. Refuses sub-cent amounts."""
    if isinstance(amount, float):
        raise TypeError("Money is never a float; pass a Decimal, an int or a string.")
    amount = Decimal(amount)
    if amount != amount.quantize(CENT):
        raise ValueError(f"{amount} has more than two decimal places")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    """Integer cents from the payment provider -> EUR."""
    if not isinstance(cents, int):
        raise TypeError("cents must be an int")
    return (Decimal(cents) / 100).quantize(CENT)


def parse_eur(text: str | Decimal | int) -> Decimal:
    """An amount a person typed, with a decimal comma or point ("12,50", "12.50", " 3 ").

    Raises `ValueError` for anything else, floats and booleans included, and
    for infinities and NaN. Says nothing of the sign or of sub-cent digits:
    each caller decides what it accepts.
    """
    if isinstance(text, float | bool):
        raise ValueError("Money is never a float or a boolean.")
    try:
        amount = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation as error:
        raise ValueError(f"Not an amount: {text!r}") from error
    if not amount.is_finite():
        raise ValueError(f"Not an amount: {text!r}")
    return amount


# The Babel locale of each site language. English is British English: same
# "€1,234.50" as American, but dates day-first ("27 November 2026", "27/11/2026").
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def babel_locale() -> str:
    """The Babel locale of the active language: "fr_FR", "en_GB" (a regional code such as "en-us": its own)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return BABEL_LOCALES.get(language, translation.to_locale(language))


def euros(amount: Decimal | int | str | None) -> str:
    """An amount in the active language: "12,50 €" (fr), "€12.50" (en); "" for None.

    Goes through `quantize_eur`, which refuses floats.
    """
    if amount is None or amount == "":
        return ""
    return format_currency(quantize_eur(amount), "EUR", locale=babel_locale())


def whole_euros(amount: Decimal | int) -> str:
    """An amount without cents in the active language, for chart axes: "1 000 €", "€1,000"."""
    locale = Locale.parse(babel_locale())
    pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return format_currency(amount, "EUR", format=pattern, locale=locale, currency_digits=False)


def percent(rate: Decimal | str | None) -> str:
    """A rate stored as a decimal string ("5.50") as a number in the active language ("5,5"); "" for None."""
    if rate is None or rate == "":
        return ""
    return format_decimal(Decimal(rate), locale=babel_locale())
