"""Writes for patient days (the denominator of reporting rates and U charts) and the
aggregate settings. Plain functions with keyword-only arguments, one transaction each; bad
input raises ValidationError naming the field (or the file's row and column) and changes
nothing.

The import reads CSV or XLSX with the measures import's readers (improvement.measures):
a header row naming `unit`, `month` and `patient days` (aliases below), one row per unit and
month. Units are named as the organization names them (site names); every row is checked
first and one bad row imports nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from safetyhub.core.models import Organization, Site, User
from safetyhub.core.spreadsheets import clip
from safetyhub.measures import services as measure_io

from .models import AggregateSettings, PatientDays

__all__ = ["MAX_DAYS", "PatientDaysImport", "import_patient_days", "save_patient_days",
           "set_min_cell_size"]

# A unit of 1,000 beds full every day of a 31-day month: 31,000. Ten times that is a typo.
MAX_DAYS = 310_000
COLUMN_ALIASES = {
    "unit": "unit", "site": "unit", "ward": "unit", "department": "unit",
    "month": "month", "period": "month", "date": "month",
    "patient days": "days", "patient_days": "days", "days": "days",
}
COLUMNS = ("unit", "month", "days")


def _days_error(days) -> str | None:
    if isinstance(days, bool) or not isinstance(days, int | float):
        return "must be a whole number"
    if isinstance(days, float) and not days.is_integer():
        return "must be a whole number"
    if not 0 <= days <= MAX_DAYS:
        return f"must be from 0 to {MAX_DAYS:,}"
    return None


def _month_error(month) -> str | None:
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        return "must be a month, e.g. 2025-03"
    if month > dt.date.today().replace(day=1):
        return "cannot be a month still to come"
    if month < dt.date(2000, 1, 1):
        return "must be 2000 or later"
    return None


@transaction.atomic
def save_patient_days(*, organization: Organization, site: Site, month: dt.date, days: int,
                      by: User | None) -> tuple[PatientDays, bool]:
    """Record the patient days of a unit in a month (a new month, or a change). Returns
    (row, created)."""
    errors: dict[str, str] = {}
    if not isinstance(site, Site) or site.organization_id != organization.pk:
        errors["site"] = "No such unit in this organization."
    if problem := _month_error(month):
        errors["month"] = problem[:1].upper() + problem[1:] + "."
    if problem := _days_error(days):
        errors["days"] = problem[:1].upper() + problem[1:] + "."
    if errors:
        raise ValidationError(errors)
    month = month.replace(day=1)
    row = PatientDays.objects.select_for_update().filter(site=site, month=month).first()
    created = row is None
    if created:
        row = PatientDays(organization=organization, site=site, month=month)
    row.days, row.updated_by = int(days), by
    row.save()
    return row, created


@dataclass
class PatientDaysImport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        rows = self.added + self.updated + self.unchanged
        return (f"Imported {rows} row{'' if rows == 1 else 's'}: {self.added} added, "
                f"{self.updated} changed, {self.unchanged} unchanged.")


def _table(file_name: str, content: bytes) -> list[list]:
    if not content:
        raise ValidationError({"file": ["The file is empty."]})
    if len(content) > measure_io.MAX_IMPORT_BYTES:
        raise ValidationError({"file": [f"The file is larger than "
                                        f"{measure_io.MAX_IMPORT_BYTES:,} bytes; import it in "
                                        "parts."]})
    name = (file_name or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return measure_io.read_xlsx_table(content)
    return measure_io.read_csv_table(content)


def import_patient_days(*, organization: Organization, file_name: str, content: bytes,
                        by: User | None) -> PatientDaysImport:
    """Import patient days from CSV or XLSX (see the module's note)."""
    table = _table(file_name, content)
    while table and all(measure_io._blank(c) for c in table[0]):
        table = table[1:]
    if not table:
        raise ValidationError({"file": ["The file has no header row and no data."]})
    columns: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(table[0]):
        if measure_io._blank(cell):
            continue
        name = COLUMN_ALIASES.get(" ".join(str(cell).split()).lower())
        if name is None:
            problems.append(f"Column {measure_io._letter(index)} “{clip(cell)}” is not one of "
                            "unit, month, patient days.")
        elif name in columns:
            problems.append(f"Column {measure_io._letter(index)} “{clip(cell)}” repeats "
                            f"column {measure_io._letter(columns[name])}.")
        else:
            columns[name] = index
    for name, title in (("unit", "unit"), ("month", "month"), ("days", "patient days")):
        if name not in columns:
            problems.append(f"The header row has no “{title}” column.")
    if problems:
        raise ValidationError({"file": problems})
    sites: dict[str, Site] = {}
    for site in Site.objects.filter(organization=organization):
        sites.setdefault(" ".join(site.name.split()).lower(), site)
    errors: list[str] = []
    rows: dict[tuple[int, dt.date], tuple[int, Site, int]] = {}
    for offset, cells in enumerate(table[1:]):
        number = offset + 2
        if all(measure_io._blank(c) for c in cells):
            continue

        def cell(name: str, cells=cells):
            index = columns[name]
            return cells[index] if index < len(cells) else None

        before = len(errors)
        unit = " ".join(str(cell("unit") or "").split())
        site = sites.get(unit.lower())
        if site is None:
            errors.append(f"row {number}, column unit: “{clip(unit)}” is not a unit of this "
                          "organization" if unit else f"row {number}, column unit: is required")
        row_errors: dict[str, str] = {}
        month = measure_io.import_period(cell("month"), "month", row_errors)
        if "period" in row_errors:
            errors.append(f"row {number}, column month: {row_errors['period']}")
        elif problem := _month_error(month):
            errors.append(f"row {number}, column month: {problem}")
        days = measure_io.import_number(cell("days"), "days", row_errors)
        if "days" in row_errors:
            errors.append(f"row {number}, column patient days: {row_errors['days']}")
        elif days is None:
            errors.append(f"row {number}, column patient days: is required")
        elif problem := _days_error(days):
            errors.append(f"row {number}, column patient days: {problem}")
        if len(errors) > before:
            continue
        key = (site.pk, month.replace(day=1))
        if key in rows:
            errors.append(f"row {number}: {site.name} {month:%Y-%m} is also on row "
                          f"{rows[key][0]}")
            continue
        rows[key] = (number, site, int(days))
    if errors:
        listed = errors[:measure_io.MAX_LISTED_ERRORS]
        if len(errors) > len(listed):
            listed.append(f"… and {len(errors) - len(listed)} more problems.")
        raise ValidationError({"file": [
            f"Nothing was imported: {len(errors)} problem{'' if len(errors) == 1 else 's'} in "
            "the file. Correct them and import the file again.", *listed]})
    if not rows:
        raise ValidationError({"file": ["The file has a header row but no data rows."]})
    result = PatientDaysImport()
    with transaction.atomic():
        existing = {(p.site_id, p.month): p for p in PatientDays.objects.select_for_update()
                    .filter(organization=organization, site_id__in={k[0] for k in rows})}
        for key, (_number, site, days) in rows.items():
            row = existing.get(key)
            if row is None:
                PatientDays.objects.create(organization=organization, site=site, month=key[1],
                                           days=days, updated_by=by)
                result.added += 1
            elif row.days == days:
                result.unchanged += 1
            else:
                row.days, row.updated_by = days, by
                row.save()
                result.updated += 1
    return result


@transaction.atomic
def set_min_cell_size(*, organization: Organization, value: int) -> AggregateSettings:
    """Set the minimum cell size of the organization's stratified tables (1–1,000; 11 is
    the CMS cell-size rule)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValidationError({"min_cell_size": "A whole number from 1 to 1,000 (11 is the "
                                                "CMS cell-size rule)."})
    settings, _ = AggregateSettings.objects.select_for_update().get_or_create(
        organization=organization)
    settings.min_cell_size = value
    settings.save()
    return settings
