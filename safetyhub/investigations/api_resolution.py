"""API for communication and resolution after harm: read an event's record, add a
disclosure or follow-up conversation, set the resolution offered, add a question and its
answer; and the program measures per quarter.

The organization is resolved with `api_organization` (404 for outsiders), the event with
the events' own door (404 for missing, foreign and not-yours alike), then the role (403:
event reviewers and patient-safety leads). Bad input is answered 422 naming the field and
the reason; nothing is written and the refused attempt is audited."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id, Line, Text
from safetyhub.events.models import EventReport

from . import resolution as services
from . import resolution_queries as queries
from .access import access_question, access_resolution_event
from .models_resolution import ResolutionContact, ResolutionRecord
from .resolution_measures import last_four_quarters, program_measures

router = Router(tags=["investigations"])

MEMBER = "core.view_organization"  # any member: the event's door and the role decide
MEASURES = "investigations.view_program_measures"

ContactKind = StrEnum("ContactKind", {c.name: c.value for c in ResolutionContact.Kind})
WithWhom = StrEnum("WithWhom", {c.name: c.value for c in ResolutionContact.With})
Offer = StrEnum("Offer", {c.name: c.value for c in ResolutionRecord.Offer})


class ContactRead(Schema):
    id: int
    kind: ContactKind
    happened_at: dt.datetime
    organization_people: str
    with_whom: WithWhom
    what_was_shared: str
    apology_given: bool


class QuestionRead(Schema):
    id: int
    asked_on: dt.date
    question: str
    answer: str
    answered_on: dt.date | None


class ResolutionRead(Schema):
    event_id: int
    reference: str
    needs_resolution: bool = Field(..., description="the event reached a patient with harm "
                                                    "(mild harm or worse)")
    disclosed: bool
    resolution_offered: Offer
    resolution_offered_on: dt.date | None
    resolution_note: str
    contacts: list[ContactRead]
    questions: list[QuestionRead]


class ContactCreate(Schema):
    kind: ContactKind
    happened_at: dt.datetime = Field(..., description="not before the event happened")
    organization_people: Line = Field(..., max_length=services.MAX_PEOPLE,
                                      description="who spoke for the organization")
    with_whom: WithWhom
    what_was_shared: Text = Field(..., max_length=services.MAX_TEXT)
    apology_given: bool = False


class ResolutionUpdate(Schema):
    resolution_offered: Offer
    resolution_offered_on: Day | None = None
    resolution_note: Text = Field("", max_length=services.MAX_TEXT)


class QuestionCreate(Schema):
    asked_on: Day
    question: Text = Field(..., max_length=services.MAX_TEXT)
    answer: Text = Field("", max_length=services.MAX_TEXT)
    answered_on: Day | None = None


class AnswerIn(Schema):
    answer: Text = Field(..., max_length=services.MAX_TEXT)
    answered_on: Day


class FiguresRead(Schema):
    label: str
    start: dt.date
    end: dt.date
    harm_events: int
    disclosed: int
    share_disclosed: float | None
    median_days_to_first_contact: float | None
    support_offered: int
    support_accepted: int
    support_declined: int


class MeasuresRead(Schema):
    total: FiguresRead
    quarters: list[FiguresRead]
    note: str


class PeriodQuery(Schema):
    start: Day | None = None
    end: Day | None = None


def _event(request: HttpRequest, slug: str, event_id: int) -> EventReport:
    org = api_organization(request, slug, MEMBER)
    return access_resolution_event(user=request.user, organization=org, pk=event_id)


def _read(report: EventReport) -> dict:
    panel = queries.panel(report)
    record = panel.record
    return {
        "event_id": report.pk, "reference": report.reference,
        "needs_resolution": services.needs_resolution(report), "disclosed": panel.disclosed,
        "resolution_offered": record.resolution_offered if record else "",
        "resolution_offered_on": record.resolution_offered_on if record else None,
        "resolution_note": record.resolution_note if record else "",
        "contacts": panel.contacts, "questions": panel.questions,
    }


def _figures(f) -> dict:
    return {**{name: getattr(f, name) for name in (
        "label", "start", "end", "harm_events", "disclosed", "median_days_to_first_contact",
        "support_offered", "support_accepted", "support_declined")},
        "share_disclosed": f.share_disclosed}


@router.get("/orgs/{slug}/events/{event_id}/resolution", response=ResolutionRead)
def resolution_detail(request, slug: str, event_id: Id):
    """The event's communication and resolution (an empty record until something is
    recorded)."""
    return _read(_event(request, slug, event_id))


@router.post("/orgs/{slug}/events/{event_id}/resolution/contacts", response=ResolutionRead)
def contact_create(request, slug: str, event_id: Id, payload: ContactCreate):
    """Record the disclosure conversation or a follow-up contact (a follow-up needs the
    disclosure first; no date before the event or in the future)."""
    report = _event(request, slug, event_id)
    services.add_contact(report=report, by=request.user, kind=payload.kind.value,
                         happened_at=payload.happened_at,
                         organization_people=payload.organization_people,
                         with_whom=payload.with_whom.value,
                         what_was_shared=payload.what_was_shared,
                         apology_given=payload.apology_given)
    return _read(report)


@router.post("/orgs/{slug}/events/{event_id}/resolution/offer", response=ResolutionRead)
def resolution_update(request, slug: str, event_id: Id, payload: ResolutionUpdate):
    """Record the resolution offered (or that none was), when, with a note."""
    report = _event(request, slug, event_id)
    services.set_resolution(report=report, by=request.user,
                            offered=payload.resolution_offered.value,
                            offered_on=payload.resolution_offered_on,
                            note=payload.resolution_note)
    return _read(report)


@router.post("/orgs/{slug}/events/{event_id}/resolution/questions", response=ResolutionRead)
def question_create(request, slug: str, event_id: Id, payload: QuestionCreate):
    report = _event(request, slug, event_id)
    services.add_question(report=report, by=request.user, asked_on=payload.asked_on,
                          question=payload.question, answer=payload.answer,
                          answered_on=payload.answered_on)
    return _read(report)


@router.post("/orgs/{slug}/events/{event_id}/resolution/questions/{question_id}/answer",
             response=ResolutionRead)
def question_answer(request, slug: str, event_id: Id, question_id: Id, payload: AnswerIn):
    report = _event(request, slug, event_id)
    question = access_question(user=request.user, organization=report.organization,
                               report=report, pk=question_id)
    services.answer_question(report=report, question=question, by=request.user,
                             answer=payload.answer, answered_on=payload.answered_on)
    return _read(report)


@router.get("/orgs/{slug}/resolution-measures", response=MeasuresRead)
def measures(request, slug: str, period: Query[PeriodQuery]):
    """Time to first contact, share of harm events disclosed, and peer support offered,
    accepted and declined, per quarter (default: the last four quarters). Counts only."""
    org = api_organization(request, slug, MEASURES)
    start, end = last_four_quarters()
    start, end = period.start or start, period.end or end
    if end < start:
        raise ValidationError({"end": "The end is before the start."})
    result = program_measures(org, start, end)
    return {"total": _figures(result.total),
            "quarters": [_figures(q) for q in result.quarters], "note": result.note}
