"""API for what to investigate and for reviews: an event's SAC score (read, set), reviews
(list, start, read, change, charter, move on), their team, timeline and causal statements
(list, write, read, change).

The same rules as the pages: the organization is resolved with `api_organization` (404 for
outsiders), the event or review with the access helpers (404 for missing, foreign and
not-yours alike: only event reviewers and patient-safety leads see reviews), then the role
(403). Every read of a review is audited. Bad input is answered 422 naming the field; a
stale `version` (someone changed the review since you read it) is a 422 on `version`; a
causal statement missing a part is a 422 naming the part."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from safetyhub.core.access import require_permission
from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id, Line, Pagination, Text
from safetyhub.core.models import Membership
from safetyhub.events.access import access_event

from . import queries, services
from .access import access_causal_statement, access_member, access_review
from .models import CausalStatement, Review, ReviewMember, SacScore

router = Router(tags=["investigations"])

MEMBER = "events.report"  # any member: the row's access helper and the role decide
VIEW = "investigations.view_reviews"
MANAGE = "investigations.manage_reviews"
SCORE = "investigations.score_events"
VERSION = Field(None, ge=1, description="the version you read: a change made by someone "
                                        "else since is refused (422 on version)")


# --- schemas -------------------------------------------------------------------------------------

class SacIn(Schema):
    severity: str = Field(..., max_length=20, description="catastrophic, major, moderate "
                                                          "or minor")
    probability: str = Field(..., max_length=20, description="frequent, occasional, "
                                                             "uncommon or remote")
    rationale: Text = Field("", max_length=services.MAX_TEXT)


class SacRead(Schema):
    event_id: int
    scored: bool
    scheme: str | None
    severity: str | None
    probability: str | None
    score: int | None = Field(None, description="1 to 3, 3 the highest risk (VA SAC, adapted)")
    basis: str | None
    rationale: str
    scored_at: dt.datetime | None
    first_scored_at: dt.datetime | None
    needs: str = Field(..., description="the review the organization's rule gives the score: "
                                        "rca2, light, aggregate; empty before scoring")
    review_ids: list[int]


class StartClockRead(Schema):
    due_at: dt.datetime
    hours_left: float
    overdue: bool
    met: bool | None
    words: str


class ReviewMemberIn(Schema):
    name: Line = Field(..., max_length=services.MAX_NAME)
    role: str = Field(..., max_length=30)
    job_title: Line = Field("", max_length=services.MAX_NAME)
    user_id: Id | None = None
    directly_involved: bool = False
    version: int | None = VERSION


class ReviewMemberRead(Schema):
    id: int
    name: str
    role: str
    job_title: str
    user_id: int | None
    directly_involved: bool


class TimelineEntryIn(Schema):
    at: dt.datetime
    what: Text = Field(..., max_length=services.MAX_TEXT)
    source: Line = Field("", max_length=200)
    version: int | None = VERSION


class TimelineEntryRead(Schema):
    id: int
    at: dt.datetime
    what: str
    source: str


class CausalStatementIn(Schema):
    cause: Text = Field("", max_length=services.MAX_TEXT)
    effect: Text = Field("", max_length=services.MAX_TEXT)
    event: Text = Field("", max_length=services.MAX_TEXT)
    contributing_factor: str = Field("", max_length=64)
    rules_confirmed: list[int] = Field(
        default_factory=list, max_length=5,
        description="the rules of causation (1 to 5) the team checked the statement against; "
                    "all five are needed")
    version: int | None = VERSION


class CausalStatementRead(Schema):
    id: int
    review_id: int
    cause: str
    effect: str
    event: str
    sentence: str
    contributing_factor: str
    rules_confirmed: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


class ReviewSummary(Schema):
    id: int
    kind: str
    title: str
    status: str
    index_event_id: int | None
    created_at: dt.datetime
    chartered_at: dt.datetime | None
    start_due_at: dt.datetime | None
    done_at: dt.datetime | None


class ReviewRead(ReviewSummary):
    version: int
    status_reason: str
    event_ids: list[int]
    scope: str
    questions: str
    target_completion_on: dt.date | None
    clock: StartClockRead | None
    contributing_factors: list[str]
    share_lesson: bool
    lesson: str
    team: list[ReviewMemberRead]
    consulted: list[ReviewMemberRead]
    timeline: list[TimelineEntryRead]
    causal_statements: list[CausalStatementRead]


class ReviewCreate(Schema):
    event_id: Id
    kind: str = Field("", max_length=20, description="rca2 or light; empty: what the "
                                                     "organization's rule gives the score")
    title: Line = Field("", max_length=services.MAX_TITLE)


class ReviewUpdate(Schema):
    title: Line | None = Field(None, max_length=services.MAX_TITLE)
    scope: Text | None = Field(None, max_length=services.MAX_TEXT)
    questions: Text | None = Field(None, max_length=services.MAX_TEXT)
    target_completion_on: Day | None = None
    contributing_factors: list[str] | None = Field(None, max_length=50)
    share_lesson: bool | None = None
    lesson: Text | None = Field(None, max_length=services.MAX_TEXT)
    version: int | None = VERSION


class ReviewCharterIn(Schema):
    scope: Text = Field(..., max_length=services.MAX_TEXT)
    questions: Text = Field(..., max_length=services.MAX_TEXT)
    target_completion_on: Day | None = None
    version: int | None = VERSION


class ReviewStatusIn(Schema):
    to: str = Field(..., max_length=20)
    reason: Text = Field("", max_length=services.MAX_TEXT)
    version: int | None = VERSION


# --- reads ----------------------------------------------------------------------------------------

def _member(m: ReviewMember) -> dict:
    return {"id": m.pk, "name": m.name, "role": m.role, "job_title": m.job_title,
            "user_id": m.user_id, "directly_involved": m.directly_involved}


def _statement(s: CausalStatement) -> dict:
    return {"id": s.pk, "review_id": s.review_id, "cause": s.cause, "effect": s.effect,
            "event": s.event, "sentence": s.sentence,
            "contributing_factor": s.contributing_factor,
            "rules_confirmed": s.rules_confirmed, "created_at": s.created_at,
            "updated_at": s.updated_at}


def _read(review: Review) -> dict:
    review = Review.objects.select_related("organization", "index_event",
                                           "index_event__taxonomy").get(pk=review.pk)
    panel = queries.review_panel(review)
    clock = panel.clock
    return {
        "id": review.pk, "kind": review.kind, "title": review.title, "status": review.status,
        "index_event_id": review.index_event_id, "created_at": review.created_at,
        "chartered_at": review.chartered_at, "start_due_at": review.start_due_at,
        "done_at": review.done_at, "version": review.version,
        "status_reason": review.status_reason,
        "event_ids": sorted(review.events.values_list("pk", flat=True)),
        "scope": review.scope, "questions": review.questions,
        "target_completion_on": review.target_completion_on,
        "clock": clock.__dict__ if clock else None,
        "contributing_factors": review.contributing_factors,
        "share_lesson": review.share_lesson, "lesson": review.lesson,
        "team": [_member(m) for m in panel.team],
        "consulted": [_member(m) for m in panel.consulted],
        "timeline": [{"id": e.pk, "at": e.at, "what": e.what, "source": e.source}
                     for e in panel.timeline],
        "causal_statements": [_statement(s) for s in panel.statements],
    }


def _sac(report) -> dict:
    step = services.next_step(report)
    s: SacScore | None = step.score
    return {"event_id": report.pk, "scored": s is not None,
            "scheme": s.scheme if s else None, "severity": s.severity if s else None,
            "probability": s.probability if s else None, "score": s.score if s else None,
            "basis": s.basis if s else None, "rationale": s.rationale if s else "",
            "scored_at": s.scored_at if s else None,
            "first_scored_at": s.first_scored_at if s else None,
            "needs": step.needs, "review_ids": [r.pk for r in step.reviews]}


def _review(request: HttpRequest, slug: str, review_id: int, permission: str = VIEW
            ) -> Review:
    """The review (404 unless the person may see it), then the role (403)."""
    org = api_organization(request, slug, MEMBER)
    review = access_review(user=request.user, organization=org, pk=review_id)
    require_permission(user=request.user, permission=permission, organization=org)
    return review


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


# --- the SAC score ------------------------------------------------------------------------------

@router.get("/orgs/{slug}/events/{event_id}/sac", response=SacRead)
def sac_detail(request, slug: str, event_id: Id):
    """The event's SAC score and what the organization's rule says it needs next."""
    org = api_organization(request, slug, MEMBER)
    report = access_event(user=request.user, organization=org, pk=event_id)
    require_permission(user=request.user, permission=VIEW, organization=org)
    return _sac(report)


@router.put("/orgs/{slug}/events/{event_id}/sac", response=SacRead)
def sac_set(request, slug: str, event_id: Id, payload: SacIn):
    """Score or rescore the event (event reviewers and patient-safety leads)."""
    org = api_organization(request, slug, MEMBER)
    report = access_event(user=request.user, organization=org, pk=event_id)
    require_permission(user=request.user, permission=SCORE, organization=org)
    services.score_event(report=report, by=request.user, severity=payload.severity,
                         probability=payload.probability, rationale=payload.rationale)
    return _sac(report)


# --- reviews ------------------------------------------------------------------------------------

@router.get("/orgs/{slug}/reviews", response=list[ReviewSummary])
@paginate(Pagination)
def review_list(request, slug: str, kind: str = "", status: str = ""):
    """The organization's reviews, newest first; `status=open` for those not done or
    stopped."""
    org = api_organization(request, slug, VIEW)
    errors = {}
    if kind and kind not in Review.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(Review.Kind.values)}."
    if status and status not in [*Review.Status.values, "open"]:
        errors["status"] = f"Choose one of: open, {', '.join(Review.Status.values)}."
    if errors:
        raise ValidationError(errors)
    return queries.review_list(org, kind=kind, status=status)


@router.post("/orgs/{slug}/reviews", response={201: ReviewRead})
def review_create(request, slug: str, payload: ReviewCreate):
    """Start an RCA² or a lighter review of one scored event."""
    org = api_organization(request, slug, MEMBER)
    report = access_event(user=request.user, organization=org, pk=payload.event_id)
    require_permission(user=request.user, permission=MANAGE, organization=org)
    review = services.start_review(report=report, by=request.user, kind=payload.kind,
                                   title=payload.title)
    return Status(201, _read(review))


@router.get("/orgs/{slug}/reviews/{review_id}", response=ReviewRead)
def review_detail(request, slug: str, review_id: Id):
    return _read(_review(request, slug, review_id))


@router.patch("/orgs/{slug}/reviews/{review_id}", response=ReviewRead)
def review_update(request, slug: str, review_id: Id, payload: ReviewUpdate):
    """Change the title, charter, contributing factors or lesson (what is sent)."""
    review = _review(request, slug, review_id, MANAGE)
    changes = payload.dict()
    version = changes.pop("version")
    services.update_review(review=review, by=request.user, expected_version=version,
                           **changes)
    return _read(review)


@router.post("/orgs/{slug}/reviews/{review_id}/charter", response=ReviewRead)
def review_charter(request, slug: str, review_id: Id, payload: ReviewCharterIn):
    review = _review(request, slug, review_id, MANAGE)
    services.charter(review=review, by=request.user, scope=payload.scope,
                     questions=payload.questions,
                     target_completion_on=payload.target_completion_on,
                     expected_version=payload.version)
    return _read(review)


@router.post("/orgs/{slug}/reviews/{review_id}/status", response=ReviewRead)
def review_status(request, slug: str, review_id: Id, payload: ReviewStatusIn):
    review = _review(request, slug, review_id, MANAGE)
    services.change_review_status(review=review, by=request.user, to=payload.to,
                                  reason=payload.reason, expected_version=payload.version)
    return _read(review)


@router.post("/orgs/{slug}/reviews/{review_id}/members", response={201: ReviewMemberRead})
def member_add(request, slug: str, review_id: Id, payload: ReviewMemberIn):
    review = _review(request, slug, review_id, MANAGE)
    user = None
    if payload.user_id is not None:
        membership = (Membership.objects.filter(organization=review.organization,
                                                user_id=payload.user_id, is_active=True)
                      .select_related("user").first())
        if membership is None:
            raise ValidationError({"user_id": "No such member of this organization."})
        user = membership.user
    member = services.add_member(review=review, by=request.user, name=payload.name,
                                 role=payload.role, job_title=payload.job_title, user=user,
                                 directly_involved=payload.directly_involved,
                                 expected_version=payload.version)
    return Status(201, _member(member))


@router.delete("/orgs/{slug}/reviews/{review_id}/members/{member_id}", response={204: None})
def member_remove(request, slug: str, review_id: Id, member_id: Id,
                  version: int | None = None):
    review = _review(request, slug, review_id, MANAGE)
    member = access_member(user=request.user, organization=review.organization,
                           review=review, pk=member_id)
    services.remove_member(review=review, member=member, by=request.user,
                           expected_version=version)
    return Status(204, None)


@router.post("/orgs/{slug}/reviews/{review_id}/timeline", response={201: TimelineEntryRead})
def timeline_add(request, slug: str, review_id: Id, payload: TimelineEntryIn):
    review = _review(request, slug, review_id, MANAGE)
    entry = services.add_timeline_entry(review=review, by=request.user,
                                        at=_aware(payload.at), what=payload.what,
                                        source=payload.source,
                                        expected_version=payload.version)
    return Status(201, {"id": entry.pk, "at": entry.at, "what": entry.what,
                        "source": entry.source})


# --- causal statements ----------------------------------------------------------------------------

@router.get("/orgs/{slug}/reviews/{review_id}/causal-statements",
            response=list[CausalStatementRead])
def statement_list(request, slug: str, review_id: Id):
    review = _review(request, slug, review_id)
    return [_statement(s) for s in review.causal_statements.all()]


@router.post("/orgs/{slug}/reviews/{review_id}/causal-statements",
             response={201: CausalStatementRead})
def statement_create(request, slug: str, review_id: Id, payload: CausalStatementIn):
    """Write a causal statement: cause, effect and event, checked against all five rules of
    causation (`rules_confirmed`: [1, 2, 3, 4, 5])."""
    review = _review(request, slug, review_id, MANAGE)
    statement = services.save_causal_statement(
        review=review, by=request.user, cause=payload.cause, effect=payload.effect,
        event=payload.event, contributing_factor=payload.contributing_factor,
        rules_confirmed=payload.rules_confirmed, expected_version=payload.version)
    return Status(201, _statement(statement))


@router.get("/orgs/{slug}/reviews/{review_id}/causal-statements/{statement_id}",
            response=CausalStatementRead)
def statement_detail(request, slug: str, review_id: Id, statement_id: Id):
    review = _review(request, slug, review_id)
    return _statement(access_causal_statement(user=request.user,
                                              organization=review.organization,
                                              review=review, pk=statement_id))


@router.patch("/orgs/{slug}/reviews/{review_id}/causal-statements/{statement_id}",
              response=CausalStatementRead)
def statement_update(request, slug: str, review_id: Id, statement_id: Id,
                     payload: CausalStatementIn):
    """Change a causal statement: send it whole (every part, every rule confirmed)."""
    review = _review(request, slug, review_id, MANAGE)
    statement = access_causal_statement(user=request.user, organization=review.organization,
                                        review=review, pk=statement_id)
    statement = services.save_causal_statement(
        review=review, by=request.user, statement=statement, cause=payload.cause,
        effect=payload.effect, event=payload.event,
        contributing_factor=payload.contributing_factor,
        rules_confirmed=payload.rules_confirmed, expected_version=payload.version)
    return _statement(statement)
