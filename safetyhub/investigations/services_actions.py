"""Writes for a review's actions: add and change actions (strength on the action hierarchy,
owner, due date, status, the measure of their effect), the reason a plan holds only weaker
actions, and "make it an initiative" on the action plan. Keyword-only functions, one
transaction each; bad input raises ValidationError({field: reason}), changes nothing, and
is recorded in the audit trail as a refused attempt (services.refusals_audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.inputs import check_date
from safetyhub.core.models import Membership, Role, User
from safetyhub.improvement import services as plan_services
from safetyhub.improvement.models import Initiative
from safetyhub.measures import services as measure_services
from safetyhub.measures.models import Measure

from . import hierarchy
from .models import Review
from .models_actions import ReviewAction
from .notifications_actions import action_owner_made
from .services import refusals_audited

MAX_DESCRIPTION = 2_000
MAX_TEXT = 5_000
# Measures of an action's effect: did the process change (process), did the harm drop
# (outcome). A balancing measure watches for side effects; it cannot show the effect.
EFFECT_TYPES = (Measure.Type.PROCESS, Measure.Type.OUTCOME)
# The review statuses that need a plan RCA² accepts: strong enough, or a stated reason.
PLAN_CHECKED_STATUSES = (Review.Status.ACTIONS, Review.Status.DONE)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _owner_problem(organization_id: int, owner: User | None) -> str | None:
    if owner is None:
        return ("Name one person who answers for this action (RCA² asks for a person, not "
                "a committee).")
    member = Membership.objects.filter(organization_id=organization_id, user=owner,
                                       is_active=True, user__is_active=True).first()
    if member is None:
        return f"{owner.email} is not an active member of this organization."
    if member.role == Role.EXECUTIVE_VIEWER:
        return f"{owner.email} is an executive viewer, who only reads; choose someone else."
    return None


def _check(organization_id: int, values: dict, *, was: ReviewAction | None) -> dict:
    errors: dict[str, str] = {}
    values["description"] = (values["description"] or "").strip()
    if not values["description"]:
        errors["description"] = "Say what will change in the system."
    elif len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = f"At most {MAX_DESCRIPTION} characters."
    if values["strength"] not in hierarchy.STRENGTHS:
        errors["strength"] = ("Rate the action on the action hierarchy: stronger, "
                              "intermediate or weaker.")
    owner = values["owner"]
    if not (was is not None and owner is not None and owner.pk == was.owner_id):
        problem = _owner_problem(organization_id, owner)
        if problem:
            errors["owner"] = problem
    due_on = values["due_on"]
    if due_on is None:
        errors["due_on"] = "Give the date the action is due."
    elif not isinstance(due_on, dt.date):
        errors["due_on"] = "Give a date, such as 2026-03-31."
    elif problem := check_date(due_on):
        errors["due_on"] = problem
    values["expected_effect"] = (values["expected_effect"] or "").strip()
    if len(values["expected_effect"]) > MAX_TEXT:
        errors["expected_effect"] = f"At most {MAX_TEXT} characters."
    measure = values["measure"]
    if measure is not None and not (was is not None and measure.pk == was.measure_id):
        if measure.organization_id != organization_id:
            errors["measure"] = "No such measure in this organization."
        elif measure.type not in EFFECT_TYPES:
            errors["measure"] = (f"“{measure.name}” is a balancing measure; choose a process "
                                 "or outcome measure that shows the action's effect.")
    status = values["status"]
    values["cancel_reason"] = (values["cancel_reason"] or "").strip()
    if status not in ReviewAction.Status.values:
        errors["status"] = (f"Unknown status {status!r}; choose one of "
                            f"{', '.join(ReviewAction.Status.values)}.")
    elif status == ReviewAction.Status.CANCELLED and not values["cancel_reason"]:
        errors["cancel_reason"] = "Say why the action is cancelled."
    elif len(values["cancel_reason"]) > MAX_TEXT:
        errors["cancel_reason"] = f"At most {MAX_TEXT} characters."
    return errors


def _new_measure(review: Review, by: User, spec: dict, owner_site) -> Measure:
    """A measure made from the action's form: a name, process or outcome, which way is
    better; counted monthly on a run chart until the team has a baseline."""
    errors = {}
    if spec.get("type") not in EFFECT_TYPES:
        errors["new_measure_type"] = "Choose process or outcome."
    if spec.get("direction") not in (Measure.Direction.INCREASE, Measure.Direction.DECREASE):
        errors["new_measure_direction"] = "Say whether higher or lower is better."
    if not (spec.get("name") or "").strip():
        errors["new_measure_name"] = "Give the new measure a name."
    if errors:
        raise ValidationError(errors)
    try:
        return measure_services.create_measure(
            organization=review.organization, by=by, name=spec["name"], type=spec["type"],
            numerator=(spec.get("numerator") or spec["name"]), direction=spec["direction"],
            chart=Measure.Chart.RUN, site=owner_site)
    except ValidationError as exc:
        raise ValidationError({f"new_measure_{k}": v for k, v in exc.message_dict.items()}
                              ) from None


@refusals_audited
@transaction.atomic
def create_action(*, review: Review, by: User, description: str, strength: str,
                  owner: User | None, due_on: dt.date | None, measure: Measure | None = None,
                  new_measure: dict | None = None, expected_effect: str = "") -> ReviewAction:
    """Add an action to the review's plan. `new_measure` ({name, type, direction,
    numerator}) makes a new improvement measure for it instead of choosing `measure`."""
    if not review.is_open:
        raise ValidationError({"review": "This review is finished; reopen it to add actions."})
    if measure is not None and new_measure:
        raise ValidationError({"measure": "Choose an existing measure or make a new one, "
                                          "not both."})
    values = {"description": description, "strength": strength, "owner": owner,
              "due_on": due_on, "measure": measure, "expected_effect": expected_effect,
              "status": ReviewAction.Status.PLANNED, "cancel_reason": ""}
    errors = _check(review.organization_id, values, was=None)
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        if new_measure:
            values["measure"] = _new_measure(review, by, new_measure, None)
        action = ReviewAction.objects.create(organization_id=review.organization_id,
                                             review=review, created_by=by, **values)
    action_owner_made(action=action, by=by)
    return action


ACTION_FIELDS = ("description", "strength", "owner", "due_on", "measure", "expected_effect",
                 "status", "cancel_reason")


@refusals_audited
@transaction.atomic
def update_action(*, action: ReviewAction, by: User, expected_version: int | None = None,
                  description: str = UNSET, strength: str = UNSET, owner: User | None = UNSET,
                  due_on: dt.date | None = UNSET, measure: Measure | None = UNSET,
                  expected_effect: str = UNSET, status: str = UNSET,
                  cancel_reason: str = UNSET) -> ReviewAction:
    """Change the fields passed; the rest stay. With `expected_version` (the version the
    caller loaded) a change someone else made in between is refused, not overwritten."""
    passed = {name: value for name, value in {
        "description": description, "strength": strength, "owner": owner, "due_on": due_on,
        "measure": measure, "expected_effect": expected_effect, "status": status,
        "cancel_reason": cancel_reason}.items() if value is not UNSET}
    locked = ReviewAction.objects.select_for_update(of=("self",)).select_related(
        "organization").get(pk=action.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError({"version": "Someone else changed this action after you opened "
                                          "it. Reload it to see their changes, then make "
                                          "yours again."})
    values = {name: getattr(locked, name) for name in ACTION_FIELDS}
    values.update(passed)
    errors = _check(locked.organization_id, values, was=locked)
    if errors:
        raise ValidationError(errors)
    owner_before = locked.owner_id
    if values["status"] == ReviewAction.Status.DONE and locked.status != values["status"]:
        locked.done_at = timezone.now()
    elif values["status"] != ReviewAction.Status.DONE:
        locked.done_at = None
    if values["status"] != ReviewAction.Status.CANCELLED:
        values["cancel_reason"] = ""
    with audit.acting_as(by):
        for name, value in values.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
    if locked.owner_id != owner_before:
        action_owner_made(action=locked, by=by)
    return locked


# --- the plan as a whole: only weaker actions need a reason ----------------------------------


def plan_needs_reason(review: Review) -> bool:
    """The plan's actions (cancelled ones aside) are all weaker, and no reason is given."""
    strengths = review.actions.exclude(status=ReviewAction.Status.CANCELLED).values_list(
        "strength", flat=True)
    return hierarchy.only_weaker(strengths) and not review.weaker_only_reason.strip()


def check_plan_for_status(review: Review, to_status: str) -> None:
    """Refuse moving a review on to "actions under way" or "done" while its plan holds only
    weaker actions with no reason given (called by the review's status change)."""
    if to_status in PLAN_CHECKED_STATUSES and plan_needs_reason(review):
        raise ValidationError({"weaker_only_reason": (
            "Every action in this plan is weaker: it relies on people remembering and being "
            "careful. Add a stronger or intermediate action, or say why weaker actions are "
            "enough, before the review moves on.")})


@refusals_audited
@transaction.atomic
def set_weaker_only_reason(*, review: Review, by: User, reason: str) -> Review:
    """Why the plan holds only weaker actions (empty clears it)."""
    reason = (reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise ValidationError({"weaker_only_reason": f"At most {MAX_TEXT} characters."})
    locked = Review.objects.select_for_update().get(pk=review.pk)
    with audit.acting_as(by):
        locked.weaker_only_reason = reason
        locked.version += 1
        locked.save(update_fields=["weaker_only_reason", "version", "updated_at"])
    return locked


# --- make it an initiative ------------------------------------------------------------------


@refusals_audited
@transaction.atomic
def make_initiative(*, action: ReviewAction, by: User) -> Initiative:
    """Put the action on the action plan as an initiative, with its owner and due date and
    its measure, linked both ways. Once per action."""
    locked = ReviewAction.objects.select_for_update(of=("self",)).select_related(
        "review", "organization", "initiative", "owner", "measure").get(pk=action.pk)
    if locked.initiative is not None:
        raise ValidationError({"initiative": f"This action is already the initiative "
                                             f"“{locked.initiative.title}”."})
    if locked.status == ReviewAction.Status.CANCELLED:
        raise ValidationError({"status": "A cancelled action cannot become an initiative."})
    level = hierarchy.level(locked.strength)
    title = " ".join(locked.description.split())
    title = title if len(title) <= 200 else title[:199] + "…"
    # The owner may have left since: the initiative then starts without one.
    owner = locked.owner if locked.owner and not _owner_problem(
        locked.organization_id, locked.owner) else None
    initiative = plan_services.create_initiative(
        organization=locked.organization, by=by, title=title,
        description=(f"From an action of the review “{locked.review.title}” ({level.label.lower()} "
                     "on the action hierarchy)."),
        owner=owner, due_on=locked.due_on,
        status=Initiative.Status.ACTIVE if locked.status == ReviewAction.Status.IN_PROGRESS
        else Initiative.Status.PROPOSED)
    if locked.measure is not None:
        plan_services.link_measure(initiative=initiative, measure=locked.measure, by=by)
    with audit.acting_as(by):
        locked.initiative = initiative
        locked.version += 1
        locked.save(update_fields=["initiative", "version", "updated_at"])
    return initiative
