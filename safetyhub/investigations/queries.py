"""Reads for the review pages and the API: one review's panel (team, timeline, causal
statements, clock, the steps it may take) and the organization's review list. Plain data
that pages and the API render alike; each read costs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from safetyhub.core.models import Organization

from . import services
from .models import CausalStatement, Review, ReviewMember, TimelineEntry

R = Review.Status


@dataclass
class ReviewPanel:
    review: Review
    team: list[ReviewMember]
    consulted: list[ReviewMember]
    timeline: list[TimelineEntry]
    statements: list[CausalStatement]
    clock: services.StartClock | None
    steps: list[tuple[str, str, bool]]  # (to, label, reason required)
    factors: list[tuple[str, str]]  # the taxonomy's contributing factors, (key, title)
    factor_titles: list[str]  # the review's own, by title
    team_problem: str | None


def review_panel(review: Review, *, now: dt.datetime | None = None) -> ReviewPanel:
    members = list(review.members.select_related("user"))
    factors = services.contributing_factors(review)
    titles = dict(factors)
    return ReviewPanel(
        review=review,
        team=[m for m in members if m.is_team],
        consulted=[m for m in members if not m.is_team],
        timeline=list(review.timeline.all()),
        statements=list(review.causal_statements.all()),
        clock=services.start_clock(review, now=now),
        steps=[(to, R(to).label, needs) for to, needs in
               services.TRANSITIONS.get(review.status, {}).items()],
        factors=factors,
        factor_titles=[titles.get(key, key) for key in review.contributing_factors],
        team_problem=services.team_problem(review) if review.status == R.FORMING else None,
    )


def review_list(organization: Organization, *, kind: str = "",
                status: str = "") -> QuerySet[Review]:
    reviews = (Review.objects.filter(organization=organization)
               .select_related("index_event").annotate(event_count=Count("events")))
    if kind:
        reviews = reviews.filter(kind=kind)
    if status == "open":
        reviews = reviews.exclude(status__in=[R.DONE, R.STOPPED])
    elif status:
        reviews = reviews.filter(status=status)
    return reviews.order_by("-created_at", "-pk")
