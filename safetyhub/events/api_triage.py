"""API for triage: read a report's triage, move it through the workflow (with a reason where
the step needs one; closing with the message to the reporter), assign, reclassify, link and
unlink duplicates, acknowledge a serious event, and list serious events awaiting
acknowledgement.

The organization is resolved with `api_organization` (404 for outsiders), then the report
with the access helpers (404 for missing, foreign and not-yours alike: an executive sees no
event's detail, a serious event only on the serious list), then the role (403: triage is for
event reviewers and patient-safety leads, acknowledging for executives and patient-safety
leads; so a reporter who may read their own report gets 403 trying to triage it). Bad input
is answered 422 naming the field; a stale `version` (someone changed the report since you
read it) is a 422 on `version`."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from safetyhub.core.access import require_permission
from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id
from safetyhub.core.models import Membership

from . import triage as services
from . import triage_queries as queries
from .access import access_event, access_serious_event
from .models import EventReport

router = Router(tags=["events"])

MEMBER = "events.report"  # any member: the row's access helper and the role decide
TRIAGE = "events.triage"
VIEW_SERIOUS = "events.view_serious"
ACKNOWLEDGE = "events.acknowledge_serious"

EventStatus = StrEnum("EventStatus", {c.name: c.value for c in EventReport.Status})


class ClassificationRead(Schema):
    event_type: str
    category: str
    harm_level: str
    medication_error_category: str


class StatusChangeRead(Schema):
    from_status: str
    to_status: str
    reason: str
    by: str | None
    at: dt.datetime


class ClockRead(Schema):
    due_at: dt.datetime
    business_seconds_left: float
    overdue: bool
    words: str


class TriageRead(Schema):
    id: int
    reference: str
    status: EventStatus
    version: int = Field(..., description="send it back with a change: a change made by "
                                          "someone else since is refused (422 on version)")
    assignee_id: int | None
    due_on: dt.date | None
    reported_as: ClassificationRead
    classified_as: ClassificationRead
    reclassified_at: dt.datetime | None
    duplicate_of: str | None = Field(None, description="reference of the primary report")
    duplicates: list[str]
    is_serious: bool
    serious_since: dt.datetime | None
    clock: ClockRead | None
    acknowledged_at: dt.datetime | None
    closing_message: str
    closed_at: dt.datetime | None
    history: list[StatusChangeRead]


class StatusChange(Schema):
    to: EventStatus
    reason: str = Field("", max_length=services.MAX_REASON)
    closing_message: str = Field("", max_length=services.MAX_CLOSING_MESSAGE,
                                 description="required to close")
    version: int | None = Field(None, ge=1)


class CloseIn(Schema):
    closing_message: str = Field(..., max_length=services.MAX_CLOSING_MESSAGE)
    reason: str = Field("", max_length=services.MAX_REASON)
    version: int | None = Field(None, ge=1)


class AssignIn(Schema):
    assignee_id: Id | None = None
    due_on: Day | None = None
    version: int | None = Field(None, ge=1)


class ReclassifyIn(Schema):
    event_type: str = Field(..., max_length=64)
    category: str = Field(..., max_length=64)
    harm_level: str = Field("", max_length=64)
    medication_error_category: str = Field("", max_length=64)
    reason: str = Field(..., max_length=services.MAX_REASON)
    version: int | None = Field(None, ge=1)


class DuplicateIn(Schema):
    duplicate_of_id: Id = Field(..., description="id of the report this one duplicates")
    version: int | None = Field(None, ge=1)


class VersionIn(Schema):
    version: int | None = Field(None, ge=1)


class SeriousRead(Schema):
    id: int
    reference: str
    category: str
    harm: str
    unit: str
    occurred_on: dt.date
    serious_since: dt.datetime
    due_at: dt.datetime
    clock: ClockRead | None
    acknowledged_at: dt.datetime | None


def _clock(clock) -> dict | None:
    if clock is None:
        return None
    return {"due_at": clock.due_at, "business_seconds_left": clock.seconds_left,
            "overdue": clock.overdue, "words": clock.words}


def _classification(c: queries.Classification) -> dict:
    return {"event_type": c.event_type, "category": c.category, "harm_level": c.harm_level,
            "medication_error_category": c.medication_error_category}


def _read(report: EventReport) -> dict:
    panel = queries.triage_panel(report)
    t = panel.triage
    return {
        "id": report.pk, "reference": report.reference, "status": report.status,
        "version": t.version, "assignee_id": t.assignee_id, "due_on": t.due_on,
        "reported_as": _classification(panel.reported),
        "classified_as": _classification(panel.classified),
        "reclassified_at": t.reclassified_at,
        "duplicate_of": panel.primary.reference if panel.primary else None,
        "duplicates": [d.reference for d in panel.duplicates],
        "is_serious": t.is_serious, "serious_since": t.serious_since,
        "clock": _clock(panel.clock) if t.acknowledged_at is None else None,
        "acknowledged_at": t.acknowledged_at,
        "closing_message": t.closing_message if report.status == EventReport.Status.CLOSED
        else "",
        "closed_at": t.closed_at,
        "history": [{"from_status": h.from_status, "to_status": h.to_status,
                     "reason": h.reason, "by": h.by.email if h.by else None, "at": h.at}
                    for h in panel.history],
    }


def _report(request: HttpRequest, slug: str, event_id: int) -> EventReport:
    """The report (404 unless the person may see it: rules.py), then the role (403): the
    reporter of a report may see it but not triage it."""
    org = api_organization(request, slug, MEMBER)
    report = access_event(user=request.user, organization=org, pk=event_id)
    require_permission(user=request.user, permission=TRIAGE, organization=org)
    return report


def _fresh(report: EventReport) -> EventReport:
    return EventReport.objects.select_related("organization", "taxonomy", "site").get(
        pk=report.pk)


@router.get("/orgs/{slug}/serious-events", response=list[SeriousRead])
def serious_list(request, slug: str):
    """Serious events no leader has acknowledged, the oldest first: minimal facts only."""
    org = api_organization(request, slug, VIEW_SERIOUS)
    return [{**row.__dict__, "id": row.pk, "clock": _clock(row.clock)}
            for row in queries.serious_awaiting(org)]


@router.get("/orgs/{slug}/events/{event_id}/triage", response=TriageRead)
def triage_detail(request, slug: str, event_id: Id):
    return _read(_report(request, slug, event_id))


@router.post("/orgs/{slug}/events/{event_id}/triage/status", response=TriageRead)
def triage_status(request, slug: str, event_id: Id, payload: StatusChange):
    report = _report(request, slug, event_id)
    services.change_status(report=report, by=request.user, to=payload.to.value,
                           reason=payload.reason, closing_message=payload.closing_message,
                           expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/triage/close", response=TriageRead)
def triage_close(request, slug: str, event_id: Id, payload: CloseIn):
    report = _report(request, slug, event_id)
    services.close_report(report=report, by=request.user,
                          closing_message=payload.closing_message, reason=payload.reason,
                          expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/triage/assign", response=TriageRead)
def triage_assign(request, slug: str, event_id: Id, payload: AssignIn):
    report = _report(request, slug, event_id)
    assignee = None
    if payload.assignee_id is not None:
        membership = (Membership.objects.filter(organization=report.organization,
                                                user_id=payload.assignee_id)
                      .select_related("user").first())
        if membership is None:
            raise ValidationError({"assignee_id": "No such member of this organization."})
        assignee = membership.user
    services.assign(report=report, by=request.user, assignee=assignee, due_on=payload.due_on,
                    expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/triage/reclassify", response=TriageRead)
def triage_reclassify(request, slug: str, event_id: Id, payload: ReclassifyIn):
    report = _report(request, slug, event_id)
    services.reclassify(report=report, by=request.user, event_type=payload.event_type,
                        category=payload.category, harm_level=payload.harm_level,
                        medication_error_category=payload.medication_error_category,
                        reason=payload.reason, expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/triage/duplicate", response=TriageRead)
def triage_duplicate(request, slug: str, event_id: Id, payload: DuplicateIn):
    report = _report(request, slug, event_id)
    primary = EventReport.objects.filter(organization=report.organization,
                                         pk=payload.duplicate_of_id).first()
    if primary is None:
        raise ValidationError({"duplicate_of_id": "No such report in this organization."})
    services.link_duplicate(report=report, primary=primary, by=request.user,
                            expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/triage/unlink-duplicate", response=TriageRead)
def triage_unlink(request, slug: str, event_id: Id, payload: VersionIn):
    report = _report(request, slug, event_id)
    services.unlink_duplicate(report=report, by=request.user, expected_version=payload.version)
    return _read(_fresh(report))


@router.post("/orgs/{slug}/events/{event_id}/acknowledge", response=SeriousRead)
def acknowledge(request, slug: str, event_id: Id):
    """A leader acknowledges a serious event (404 when the report is not a serious event of
    the organization; 422 when it is acknowledged already)."""
    org = api_organization(request, slug, MEMBER)
    report = access_serious_event(user=request.user, organization=org, pk=event_id)
    require_permission(user=request.user, permission=ACKNOWLEDGE, organization=org)
    services.acknowledge_serious(report=report, by=request.user)
    row = queries.serious_row(org, report.pk, now=timezone.now())
    return {**row.__dict__, "id": row.pk, "clock": _clock(row.clock)}


