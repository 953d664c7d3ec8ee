"""Writes for measures: definitions (blank or from the starter library), data points (one
by one or imported from CSV/XLSX, all rows or none), and phase splits. Plain functions with
keyword-only arguments, one transaction each; bad input raises ValidationError naming the
field (or the file's row and column) and the rule, and changes nothing.

Who may write is decided in rules.py: organization admins and patient-safety leads define
measures and change any of them; the owner and team of an initiative a measure belongs to
record its data, split its phases and change its definition; executive viewers only read.
Every member reads every measure. Audit entries come from the models' registration
(apps.py): every create, change and delete of a Measure, DataPoint or PhaseSplit is in the
organization's audit trail with who made it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safetyhub.core.models import Organization, Site, User
from safetyhub.core.spreadsheets import clip, read_xlsx
from safetyhub.improvement.models import Initiative

from . import sources as measure_sources
from .models import DataPoint, Measure, PhaseSplit

__all__ = [
    "LIBRARY_PATH",
    "ImportResult",
    "LibraryMeasure",
    "add_from_library",
    "create_measure",
    "delete_data_point",
    "import_data",
    "library",
    "library_entry",
    "parse_import",
    "remove_split",
    "save_data_point",
    "split_phase",
    "update_measure",
    "value_errors",
]

LIBRARY_PATH = Path(__file__).with_name("library.yaml")

# Charts a measure can use, and what each needs (shared/reference/spc.md §1, §10).
CHARTS = [value for value, _ in Measure.Chart.choices]
NEEDS_DENOMINATOR = frozenset({"p", "pp", "u", "up"})
NO_DENOMINATOR = frozenset({"c", "g", "t"})
PROPORTION = frozenset({"p", "pp"})
NON_NEGATIVE = frozenset({"p", "pp", "u", "up", "c", "g", "t"})
CHART_LABEL = {"run": "run chart", "i": "I chart", "p": "P chart",
               "pp": "P\u2032 chart", "u": "U chart", "up": "U\u2032 chart", "c": "C chart",
               "g": "G chart", "t": "T chart"}

DEFINITION_FIELDS = ("name", "type", "numerator", "denominator", "unit", "multiplier",
                     "frequency", "direction", "goal", "chart", "screened_mr", "freeze_after",
                     "definition_source", "site")

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 5_000
MAX_LISTED_ERRORS = 50
# the columns plus a few spare, so that a stray column is reported by name, not cut off
MAX_IMPORT_COLUMNS = 15
COLUMNS = ("period", "numerator", "denominator", "excluded", "note")
COLUMN_ALIASES = {
    "period": "period", "date": "period", "month": "period", "week": "period",
    "quarter": "period", "event date": "period",
    "numerator": "numerator", "value": "numerator", "count": "numerator", "y": "numerator",
    "denominator": "denominator", "n": "denominator",
    "excluded": "excluded", "exclude": "excluded",
    "note": "note", "notes": "note", "comment": "note",
}
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})


# --- the starter library --------------------------------------------------------------


@dataclass(frozen=True)
class LibraryMeasure:
    key: str
    name: str
    type: str
    numerator: str
    denominator: str
    unit: str
    multiplier: int
    frequency: str
    direction: str
    chart: str
    source: str = ""
    notes: str = ""

    @property
    def provenance(self) -> str:
        """Where the definition comes from, as shown to users."""
        return self.source or "SafetyHub's own definition"

    def get_type_display(self) -> str:
        return Measure.Type(self.type).label

    def get_chart_display(self) -> str:
        return Measure.Chart(self.chart).label

    def get_frequency_display(self) -> str:
        return Measure.Frequency(self.frequency).label

    def get_direction_display(self) -> str:
        return Measure.Direction(self.direction).label


@functools.cache
def library() -> tuple[LibraryMeasure, ...]:
    """The starter library (library.yaml), checked once per process: a broken
    entry fails loudly, naming the entry and the field."""
    raw = yaml.safe_load(LIBRARY_PATH.read_text(encoding="utf-8"))
    entries, seen = [], set()
    allowed = {
        "type": {v for v, _ in Measure.Type.choices},
        "frequency": {v for v, _ in Measure.Frequency.choices},
        "direction": {v for v, _ in Measure.Direction.choices},
        "chart": set(CHARTS),
    }
    for index, item in enumerate(raw.get("measures") or []):
        where = f"{LIBRARY_PATH.name}: measures[{index}]"
        try:
            entry = LibraryMeasure(**{k: (v if v is not None else "") for k, v in item.items()})
        except TypeError as exc:
            raise ValueError(f"{where}: {exc}") from None
        for name, values in allowed.items():
            if getattr(entry, name) not in values:
                raise ValueError(f"{where}: {name} {getattr(entry, name)!r} is not one of "
                                 f"{', '.join(sorted(values))}")
        if entry.key in seen:
            raise ValueError(f"{where}: key {entry.key!r} is used twice")
        if entry.chart in NEEDS_DENOMINATOR and not entry.denominator:
            raise ValueError(f"{where}: a {entry.chart} chart needs a denominator")
        if not isinstance(entry.multiplier, int) or entry.multiplier < 1:
            raise ValueError(f"{where}: multiplier must be a whole number of 1 or more")
        seen.add(entry.key)
        entries.append(entry)
    return tuple(entries)


def library_entry(key: str) -> LibraryMeasure | None:
    return next((entry for entry in library() if entry.key == key), None)


# --- definitions ----------------------------------------------------------------------


def _clean_definition(organization: Organization, values: dict) -> dict:
    """Check a measure's definition; returns the cleaned values or raises ValidationError
    with every problem at once."""
    errors: dict[str, str] = {}
    out = dict(values)
    for name in ("name", "numerator", "denominator", "unit", "definition_source"):
        if name in out:
            out[name] = " ".join(str(out[name] or "").split()) if name in (
                "name", "unit", "definition_source") else str(out[name] or "").strip()
    if "name" in out and not out["name"]:
        errors["name"] = "Give the measure a name."
    elif len(out.get("name", "")) > 200:
        errors["name"] = "At most 200 characters."
    if "numerator" in out and not out["numerator"]:
        errors["numerator"] = "Say what is counted (the numerator)."
    if len(out.get("unit", "")) > 100:
        errors["unit"] = "At most 100 characters."
    if len(out.get("definition_source", "")) > 300:
        errors["definition_source"] = "At most 300 characters."
    for name, choices in (("type", Measure.Type), ("frequency", Measure.Frequency),
                          ("direction", Measure.Direction)):
        if name in out and out[name] not in choices.values:
            errors[name] = (f"{out[name]!r} is not one of "
                            f"{', '.join(choices.values)}.")
    if "chart" in out and out["chart"] not in CHARTS:
        errors["chart"] = (f"unknown chart type {out['chart']!r} (use one of "
                           f"{', '.join(CHARTS)})")
    chart = out.get("chart")
    if (chart in NEEDS_DENOMINATOR and "denominator" in out and not out["denominator"]
            and "chart" not in errors):
        errors["denominator"] = (f"A {CHART_LABEL[chart]} needs a denominator: say what the "
                                 "numerator is counted against.")
    if "multiplier" in out:
        multiplier = out["multiplier"]
        if (not isinstance(multiplier, int) or isinstance(multiplier, bool)
                or not 1 <= multiplier <= 10_000_000):
            errors["multiplier"] = "A whole number from 1 to 10,000,000 (1000 for per 1,000)."
    if out.get("goal") is not None:
        goal = out["goal"]
        if isinstance(goal, bool) or not isinstance(goal, int | float) or not math.isfinite(
                goal):
            errors["goal"] = "A number on the chart's scale, or empty."
    site = out.get("site")
    if site is not None and (not isinstance(site, Site) or site.organization_id
                             != organization.pk):
        errors["site"] = "No such site in this organization."
    if errors:
        raise ValidationError(errors)
    return out


def _set_initiatives(measure: Measure, initiatives: Iterable[Initiative] | None) -> None:
    if initiatives is None:
        return
    initiatives = list(initiatives)
    if any(i.organization_id != measure.organization_id for i in initiatives):
        raise ValidationError({"initiatives": "No such initiative in this organization."})
    measure.initiatives.set(initiatives)


@transaction.atomic
def create_measure(
    *,
    organization: Organization,
    by: User | None,
    name: str,
    type: str,
    numerator: str,
    direction: str,
    chart: str = "run",
    denominator: str = "",
    unit: str = "",
    multiplier: int = 1,
    frequency: str = Measure.Frequency.MONTH,
    goal: float | None = None,
    screened_mr: bool = True,
    freeze_after: dt.date | None = None,
    definition_source: str = "",
    site: Site | None = None,
    initiatives: Iterable[Initiative] | None = None,
    library_key: str = "",
) -> Measure:
    """A new measure of the organization, with its definition checked."""
    values = _clean_definition(organization, {
        "name": name, "type": type, "numerator": numerator, "denominator": denominator,
        "unit": unit, "multiplier": multiplier, "frequency": frequency,
        "direction": direction, "goal": goal, "chart": chart, "screened_mr": screened_mr,
        "freeze_after": freeze_after, "definition_source": definition_source, "site": site})
    measure = Measure.objects.create(organization=organization, created_by=by,
                                     library_key=library_key, **values)
    _set_initiatives(measure, initiatives)
    return measure


@transaction.atomic
def update_measure(*, measure: Measure, initiatives: Iterable[Initiative] | None = None,
                   **changes) -> Measure:
    """Change a measure's definition; only the given fields change. Changing the chart
    type keeps the data: if the data do not suit the new chart, its page says which point
    breaks which rule."""
    unknown = set(changes) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a field of a measure's definition."
                               for name in sorted(unknown)})
    current = {name: getattr(measure, name) for name in DEFINITION_FIELDS}
    values = _clean_definition(measure.organization, {**current, **changes})
    for name in changes:
        setattr(measure, name, values[name])
    measure.save()
    _set_initiatives(measure, initiatives)
    return measure


@transaction.atomic
def add_from_library(*, organization: Organization, key: str, by: User | None,
                     site: Site | None = None,
                     initiatives: Iterable[Initiative] | None = None) -> Measure:
    """A new measure defined as the library's entry `key` (its source, if any, kept as the
    measure's `definition_source`)."""
    entry = library_entry(key)
    if entry is None:
        raise ValidationError({"library_key": f"{key!r} is not in the measure library."})
    return create_measure(
        organization=organization, by=by, name=entry.name, type=entry.type,
        numerator=entry.numerator, denominator=entry.denominator, unit=entry.unit,
        multiplier=entry.multiplier, frequency=entry.frequency, direction=entry.direction,
        chart=entry.chart, definition_source=entry.source, site=site,
        initiatives=initiatives, library_key=entry.key)


# --- data points ------------------------------------------------------------------------


def _refuse_if_computed(measure: Measure, field: str) -> None:
    """A measure whose points another app computes (measure_sources) takes no data by hand:
    an entered value would be silently replaced by the computed one."""
    found = measure_sources.source_of(measure)
    if found is not None:
        source, row = found
        raise ValidationError({field: "This measure's data are computed ("
                                      f"{source.describe(row)}); they cannot be entered or "
                                      "imported."})


def value_errors(chart: str, numerator: float | None, denominator: float | None) -> dict:
    """The rules a data point's values must meet for the measure's chart, as
    {field: reason} (empty when the values are fine). The same rules as the SPC engine's,
    checked when the data are entered so that bad data never reach a chart."""
    errors: dict[str, str] = {}
    label = CHART_LABEL.get(chart, chart)
    if numerator is None and chart != "t":
        errors["numerator"] = "is required"
    if numerator is not None:
        if chart == "t" and numerator <= 0:
            errors["numerator"] = ("must be a number > 0 (days since the previous event), or "
                                   "empty to count the days between the events' dates")
        elif chart in NON_NEGATIVE and numerator < 0:
            errors["numerator"] = "must be a number ≥ 0"
    if chart in NO_DENOMINATOR:
        if denominator is not None:
            errors["denominator"] = (f"must be empty: a {label} uses no denominator (use a U "
                                     "chart for counts against a denominator)")
        return errors
    if denominator is None:
        if chart in NEEDS_DENOMINATOR:
            errors["denominator"] = (f"is required for a {label} (the numerator is counted "
                                     "against it)")
        return errors
    if denominator < 0:
        errors["denominator"] = "must be a number ≥ 0"
    elif denominator == 0 and numerator not in (None, 0):
        errors["denominator"] = f"is 0 but the numerator is {_plain(numerator)}"
    elif chart in PROPORTION and numerator is not None and numerator > denominator:
        errors["numerator"] = (f"{_plain(numerator)} is larger than the denominator "
                               f"{_plain(denominator)} (a proportion needs numerator ≤ "
                               "denominator)")
    return errors


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def finite_number(value, name: str, errors: dict) -> float | None:
    """`value` as a float, or None with the reason in `errors[name]` (shared goals check
    their values the same way)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[name] = "must be a number"
        return None
    if not math.isfinite(value):
        errors[name] = "must be a finite number"
        return None
    return float(value)


@transaction.atomic
def save_data_point(
    *,
    measure: Measure,
    period: dt.date,
    numerator: float | None,
    denominator: float | None = None,
    excluded: bool = False,
    note: str = "",
    by: User | None,
) -> tuple[DataPoint, bool]:
    """Record the value of one period: a new point, or a change to the period's point.
    Returns (point, created)."""
    _refuse_if_computed(measure, "numerator")
    errors: dict[str, str] = {}
    numerator = finite_number(numerator, "numerator", errors)
    denominator = finite_number(denominator, "denominator", errors)
    if not isinstance(period, dt.date) or isinstance(period, dt.datetime):
        errors["period"] = "must be a date"
    note = " ".join(str(note or "").split())
    if len(note) > 500:
        errors["note"] = "must be at most 500 characters"
    if not errors:
        errors.update(value_errors(measure.chart, numerator, denominator))
    if errors:
        raise ValidationError({name: _sentence(reason) for name, reason in errors.items()})
    point = DataPoint.objects.select_for_update().filter(measure=measure, period=period).first()
    created = point is None
    if created:
        point = DataPoint(measure=measure, organization_id=measure.organization_id,
                          period=period, created_by=by)
    point.numerator, point.denominator = numerator, denominator
    point.excluded, point.note = bool(excluded), note
    try:
        with transaction.atomic():
            point.save()
    except IntegrityError:
        raise ValidationError({"period": "Someone else saved this period just now; "
                                         "reload the page and try again."}) from None
    return point, created


@transaction.atomic
def delete_data_point(*, measure: Measure, period: dt.date) -> None:
    _refuse_if_computed(measure, "period")
    deleted, _ = DataPoint.objects.filter(measure=measure, period=period).delete()
    if not deleted:
        raise ValidationError({"period": "There is no data point for that period."})


def _sentence(reason: str) -> str:
    """'must be a number ≥ 0' → 'Must be a number ≥ 0.' for a form field."""
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", ")")) else reason + "."


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} changed"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        return f"Imported {self.rows} row{'' if self.rows == 1 else 's'}: {', '.join(parts)}."


# An importer's own rules for a row: (period, numerator, denominator) -> {column: reason}
RowCheck = Callable[[dt.date, float | None, float | None], dict[str, str]]


@dataclass(frozen=True)
class _Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    period: dt.date
    numerator: float | None
    denominator: float | None
    excluded: bool
    note: str


def import_data(*, measure: Measure, file_name: str, content: bytes,
                by: User | None) -> ImportResult:
    """Import data points from a CSV or XLSX file: a header row naming the columns
    (period, numerator, denominator, excluded, note; `date`, `value`, `n` … are accepted
    too), then one row per period. Every row is checked first; if any row is wrong nothing
    is written and the ValidationError lists each problem as "row 7, column denominator:
    must be a number ≥ 0". Otherwise every row is written in one transaction: a new point
    for a new period, a change for a period already recorded."""
    _refuse_if_computed(measure, "file")
    rows = parse_import(chart=measure.chart, frequency=measure.frequency, file_name=file_name,
                        content=content)
    result = ImportResult(rows=len(rows))
    try:
        with transaction.atomic():
            existing = {p.period: p for p in DataPoint.objects.select_for_update().filter(
                measure=measure, period__in=[r.period for r in rows])}
            for row in rows:
                point = existing.get(row.period)
                if point is None:
                    DataPoint.objects.create(
                        measure=measure, organization_id=measure.organization_id,
                        period=row.period, numerator=row.numerator,
                        denominator=row.denominator, excluded=row.excluded, note=row.note,
                        created_by=by)
                    result.added += 1
                    continue
                new = (row.numerator, row.denominator, row.excluded, row.note)
                if (point.numerator, point.denominator, point.excluded, point.note) == new:
                    result.unchanged += 1
                    continue
                point.numerator, point.denominator, point.excluded, point.note = new
                point.save()
                result.updated += 1
    except IntegrityError:
        raise ValidationError({"file": ["Someone else saved data for this measure just now; "
                                        "nothing was imported. Try again."]}) from None
    return result


def parse_import(*, chart: str, frequency: str, file_name: str, content: bytes,
                 check_row: RowCheck | None = None) -> list[_Row]:
    """The checked rows of a CSV or XLSX file of values for a chart of type `chart` (see
    `import_data`), or one ValidationError listing every problem by row and column. Shared
    with other data imports (a network's shared goals), so a file reads the same everywhere;
    `check_row(period, numerator, denominator)` adds the importer's own rules as
    {column: reason}, listed with the rest."""
    if not content:
        raise ValidationError({"file": ["The file is empty."]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_IMPORT_BYTES:,} bytes; "
                                        "import it in parts."]})
    name = (file_name or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        table = read_xlsx_table(content)
    elif name.endswith((".xls", ".ods", ".numbers")):
        raise ValidationError({"file": ["Save the spreadsheet as .xlsx or .csv and import "
                                        "that."]})
    else:
        table = read_csv_table(content)
    return _rows(chart, frequency, table, check_row)


def read_csv_table(content: bytes) -> list[list]:
    """The rows of an imported CSV file (UTF-8, bounded); shared with other data imports."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["The file is not UTF-8 text: save it as “CSV UTF-8” "
                                        "or as .xlsx."]}) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    table = []
    try:
        for row in reader:
            if len(row) > MAX_IMPORT_COLUMNS and any(c.strip() for c in row[MAX_IMPORT_COLUMNS:]):
                raise ValidationError({"file": [
                    f"Row {reader.line_num} has more than {MAX_IMPORT_COLUMNS} columns; keep "
                    "only the data columns."]})
            table.append(row[:MAX_IMPORT_COLUMNS])
            if len(table) > MAX_IMPORT_ROWS + 1:
                break
    except csv.Error as exc:
        raise ValidationError({"file": [f"row {reader.line_num}: not readable as CSV "
                                        f"({exc})."]}) from None
    return table


def read_xlsx_table(content: bytes) -> list[list]:
    # a header row and MAX_IMPORT_ROWS data rows
    return read_xlsx(content, max_rows=MAX_IMPORT_ROWS + 1, max_columns=MAX_IMPORT_COLUMNS)


def _rows(chart: str, frequency: str, table: list[list],
          check_row: RowCheck | None = None) -> list[_Row]:
    """Check every row; raise one ValidationError listing every problem."""
    while table and all(_blank(c) for c in table[0]):
        table = table[1:]
    if not table:
        raise ValidationError({"file": ["The file has no header row and no data."]})
    header = table[0]
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        title = " ".join(str(cell).split()).lower()
        name = COLUMN_ALIASES.get(title)
        if name is None:
            problems.append(f"column {_letter(index)} “{clip(cell)}” is not one of "
                            f"{', '.join(COLUMNS)}")
        elif name in columns:
            problems.append(f"column {_letter(index)} “{clip(cell)}” repeats column "
                            f"{_letter(columns[name])} ({name})")
        else:
            columns[name] = index
    needed = ["period"] + ([] if chart == "t" else ["numerator"])
    if chart in NEEDS_DENOMINATOR:
        needed.append("denominator")
    for name in needed:
        if name not in columns:
            problems.append(f"the header row has no “{name}” column")
    if problems:
        raise ValidationError({"file": [_sentence(p) for p in problems]})
    body = table[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": [f"The file has more than {MAX_IMPORT_ROWS:,} rows; "
                                        "import it in parts."]})

    rows: list[_Row] = []
    errors: list[str] = []
    first_row_of: dict[dt.date, int] = {}
    for offset, cells in enumerate(body):
        number = offset + 2
        if all(_blank(c) for c in cells):
            continue

        def cell(name: str, cells=cells):
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        row_errors: dict[str, str] = {}
        period = import_period(cell("period"), frequency, row_errors)
        numerator = import_number(cell("numerator"), "numerator", row_errors)
        denominator = import_number(cell("denominator"), "denominator", row_errors)
        excluded = _flag(cell("excluded"), row_errors)
        note = " ".join(str(cell("note") or "").split())
        if len(note) > 500:
            row_errors["note"] = "must be at most 500 characters"
        if "numerator" not in row_errors and "denominator" not in row_errors:
            for name, reason in value_errors(chart, numerator, denominator).items():
                row_errors.setdefault(name, reason)
        if check_row is not None and "period" not in row_errors:
            for name, reason in check_row(period, numerator, denominator).items():
                row_errors.setdefault(name, reason)
        if period is not None:
            if period in first_row_of:
                row_errors.setdefault("period", f"{period.isoformat()} is also on row "
                                                f"{first_row_of[period]}")
            else:
                first_row_of[period] = number
        for name in COLUMNS:
            if name in row_errors:
                errors.append(f"row {number}, column {name}: {row_errors[name]}")
        if not row_errors:
            rows.append(_Row(number, period, numerator, denominator, excluded, note))
    if errors:
        listed = errors[:MAX_LISTED_ERRORS]
        if len(errors) > len(listed):
            listed.append(f"… and {len(errors) - len(listed)} more problems.")
        raise ValidationError({"file": [
            f"Nothing was imported: {len(errors)} problem{'' if len(errors) == 1 else 's'} "
            "in the file. Correct them and import the file again.", *listed]})
    if not rows:
        raise ValidationError({"file": ["The file has a header row but no data rows."]})
    return rows


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})[- ]?Q([1-4])$", re.IGNORECASE)


def import_period(value, frequency: str, errors: dict) -> dt.date | None:
    """An imported cell as the first day of its period, or None with the reason in `errors`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        errors["period"] = "is required (a date such as 2025-03-01)"
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else _short_date(text)
    except ValueError:
        pass
    errors["period"] = (f"“{clip(text)}” is not a date (write 2025-03-01; 2025-03 for a month, "
                        "2025-Q1 for a quarter)")
    return None


def _short_date(text: str) -> dt.date:
    if match := _MONTH.match(text):
        return dt.date(int(match[1]), int(match[2]), 1)
    if match := _QUARTER.match(text):
        return dt.date(int(match[1]), 3 * int(match[2]) - 2, 1)
    raise ValueError(text)


def import_number(value, name: str, errors: dict) -> float | None:
    """An imported cell as a bounded number (None when blank), else the reason in `errors`."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        errors[name] = "must be a number"
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            hint = (" (write it without thousands separators, e.g. 1234.5)"
                    if re.fullmatch(r"[\d.,\s]+", text) else "")
            errors[name] = f"“{clip(text)}” is not a number{hint}"
            return None
    if not math.isfinite(number):
        errors[name] = "must be a finite number"
        return None
    return number


def _flag(value, errors: dict) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    errors["excluded"] = f"“{clip(value)}” is not yes or no"
    return False


# --- phase splits -----------------------------------------------------------------------


@transaction.atomic
def split_phase(*, measure: Measure, after_period: dt.date, reason: str,
                by: User | None) -> PhaseSplit:
    """Start a new phase of the measure's chart after `after_period` (a period with data,
    not the last one), for a stated reason. Audited with its reason."""
    reason = " ".join(str(reason or "").split())
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why the process changed here (the reason is kept in the audit log)."
    elif len(reason) > 300:
        errors["reason"] = "At most 300 characters."
    computed = measure_sources.derived_points(measure)
    periods = ([p.period for p in computed] if computed is not None else
               list(DataPoint.objects.filter(measure=measure).order_by("period")
                    .values_list("period", flat=True)))
    if not isinstance(after_period, dt.date):
        errors["after_period"] = "Choose the last period of the phase before the change."
    elif after_period not in periods:
        errors["after_period"] = "Choose a period that has data."
    elif after_period == periods[-1]:
        errors["after_period"] = ("A new phase needs at least one point after the split: "
                                  "choose an earlier period.")
    elif PhaseSplit.objects.filter(measure=measure, after_period=after_period).exists():
        errors["after_period"] = "The chart already has a new phase after this period."
    if errors:
        raise ValidationError(errors)
    return PhaseSplit.objects.create(measure=measure, organization_id=measure.organization_id,
                                     after_period=after_period, reason=reason, created_by=by)


@transaction.atomic
def start_phase_at_shift(*, measure: Measure, reason: str, by: User | None,
                         after_period: dt.date | None = None) -> tuple[PhaseSplit, bool]:
    """Start a new phase where the latest phase's sustained shift began: after the period
    before the shift's first point (the chart's `suggested_split`). Returns the split and
    whether it was made now. `after_period` is the period the person was offered: a second
    click on the same offer returns the split the first one made instead of another, and an
    offer the data no longer make (a point changed since) is refused, naming the field."""
    from .queries import chart_for  # queries reads, services write: the one import back

    if not " ".join(str(reason or "").split()):
        raise ValidationError({"reason": "Say why the process changed here (the reason is "
                                         "kept in the audit log)."})
    if after_period is not None:
        existing = PhaseSplit.objects.filter(measure=measure, after_period=after_period).first()
        if existing is not None:
            return existing, False
    suggestion = chart_for(measure).suggested_split
    if suggestion is None:
        raise ValidationError({"after_period": "The chart shows no sustained shift to start a "
                                               "new phase from."})
    if after_period is not None and after_period != suggestion.after_period:
        raise ValidationError({"after_period": (
            f"The data changed: the shift now begins in {suggestion.start_label}. Look at "
            "the chart again before starting a phase.")})
    try:
        split = split_phase(measure=measure, after_period=suggestion.after_period,
                            reason=reason, by=by)
    except IntegrityError:  # a simultaneous second click won the race (split_unique)
        return PhaseSplit.objects.get(measure=measure,
                                      after_period=suggestion.after_period), False
    return split, True


@transaction.atomic
def remove_split(*, split: PhaseSplit) -> None:
    """Join the phases again (the removal is audited, with the split's reason)."""
    split.delete()


# --- permissions ------------------------------------------------------------------------
