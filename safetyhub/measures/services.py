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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safetyhub.core.models import Organization, Site, User
from safetyhub.core.spreadsheets import clip, read_xlsx
from safetyhub.improvement.models import Initiative

from . import import_mapping as reading
from . import sources as measure_sources
from .models import DataPoint, Measure, PhaseSplit

__all__ = [
    "LIBRARY_PATH",
    "ImportProblems",
    "ImportResult",
    "LibraryMeasure",
    "Mapping",
    "add_from_library",
    "check_table",
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


@dataclass(frozen=True)
class Mapping:
    """Which columns of a file hold what: {role: header name} for the roles of
    import_mapping.ROLES (period required; numerator and denominator as the chart needs),
    the number format of the whole file (auto, dot, comma) and the workbook's sheet (empty:
    the first). Columns not named are ignored; with no column named, the header names must
    be the standard ones (COLUMN_ALIASES)."""

    columns: dict[str, str]
    number_format: str = reading.AUTO
    sheet: str = ""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # the role (period, numerator …)
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportProblems(ValidationError):
    """The rows of a file break rules: `problems` lists each by row and column (the API
    returns them as they are; pages and messages read the ValidationError's text)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listed = [str(p) for p in problems[:MAX_LISTED_ERRORS]]
        if len(problems) > len(listed):
            listed.append(f"… and {len(problems) - len(listed)} more problems.")
        super().__init__({"file": [
            f"Nothing was imported: {len(problems)} problem"
            f"{'' if len(problems) == 1 else 's'} in the file. Correct them and import the "
            "file again.", *listed]})


@dataclass
class Checked:
    """A table read with its columns: the rows that passed and every problem found."""

    rows: list[_Row]
    problems: list[Problem]
    columns: dict[str, int]
    number_formats: dict[str, str]


# The template's example rows say so in their note, and are refused if imported unchanged.
EXAMPLE_NOTE = "EXAMPLE – replace or delete this row"


def import_data(*, measure: Measure, file_name: str, content: bytes,
                by: User | None, mapping: Mapping | None = None) -> ImportResult:
    """Import data points from a CSV or XLSX file: a header row naming the columns
    (period, numerator, denominator, excluded, note; `date`, `value`, `n` … are accepted
    too, or any names when `mapping` says which column holds what), then one row per period.
    Every row is checked first; if any row is wrong nothing is written and the
    ValidationError (ImportProblems) lists each problem as "row 7, column denominator: must
    be a number ≥ 0". Otherwise every row is written in one transaction: a new point for a
    new period, a change for a period already recorded."""
    _refuse_if_computed(measure, "file")
    rows = parse_import(chart=measure.chart, frequency=measure.frequency, file_name=file_name,
                        content=content, mapping=mapping)
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


def read_table(*, file_name: str, content: bytes, sheet: str = "") -> list[list]:
    """The cells of an uploaded CSV or XLSX file (checked for size and kind)."""
    if not content:
        raise ValidationError({"file": ["The file is empty."]})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_IMPORT_BYTES:,} bytes; "
                                        "import it in parts."]})
    if is_xlsx(file_name, content):
        return read_xlsx_table(content, sheet=sheet)
    if (file_name or "").lower().endswith((".xls", ".ods", ".numbers")):
        raise ValidationError({"file": ["Save the spreadsheet as .xlsx or .csv and import "
                                        "that."]})
    return read_csv_table(content)


def is_xlsx(file_name: str, content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04" or (file_name or "").lower().endswith(".xlsx")


def parse_import(*, chart: str, frequency: str, file_name: str, content: bytes,
                 check_row: RowCheck | None = None,
                 mapping: Mapping | None = None) -> list[_Row]:
    """The checked rows of a CSV or XLSX file of values for a chart of type `chart` (see
    `import_data`), or one ValidationError listing every problem by row and column. Shared
    with other data imports (a network's shared goals), so a file reads the same everywhere;
    `check_row(period, numerator, denominator)` adds the importer's own rules as
    {column: reason}, listed with the rest."""
    table = read_table(file_name=file_name, content=content,
                       sheet=mapping.sheet if mapping else "")
    checked = check_table(chart=chart, frequency=frequency, table=table, check_row=check_row,
                          mapping=mapping)
    if checked.problems:
        raise ImportProblems(checked.problems)
    if not checked.rows:
        raise ValidationError({"file": ["The file has a header row but no data rows."]})
    return checked.rows


def read_csv_table(content: bytes) -> list[list]:
    """The rows of an imported CSV file (UTF-8, bounded); shared with other data imports."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["The file is not UTF-8 text: save it as “CSV UTF-8” "
                                        "or as .xlsx."]}) from None
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
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


def _dialect(text: str):
    """The CSV dialect: the delimiter the header row uses most (a file with decimal commas
    is written with semicolons, and its data rows would mislead a sniffer), else sniffed."""
    header = next((line for line in text[:4096].splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in (";", "\t", ",")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter]:
        return type("Header", (csv.excel,), {"delimiter": delimiter})
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_xlsx_table(content: bytes, sheet: str = "") -> list[list]:
    # a header row and MAX_IMPORT_ROWS data rows
    return read_xlsx(content, max_rows=MAX_IMPORT_ROWS + 1, max_columns=MAX_IMPORT_COLUMNS,
                     sheet=sheet)


def header_and_body(table: list[list]) -> tuple[list, list[list], int]:
    """The header row (blank rows above it skipped), the rows under it and the spreadsheet
    number of the first of them."""
    skipped = 0
    while skipped < len(table) and all(_blank(c) for c in table[skipped]):
        skipped += 1
    if skipped == len(table):
        raise ValidationError({"file": ["The file has no header row and no data."]})
    return table[skipped], table[skipped + 1:], skipped + 2


def needed_columns(chart: str) -> list[str]:
    return ["period"] + ([] if chart == "t" else ["numerator"]) + (
        ["denominator"] if chart in NEEDS_DENOMINATOR else [])


def _columns_by_alias(header: list) -> dict[str, int]:
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
    if problems:
        raise ValidationError({"file": [_sentence(p) for p in problems]})
    return columns


def _columns_by_mapping(header: list, mapping: Mapping) -> dict[str, int]:
    keys = [reading.header_key(cell) for cell in header]
    columns: dict[str, int] = {}
    problems: list[str] = []
    for role in COLUMNS:
        name = reading.header_key(mapping.columns.get(role) or "")
        if not name:
            continue
        if name not in keys:
            problems.append(f"The header row has no column “{clip(mapping.columns[role])}” "
                            f"(chosen for the {role}).")
            continue
        columns[role] = keys.index(name)
    used = [index for index in columns.values()]
    if len(set(used)) < len(used):
        problems.append("One column is chosen for two roles: choose a column for each.")
    if problems:
        raise ValidationError({"file": problems})
    return columns


def check_table(*, chart: str, frequency: str, table: list[list],
                check_row: RowCheck | None = None,
                mapping: Mapping | None = None) -> Checked:
    """Read every row of `table` (a header row, then data) as points of a `chart` chart:
    the rows that pass and every problem by row and column. A problem with the header (a
    column missing or unknown) raises ValidationError on `file`."""
    header, body, first = header_and_body(table)
    chosen = mapping is not None and bool(mapping.columns)
    columns = _columns_by_mapping(header, mapping) if chosen else _columns_by_alias(header)
    missing = [name for name in needed_columns(chart) if name not in columns]
    if missing:
        raise ValidationError({"file": [
            (f"Choose the column that holds the {name}." if chosen
             else f"The header row has no “{name}” column.") for name in missing]})
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": [f"The file has more than {MAX_IMPORT_ROWS:,} rows; "
                                        "import it in parts."]})

    def cell(cells: list, name: str):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    # One number format per column (the ambiguity of "1,234" is settled for the whole
    # column, never row by row).
    number_format = mapping.number_format if mapping is not None else reading.AUTO
    formats = {name: number_format if number_format != reading.AUTO
               else reading.detect_number_format(cell(cells, name) for cells in body)
               for name in ("numerator", "denominator")}
    # A run or I chart plots the value as it is: "45%" there is 45. A P or U chart computes
    # its rate from the counts, so a percentage in its columns is refused.
    percent = chart in ("run", "i")

    rows: list[_Row] = []
    problems: list[Problem] = []
    first_row_of: dict[dt.date, int] = {}
    for offset, cells in enumerate(body):
        number = offset + first
        if all(_blank(c) for c in cells):
            continue
        row_errors: dict[str, str] = {}
        period = import_period(cell(cells, "period"), frequency, row_errors)
        numerator = import_number(cell(cells, "numerator"), "numerator", row_errors,
                                  number_format=formats["numerator"], percent=percent)
        denominator = import_number(cell(cells, "denominator"), "denominator", row_errors,
                                    number_format=formats["denominator"])
        excluded = _flag(cell(cells, "excluded"), row_errors)
        note = " ".join(str(cell(cells, "note") or "").split())
        if len(note) > 500:
            row_errors["note"] = "must be at most 500 characters"
        elif note.startswith(EXAMPLE_NOTE[:7]):
            row_errors["note"] = ("this is the template's example row: replace it with your "
                                  "data or delete it")
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
        problems += [Problem(number, name, row_errors[name]) for name in COLUMNS
                     if name in row_errors]
        if not row_errors:
            rows.append(_Row(number, period, numerator, denominator, excluded, note))
    return Checked(rows=rows, problems=problems, columns=columns, number_formats=formats)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def import_period(value, frequency: str, errors: dict) -> dt.date | None:
    """An imported cell as the first day of its period (import_mapping.parse_period: Jan-25,
    2025-01, 01/2025, Excel dates and serials, quarters, weeks …), or None with the reason
    in `errors`."""
    try:
        return reading.parse_period(value, frequency)
    except ValueError as exc:
        errors["period"] = str(exc)
        return None


def import_number(value, name: str, errors: dict, *, number_format: str = reading.DOT,
                  percent: bool = False) -> float | None:
    """An imported cell as a bounded number (None when blank), else the reason in `errors`.
    `number_format`: import_mapping.DOT (1,234.5) or COMMA (1.234,5)."""
    try:
        return reading.parse_number(value, number_format, percent=percent)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


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
