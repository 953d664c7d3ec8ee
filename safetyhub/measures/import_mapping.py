"""Reading a spreadsheet's cells the way people write them: the period labels (`Jan-25`,
`January 2025`, `2025-01`, `01/2025`, ISO dates, Excel date cells and serial numbers,
`2025-Q1`, `Q1 2025`, `2025-W03`), numbers with thousands separators or decimal commas
(one number format per column: 1,234.5 or 1.234,5, or detected from the column), and a
first guess at which column holds what from the header names.

Pure functions (no models, no requests; only core's `clip` to quote a cell): each returns
the value or raises ValueError whose text is the reason, written to follow "row 7, column
period: …".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence

from safetyhub.core.spreadsheets import clip  # the one way a cell is quoted back

__all__ = ["FORMAT_CHOICES", "ROLES", "detect_number_format", "guess_columns",
           "header_key", "parse_number", "parse_period"]

ROLES = ("period", "numerator", "denominator", "excluded", "note")

# The number formats a user can choose for a whole file; "auto" reads each column's values
# together (detect_number_format).
AUTO, DOT, COMMA = "auto", "dot", "comma"
FORMAT_CHOICES = ((AUTO, "Detect from the file"),
                  (DOT, "1,234.5 (comma for thousands, point for decimals)"),
                  (COMMA, "1.234,5 (point for thousands, comma for decimals)"))

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included). A number cell is read
# as a date only between 1990 and 2100 (serials 32874..73050): a count of 45 or 2025 must
# never become a date.
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_RANGE = (32_874, 73_050)

MONTHS = {name: k for k, names in enumerate((
    ("jan", "january", "janv", "janvier", "jän", "januar", "ene", "enero"),
    ("feb", "february", "fév", "fev", "février", "februar", "febrero"),
    ("mar", "march", "mars", "mär", "märz", "marzo"),
    ("apr", "april", "avr", "avril", "abr", "abril"),
    ("may", "mai", "mayo"),
    ("jun", "june", "juin", "juni", "junio"),
    ("jul", "july", "juil", "juillet", "juli", "julio"),
    ("aug", "august", "août", "aout", "ago", "agosto"),
    ("sep", "sept", "september", "septembre", "septiembre"),
    ("oct", "october", "octobre", "okt", "oktober", "octubre"),
    ("nov", "november", "novembre", "noviembre"),
    ("dec", "december", "déc", "decembre", "décembre", "dez", "dezember", "dic",
     "diciembre")), 1) for name in names}

_SEP = r"[\s\-/.,']*"
_MONTH_YEAR = re.compile(rf"^([^\W\d_]+)\.?{_SEP}(\d{{4}}|\d{{2}})$")   # Jan-25, January 2025
_YEAR_MONTH_NAME = re.compile(rf"^(\d{{4}}){_SEP}([^\W\d_]+)\.?$")      # 2025 Jan
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")                    # 2025-01, 2025/1
_MONTH_NUM_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")                # 01/2025
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_SLASH_DATE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")
_QUARTER = re.compile(r"^(?:(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4}|\d{2}))$",
                      re.IGNORECASE)
_WEEK = re.compile(r"^(?:(\d{4})\s*-?\s*W(\d{1,2})(?:-?[1-7])?|W(\d{1,2})\s*[-/ ]?\s*(\d{4}))$",
                   re.IGNORECASE)

HINT = "write 2025-03-01, 2025-03 or Mar-25 for a month"


def _year(text: str) -> int:
    # two-digit years are this century's: Excel's "Jan-25" is January 2025
    return 2000 + int(text) if len(text) == 2 else int(text)


def _hint(frequency: str) -> str:
    if frequency == "quarter":
        return HINT + ", 2025-Q1 for a quarter"
    if frequency == "week":
        return HINT + ", 2025-W03 for a week"
    return HINT


def parse_period(value: object, frequency: str) -> dt.date:
    """A cell as the date that starts its period (a month's or quarter's first day, an ISO
    week's Monday, or the date itself); ValueError with the reason otherwise. Quarter labels
    are read for quarterly measures and week labels for weekly ones only: elsewhere they
    would silently stand for a month or a day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"“{value}” is not a date ({_hint(frequency)})")
    if isinstance(value, int | float):
        # a number cell not formatted as a date: an Excel serial, if a plausible one
        if (math.isfinite(value) and float(value).is_integer()
                and SERIAL_RANGE[0] <= value <= SERIAL_RANGE[1]):
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"the number {clip(value)} is not a date (a date cell, or text such "
                         f"as 2025-03-01; {_hint(frequency)})")
    text = " ".join(str(value or "").split())
    if not text:
        raise ValueError(f"is required ({_hint(frequency)})")
    if match := _ISO_DATE.match(text):
        return _date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _YEAR_MONTH.match(text):
        return _date(int(match[1]), int(match[2]), 1, text)
    if match := _MONTH_NUM_YEAR.match(text):
        return _date(int(match[2]), int(match[1]), 1, text)
    if match := _QUARTER.match(text):
        year, quarter = (match[1], match[2]) if match[1] else (match[4], match[3])
        if frequency != "quarter":
            raise ValueError(f"“{clip(text)}” is a quarter but the measure is not quarterly "
                             f"({HINT})")
        return dt.date(_year(year), 3 * int(quarter) - 2, 1)
    if match := _WEEK.match(text):
        year, week = (match[1], match[2]) if match[1] else (match[4], match[3])
        if frequency != "week":
            raise ValueError(f"“{clip(text)}” is a week but the measure is not weekly "
                             f"({HINT})")
        try:
            return dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise ValueError(f"“{clip(text)}”: {year} has no week {int(week)}") from None
    for pattern, name_group, year_group in ((_MONTH_YEAR, 1, 2), (_YEAR_MONTH_NAME, 2, 1)):
        if match := pattern.match(text):
            month = MONTHS.get(match[name_group].lower())
            if month is not None:
                return dt.date(_year(match[year_group]), month, 1)
    if _SLASH_DATE.match(text):
        # 03/04/2025 is 3 April in most of the world and March 4 in the United States
        raise ValueError(f"“{clip(text)}” could be read day-first or month-first (write it "
                         "as 2025-04-03, or format the cells as dates)")
    raise ValueError(f"“{clip(text)}” is not a date ({_hint(frequency)})")


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{clip(text)}” is not a date on the calendar") from None


# --- numbers -------------------------------------------------------------------------------

# spaces of every width (and the Swiss apostrophe) group thousands in many locales
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_GROUPED = {
    DOT: re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"),
    COMMA: re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"),
}
_SPACED = re.compile(r"^[+-]?\d{1,3}(?:[\s\u00a0\u202f\u2009']\d{3})+(?:[.,]\d+)?$")
FORMAT_EXAMPLE = {DOT: "1,234.5", COMMA: "1.234,5"}


def detect_number_format(values: Iterable[object]) -> str:
    """The number format a column's text values are written in: COMMA when one of them can
    only be read with decimal commas (`3,5`, `1.234,5`, `1.234.567`), else DOT. A column of
    values like `1,234` alone is ambiguous and read as DOT (a thousands comma): choose the
    format for such a file."""
    for value in values:
        if not isinstance(value, str):
            continue
        text = _SPACES.sub("", value.strip()).lstrip("+-")
        if "," in text and "." in text:
            return COMMA if text.rfind(",") > text.rfind(".") else DOT
        if text.count(".") > 1:
            return COMMA
        if re.fullmatch(r"\d+,\d+", text) and not re.fullmatch(r"\d{1,3}(,\d{3})+", text):
            return COMMA
    return DOT


def parse_number(value: object, number_format: str = DOT, *,
                 percent: bool = False) -> float | None:
    """A cell as a finite number, None when blank; ValueError with the reason otherwise.
    `number_format` is DOT or COMMA (AUTO reads as DOT: detect a column's format first).
    `percent`: "45%" reads as 45 (for values plotted as they are); else a percent sign is
    refused, since a P or U chart computes its rate from the counts."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.endswith("%"):
            if not percent:
                raise ValueError(f"“{clip(text)}” is a percentage: import the counts "
                                 "(numerator and denominator), not the rate")
            text = text[:-1].strip()
        number = _number_text(text, COMMA if number_format == COMMA else DOT)
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _number_text(text: str, number_format: str) -> float:
    original = text
    if _SPACED.match(text):
        text = _SPACES.sub("", text)
    if _GROUPED[number_format].match(text):
        if number_format == COMMA:
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
        return float(text)
    if re.fullmatch(r"[+-]?\d*\.?\d+(?:[eE][+-]?\d+)?", text):
        return float(text)  # 1e3, .5: plain numbers without separators
    if re.fullmatch(r"[\d.,\s\u00a0\u202f\u2009'+-]+", original):
        raise ValueError(f"“{clip(original)}” is not a number in the "
                         f"{FORMAT_EXAMPLE[number_format]} format (choose the file's number "
                         "format)")
    raise ValueError(f"“{clip(original)}” is not a number")


# --- columns -------------------------------------------------------------------------------

# A header names a role exactly (first table) or contains one of its words (second table).
EXACT = {
    "period": "period", "date": "period", "month": "period", "week": "period",
    "quarter": "period", "event date": "period", "period start": "period",
    "numerator": "numerator", "value": "numerator", "count": "numerator", "y": "numerator",
    "denominator": "denominator", "n": "denominator",
    "excluded": "excluded", "exclude": "excluded",
    "note": "note", "notes": "note", "comment": "note", "comments": "note",
}
WORDS = (
    ("period", ("period", "month", "date", "week", "quarter")),
    ("excluded", ("exclude",)),
    ("note", ("note", "comment")),
    ("denominator", ("denominator", "patient days", "bed days", "opportunities", "total",
                     "discharges", "admissions")),
    ("numerator", ("numerator", "count", "events", "value", "number of")),
)


def header_key(cell: object) -> str:
    """A header cell as compared: words lowercased, spaces and underscores collapsed."""
    return " ".join(str(cell or "").replace("_", " ").split()).lower()


def guess_columns(header: Sequence[object]) -> dict[str, int]:
    """{role: column index} guessed from the header names: exact names first, then names
    containing a role's word; each column and each role used once."""
    keys = [header_key(cell) for cell in header]
    found: dict[str, int] = {}
    for index, key in enumerate(keys):
        role = EXACT.get(key)
        if role and role not in found:
            found[role] = index
    for role, words in WORDS:
        if role in found:
            continue
        for index, key in enumerate(keys):
            if key and index not in found.values() and any(w in key for w in words):
                found[role] = index
                break
    return found
