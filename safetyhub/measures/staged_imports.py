"""Importing a file in steps: upload (the file is staged, so nothing is lost on an error),
choose which column holds what and the number format while a preview shows the values as
they will be read and every problem by row and column, then import all rows or none. The
columns chosen are remembered per measure and pre-selected next time; a template per
measure gives the right headers for its chart.

Staged files are their uploader's alone, deleted by the import and, if it never comes, by
the daily job (`delete_stale_imports`) after a day."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core.models import User
from safetyhub.core.spreadsheets import xlsx_sheet_names

from . import import_mapping as reading
from .models import ImportMapping, Measure, StagedImport
from .services import (
    CHART_LABEL,
    COLUMNS,
    EXAMPLE_NOTE,
    MAX_IMPORT_BYTES,
    NEEDS_DENOMINATOR,
    NO_DENOMINATOR,
    Checked,
    ImportResult,
    Mapping,
    _refuse_if_computed,
    check_table,
    header_and_body,
    import_data,
    is_xlsx,
    needed_columns,
    read_table,
)

__all__ = ["Preview", "delete_stale_imports", "import_staged", "initial_mapping", "preview",
           "stage_import", "template_file"]

STALE_AFTER = dt.timedelta(days=1)
SAMPLE_ROWS = 8
PREVIEW_ROWS = 12


@transaction.atomic
def stage_import(*, measure: Measure, user: User, file_name: str,
                 content: bytes) -> StagedImport:
    """Keep an uploaded file for the mapping step, once it is known to be a readable table
    (an empty, oversized or unreadable file is refused here, naming the problem)."""
    _refuse_if_computed(measure, "file")
    read_table(file_name=file_name, content=content)
    return StagedImport.objects.create(
        organization_id=measure.organization_id, measure=measure, user=user,
        file_name=(file_name or "upload")[-255:], content=content)


@dataclass
class Preview:
    """What the mapping page shows: the file's first rows as they are, the columns chosen,
    and the rows as they will be read with every problem (or the file's own problem)."""

    sheets: list[str]
    header: list[str]
    sample: list[list]
    mapping: Mapping
    checked: Checked | None = None
    file_errors: list[str] = field(default_factory=list)  # the file cannot be read
    mapping_errors: list[str] = field(default_factory=list)  # a column to choose

    @property
    def ready(self) -> int:
        """How many points an import would write (0 while anything is wrong)."""
        if (self.file_errors or self.mapping_errors or self.checked is None
                or self.checked.problems):
            return 0
        return len(self.checked.rows)


def _sheets(staged: StagedImport) -> list[str]:
    if not is_xlsx(staged.file_name, bytes(staged.content)):
        return []
    return xlsx_sheet_names(bytes(staged.content))


def preview(*, staged: StagedImport, mapping: Mapping | None = None,
            sheet: str = "") -> Preview:
    """The staged file read with `mapping` (or, when None, its sheet `sheet` with the
    measure's remembered columns if the file has them, else columns guessed from the header
    names)."""
    content = bytes(staged.content)
    sheets = _sheets(staged)
    sheet = mapping.sheet if mapping else sheet
    sheet = sheet if sheet in sheets else ""
    try:
        table = read_table(file_name=staged.file_name, content=content, sheet=sheet)
        header, body, _first = header_and_body(table)
    except ValidationError as exc:
        return Preview(sheets=sheets, header=[], sample=[], file_errors=exc.messages,
                       mapping=mapping or Mapping(columns={}, sheet=sheet))
    names = [_text(cell) for cell in header]
    if mapping is None:
        mapping = initial_mapping(measure=staged.measure, header=names, sheet=sheet)
    result = Preview(sheets=sheets, header=names, mapping=mapping,
                     sample=[list(row) + [None] * (len(names) - len(row))
                             for row in body[:SAMPLE_ROWS]])
    measure = staged.measure
    if not mapping.columns:
        result.mapping_errors = [f"Choose the column that holds the {name}."
                                 for name in needed_columns(measure.chart)]
        return result
    try:
        result.checked = check_table(chart=measure.chart, frequency=measure.frequency,
                                     table=table, mapping=mapping)
    except ValidationError as exc:
        result.mapping_errors = exc.messages
    return result


def _text(cell) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def initial_mapping(*, measure: Measure, header: list[str], sheet: str = "") -> Mapping:
    """The measure's remembered columns when the header still has them all, else the columns
    guessed from the header names."""
    keys = [reading.header_key(name) for name in header]
    remembered = ImportMapping.objects.filter(measure=measure).first()
    if remembered is not None:
        columns = {role: getattr(remembered, role) for role in COLUMNS
                   if getattr(remembered, role)}
        if columns and all(reading.header_key(name) in keys for name in columns.values()):
            return Mapping(columns=columns, number_format=remembered.number_format,
                           sheet=sheet or remembered.sheet)
    guessed = reading.guess_columns(header)
    return Mapping(columns={role: header[index] for role, index in guessed.items()},
                   sheet=sheet)


@transaction.atomic
def import_staged(*, staged: StagedImport, mapping: Mapping, by: User) -> ImportResult:
    """Import the staged file with `mapping` (all rows or none, audited point by point),
    remember the mapping for the measure, and delete the staged file. On any problem nothing
    changes and the staged file is kept for another try."""
    result = import_data(measure=staged.measure, file_name=staged.file_name,
                         content=bytes(staged.content), by=by, mapping=mapping)
    remember_mapping(measure=staged.measure, mapping=mapping, by=by)
    staged.delete()
    return result


def remember_mapping(*, measure: Measure, mapping: Mapping, by: User | None) -> ImportMapping:
    values = {role: (mapping.columns.get(role) or "")[:200] for role in COLUMNS}
    remembered, _created = ImportMapping.objects.update_or_create(
        measure=measure, defaults={**values, "organization_id": measure.organization_id,
                                   "number_format": mapping.number_format,
                                   "sheet": mapping.sheet[:200], "updated_by": by})
    return remembered


def delete_stale_imports(*, today: dt.date) -> int:
    """Delete files staged more than a day ago and never imported (a daily job)."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(StagedImport.objects.filter(created_at__lt=cutoff))
    for staged in stale:  # one by one, so each deletion is in the audit trail
        staged.delete()
    return len(stale)


# --- the template ----------------------------------------------------------------------------


def template_columns(measure: Measure) -> list[str]:
    """The headers a file for this measure's chart uses."""
    columns = ["period"]
    if measure.chart != "t":
        columns.append("numerator")
    if measure.chart not in NO_DENOMINATOR:
        columns.append("denominator")
    return [*columns, "excluded", "note"]


def _example_rows(measure: Measure) -> list[dict]:
    """Two example rows of plausible values for the chart, marked as examples in their note
    (the import refuses them until they are replaced)."""
    if measure.frequency == "quarter":
        periods = ["2025-Q1", "2025-Q2"]
    elif measure.frequency == "week":
        periods = ["2025-W01", "2025-W02"]
    else:
        periods = ["2025-01-01", "2025-02-01"] if measure.frequency == "event" else [
            "2025-01", "2025-02"]
    if measure.chart in ("p", "pp"):
        values = [(42, 50), (45, 52)]
    elif measure.chart in NEEDS_DENOMINATOR:
        values = [(4, 1250), (3, 1180)]
    elif measure.chart == "t":
        values = [(None, None), (None, None)]
    else:
        values = [(4, None), (3, None)]
    return [{"period": period, "numerator": n, "denominator": d, "excluded": "no",
             "note": EXAMPLE_NOTE} for period, (n, d) in zip(periods, values, strict=True)]


def template_file(*, measure: Measure, kind: str) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the import template for the measure: `kind`
    "xlsx" or "csv"."""
    columns = template_columns(measure)
    rows = [[row.get(name) for name in columns] for row in _example_rows(measure)]
    stem = f"measure-{measure.pk}-import-template"
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        return f"{stem}.csv", "text/csv; charset=utf-8", out.getvalue().encode("utf-8-sig")
    if kind != "xlsx":
        raise ValidationError({"format": "Choose xlsx or csv."})
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    about = book.create_sheet("About")
    for line in _template_notes(measure, columns):
        about.append([line])
    out = io.BytesIO()
    book.save(out)
    return f"{stem}.xlsx", ("application/vnd.openxmlformats-officedocument."
                            "spreadsheetml.sheet"), out.getvalue()


def _template_notes(measure: Measure, columns: list[str]) -> list[str]:
    chart = CHART_LABEL.get(measure.chart, measure.chart)
    return [
        f"Import template for “{measure.name}” ({chart}, "
        f"{measure.get_frequency_display().lower()}), made by SafetyHub.",
        "Fill the Data sheet: one row per period, under the headers "
        f"{', '.join(columns)}.",
        "Rows 2 and 3 are examples (their note says so): replace them with your data or "
        "delete them; they are refused if imported unchanged.",
        "Periods: 2025-03-01, 2025-03, Mar-25, March 2025, 03/2025 or a date cell; 2025-Q1 "
        "for quarters, 2025-W03 for weeks.",
        "Numbers: 1,234.5 or 1.234,5 (choose the format when you import); excluded: yes or no.",
        f"Files up to {MAX_IMPORT_BYTES:,} bytes.",
    ]
