"""Reads for triage: the triage panel of one report, the serious-events page, the feedback a
reporter reads, the counts leaders see, and the board pack's figures. Plain data that the
pages and the API render alike; each read costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from safetyhub.core.models import Membership, Organization, User

from . import business_days
from .models import EventReport
from .models_triage import EventStatusChange, EventTriage
from .taxonomy import MEDICATION_SCALE, taxonomy_of
from .triage import SERIOUS_DAYS, TRIAGE_ROLES, Step, allowed_steps, serious_clock

S = EventReport.Status


# --- one report's triage panel ------------------------------------------------------------

@dataclass(frozen=True)
class Classification:
    event_type: str
    category: str
    harm_level: str
    medication_error_category: str
    event_type_title: str
    category_title: str
    harm_title: str


def _classification(report: EventReport, *, event_type: str, category: str, harm_level: str,
                    medication_error_category: str) -> Classification:
    taxonomy = taxonomy_of(report.taxonomy)
    return Classification(
        event_type=event_type, category=category, harm_level=harm_level,
        medication_error_category=medication_error_category,
        event_type_title=taxonomy.title_of("event-types", event_type),
        category_title=taxonomy.category_title(report.kind, category),
        harm_title=(taxonomy.harm_title(report.kind, harm_level) if harm_level
                    else "Not stated"))


def reported_as(report: EventReport, triage: EventTriage) -> Classification:
    """What the reporter answered: copied into the triage row when it was made, before any
    reviewer could change the report."""
    return _classification(report, event_type=triage.original_event_type,
                           category=triage.original_category,
                           harm_level=triage.original_harm_level,
                           medication_error_category=triage.original_medication_error_category)


def classified_as(report: EventReport) -> Classification:
    return _classification(report, event_type=report.event_type, category=report.category,
                           harm_level=report.harm_level,
                           medication_error_category=report.medication_error_category)


def reviewers_of(organization: Organization) -> list[User]:
    """Who a report may be assigned to."""
    return [m.user for m in Membership.objects.filter(
        organization=organization, role__in=TRIAGE_ROLES, is_active=True,
        user__is_active=True).select_related("user").order_by("user__email")]


@dataclass
class Panel:
    report: EventReport
    triage: EventTriage
    steps: list[tuple[str, str, Step]]  # (to, to's label, step)
    reported: Classification
    classified: Classification
    primary: EventReport | None
    duplicates: list[EventReport]
    history: list[EventStatusChange]
    clock: business_days.Clock | None
    options: dict[str, list[tuple[str, str]]]


def unsaved_triage(report: EventReport) -> EventTriage:
    """What the report's triage row will hold when first made (version 1, the reporter's
    answers as the originals), so reading a report never writes."""
    return EventTriage(organization_id=report.organization_id, report=report,
                       original_event_type=report.event_type,
                       original_category=report.category,
                       original_harm_level=report.harm_level,
                       original_medication_error_category=report.medication_error_category)


def triage_panel(report: EventReport, *, now: dt.datetime | None = None) -> Panel:
    triage = EventTriage.objects.filter(report=report).select_related(
        "assignee", "acknowledged_by", "reclassified_by").first() or unsaved_triage(report)
    taxonomy = taxonomy_of(report.taxonomy)
    primary = (EventReport.objects.filter(pk=triage.duplicate_of_id).first()
               if triage.duplicate_of_id else None)
    duplicates = (list(EventReport.objects.filter(triage__duplicate_of=report)
                       .order_by("created_at", "pk")) if triage.pk else [])
    history = list(EventStatusChange.objects.filter(report=report).select_related("by"))
    steps = [(to, S(to).label, step) for to, step in allowed_steps(report.status).items()]
    options = {
        "event_type": [(o.key, o.title) for o in taxonomy.options("event-types")],
        "category": [(o.key, o.title) for o in taxonomy.categories(report.kind)],
        "harm_level": [(o.key, o.title) for o in taxonomy.harm_levels(report.kind)],
        "medication_error_category": [(o.key, f"{o.key}: {o.summary}" if o.summary else o.title)
                                      for o in taxonomy.options(MEDICATION_SCALE)],
    }
    return Panel(report=report, triage=triage, steps=steps,
                 reported=reported_as(report, triage), classified=classified_as(report),
                 primary=primary, duplicates=duplicates, history=history,
                 clock=serious_clock(triage, now=now) if triage.is_serious else None,
                 options=options)


# --- serious events: the executive view -----------------------------------------------------

@dataclass(frozen=True)
class SeriousRow:
    """The minimal facts a leader needs to acknowledge a serious event: no narrative and no
    reporter."""

    pk: int
    reference: str
    category: str
    harm: str
    unit: str
    occurred_on: dt.date
    serious_since: dt.datetime
    due_at: dt.datetime
    clock: business_days.Clock | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str
    within_time: bool | None  # acknowledged within the 3 business days (None: not yet)


def _serious_rows(triages, now: dt.datetime) -> list[SeriousRow]:
    rows = []
    for triage in triages:
        report = triage.report
        taxonomy = taxonomy_of(report.taxonomy)
        clock = serious_clock(triage, now=now) if triage.acknowledged_at is None else None
        due = triage.serious_due_at or business_days.add_business_days(
            timezone.localtime(triage.serious_since), SERIOUS_DAYS)
        rows.append(SeriousRow(
            pk=report.pk, reference=report.reference,
            category=taxonomy.category_title(report.kind, report.category),
            harm=(taxonomy.harm_title(report.kind, report.harm_level) if report.harm_level
                  else "Not stated"),
            unit=report.site.name if report.site else "Not stated",
            occurred_on=timezone.localtime(report.occurred_at).date(),
            serious_since=triage.serious_since, due_at=due, clock=clock,
            acknowledged_at=triage.acknowledged_at,
            acknowledged_by=str(triage.acknowledged_by) if triage.acknowledged_by else "",
            within_time=(None if triage.acknowledged_at is None
                         else triage.acknowledged_at <= due)))
    return rows


def _serious(organization: Organization):
    return (EventTriage.objects.filter(organization=organization, is_serious=True)
            .select_related("report", "report__taxonomy", "report__site", "acknowledged_by"))


def serious_awaiting(organization: Organization, *, now: dt.datetime | None = None
                     ) -> list[SeriousRow]:
    """Serious events no leader has acknowledged yet, the most urgent first."""
    triages = _serious(organization).filter(acknowledged_at=None).order_by("serious_since",
                                                                           "pk")
    return _serious_rows(triages, now or timezone.now())


def serious_acknowledged(organization: Organization, *, since: dt.datetime,
                         now: dt.datetime | None = None) -> list[SeriousRow]:
    triages = (_serious(organization).filter(acknowledged_at__gte=since)
               .order_by("-acknowledged_at", "-pk"))
    return _serious_rows(triages, now or timezone.now())


def serious_row(organization: Organization, pk: int, *, now: dt.datetime | None = None
                ) -> SeriousRow | None:
    rows = _serious_rows(_serious(organization).filter(report_id=pk), now or timezone.now())
    return rows[0] if rows else None


def status_counts(organization: Organization) -> list[tuple[str, int]]:
    """How many reports stand at each status: one GROUP BY, every status listed."""
    counts = dict(EventReport.objects.filter(organization=organization)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    return [(label, counts.get(value, 0)) for value, label in S.choices]


# --- feedback to reporters ----------------------------------------------------------------

@dataclass(frozen=True)
class FollowUp:
    """What a reporter (named, or holding the follow-up code) reads about their report."""

    reference: str
    status: str
    status_label: str
    closing_message: str  # empty until the report is closed
    closed_at: dt.datetime | None


def status_for_follow_up(report: EventReport) -> FollowUp:
    """The status and, once closed, the closing message (the one read the public follow-up
    page and "My reports" need; nothing else of triage shows to the reporter)."""
    if hasattr(report, "_prefetched_triage"):  # follow_ups read it (None: no triage yet)
        triage = report._prefetched_triage
    else:
        triage = EventTriage.objects.filter(report=report).first()
    closed = report.status == S.CLOSED and triage is not None
    return FollowUp(reference=report.reference, status=report.status,
                    status_label=report.get_status_display(),
                    closing_message=triage.closing_message if closed else "",
                    closed_at=triage.closed_at if closed else None)


def follow_ups(reports: list[EventReport]) -> dict[int, FollowUp]:
    """{report id: FollowUp} for a page of reports: no query when the reports were read with
    `select_related("triage")`, else one."""
    if all("triage" in report._state.fields_cache for report in reports):
        triages = {r.pk: r._state.fields_cache["triage"] for r in reports}
    else:
        triages = {t.report_id: t for t in EventTriage.objects.filter(
            report_id__in=[r.pk for r in reports])}
    result = {}
    for report in reports:
        report._prefetched_triage = triages.get(report.pk)
        result[report.pk] = status_for_follow_up(report)
    return result


# --- the board pack -----------------------------------------------------------------------

def board_figures(organization: Organization, *, start: dt.date, end: dt.date) -> dict:
    """Reports made and closed in the period, and serious events flagged in it with how many
    a leader acknowledged within 3 business days."""
    reports = EventReport.objects.filter(organization=organization,
                                         created_at__date__gte=start,
                                         created_at__date__lte=end)
    made = reports.aggregate(
        total=Count("pk"),
        near_misses=Count("pk", filter=Q(event_type="near-miss")),
        workforce=Count("pk", filter=Q(kind=EventReport.Kind.WORKFORCE)))
    closed = EventTriage.objects.filter(organization=organization,
                                        closed_at__date__gte=start,
                                        closed_at__date__lte=end).count()
    serious = list(EventTriage.objects.filter(
        organization=organization, serious_since__date__gte=start,
        serious_since__date__lte=end).values_list("acknowledged_at", "serious_due_at"))
    on_time = sum(1 for ack, due in serious if ack is not None and due and ack <= due)
    waiting = sum(1 for ack, _due in serious if ack is None)
    return {"reports": made["total"], "near_misses": made["near_misses"],
            "workforce": made["workforce"], "closed": closed, "serious": len(serious),
            "serious_on_time": on_time, "serious_waiting": waiting}
