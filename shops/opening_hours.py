"""A shop's week of opening hours as its page shows it, in the active language.

French writes hours the French way ("9 h", "12 h 30"), which no CLDR
pattern gives; other languages take Babel's short time of their locale
(portal.money.babel_locale: "09:00", "12:30" in British English).
"""

from dataclasses import dataclass
from datetime import time

from babel import Locale
from babel.dates import format_time
from django.utils.text import capfirst
from django.utils.translation import gettext

from portal.money import babel_locale
from shops.models import MIDNIGHT, Weekday


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    name: str  # "Lundi", "Monday"
    periods: tuple[str, ...]  # "9 h – 12 h 30", in the order of the day; none: closed


def hour(value: time, *, closing: bool = False) -> str:
    """"9 h", "12 h 30" (fr), "09:00", "12:30" (en); a closing at 00:00 is "minuit" ("midnight")."""
    if closing and value == MIDNIGHT:
        return gettext("minuit")
    locale = babel_locale()
    if Locale.parse(locale).language == "fr":
        return format_time(value, "H 'h' mm" if value.minute else "H 'h'", locale=locale)
    return format_time(value, "short", locale=locale)


def period(opens: time, closes: time) -> str:
    """"9 h – 12 h" (fr), "09:00 – 12:00" (en)."""
    return f"{hour(opens)} – {hour(closes, closing=True)}"


def opening_week(periods) -> list[OpeningDay]:
    """The seven days from Monday with their periods (`ShopOpeningHours` rows, in any order).

    Empty when the shop gave no period at all: its hours are then only the
    merchant's words, and no day is to be called closed.
    """
    periods = list(periods)
    if not periods:
        return []
    by_day: dict[int, list] = {day: [] for day in Weekday.values}
    for row in sorted(periods, key=lambda row: (row.weekday, row.opens)):
        by_day[row.weekday].append(period(row.opens, row.closes))
    return [
        OpeningDay(weekday=day, name=capfirst(str(Weekday(day).label)), periods=tuple(by_day[day]))
        for day in Weekday.values
    ]
