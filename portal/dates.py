"""Dates and moments shown to people: through Babel, in the active language, day first in both.

Pages, e-mails, PDFs and messages show a date with these functions (or the
template filters of the same names in `portal_tags`), never with Django's
`|date` or `date_format`: Django's English formats are American
("Nov. 27, 2026", "11/27/2026"), ours are British and day first like the
French ones ("27 November 2026", "27 novembre 2026").

Beside `portal.money` rather than inside it: pricing, the ledger and the
payment gateway import `money` and have no business with dates, and a
module named money that formats dates would mislead whoever looks for
them. The two share what makes them one formatter: the Babel locale of the
active language, decided once by `portal.money.babel_locale` (fr_FR, en_GB).

A moment (an aware datetime) is shown in the portal's time zone
(Europe/Paris, the active one); a date or a naive datetime as it is. Every
function gives "" for None, so a template needs no `{% if %}` around them.

The admin's own columns and Wagtail's date pickers go through Django's
formats, made day first for English in `portal/formats/en/formats.py`.
"""

from datetime import date, datetime

from babel.dates import format_date, format_time
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.money import babel_locale


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value: date | datetime) -> date:
    value = _local(value)
    return value.date() if isinstance(value, datetime) else value


def long_date(value: date | datetime | None) -> str:
    """"27 novembre 2026" (fr), "27 November 2026" (en); "" for None."""
    if value is None or value == "":
        return ""
    return format_date(_day(value), "long", locale=babel_locale())


def short_date(value: date | datetime | None) -> str:
    """"27/11/2026" in both languages, for tables and compact lines; "" for None."""
    if value is None or value == "":
        return ""
    return format_date(_day(value), "short", locale=babel_locale())


def day_month(value: date | datetime | None) -> str:
    """"27 nov." (fr), "27 Nov" (en), for a chart's day labels; "" for None."""
    if value is None or value == "":
        return ""
    return format_date(_day(value), "d MMM", locale=babel_locale())


def long_datetime(value: datetime | None) -> str:
    """"27 novembre 2026 à 14:05" (fr), "27 November 2026 at 14:05" (en), Paris time; "" for None.

    CLDR's "at" form of a date and a time is not in Babel's data, so the
    joining word is translated with the site's other words.
    """
    if value is None or value == "":
        return ""
    moment = _local(value)
    locale = babel_locale()
    return _("%(date)s à %(time)s") % {
        "date": format_date(moment.date(), "long", locale=locale),
        "time": format_time(moment.time(), "short", locale=locale),
    }


def short_datetime(value: datetime | None) -> str:
    """"27/11/2026 14:05" in both languages, Paris time, for tables and compact lines; "" for None.

    The date and the time side by side, as the admin's own columns show them:
    Babel's English pattern puts a comma between them, which reads as one
    more item in the comma-separated lines of a report.
    """
    if value is None or value == "":
        return ""
    moment = _local(value)
    locale = babel_locale()
    return f"{format_date(moment.date(), 'short', locale=locale)} {format_time(moment.time(), 'short', locale=locale)}"
