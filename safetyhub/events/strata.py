"""Equity: patient safety reports stratified by one patient characteristic × harm level, with
small cells suppressed (suppression.py) under the organization's minimum cell size.

One GROUP BY per table. Race and ethnicity is a list (a person may belong to several OMB
categories): a person with one category counts in it, a person with several in "More than
one" (the OMB directive's multiracial reporting), so each report counts once and the totals
add up — which complementary suppression needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from safetyhub.core.models import Organization, Site

from .dashboard import reports_in
from .models import AggregateSettings, EventReport
from .suppression import DEFAULT_THRESHOLD, SuppressedTable, suppress
from .taxonomy import Taxonomy

__all__ = ["STRATA", "StratumTable", "min_cell_size", "stratum_table"]

NOT_RECORDED = "Not recorded"
SEVERAL = "several"

# key → (field, label, choices)
STRATA = {
    "age": ("patient_age_band", "Age band", EventReport.AgeBand.choices),
    "sex": ("patient_sex", "Sex", EventReport.Sex.choices),
    "race": ("patient_race_ethnicity", "Race and ethnicity",
             [*EventReport.RaceEthnicity.choices, (SEVERAL, "More than one")]),
    "language": ("patient_language", "Preferred language", EventReport.Language.choices),
    "interpreter": ("patient_interpreter_needed", "Interpreter needed",
                    EventReport.YesNo.choices),
    "disability": ("patient_disability", "Disability", EventReport.YesNo.choices),
}


def min_cell_size(organization: Organization) -> int:
    settings = AggregateSettings.objects.filter(organization=organization).first()
    return settings.min_cell_size if settings else DEFAULT_THRESHOLD


@dataclass
class StratumTable:
    stratum: str
    label: str
    rows: list[str]  # row labels (stratum values)
    columns: list[str]  # column labels (harm levels)
    table: SuppressedTable

    @property
    def body(self) -> list[tuple[str, tuple[int | None, ...], int | None]]:
        return list(zip(self.rows, self.table.cells, self.table.row_totals, strict=True))


def _value(field: str, raw) -> str:
    if field != "patient_race_ethnicity":
        return raw or ""
    values = [v for v in (raw or []) if v]
    if not values:
        return ""
    return values[0] if len(set(values)) == 1 else SEVERAL


def stratum_table(*, organization: Organization, stratum: str, first: dt.date, last: dt.date,
                  taxonomy: Taxonomy | None, site: Site | None = None,
                  threshold: int | None = None) -> StratumTable:
    """Patient safety reports of the months `first`..`last` by `stratum` × harm level,
    suppressed. Rows and columns follow the choices' order, "Not recorded" last; rows and
    columns with no report are left out."""
    field, label, choices = STRATA[stratum]
    reports = reports_in(organization=organization, first=first, last=last,
                         kind=EventReport.Kind.PATIENT_SAFETY, site=site)
    counts: dict[tuple[str, str], int] = {}
    for raw, harm, n in (reports.order_by().values_list(field, "harm_level")
                         .annotate(n=Count("*"))):
        key = (_value(field, raw), harm or "")
        counts[key] = counts.get(key, 0) + n
    harm_options = taxonomy.harm_levels(EventReport.Kind.PATIENT_SAFETY) if taxonomy else ()
    harm_order = [o.key for o in harm_options] + [""]
    harm_labels = {o.key: o.title for o in harm_options} | {"": NOT_RECORDED}
    present_harms = {h for _v, h in counts}
    columns = [h for h in harm_order if h in present_harms] + sorted(
        present_harms - set(harm_order))
    row_order = [v for v, _l in choices] + [""]
    row_labels = dict(choices) | {"": NOT_RECORDED}
    present_rows = {v for v, _h in counts}
    rows = [v for v in row_order if v in present_rows] + sorted(present_rows - set(row_order))
    cells = [[counts.get((r, c), 0) for c in columns] for r in rows]
    threshold = threshold if threshold is not None else min_cell_size(organization)
    return StratumTable(stratum=stratum, label=label,
                        rows=[row_labels.get(r, r) for r in rows],
                        columns=[harm_labels.get(c, c) for c in columns],
                        table=suppress(cells, threshold=threshold))
