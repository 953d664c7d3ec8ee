"""API for safety event reports: report one (idempotent with a client key), read one, list
them (reviewers).

The same rules as the pages: any member reports; a report is read by the event reviewers,
the patient-safety leads and its named reporter, and is as missing as a report that does not
exist for anyone else (404); the list is the reviewers'. Every read of a report is audited.
A replay with a client key that already made a report answers 200 with that report (201 for
a new one), never a second row. Bad input is answered 422 naming the field
(`answers.<question>` for a category's question)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status
from ninja.pagination import paginate

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Id, Line, Pagination, Text

from . import queries, services
from .access import access_event
from .anonymity import leave_no_trace
from .models import EventReport
from .taxonomy import taxonomy_of

router = Router(tags=["events"])

REPORT = "events.report"
REVIEW = "events.review"


class TaxonomyRef(Schema):
    pack_id: str
    version: str


class EventSummary(Schema):
    """A report in a list: what it is about, never what was written (reading that is opening
    the report, which is audited)."""

    id: int
    reference: str
    kind: str
    event_type: str
    category: str
    category_title: str
    harm_level: str
    occurred_at: dt.datetime
    site_id: int | None
    is_anonymous: bool
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_category_title(report: EventReport) -> str:
        return taxonomy_of(report.taxonomy).category_title(report.kind, report.category)


class EventRead(Schema):
    id: int
    reference: str = Field(..., description="what the reporter and the reviewers quote")
    kind: str = Field(..., description="patient_safety or workforce")
    event_type: str
    category: str
    category_title: str
    harm_level: str
    medication_error_category: str = Field(..., description="NCC MERP A-I, or empty")
    taxonomy: TaxonomyRef = Field(..., description="the taxonomy pack version of the keys")
    occurred_at: dt.datetime
    site_id: int | None
    narrative: str
    immediate_actions: str
    people_involved: list[str]
    contributing_factors: list[str]
    answers: dict[str, Any]
    channel: str
    reported_by: str
    is_anonymous: bool
    reporter_id: int | None = Field(..., description="null for an anonymous report")
    status: str
    identifier_flags: list[str] = Field(
        ..., description="kinds of identifier the narrative seems to hold (for reviewers)")
    patient_age_band: str
    patient_sex: str
    patient_race_ethnicity: list[str]
    patient_language: str
    patient_interpreter_needed: str
    patient_disability: str
    created_at: dt.datetime

    @staticmethod
    def resolve_taxonomy(report: EventReport) -> dict:
        return {"pack_id": report.taxonomy.pack_id, "version": report.taxonomy.version}

    @staticmethod
    def resolve_category_title(report: EventReport) -> str:
        return taxonomy_of(report.taxonomy).category_title(report.kind, report.category)


class EventCreated(EventRead):
    follow_up_code: str | None = Field(
        None, description="anonymous reports only: shown in this answer and never again "
                          "(a replay issues a new one and the earlier one stops working)")


class EventCreate(Schema):
    kind: str = Field("patient_safety", description="patient_safety or workforce")
    event_type: str = Field(..., max_length=64, examples=["incident"])
    category: str = Field(..., max_length=64, examples=["fall"])
    occurred_at: dt.datetime
    site_id: Id | None = None
    narrative: Text = Field(..., max_length=services.MAX_NARRATIVE)
    harm_level: str = Field("", max_length=64, description="required for an incident")
    people_involved: list[Line] = Field(default_factory=list, max_length=services.MAX_LIST)
    immediate_actions: Text = Field("", max_length=services.MAX_ACTIONS)
    contributing_factors: list[Line] = Field(default_factory=list,
                                             max_length=services.MAX_LIST)
    answers: dict[str, Line | list[Line] | bool] = Field(
        default_factory=dict, description="the category's questions, by id")
    anonymous: bool = False
    reported_by: str = Field("", description="workforce events: injured_person, manager or "
                                             "colleague")
    client_key: Line = Field("", max_length=services.MAX_CLIENT_KEY,
                             description="idempotency key (or the Idempotency-Key header)")
    patient_age_band: str = ""
    patient_sex: str = ""
    patient_race_ethnicity: list[str] = Field(default_factory=list, max_length=10)
    patient_language: str = ""
    patient_interpreter_needed: str = ""
    patient_disability: str = ""


def _with_code(report: EventReport, code: str | None) -> EventReport:
    report.follow_up_code = code
    return report


@router.post("/orgs/{slug}/events", response={200: EventCreated, 201: EventCreated})
def event_create(request: HttpRequest, slug: str, payload: EventCreate,
                 idempotency_key: str = Header("", alias="Idempotency-Key",
                                               max_length=services.MAX_CLIENT_KEY)):
    """Report an event (any member). With a client key (the `Idempotency-Key` header or the
    `client_key` field) a retry returns the first report with 200."""
    org = api_organization(request, slug, REPORT)
    if payload.anonymous:
        leave_no_trace(request)  # no user in the log line, no session write
    patient = {name: getattr(payload, name) for name in services.PATIENT_FIELDS
               if getattr(payload, name)}
    submission = services.submit_report(
        organization=org, kind=payload.kind, event_type=payload.event_type,
        category=payload.category, occurred_at=payload.occurred_at, site_id=payload.site_id,
        narrative=payload.narrative, harm_level=payload.harm_level,
        people_involved=payload.people_involved, immediate_actions=payload.immediate_actions,
        contributing_factors=payload.contributing_factors, answers=payload.answers,
        channel=EventReport.Channel.API, reporter=request.user,
        anonymous=payload.anonymous, reported_by=payload.reported_by, patient=patient,
        client_key=idempotency_key or payload.client_key)
    report = _with_code(submission.report, submission.follow_up_code)
    return Status(201 if submission.created else 200, report)


@router.get("/orgs/{slug}/events/{event_id}", response=EventRead)
def event_detail(request: HttpRequest, slug: str, event_id: int):
    """One report: its reviewers, the safety leads and its named reporter only."""
    org = api_organization(request, slug, REPORT)
    return access_event(user=request.user, organization=org, pk=event_id)


@router.get("/orgs/{slug}/events", response=list[EventSummary])
@paginate(Pagination)
def event_list(request: HttpRequest, slug: str):
    """Every report of the organization, newest first (event reviewers and safety leads):
    what each is about, not what was written; that is read by opening the report (audited)."""
    org = api_organization(request, slug, REVIEW)
    return queries.reports_for_review(user=request.user, organization=org)
