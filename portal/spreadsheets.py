"""CSV files people open in a spreadsheet: written for the reader's language, never carrying a formula.

Every CSV of the portal (the admin lists' exports, the weekly statement,
the sales dashboard's days and shops) is written here, so that a
spreadsheet opened with a double click reads it right:

- French (`fr`): cells separated by ";" and numbers with a decimal comma
  ("12,50"), which is what a French Excel or LibreOffice expects; with ","
  as the separator it puts a whole row in one column.
- English (any other language): "," and a decimal point ("12.50").
- Always UTF-8 with a byte-order mark (U+FEFF) in front: without it Excel
  reads the file in the machine's legacy code page and writes "CrÃªperie".
  The mark costs nothing to other readers (Python's "utf-8-sig", pandas,
  LibreOffice drop it), so English files carry it too.
- Lines end with CRLF, as RFC 4180 and Excel write them.

A cell is written according to its value's type: a number (`Decimal`,
`int`) stays a number, negative ones included ("-3,00" is minus three, not
text); a date or a moment is written for people, "27/11/2026" or
"27/11/2026 14:05" in the portal's time zone (`portal.dates`); None is an
empty cell; anything else is text, made inert by `spreadsheet_text`: text
typed by a customer or a merchant such as `=HYPERLINK("http://x","y")` is
never read as a formula (OWASP's CSV injection rule).

`SpreadsheetExportMixin` puts Wagtail's list exports ("Download CSV") through
the same writer; their XLSX export stays Wagtail's, with real numbers and
dates in local time.
"""

import csv
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.encoding import force_str
from wagtail.admin.views.mixins import SpreadsheetExportMixin as WagtailSpreadsheetExportMixin

from portal import dates

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
# What makes a spreadsheet read a cell as a formula (or, for tab and CR, hide one behind blanks).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvDialect:
    """How cells are separated and how a number writes its decimals."""

    delimiter: str
    decimal_mark: str


FRENCH = CsvDialect(delimiter=";", decimal_mark=",")
ENGLISH = CsvDialect(delimiter=",", decimal_mark=".")


def dialect_for(language: str | None = None) -> CsvDialect:
    """The dialect of `language`, by default the active one: French for "fr" and its regions, English otherwise."""
    language = (language or translation.get_language() or "").lower()
    return FRENCH if language.split("-")[0] == "fr" else ENGLISH


def spreadsheet_text(value: str) -> str:
    """Text typed by a customer or a merchant, made inert for a spreadsheet (no "=HYPERLINK(...)" formula).

    A leading apostrophe is what a spreadsheet takes for "this is text".
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def number_text(value: Decimal | int, dialect: CsvDialect) -> str:
    """A number as the dialect writes it: "12,50" / "12.50", "-3,00", "1234" (no thousands separator, no exponent)."""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", dialect.decimal_mark)


def cell(value, dialect: CsvDialect) -> str:
    """One value as the text of its cell (see the module's docstring for the rules by type)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        # A bool is an int to Python, never a number to a reader.
        return spreadsheet_text(str(value))
    if isinstance(value, (Decimal, int)):
        return number_text(value, dialect)
    if isinstance(value, float):
        # Money is never a float; a float here is a ratio or a measure: written like a number all the same.
        return str(value).replace(".", dialect.decimal_mark)
    if isinstance(value, datetime.datetime):
        return dates.short_datetime(value)
    if isinstance(value, datetime.date):
        return dates.short_date(value)
    return spreadsheet_text(force_str(value))


class _Line:
    """The file-like object `csv.writer` writes to: hands each line back instead of storing it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: Iterable[Iterable], language: str | None = None) -> Iterator[str]:
    """The lines of the CSV of `rows` (the headings first, if any), the first one led by the byte-order mark.

    `language` (by default the active one) chooses the dialect. Lazy: rows
    are read one at a time, so a long export streams.
    """
    dialect = dialect_for(language)
    writer = csv.writer(_Line(), delimiter=dialect.delimiter, lineterminator="\r\n")
    first = True
    for row in rows:
        line = writer.writerow([cell(value, dialect) for value in row])
        yield BOM + line if first else line
        first = False
    if first:
        yield BOM


def csv_text(rows: Iterable[Iterable], language: str | None = None) -> str:
    """The whole CSV of `rows` as one string, byte-order mark included."""
    return "".join(csv_lines(rows, language))


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(text: str, filename: str) -> HttpResponse:
    """A download of `text`, a CSV written by `csv_text`, named `filename` (with its ".csv")."""
    return _attachment(HttpResponse(text.encode("utf-8"), content_type=CONTENT_TYPE), filename)


def _in_context(lines: Iterator[str], language: str | None, zone: datetime.tzinfo) -> Iterator[bytes]:
    # A streamed body is read after the view has returned, when Wagtail has put back the
    # language and time zone it had set for the admin user: each line is written under them again.
    while True:
        with translation.override(language), timezone.override(zone):
            line = next(lines, None)
        if line is None:
            return
        yield line.encode("utf-8")


def streaming_csv_response(rows: Iterable[Iterable], filename: str) -> StreamingHttpResponse:
    """Like `csv_response`, streamed line by line: for exports of a whole list."""
    language = translation.get_language()
    lines = csv_lines(rows, language)
    stream = _in_context(lines, language, timezone.get_current_timezone())
    return _attachment(StreamingHttpResponse(stream, content_type=CONTENT_TYPE), filename)


def _local_naive(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


class SpreadsheetExportMixin(WagtailSpreadsheetExportMixin):
    """Wagtail's list export with its CSV written by this module, in the admin user's language.

    Put it before Wagtail's `IndexView` in the bases. The columns stay
    Wagtail's (`list_export`, `export_headings`, `to_row_dict`); a row's values
    keep their types (Decimal, date, datetime) so the CSV writes them for
    people and the XLSX keeps real numbers and dates. Moments are shown in
    local time in both (Wagtail's XLSX would write them in UTC).
    """

    custom_value_preprocess = {
        **WagtailSpreadsheetExportMixin.custom_value_preprocess,
        datetime.datetime: {WagtailSpreadsheetExportMixin.FORMAT_XLSX: _local_naive},
    }

    def csv_rows(self, queryset) -> Iterator[list]:
        """The headings, then one row per item, each value as Wagtail's preprocessing leaves it for CSV."""
        yield [self.get_heading(queryset, field) for field in self.list_export]
        for item in queryset:
            row = self.to_row_dict(item)
            yield [self.preprocess_field_value(field, row[field], self.FORMAT_CSV) for field in self.list_export]

    def write_csv_response(self, queryset):
        return streaming_csv_response(self.csv_rows(queryset), f"{self.get_filename()}.csv")
