"""API for actions that work and aggregate reviews: a review's actions (list, add), the
reason a plan of weaker actions only needs, one action (read, change, make it an
initiative), the organization's actions, and aggregate reviews (gather, read their counts).

The same rules as the pages: the organization is resolved with `api_organization` (404 for
outsiders), then the review or action with the access helpers (404 for missing, foreign and
not-yours alike: reviewers see every action, an owner only their own), then the role (403:
an owner may move their action along, not re-plan it). Bad input is a 422 naming the field,
changes nothing, and the attempt is audited; a stale `version` is a 422 on `version`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from safetyhub.core.access import require_permission
from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id, Line, Pagination, Text
from safetyhub.core.models import Site, User
from safetyhub.measures.queries import measure_ref

from . import action_queries, aggregate
from . import services_actions as services
from .access import access_review
from .access_actions import access_action, visible_actions
from .models import Review
from .models_actions import AggregateScope, ReviewAction

router = Router(tags=["investigations"])

MEMBER = "core.view_organization"  # any member: the row's access helper and the role decide
MANAGE = "investigations.manage_actions"
GATHER = "investigations.gather_aggregate"
VERSION = Field(None, ge=1, description="the version you read: a change made by someone "
                                        "else since is refused (422 on version)")

ActionStrength = StrEnum("ActionStrength", {c.name: c.value for c in ReviewAction.Strength})
ActionStatus = StrEnum("ReviewActionStatus", {c.name: c.value for c in ReviewAction.Status})
EffectType = StrEnum("ActionMeasureType", {"PROCESS": "process", "OUTCOME": "outcome"})
Better = StrEnum("ActionMeasureDirection", {"DECREASE": "decrease", "INCREASE": "increase"})


class ActionMeasureIn(Schema):
    name: Line = Field(..., max_length=200)
    type: EffectType
    direction: Better
    numerator: Text = Field("", max_length=2_000, description="what is counted (the name "
                                                              "when empty)")


class ReviewActionCreate(Schema):
    description: Text = Field(..., max_length=services.MAX_DESCRIPTION)
    strength: ActionStrength
    owner_id: Id | None = Field(None, description="one active member (not an executive "
                                                  "viewer): required")
    due_on: Day | None = Field(None, description="required")
    measure_id: Id | None = Field(None, description="a process or outcome measure")
    new_measure: ActionMeasureIn | None = Field(None, description="make a new measure instead")
    expected_effect: Text = Field("", max_length=services.MAX_TEXT)


class ReviewActionUpdate(Schema):
    """Only the fields sent change. An action's owner may send `status` and
    `cancel_reason` only."""

    description: Text | None = Field(None, max_length=services.MAX_DESCRIPTION)
    strength: ActionStrength | None = None
    owner_id: Id | None = None
    due_on: Day | None = None
    measure_id: Id | None = Field(None, description="null clears the measure")
    expected_effect: Text | None = Field(None, max_length=services.MAX_TEXT)
    status: ActionStatus | None = None
    cancel_reason: Text | None = Field(None, max_length=services.MAX_TEXT)
    version: int | None = VERSION


class ReviewActionRead(Schema):
    id: int
    review_id: int
    description: str
    strength: ActionStrength
    owner_id: int | None
    owner: str | None
    due_on: dt.date
    overdue: bool
    status: ActionStatus
    cancel_reason: str
    measure_id: int | None
    measure: str | None
    expected_effect: str
    initiative_id: int | None
    done_at: dt.datetime | None
    version: int
    created_at: dt.datetime


class ActionPlanRead(Schema):
    review_id: int
    by_status: dict[str, int]
    by_strength: dict[str, int]
    overdue: int
    only_weaker: bool
    needs_reason: bool = Field(..., description="every action is weaker and no reason is "
                                                "given: the review cannot move on to "
                                                "actions or done")
    weaker_only_reason: str
    actions: list[ReviewActionRead]


class WeakerOnlyReasonIn(Schema):
    reason: Text = Field(..., max_length=services.MAX_TEXT, description="empty clears it")


class ActionInitiativeRead(Schema):
    initiative_id: int
    title: str


class AggregateCreate(Schema):
    title: Line = Field(..., max_length=aggregate.MAX_TITLE)
    category: str = Field(..., max_length=64)
    site_id: Id | None = None
    contributing_factors: list[str] = Field(default_factory=list, max_length=50)
    first_day: Day
    last_day: Day


class AggregateCountRead(Schema):
    key: str
    label: str
    count: int


class AggregateMonthRead(Schema):
    month: dt.date
    events: int


class AggregateRead(Schema):
    id: int
    title: str
    status: str
    category: str | None
    site_id: int | None
    contributing_factors: list[str]
    first_day: dt.date | None
    last_day: dt.date | None
    event_ids: list[int]
    total: int
    by_type: list[AggregateCountRead]
    by_harm: list[AggregateCountRead]
    by_unit: list[AggregateCountRead]
    by_factor: list[AggregateCountRead]
    per_month: list[AggregateMonthRead]
    signals: list[str] = Field(..., description="the C chart's special-cause signals, in "
                                                "plain words")


def _action(a: ReviewAction, today: dt.date) -> dict:
    return {
        "id": a.pk, "review_id": a.review_id, "description": a.description,
        "strength": a.strength, "owner_id": a.owner_id,
        "owner": a.owner.email if a.owner else None, "due_on": a.due_on,
        "overdue": a.is_open and a.due_on < today, "status": a.status,
        "cancel_reason": a.cancel_reason, "measure_id": a.measure_id,
        "measure": a.measure.name if a.measure else None,
        "expected_effect": a.expected_effect, "initiative_id": a.initiative_id,
        "done_at": a.done_at, "version": a.version, "created_at": a.created_at,
    }


def _plan(review: Review) -> dict:
    today = timezone.localdate()
    rollup = action_queries.review_rollup(review, today=today)
    actions = review.actions.select_related("owner", "measure").order_by("due_on", "pk")
    return {"review_id": review.pk, "by_status": rollup.by_status,
            "by_strength": rollup.by_strength, "overdue": rollup.overdue,
            "only_weaker": rollup.only_weaker,
            "needs_reason": services.plan_needs_reason(review),
            "weaker_only_reason": review.weaker_only_reason,
            "actions": [_action(a, today) for a in actions]}


def _member(organization, user_id: int | None, field: str) -> User | None:
    """The user with this id if they have ever been a member here (the service says
    whether they may own an action); a stranger's id is as unknown as a missing one."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, memberships__organization=organization).first()
    if user is None:
        raise ValidationError({field: "No such member of this organization."})
    return user


def _review(request: HttpRequest, slug: str, review_id: int):
    org = api_organization(request, slug, MEMBER)
    review = access_review(user=request.user, organization=org, pk=review_id)
    require_permission(user=request.user, permission=MANAGE, organization=org)
    return org, review


def _fresh(action: ReviewAction) -> ReviewAction:
    return ReviewAction.objects.select_related("owner", "measure").get(pk=action.pk)


# --- a review's actions ------------------------------------------------------------------------

@router.get("/orgs/{slug}/reviews/{review_id}/actions", response=ActionPlanRead)
def plan_detail(request, slug: str, review_id: Id):
    """The review's action plan: its actions, counts by status and strength, overdue ones,
    and whether it needs the reason for weaker actions only."""
    _org, review = _review(request, slug, review_id)
    return _plan(review)


@router.post("/orgs/{slug}/reviews/{review_id}/actions", response={201: ReviewActionRead})
def action_create(request, slug: str, review_id: Id, payload: ReviewActionCreate):
    org, review = _review(request, slug, review_id)
    new_measure = payload.new_measure.model_dump(mode="json") if payload.new_measure else None
    action = services.create_action(
        review=review, by=request.user, description=payload.description,
        strength=payload.strength.value, owner=_member(org, payload.owner_id, "owner_id"),
        due_on=payload.due_on, measure=measure_ref(org, payload.measure_id),
        new_measure=new_measure, expected_effect=payload.expected_effect)
    return Status(201, _action(_fresh(action), timezone.localdate()))


@router.put("/orgs/{slug}/reviews/{review_id}/weaker-only-reason", response=ActionPlanRead)
def plan_reason(request, slug: str, review_id: Id, payload: WeakerOnlyReasonIn):
    """Say why the plan holds only weaker actions (empty clears it)."""
    _org, review = _review(request, slug, review_id)
    review = services.set_weaker_only_reason(review=review, by=request.user,
                                             reason=payload.reason)
    return _plan(review)


# --- one action ----------------------------------------------------------------------------------

@router.get("/orgs/{slug}/review-actions", response=list[ReviewActionRead])
@paginate(Pagination)
def action_list(request, slug: str, status: str = ""):
    """Reviewers: the organization's actions; anyone else: the actions they own. The
    soonest due first; `status=open` or `status=overdue` to narrow."""
    org = api_organization(request, slug, MEMBER)
    actions = visible_actions(user=request.user, organization=org).select_related(
        "owner", "measure").order_by("due_on", "pk")
    today = timezone.localdate()
    if status == "open":
        actions = actions.filter(status__in=action_queries.OPEN)
    elif status == "overdue":
        actions = actions.filter(status__in=action_queries.OPEN, due_on__lt=today)
    elif status in ReviewAction.Status.values:
        actions = actions.filter(status=status)
    elif status:
        raise ValidationError({"status": "Choose one of: open, overdue, "
                                         f"{', '.join(ReviewAction.Status.values)}."})
    return [_action(a, today) for a in actions]


@router.get("/orgs/{slug}/review-actions/{action_id}", response=ReviewActionRead)
def action_detail(request, slug: str, action_id: Id):
    org = api_organization(request, slug, MEMBER)
    action = access_action(user=request.user, organization=org, pk=action_id)
    return _action(action, timezone.localdate())


PROGRESS_FIELDS = frozenset({"status", "cancel_reason", "version"})


@router.patch("/orgs/{slug}/review-actions/{action_id}", response=ReviewActionRead)
def action_update(request, slug: str, action_id: Id, payload: ReviewActionUpdate):
    org = api_organization(request, slug, MEMBER)
    action = access_action(user=request.user, organization=org, pk=action_id)
    sent = payload.model_dump(exclude_unset=True)
    if not request.user.has_perm("investigations.change_action", action):
        if not request.user.has_perm("investigations.progress_action", action):
            raise PermissionDenied("Only the action's owner or a reviewer can change it.")
        if set(sent) - PROGRESS_FIELDS:
            raise PermissionDenied("An action's owner changes its status only; reviewers "
                                   "change its plan.")
    changes = {}
    for name in ("description", "expected_effect", "due_on", "strength", "status"):
        if name in sent:
            if sent[name] is None:  # these have no empty value: null is a mistake
                raise ValidationError({name: "Send a value, or leave the field out."})
            value = getattr(payload, name)
            changes[name] = value.value if isinstance(value, StrEnum) else value
    if "cancel_reason" in sent:
        changes["cancel_reason"] = sent["cancel_reason"] or ""
    if "owner_id" in sent:
        changes["owner"] = _member(org, sent["owner_id"], "owner_id")
    if "measure_id" in sent:
        changes["measure"] = measure_ref(org, sent["measure_id"])
    services.update_action(action=action, by=request.user,
                           expected_version=sent.get("version"), **changes)
    return _action(_fresh(action), timezone.localdate())


@router.post("/orgs/{slug}/review-actions/{action_id}/initiative",
             response={201: ActionInitiativeRead})
def action_initiative(request, slug: str, action_id: Id):
    """Put the action on the action plan as an initiative (patient-safety leads)."""
    org = api_organization(request, slug, MEMBER)
    action = access_action(user=request.user, organization=org, pk=action_id)
    if not request.user.has_perm("investigations.make_initiative", action):
        raise PermissionDenied("Only a patient-safety lead can put an action on the action "
                               "plan.")
    initiative = services.make_initiative(action=action, by=request.user)
    return Status(201, {"initiative_id": initiative.pk, "title": initiative.title})


# --- aggregate reviews -----------------------------------------------------------------------

def _aggregate(review: Review) -> dict:
    scope = AggregateScope.objects.filter(review=review).first()
    summary = aggregate.summary(review, chart=False)
    return {
        "id": review.pk, "title": review.title, "status": review.status,
        "category": scope.category if scope else None,
        "site_id": scope.site_id if scope else None,
        "contributing_factors": scope.contributing_factors if scope else [],
        "first_day": scope.first_day if scope else None,
        "last_day": scope.last_day if scope else None,
        "event_ids": sorted(review.events.values_list("pk", flat=True)),
        "total": summary.total,
        "by_type": [c.__dict__ for c in summary.by_type],
        "by_harm": [c.__dict__ for c in summary.by_harm],
        "by_unit": [c.__dict__ for c in summary.by_unit],
        "by_factor": [c.__dict__ for c in summary.by_factor],
        "per_month": [{"month": m, "events": n}
                      for m, n in zip(summary.months, summary.per_month, strict=True)],
        "signals": summary.explanations,
    }


@router.post("/orgs/{slug}/aggregate-reviews", response={201: AggregateRead})
def aggregate_create(request, slug: str, payload: AggregateCreate):
    """Gather similar low-harm events and near misses into one aggregate review."""
    org = api_organization(request, slug, GATHER)
    site = None
    if payload.site_id is not None:
        site = Site.objects.filter(organization=org, pk=payload.site_id).first()
        if site is None:
            raise ValidationError({"site_id": "No such site or unit in this organization."})
    review = aggregate.gather_aggregate_review(
        organization=org, by=request.user, title=payload.title, category=payload.category,
        site=site, contributing_factors=payload.contributing_factors,
        first_day=payload.first_day, last_day=payload.last_day)
    return Status(201, _aggregate(review))


@router.get("/orgs/{slug}/aggregate-reviews/{review_id}", response=AggregateRead)
def aggregate_detail(request, slug: str, review_id: Id):
    _org, review = _review(request, slug, review_id)
    if review.kind != Review.Kind.AGGREGATE:
        raise Http404("No such aggregate review.")
    return _aggregate(review)
