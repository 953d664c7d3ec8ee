"""Aggregate review: reviewers gather similar low-harm events and near misses (one category;
optionally one unit and some contributing factors; a date range) into one review of kind
aggregate, and read their counts and the SPC chart of those events by month.

Only events that did little or no harm are gathered: near misses, unsafe conditions, and
incidents with no harm or mild harm (or none recorded yet). An event that did more harm
gets a review of its own (its SAC score decides which). The chart is a C chart of the
gathered events per month, drawn by the SPC engine (safetyhub.spc.qic) and the improvement
chart (spc_chart.spc_svg) — no chart code of its own."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString

from safetyhub import spc
from safetyhub.core import audit
from safetyhub.core.inputs import check_date
from safetyhub.core.models import Organization, Site, User
from safetyhub.events.dashboard import months_between
from safetyhub.events.models import EventReport
from safetyhub.events.taxonomy import Taxonomy, active_taxonomy_pack, taxonomy_of
from safetyhub.measures.chart import spc_svg

from .models import Review
from .models_actions import AggregateScope
from .services import refusals_audited

__all__ = ["LOW_HARM", "AggregateSummary", "candidate_events", "gather_aggregate_review",
           "summary"]

LOW_HARM = ("", "none", "mild")
NOT_REACHED = ("near-miss", "unsafe-condition")
LOW_HARM_OR_NOT_REACHED = Q(event_type__in=NOT_REACHED) | Q(harm_level__in=LOW_HARM)
MAX_TITLE = 200
MAX_DAYS = 5 * 366  # a longer window mixes too many changes of practice to read as one


def taxonomy_for(organization: Organization) -> Taxonomy | None:
    pack = active_taxonomy_pack(organization=organization)
    return taxonomy_of(pack) if pack else None


def _bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(first_day, dt.time.min, tzinfo=tz),
            dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def candidate_events(*, organization: Organization, category: str, first_day: dt.date,
                     last_day: dt.date, site: Site | None = None,
                     contributing_factors: list[str] | tuple[str, ...] = ()) -> list[int]:
    """Ids of the organization's low-harm events and near misses of `category` that
    occurred from `first_day` to `last_day` (on `site`, and naming any of
    `contributing_factors`, when given), oldest first. Linked duplicates are left out: the
    primary report counts once."""
    start, end = _bounds(first_day, last_day)
    reports = (EventReport.objects.filter(
        organization=organization, kind=EventReport.Kind.PATIENT_SAFETY, category=category,
        occurred_at__gte=start, occurred_at__lt=end, triage__duplicate_of__isnull=True)
        .filter(LOW_HARM_OR_NOT_REACHED))
    if site is not None:
        reports = reports.filter(site=site)
    rows = reports.order_by("occurred_at", "pk").values_list("pk", "contributing_factors")
    wanted = set(contributing_factors)
    # JSON containment is not portable (SQLite lacks it): the factors are matched here.
    return [pk for pk, factors in rows if not wanted or wanted & set(factors or ())]


def _check(organization: Organization, values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    values["title"] = " ".join((values["title"] or "").split())
    if not values["title"]:
        errors["title"] = "Give the review a title, e.g. “Near misses with insulin, 2026”."
    elif len(values["title"]) > MAX_TITLE:
        errors["title"] = f"At most {MAX_TITLE} characters."
    taxonomy = taxonomy_for(organization)
    categories = {o.key for o in taxonomy.categories(EventReport.Kind.PATIENT_SAFETY)} \
        if taxonomy else set()
    if not values["category"]:
        errors["category"] = "Choose the category of the events to gather."
    elif categories and values["category"] not in categories:
        errors["category"] = f"{values['category']!r} is not a category of patient safety events."
    factors = list(dict.fromkeys(values["contributing_factors"] or ()))
    known = taxonomy.keys("contributing-factors") if taxonomy else frozenset()
    unknown = [f for f in factors if known and f not in known]
    if unknown:
        errors["contributing_factors"] = f"Not contributing factors: {', '.join(unknown)}."
    values["contributing_factors"] = factors
    site = values["site"]
    if site is not None and site.organization_id != organization.pk:
        errors["site"] = "No such site or unit in this organization."
    first_day, last_day = values["first_day"], values["last_day"]
    for name in ("first_day", "last_day"):
        if values[name] is None:
            errors[name] = "Give a date."
        elif problem := check_date(values[name]):
            errors[name] = problem
    if "first_day" not in errors and "last_day" not in errors:
        if last_day < first_day:
            errors["last_day"] = (f"The last day ({last_day:%d %b %Y}) is before the first "
                                  f"({first_day:%d %b %Y}).")
        elif (last_day - first_day).days > MAX_DAYS:
            errors["last_day"] = "Gather at most five years of events into one review."
        elif first_day > timezone.localdate():
            errors["first_day"] = "The first day is in the future: no events yet."
    return errors


@refusals_audited
@transaction.atomic
def gather_aggregate_review(*, organization: Organization, by: User, title: str,
                            category: str, first_day: dt.date | None,
                            last_day: dt.date | None, site: Site | None = None,
                            contributing_factors: list[str] | tuple[str, ...] = ()) -> Review:
    """Gather the matching events (candidate_events) into a new aggregate review."""
    values = {"title": title, "category": category, "first_day": first_day,
              "last_day": last_day, "site": site, "contributing_factors": contributing_factors}
    errors = _check(organization, values)
    if errors:
        raise ValidationError(errors)
    ids = candidate_events(organization=organization, category=values["category"],
                           first_day=values["first_day"], last_day=values["last_day"],
                           site=values["site"],
                           contributing_factors=values["contributing_factors"])
    if not ids:
        raise ValidationError({"category": (
            "No low-harm events or near misses match: widen the dates, or choose another "
            "unit or fewer contributing factors.")})
    with audit.acting_as(by):
        review = Review.objects.create(organization=organization, kind=Review.Kind.AGGREGATE,
                                       title=values["title"], created_by=by)
        review.events.set(ids)
        AggregateScope.objects.create(
            organization=organization, review=review, category=values["category"],
            site=values["site"], contributing_factors=values["contributing_factors"],
            first_day=values["first_day"], last_day=values["last_day"])
    return review


# --- what the review shows -------------------------------------------------------------------


@dataclass
class Tally:
    key: str
    label: str
    count: int


@dataclass
class AggregateSummary:
    total: int
    by_type: list[Tally]
    by_harm: list[Tally]
    by_unit: list[Tally]
    by_factor: list[Tally]
    months: list[dt.date]
    per_month: list[int]
    svg: SafeString | None = None
    explanations: list[str] = field(default_factory=list)
    chart_error: str = ""

    @property
    def reached(self) -> int:
        return sum(c.count for c in self.by_type if c.key not in NOT_REACHED)


def _counts(counter: Counter, labels: dict) -> list[Tally]:
    return [Tally(key=str(k), label=labels.get(k) or str(k) or "Not recorded", count=n)
            for k, n in counter.most_common()]


def summary(review: Review, *, chart: bool = True) -> AggregateSummary:
    """Counts of the review's events (by type, harm, unit, contributing factor) and the C
    chart of them per month over the gathered range (or the events' own range): its
    signals in words always, its SVG when `chart`."""
    rows = list(review.events.order_by().values_list(
        "event_type", "harm_level", "site__name", "contributing_factors", "occurred_at"))
    scope = AggregateScope.objects.filter(review=review).first()
    taxonomy = taxonomy_for(review.organization)
    types = {o.key: o.title for o in taxonomy.options("event-types")} if taxonomy else {}
    harms = {o.key: o.title for o in taxonomy.harm_levels(EventReport.Kind.PATIENT_SAFETY)} \
        if taxonomy else {}
    factors = {o.key: o.title for o in taxonomy.options("contributing-factors")} \
        if taxonomy else {}
    by_type, by_harm, by_unit, by_factor, by_month = (Counter(), Counter(), Counter(),
                                                      Counter(), Counter())
    days = []
    for event_type, harm, unit, factor_keys, occurred_at in rows:
        by_type[event_type] += 1
        by_harm[harm] += 1
        by_unit[unit or "No unit given"] += 1
        for key in factor_keys or ():
            by_factor[key] += 1
        day = timezone.localtime(occurred_at).date()
        days.append(day)
        by_month[day.replace(day=1)] += 1
    if scope is not None:
        first, last = scope.first_day, min(scope.last_day, timezone.localdate())
    elif days:
        first, last = min(days), max(days)
    else:
        first = last = timezone.localdate()
    months = months_between(first, last)
    result = AggregateSummary(
        total=len(rows), by_type=_counts(by_type, types), by_harm=_counts(by_harm, harms),
        by_unit=_counts(by_unit, {}), by_factor=_counts(by_factor, factors), months=months,
        per_month=[by_month.get(m, 0) for m in months])
    if rows:
        labels = [f"{m:%b %Y}" for m in months]
        try:
            points = spc.qic(labels, [float(n) for n in result.per_month], chart="c")
        except spc.SPCInputError as exc:
            result.chart_error = str(exc)
        else:
            result.explanations = spc.explain(points)
            if chart:
                result.svg = spc_svg(title=f"{review.title}: events per month", chart="c",
                                     labels=labels, points=points,
                                     explanations=result.explanations, unit="events")
    return result
