"""The `<pk:...>` path converter: a row id the database can hold, or no match (404).

Django's `<int:...>` accepts any run of digits; a 20-digit id then overflows
the database's integer (SQLite raises OverflowError, PostgreSQL "out of
range") and the visitor gets a 500. Ids here are BigAutoField
(settings.DEFAULT_AUTO_FIELD) or Wagtail's AutoField page ids, both signed:
1 to 2**63 - 1 fits every id column of SQLite and PostgreSQL (PostgreSQL
compares an integer column with a bigint value without error). Anything else
does not resolve, so the visitor gets the site's 404.

Registered on import: every urls module or `register_admin_urls` hook that
writes `<pk:...>` imports this module first (portal.urls does so before any
include).
"""

from django.urls import register_converter

MIN_ID = 1
MAX_ID = 2**63 - 1  # signed 64-bit: BIGINT on PostgreSQL, INTEGER on SQLite


def valid_id(value) -> int | None:
    """`value` (str, int or None, e.g. from a query string) as an id in range, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
            return None
        value = int(value)
    if not isinstance(value, int) or not MIN_ID <= value <= MAX_ID:
        return None
    return value


class PkConverter:
    """Digits without a leading zero, in 1..2**63-1; reverse() refuses an id out of range too."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = valid_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not an id")  # the resolver tries the next pattern, then 404
        return number

    def to_url(self, value) -> str:
        number = valid_id(value)
        if number is None:
            raise ValueError(f"{value!r} is not an id")  # reverse() then raises NoReverseMatch
        return str(number)


register_converter(PkConverter, "pk")
