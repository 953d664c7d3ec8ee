"""Improvement measures whose numerator is counted from event reports ("falls with harm on
4 West per month"): the point source registered with improvement.measure_sources, and the
services that make and change such a measure.

Counted when the chart is read, never stored: the chart is always the reports as they are
now — a new report, a reviewer's reclassification or a duplicate linked later shows at the
next reading, with no job to run and nothing to go stale. It costs one GROUP BY per chart
over the index (organization, occurred_at), cheap next to drawing the chart.

The periods run from the source's `since` to the latest complete period (a month still under
way would look like a drop). Every period is a point, 0 when nothing was reported. A chart
with a denominator (U, P, run or I with one) divides by the patient days of the unit (of all
units when no unit is chosen); a period without patient days is a missing point."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, Site, User
from safetyhub.improvement.models import Initiative
from safetyhub.measures import services as measure_services
from safetyhub.measures.models import DataPoint, Measure
from safetyhub.measures.sources import PointSource

from .models import EventCountSource, EventReport, PatientDays
from .taxonomy import KINDS, Taxonomy, active_taxonomy_pack, taxonomy_of

__all__ = ["SOURCE", "create_event_measure", "describe", "harm_levels_at_least",
           "points_of", "update_event_source"]

TRUNC = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}
DENOMINATOR = "Patient days"


def _taxonomy(organization_id: int) -> Taxonomy | None:
    organization = Organization(pk=organization_id)
    pack = active_taxonomy_pack(organization=organization)
    return taxonomy_of(pack) if pack else None


def harm_levels_at_least(taxonomy: Taxonomy, level: str) -> list[str]:
    """The harm levels at least as severe as `level`: the pack lists each scale from the
    most severe down, so `level` and those before it ("Unknown" is never among them)."""
    for kind in KINDS:
        keys = [o.key for o in taxonomy.harm_levels(kind)]
        if level in keys:
            return keys[:keys.index(level) + 1]
    return []


def _period_start(day: dt.date, frequency: str) -> dt.date:
    if frequency == "week":
        return day - dt.timedelta(days=day.weekday())
    if frequency == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(day=1)


def _next(period: dt.date, frequency: str) -> dt.date:
    if frequency == "week":
        return period + dt.timedelta(days=7)
    for _ in range(3 if frequency == "quarter" else 1):
        period = (period + dt.timedelta(days=32)).replace(day=1)
    return period


def _periods(since: dt.date, frequency: str, today: dt.date) -> list[dt.date]:
    """Every complete period from the one holding `since` to the last before today's."""
    current = _period_start(today, frequency)
    out, period = [], _period_start(since, frequency)
    while period < current:
        out.append(period)
        period = _next(period, frequency)
    return out


def points_of(source: EventCountSource, measure: Measure, *,
              today: dt.date | None = None) -> list[DataPoint]:
    """The measure's points, counted now (unsaved DataPoint objects, period order)."""
    frequency = measure.frequency if measure.frequency in TRUNC else "month"
    periods = _periods(source.since, frequency, today or timezone.localdate())
    if not periods:
        return []
    tz = timezone.get_current_timezone()
    end = _next(periods[-1], frequency)
    reports = EventReport.objects.filter(
        organization_id=source.organization_id,
        occurred_at__gte=dt.datetime.combine(periods[0], dt.time.min, tzinfo=tz),
        occurred_at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz))
    if source.kind:
        reports = reports.filter(kind=source.kind)
    if source.event_type:
        reports = reports.filter(event_type=source.event_type)
    if source.category:
        reports = reports.filter(category=source.category)
    if source.site_id:
        reports = reports.filter(site_id=source.site_id)
    if source.harm_at_least:
        taxonomy = _taxonomy(source.organization_id)
        levels = harm_levels_at_least(taxonomy, source.harm_at_least) if taxonomy else []
        reports = reports.filter(harm_level__in=levels or [source.harm_at_least])
    counts: dict[dt.date, int] = {}
    for period, n in (reports.order_by().annotate(period=TRUNC[frequency]("occurred_at"))
                      .values("period").annotate(n=Count("*")).values_list("period", "n")):
        day = period.date() if isinstance(period, dt.datetime) else period
        counts[day] = counts.get(day, 0) + n
    denominators: dict[dt.date, float] | None = None
    if measure.chart in measure_services.NEEDS_DENOMINATOR or measure.denominator:
        days = PatientDays.objects.filter(organization_id=source.organization_id,
                                          month__gte=periods[0], month__lt=end)
        if source.site_id:
            days = days.filter(site_id=source.site_id)
        denominators = {}
        for month, total in (days.order_by().values("month").annotate(s=Sum("days"))
                             .values_list("month", "s")):
            key = _period_start(month, frequency)
            denominators[key] = denominators.get(key, 0) + total
    points = []
    for period in periods:
        numerator: float | None = float(counts.get(period, 0))
        denominator = None
        if denominators is not None:
            denominator = denominators.get(period)
            if denominator is None:
                numerator = None  # no patient days: a missing point, not a zero rate
        points.append(DataPoint(measure=measure, organization_id=source.organization_id,
                                period=period, numerator=numerator, denominator=denominator,
                                note="" if numerator is not None else "no patient days"))
    return points


def describe(source: EventCountSource) -> str:
    """What is counted, in words: "event reports of category Fall, harm Moderate harm or
    worse, on 4 West, from Jan 2025"."""
    taxonomy = _taxonomy(source.organization_id)
    parts = ["event reports"]
    if source.kind:
        parts.append(f"({EventReport.Kind(source.kind).label.lower()}s)")
    if source.event_type:
        title = taxonomy.title_of("event-types", source.event_type) if taxonomy else \
            source.event_type
        parts.append(f"of type {title}")
    if source.category:
        kind = taxonomy.kind_of(source.category) if taxonomy else None
        title = taxonomy.category_title(kind, source.category) if taxonomy and kind else \
            source.category
        parts.append(f"of category {title}")
    if source.harm_at_least:
        title = source.harm_at_least
        if taxonomy:
            for kind in KINDS:
                if source.harm_at_least in taxonomy.keys(taxonomy.harm_section(kind)):
                    title = taxonomy.harm_title(kind, source.harm_at_least)
        parts.append(f"with harm {title} or worse")
    parts.append(f"on {source.site.name}" if source.site_id else "on every unit")
    parts.append(f"counted from {source.since:%b %Y}")
    return " ".join(parts)


def _edit_url(source: EventCountSource, organization) -> str:
    return reverse("events:event_measure_edit", args=[organization.slug, source.measure_id])


SOURCE = PointSource(related_name="event_source", points=lambda row, m: points_of(row, m),
                     describe=describe, edit_url=_edit_url)


# --- services ----------------------------------------------------------------------------


def _clean_filter(organization: Organization, *, kind: str, event_type: str, category: str,
                  harm_at_least: str, site: Site | None, since) -> dict:
    errors: dict[str, str] = {}
    pack = active_taxonomy_pack(organization=organization)
    taxonomy = taxonomy_of(pack) if pack else None
    kind, event_type, category, harm_at_least = (str(v or "").strip() for v in (
        kind, event_type, category, harm_at_least))
    if kind and kind not in EventReport.Kind.values:
        errors["kind"] = f"{kind!r} is not a kind of event (use one of " \
                         f"{', '.join(EventReport.Kind.values)})."
    if taxonomy is not None:
        if event_type and event_type not in taxonomy.keys("event-types"):
            errors["event_type"] = f"{event_type!r} is not an event type of the taxonomy."
        category_kind = taxonomy.kind_of(category) if category else None
        if category and category_kind is None:
            errors["category"] = f"{category!r} is not a category of the taxonomy."
        elif kind and category_kind and category_kind != kind:
            errors["category"] = "This category belongs to the other kind of event."
        if harm_at_least and not harm_levels_at_least(taxonomy, harm_at_least):
            errors["harm_at_least"] = f"{harm_at_least!r} is not a harm level of the " \
                                      "taxonomy (and “Unknown” cannot be a threshold)."
        elif harm_at_least and harm_at_least in ("unknown", "wf-unknown"):
            errors["harm_at_least"] = "“Unknown” cannot be a threshold."
    if site is not None and (not isinstance(site, Site) or site.organization_id
                             != organization.pk):
        errors["site"] = "No such site or unit in this organization."
    if not isinstance(since, dt.date) or isinstance(since, dt.datetime):
        errors["since"] = "Give the first period to count, a date such as 2025-01-01."
    elif since > timezone.localdate():
        errors["since"] = "The first period counted cannot be in the future."
    elif since < dt.date(2000, 1, 1):
        errors["since"] = "Count from 2000 or later."
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "event_type": event_type, "category": category,
            "harm_at_least": harm_at_least, "site": site, "since": since}


@transaction.atomic
def create_event_measure(*, organization: Organization, by: User | None, name: str,
                         direction: str = Measure.Direction.DECREASE, chart: str = "c",
                         frequency: str = Measure.Frequency.MONTH, kind: str = "",
                         event_type: str = "", category: str = "", harm_at_least: str = "",
                         site: Site | None = None, since: dt.date | None = None,
                         type: str = Measure.Type.OUTCOME, goal: float | None = None,
                         initiatives: Iterable[Initiative] | None = None) -> Measure:
    """A new measure of the improvement work whose numerator is counted from event reports
    (see the module's note). A chart with a denominator divides by patient days (× 1,000)."""
    errors: dict[str, str] = {}
    if frequency not in TRUNC:
        errors["frequency"] = "Counts from event reports are weekly, monthly or quarterly."
    if chart in measure_services.PROPORTION:
        errors["chart"] = ("A P chart needs a proportion; event counts go on a C chart (or a "
                           "U chart per 1,000 patient days).")
    try:
        values = _clean_filter(organization, kind=kind, event_type=event_type,
                               category=category, harm_at_least=harm_at_least, site=site,
                               since=since if since is not None else
                               (timezone.localdate() - dt.timedelta(days=730)).replace(day=1))
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        values = {}
    per_days = chart in measure_services.NEEDS_DENOMINATOR
    try:
        measure = measure_services.create_measure(
            organization=organization, by=by, name=name, type=type, direction=direction,
            chart=chart, frequency=frequency if frequency in TRUNC else "month",
            numerator="Event reports counted by SafetyHub (see “what is counted”).",
            denominator=DENOMINATOR if per_days else "",
            unit="per 1,000 patient days" if per_days else "reports",
            multiplier=1000 if per_days else 1, goal=goal, site=site,
            initiatives=initiatives)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items() if k not in errors})
    if errors:
        raise ValidationError(errors)
    source = EventCountSource.objects.create(measure=measure, organization=organization,
                                             **values)
    measure.numerator = describe(source)[:1].upper() + describe(source)[1:] + "."
    measure.save(update_fields=["numerator"])
    return measure


@transaction.atomic
def update_event_source(*, source: EventCountSource, kind: str, event_type: str,
                        category: str, harm_at_least: str, site: Site | None,
                        since: dt.date) -> EventCountSource:
    """Change what an event-count measure counts (its chart changes at once: nothing is
    stored). The measure's numerator text follows."""
    values = _clean_filter(source.measure.organization, kind=kind, event_type=event_type,
                           category=category, harm_at_least=harm_at_least, site=site,
                           since=since)
    for name, value in values.items():
        setattr(source, name, value)
    source.save()
    measure = source.measure
    text = describe(source)
    measure.numerator = text[:1].upper() + text[1:] + "."
    measure.save(update_fields=["numerator"])
    return source
