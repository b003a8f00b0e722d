"""English formats of the admin and of Django's `|date`: day first, 24-hour clock, weeks from Monday.

An English merchant typing 01/12/2026 in a date field means 1 December, as
a French one does. What this file leaves out (number separators) comes
from Django's `en`. Pages, e-mails and PDFs use `portal.dates` (Babel en_GB),
which says the same: "27 November 2026", "27/11/2026".
"""

DATE_FORMAT = "j F Y"  # 27 November 2026
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "j F Y, H:i"  # 27 November 2026, 14:05
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 27 November
SHORT_DATE_FORMAT = "d/m/Y"  # 27/11/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 27/11/2026 14:05
FIRST_DAY_OF_WEEK = 1  # Monday

# Django adds the ISO forms (2026-11-27, 2026-11-27 14:05) to these by itself.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 27/11/2026
    "%d/%m/%y",  # 27/11/26
    "%d %B %Y",  # 27 November 2026
    "%d %b %Y",  # 27 Nov 2026
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",  # 27/11/2026 14:05:59
    "%d/%m/%Y %H:%M:%S.%f",  # 27/11/2026 14:05:59.000200
    "%d/%m/%Y %H:%M",  # 27/11/2026 14:05
    "%d/%m/%y %H:%M:%S",  # 27/11/26 14:05:59
    "%d/%m/%y %H:%M",  # 27/11/26 14:05
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # 14:05:59
    "%H:%M:%S.%f",  # 14:05:59.000200
    "%H:%M",  # 14:05
]
