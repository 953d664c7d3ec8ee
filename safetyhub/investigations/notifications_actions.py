"""The notifications a review's actions send (core/notifications.py): their kinds, registered
from apps.py, and one function per occasion, in the shape of the action plan's
(improvement/notifications.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse

from safetyhub.core import notifications
from safetyhub.core.models import User

if TYPE_CHECKING:
    from .models_actions import ReviewAction

ACTION_OWNER = "investigations.action_owner"
ACTION_OVERDUE = "investigations.action_overdue"


def register_kinds() -> None:
    notifications.register_kind(
        ACTION_OWNER, "Made owner of a review action",
        "Someone made you the owner of an action from a safety event review (RCA² or "
        "aggregate review).")
    notifications.register_kind(
        ACTION_OVERDUE, "Review action overdue",
        "An action from a safety event review that you own passed its due date and is "
        "neither done nor cancelled.")


def action_link(action: ReviewAction) -> str:
    return reverse("investigations:action", kwargs={"org_slug": action.organization.slug,
                                                    "pk": action.pk})


def _what(action: ReviewAction) -> str:
    text = " ".join(action.description.split())
    return text if len(text) <= 80 else text[:79] + "…"


def action_owner_made(*, action: ReviewAction, by: User) -> None:
    if action.owner is None:
        return
    notifications.notify(
        recipients=[action.owner], kind=ACTION_OWNER, organization=action.organization,
        actor=by, title=f"You own the review action “{_what(action)}”, due "
                        f"{action.due_on:%d %b %Y}",
        link=action_link(action))


def action_overdue(*, action: ReviewAction, today: dt.date) -> list:
    return notifications.notify(
        recipients=[action.owner or action.created_by], kind=ACTION_OVERDUE,
        organization=action.organization,
        title=f"The review action “{_what(action)}” is overdue: it was due "
              f"{action.due_on:%d %b %Y}",
        link=action_link(action),
        dedupe_key=f"review-action-overdue:{action.pk}:{action.due_on.isoformat()}")
