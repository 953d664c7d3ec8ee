"""Reads about review actions, for the review and event pages, My work, the dashboards and
the PSSM evidence and board view (the evidence helper's figures): counts by status and by
strength, overdue actions, the strength mix over a period and the share of stronger
actions. Each costs a fixed number of queries whatever the number of actions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from safetyhub.core.models import Organization

from . import hierarchy
from .models_actions import ReviewAction

__all__ = ["OPEN", "Rollup", "StrongerShare", "event_rollup", "overdue_actions",
           "review_rollup", "rollup_of", "strength_mix", "stronger_share"]

OPEN = (ReviewAction.Status.PLANNED, ReviewAction.Status.IN_PROGRESS)
STATUS_LABELS = dict(ReviewAction.Status.choices)
STRENGTH_LABELS = dict(ReviewAction.Strength.choices)


@dataclass
class Rollup:
    """Actions counted by status and by strength (cancelled ones counted by status only),
    and how many open ones are past due."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_strength: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        return sum(self.by_status.get(s, 0) for s in OPEN)

    @property
    def only_weaker(self) -> bool:
        live = [k for k, n in self.by_strength.items() for _ in range(n)]
        return hierarchy.only_weaker(live)

    def status_rows(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.by_status.get(key, 0)) for key, label in STATUS_LABELS.items()]

    def strength_rows(self) -> list[tuple[str, str, int]]:
        return [(key, STRENGTH_LABELS[key], self.by_strength.get(key, 0))
                for key in hierarchy.STRENGTHS]


def rollup_of(actions: QuerySet[ReviewAction], *, today: dt.date | None = None) -> Rollup:
    """The rollup of `actions` in one query."""
    today = today or timezone.localdate()
    rollup = Rollup(by_status=dict.fromkeys(STATUS_LABELS, 0),
                    by_strength=dict.fromkeys(hierarchy.STRENGTHS, 0))
    rows = (actions.order_by().values_list("status", "strength", "due_on")
            .annotate(n=Count("*")))
    for status, strength, due_on, n in rows:
        rollup.by_status[status] = rollup.by_status.get(status, 0) + n
        if status != ReviewAction.Status.CANCELLED:
            rollup.by_strength[strength] = rollup.by_strength.get(strength, 0) + n
        if status in OPEN and due_on < today:
            rollup.overdue += n
    return rollup


def review_rollup(review, *, today: dt.date | None = None) -> Rollup:
    return rollup_of(ReviewAction.objects.filter(review=review), today=today)


def event_rollup(event, *, today: dt.date | None = None) -> Rollup:
    """The actions of every review that covers the event (an RCA² of it, or an aggregate
    review that gathered it)."""
    return rollup_of(ReviewAction.objects.filter(
        organization_id=event.organization_id, review__events=event).distinct(), today=today)


def overdue_actions(organization: Organization, *, today: dt.date | None = None
                    ) -> QuerySet[ReviewAction]:
    """Open actions past their due date, the longest overdue first."""
    today = today or timezone.localdate()
    return (ReviewAction.objects.filter(organization=organization, status__in=OPEN,
                                        due_on__lt=today)
            .select_related("review", "owner").order_by("due_on", "pk"))


def strength_mix(organization: Organization, *, start: dt.date, end: dt.date
                 ) -> dict[str, int]:
    """{strength: count} of the actions planned from `start` to `end` (both included, by
    the day the action was added), cancelled ones left out; strongest first."""
    tz = timezone.get_current_timezone()
    counts = Counter(dict(
        ReviewAction.objects.filter(
            organization=organization,
            created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min,
                                               tzinfo=tz))
        .exclude(status=ReviewAction.Status.CANCELLED)
        .order_by().values_list("strength").annotate(n=Count("*"))))
    return {key: counts.get(key, 0) for key in hierarchy.STRENGTHS}


@dataclass(frozen=True)
class StrongerShare:
    start: dt.date
    end: dt.date
    stronger: int
    total: int

    @property
    def share(self) -> float | None:
        return self.stronger / self.total if self.total else None


def stronger_share(organization: Organization, *, today: dt.date | None = None
                   ) -> StrongerShare:
    """The share of stronger actions among those planned in the last 12 months."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=365)
    mix = strength_mix(organization, start=start, end=today)
    return StrongerShare(start=start, end=today, stronger=mix[hierarchy.STRONGER],
                         total=sum(mix.values()))
