"""Monthly figures of an organization's reports, kept so that the event dashboard adds up a
few small rows instead of reading a million reports at every visit.

A month's figures (`Figures`) are the counts by (type, category, harm) and by unit, the
whole hours from report to first triage and to closing, and how many closed reports were
answered — everything the dashboard shows but the patient days. They are computed from the
reports by the same function whether they are kept or not:

* a complete month's figures are kept (MonthlyEventStats, one row per organization, month
  and kind of event), made the first time a page needs them;
* something that counts changing deletes its month's row — a report made, changed or
  removed in a past month, or its triage record saved (the signals below) — so the next
  visit makes it again from the reports;
* the month under way is never kept: it is counted at every visit (it changes with every
  report, and a report made now touches no kept row, so intake pays nothing for this);
* each unit's figures are kept beside those of every unit together (the dashboard's unit
  filter reads them the same way).

A write that bypasses the models (a bulk load, SQL by hand) must call `forget_months`, as
demo.bulk_reports does; the daily job makes every kept month again each night as a safety
net (and so the first visit of the day finds them ready).

Hours are counted whole (a report triaged after 2 h 40 min counts 2 h), so the medians are
exact to the hour; the dashboard shows days to one decimal (2.4 hours)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Func, IntegerField, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safetyhub.core.models import Organization, Site

from .models import EventReport, EventTriage, MonthlyEventStats

__all__ = ["Figures", "bounds", "figures_for", "forget_months", "median_hours",
           "months_between", "remake_kept_months"]

KEPT_MONTHS = 36  # the nightly job remakes this many complete months back


@dataclass
class Figures:
    """Counts of some months of one kind of event (or both), added up."""

    classes: Counter = field(default_factory=Counter)  # (type, category, harm) → n
    units: Counter = field(default_factory=Counter)  # (site id or None, month) → n
    triage_hours: Counter = field(default_factory=Counter)  # whole hours → n
    close_hours: Counter = field(default_factory=Counter)
    closed: int = 0
    answered: int = 0

    def add(self, other: Figures) -> None:
        self.classes.update(other.classes)
        self.units.update(other.units)
        self.triage_hours.update(other.triage_hours)
        self.close_hours.update(other.close_hours)
        self.closed += other.closed
        self.answered += other.answered


def _local_month(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from `start`'s to `end`'s, both included."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments the months first..last begin and end (in the site's time zone)."""
    tz = timezone.get_current_timezone()
    after = (last + dt.timedelta(days=32)).replace(day=1)
    return (dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine(after, dt.time.min, tzinfo=tz))


class WholeHours(Func):
    """The whole hours from `start` to `end` (two datetimes), rounded down."""

    output_field = IntegerField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=(
            "FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600)::integer"),
            arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (f"CAST(FLOOR((julianday({end[0]}) - julianday({start[0]})) * 24) "
               "AS INTEGER)")
        return sql, [*end[1], *start[1]]


def _as_month(value) -> dt.date:
    """TruncMonth's answer (a datetime in the current time zone) as the month's date."""
    return value.date() if isinstance(value, dt.datetime) else value


Key = tuple[dt.date, str, int]  # (month, kind, unit: a site's id, or EVERY_UNIT)
EVERY_UNIT = 0


def _count(*, organization_id: int, first: dt.date, last: dt.date) -> dict[Key, Figures]:
    """The figures of every month first..last, kind and unit — and of every unit together
    (unit EVERY_UNIT) — computed from the reports: four GROUP BYs (the classes and units
    over the index `event_org_occurred`; the whole hours to triage and to closing)."""
    start, end = bounds(first, last)
    rows = (EventReport.objects.filter(organization_id=organization_id,
                                       occurred_at__gte=start, occurred_at__lt=end)
            .order_by().annotate(month=TruncMonth("occurred_at")))
    out: dict[Key, Figures] = {}

    def targets(month: dt.date, kind: str, site_id: int | None) -> list[Figures]:
        units = (site_id, EVERY_UNIT) if site_id else (EVERY_UNIT,)
        return [out.setdefault((month, kind, unit), Figures()) for unit in units]

    for month, kind, site_id, event_type, category, harm, n in (
            rows.values_list("month", "kind", "site", "event_type", "category", "harm_level")
            .annotate(n=Count("*"))):
        month = _as_month(month)
        for figures in targets(month, kind, site_id):
            figures.classes[(event_type, category, harm)] += n
            figures.units[(site_id, month)] += n
    # Hours from report to triage and to closing, counted by the database per whole hour
    # (a few hundred groups a month, however many reports).
    for month, kind, site_id, hours, n in (
            rows.filter(triage__triaged_at__isnull=False)
            .annotate(hours=WholeHours("triage__triaged_at", "created_at"))
            .values_list("month", "kind", "site", "hours").annotate(n=Count("*"))):
        for figures in targets(_as_month(month), kind, site_id):
            figures.triage_hours[max(0, hours)] += n
    for month, kind, site_id, hours, answered, n in (
            rows.filter(triage__closed_at__isnull=False)
            .annotate(hours=WholeHours("triage__closed_at", "created_at"),
                      answered=~Q(triage__closing_message=""))
            .values_list("month", "kind", "site", "hours", "answered")
            .annotate(n=Count("*"))):
        for figures in targets(_as_month(month), kind, site_id):
            figures.close_hours[max(0, hours)] += n
            figures.closed += n
            figures.answered += n if answered else 0
    return out


def _to_json(figures: Figures) -> dict:
    return {"classes": [[*key, n] for key, n in figures.classes.items()],
            "units": [[site_id, n] for (site_id, _month), n in figures.units.items()],
            "triage_hours": [[h, n] for h, n in figures.triage_hours.items()],
            "close_hours": [[h, n] for h, n in figures.close_hours.items()],
            "closed": figures.closed, "answered": figures.answered}


def _from_json(data: dict, month: dt.date) -> Figures:
    return Figures(
        classes=Counter({(t, c, h): n for t, c, h, n in data["classes"]}),
        units=Counter({(site_id, month): n for site_id, n in data["units"]}),
        triage_hours=Counter({h: n for h, n in data["triage_hours"]}),
        close_hours=Counter({h: n for h, n in data["close_hours"]}),
        closed=data["closed"], answered=data["answered"])


def _runs(months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted months as runs of consecutive months: [(first, last), …]."""
    runs: list[list[dt.date]] = []
    for month in sorted(months):
        if runs and (runs[-1][1] + dt.timedelta(days=32)).replace(day=1) == month:
            runs[-1][1] = month
        else:
            runs.append([month, month])
    return [(first, last) for first, last in runs]


def _keep(organization_id: int, months: list[dt.date]) -> dict[Key, Figures]:
    """Count `months` (complete ones, not kept yet) and keep their figures: for every unit
    together a row for each kind even when there was no report (so an empty month is not
    counted again: a kept month is one with these rows), and a row for each unit and kind
    with reports. Two visits counting the same month at once keep one row each (the unique
    constraint; the other's rows are dropped)."""
    counted: dict[Key, Figures] = {}
    for first, last in _runs(months):
        counted.update(_count(organization_id=organization_id, first=first, last=last))
    for month in months:
        for kind in EventReport.Kind.values:
            counted.setdefault((month, kind, EVERY_UNIT), Figures())
    now = timezone.now()
    MonthlyEventStats.objects.bulk_create(
        [MonthlyEventStats(organization_id=organization_id, month=month, kind=kind, unit=unit,
                           built_at=now, figures=_to_json(figures))
         for (month, kind, unit), figures in counted.items()],
        ignore_conflicts=True)
    return counted


def figures_for(*, organization: Organization, first: dt.date, last: dt.date, kind: str = "",
                site: Site | None = None) -> Figures:
    """The figures of the months first..last (first days of months), of one kind of event
    or both, one unit or all: kept months read, missing ones counted and kept, the month
    under way counted."""
    this_month = timezone.localdate().replace(day=1)
    unit = site.pk if site is not None else EVERY_UNIT
    months = months_between(first, min(last, this_month - dt.timedelta(days=1)))
    found: dict[Key, Figures] = {}
    if months:
        kept = MonthlyEventStats.objects.filter(organization=organization, month__in=months)
        seen = set(kept.filter(unit=EVERY_UNIT).values_list("month", flat=True))
        for month, k, data in (kept.filter(unit=unit, month__in=seen)
                               .values_list("month", "kind", "figures")):
            found[(month, k, unit)] = _from_json(data, month)
        missing = [m for m in months if m not in seen]
        if missing:
            found.update(_keep(organization.pk, missing))
    if last >= this_month:
        found.update(_count(organization_id=organization.pk, first=this_month, last=last))
    total = Figures()
    kinds = {kind} if kind else set(EventReport.Kind.values)
    for (_month, k, u), figures in found.items():
        if k in kinds and u == unit:
            total.add(figures)
    return total


def median_hours(counts: Counter) -> float | None:
    """The median of whole hours counted {hours: n} (the mean of the two middle values
    when n is even)."""
    n = sum(counts.values())
    if not n:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    values, seen = [], 0
    for hours in sorted(counts):
        seen += counts[hours]
        while wanted and wanted[0] < seen:
            values.append(hours)
            wanted.pop(0)
    return sum(values) / len(values)


# --- keeping kept months right ---------------------------------------------------------------

def forget_months(organization_id: int, months: Iterable[dt.date]) -> None:
    """Drop the kept figures of `months` (their next reading counts them again)."""
    months = set(months)
    if months:
        MonthlyEventStats.objects.filter(organization_id=organization_id,
                                         month__in=months).delete()


def _past_month(moment: dt.datetime) -> dt.date | None:
    month = _local_month(moment)
    return month if month < timezone.localdate().replace(day=1) else None


def report_changed(sender, instance: EventReport, created: bool = False, **kwargs) -> None:
    """post_save/post_delete of a report: a past month's kept figures no longer hold. (The
    month under way is never kept: intake touches no row.) A report's occurrence time is
    never changed after it is made, so its month is the only one to forget."""
    if kwargs.get("raw"):
        return
    month = _past_month(instance.occurred_at)
    if month is not None:
        forget_months(instance.organization_id, [month])


def triage_changed(sender, instance: EventTriage, **kwargs) -> None:
    """post_save/post_delete of a triage record: its report's month's times and counts."""
    if kwargs.get("raw"):
        return
    occurred = (EventReport.objects.filter(pk=instance.report_id)
                .values_list("occurred_at", flat=True).first())
    month = _past_month(occurred) if occurred is not None else None
    if month is not None:
        forget_months(instance.organization_id, [month])


def remake_kept_months(*, today: dt.date | None = None) -> int:
    """The daily job: count again the last KEPT_MONTHS complete months of every organization
    with reports, replacing what was kept; returns how many months were counted."""
    today = today or timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    first = last
    for _ in range(KEPT_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    months = months_between(first, last)
    done = 0
    for organization_id in (EventReport.objects.order_by().values_list("organization_id",
                                                                       flat=True).distinct()):
        with transaction.atomic():
            MonthlyEventStats.objects.filter(organization_id=organization_id).delete()
            _keep(organization_id, months)
        done += len(months)
    return done
