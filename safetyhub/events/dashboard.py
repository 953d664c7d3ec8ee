"""Reads for the event dashboard: reports by type, category, harm, unit and month; the
reporting rate per 1,000 patient days; the near-miss share; time to triage and to close and
the share of reports answered. Aggregates only — no report is loaded — so executives and
patient/family advisors may read it (rules: `events.view_aggregates`).

Fast over millions of reports: the figures of complete months are counted once and kept
(event_stats.py: made when first needed, forgotten when something they count changes), the
month under way and a single unit's figures are counted at each visit; patient days are one
more query. `bench/event_dashboard.py` measures it over 1,000,000 reports.

Counts are by the month the event *occurred* (in the site's time zone, settings.TIME_ZONE),
and by the report's current classification (a reviewer's reclassification counts)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils import timezone

from safetyhub.core.models import Organization, Site

from .event_stats import bounds, figures_for, median_hours, months_between
from .models import EventReport, PatientDays
from .taxonomy import KINDS, Taxonomy

__all__ = ["Dashboard", "Row", "dashboard", "month_range", "months_between", "reports_in"]

NEAR_MISS = "near-miss"


def month_range(months: int, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last `months` complete months before today's: (first month, last month)."""
    today = today or timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    first = last
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def reports_in(*, organization: Organization, first: dt.date, last: dt.date, kind: str = "",
               site: Site | None = None) -> QuerySet[EventReport]:
    """The organization's reports that occurred in the months `first`..`last`."""
    start, end = bounds(first, last)
    qs = EventReport.objects.filter(organization=organization, occurred_at__gte=start,
                                    occurred_at__lt=end)
    if kind:
        qs = qs.filter(kind=kind)
    if site is not None:
        qs = qs.filter(site=site)
    return qs


@dataclass
class Row:
    key: str
    label: str
    count: int
    share: float  # of all reports shown
    rate: float | None = None  # per 1,000 patient days, where patient days are known


@dataclass
class Dashboard:
    first: dt.date
    last: dt.date
    total: int
    by_type: list[Row]
    by_category: list[Row]
    by_harm: list[Row]
    by_unit: list[Row]
    by_month: list[Row]
    near_miss_share: float | None
    # events on units and months with patient days, per 1,000 of those patient days
    rate: float | None
    patient_days: int
    # medians in days (to the hour); None when nothing was triaged / closed
    days_to_triage: float | None = None
    days_to_close: float | None = None
    closed: int = 0
    answered: int = 0
    months: list[dt.date] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.closed if self.closed else None


def _rows(counts: Counter, labels: dict[str, str], total: int, *, order: list[str] | None = None,
          rates: dict | None = None) -> list[Row]:
    # most first; ties by key, so the same figures always read in the same order
    keys = order if order is not None else sorted(counts, key=lambda k: (-counts[k], str(k)))
    keys = [k for k in keys if counts.get(k)] + [k for k in counts if k not in keys]
    return [Row(key=str(k), label=labels.get(k, str(k) or "Not recorded"), count=counts[k],
                share=counts[k] / total if total else 0.0,
                rate=(rates or {}).get(k)) for k in keys]


def _labels(taxonomy: Taxonomy | None, kind: str) -> tuple[dict, dict, dict]:
    """Titles of event types, categories and harm levels (both kinds when `kind` is "")."""
    if taxonomy is None:
        return {}, {}, {}
    kinds = [kind] if kind else list(KINDS)
    types = {o.key: o.title for o in taxonomy.options("event-types")}
    categories, harms = {}, {}
    for k in kinds:
        categories.update({o.key: o.title for o in taxonomy.categories(k)})
        harms.update({o.key: o.title for o in taxonomy.harm_levels(k)})
    return types, categories, harms


def dashboard(*, organization: Organization, first: dt.date, last: dt.date,
              taxonomy: Taxonomy | None, kind: str = "", site: Site | None = None
              ) -> Dashboard:
    """The dashboard of the months `first`..`last` (first days of months), for one kind of
    event or both, one unit or all."""
    figures = figures_for(organization=organization, first=first, last=last, kind=kind,
                          site=site)
    by_type, by_category, by_harm = Counter(), Counter(), Counter()
    for (event_type, category, harm), n in figures.classes.items():
        by_type[event_type] += n
        by_category[category] += n
        by_harm[harm] += n
    by_unit_month = figures.units
    days_of: dict[tuple[int, dt.date], int] = {}
    pd = PatientDays.objects.filter(organization=organization, month__gte=first,
                                    month__lte=last)
    if site is not None:
        pd = pd.filter(site=site)
    for site_id, month, days in pd.values_list("site", "month", "days"):
        days_of[(site_id, month)] = days

    total = sum(by_type.values())
    by_unit, by_month = Counter(), Counter()
    for (site_id, month), n in by_unit_month.items():
        by_unit[site_id] += n
        by_month[month] += n
    # Rates count only the events of units and months whose patient days are known.
    unit_events, unit_days, month_events, month_days = (Counter(), Counter(), Counter(),
                                                        Counter())
    for (site_id, month), days in days_of.items():
        n = by_unit_month.get((site_id, month), 0)
        unit_events[site_id] += n
        unit_days[site_id] += days
        month_events[month] += n
        month_days[month] += days

    def rate(events: int, days: int) -> float | None:
        return 1000 * events / days if days else None

    unit_names = dict(Site.objects.filter(organization=organization,
                                          pk__in=[k for k in by_unit if k is not None])
                      .values_list("pk", "name"))
    unit_names[None] = "No unit given"
    types, categories, harms = _labels(taxonomy, kind)
    months = months_between(first, last)
    dash = Dashboard(
        first=first, last=last, total=total,
        by_type=_rows(by_type, types, total, order=list(types)),
        by_category=_rows(by_category, categories, total),
        by_harm=_rows(by_harm, harms, total, order=list(harms)),
        by_unit=_rows(by_unit, unit_names, total,
                      rates={k: rate(unit_events[k], unit_days[k]) for k in unit_days}),
        by_month=[Row(key=m.isoformat(), label=f"{m:%b %Y}", count=by_month.get(m, 0),
                      share=by_month.get(m, 0) / total if total else 0.0,
                      rate=rate(month_events[m], month_days[m]) if month_days[m] else None)
                  for m in months],
        near_miss_share=by_type.get(NEAR_MISS, 0) / total if total else None,
        rate=rate(sum(unit_events.values()), sum(unit_days.values())),
        patient_days=sum(unit_days.values()),
        months=months,
        days_to_triage=_days(median_hours(figures.triage_hours)),
        days_to_close=_days(median_hours(figures.close_hours)),
        closed=figures.closed,
        answered=figures.answered,
    )
    return dash


def _days(hours: float | None) -> float | None:
    return hours / 24 if hours is not None else None


def patient_days_total(*, organization: Organization) -> int:
    return PatientDays.objects.filter(organization=organization).aggregate(
        s=Sum("days"))["s"] or 0
