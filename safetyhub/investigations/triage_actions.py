"""What actions add to an event's triage page (events.triage_panels): the actions of the
reviews that cover the event, counted by status and strength, with the overdue ones — the
status of the event's actions rolled up where its reviewers work."""

from __future__ import annotations

from safetyhub.events.models import EventReport
from safetyhub.events.triage_panels import register_panel

from .action_queries import event_rollup


def build(*, report: EventReport, user) -> dict | None:
    if not user.has_perm("investigations.manage_actions", report.organization):
        return None
    reviews = list(report.reviews.order_by("created_at", "pk"))
    if not reviews:
        return None
    return {"rollup": event_rollup(report), "reviews": reviews}


def register() -> None:
    register_panel("investigations.actions", template="investigations/_triage_actions.html",
                   build=build, order=30)
