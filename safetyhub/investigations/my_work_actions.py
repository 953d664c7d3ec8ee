"""What review actions put on My work (registered in apps.py): the open actions a person
owns, overdue first, and for reviewers a status tile of the organization's open and overdue
actions; and the daily job that tells owners about overdue actions (the shape of the action
plan's overdue initiatives). Each My-work function costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import Status, WorkItem
from safetyhub.events.rules import is_event_reviewer

from . import notifications_actions
from .action_queries import OPEN, rollup_of
from .models_actions import ReviewAction


def actions_owned(user: User, organization: Organization) -> list[WorkItem]:
    """Open review actions the user owns, overdue first, then soonest due. One query."""
    today = timezone.localdate()
    actions = (ReviewAction.objects.filter(organization=organization, owner=user,
                                           status__in=OPEN).order_by("due_on", "pk"))
    items = [WorkItem(
        title=" ".join(a.description.split())[:120],
        link=reverse("investigations:action", args=[organization.slug, a.pk]),
        kind="Review action you own", due_on=a.due_on, overdue=a.due_on < today,
        detail=f"{a.get_strength_display()} action · {a.get_status_display()}",
    ) for a in actions]
    return sorted(items, key=lambda i: (not i.overdue, i.due_on))


def actions_status(user: User, organization: Organization) -> Status | None:
    """For reviewers: the organization's open review actions and how many are overdue."""
    if not is_event_reviewer(user, organization):
        return None
    rollup = rollup_of(ReviewAction.objects.filter(organization=organization))
    if not rollup.total:
        return Status(value="None yet", detail="No review has planned actions yet.")
    return Status(
        value=f"{rollup.open} open",
        detail=(f"{rollup.overdue} overdue; " if rollup.overdue else "None overdue; ")
        + f"{rollup.by_status[ReviewAction.Status.DONE]} done",
        link=reverse("investigations:actions", args=[organization.slug]),
        link_text="Review actions", tone="concern" if rollup.overdue else "")


def overdue_actions(*, today: dt.date) -> int:
    """Tell each overdue action's owner (or, without one, whoever added it) once per due
    date; a new due date that passes too is told again."""
    overdue = (ReviewAction.objects.filter(due_on__lt=today, status__in=OPEN)
               .select_related("organization", "owner", "created_by").order_by("pk"))
    told = 0
    for action in overdue:
        told += len(notifications_actions.action_overdue(action=action, today=today))
    return told
