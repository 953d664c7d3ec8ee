"""Demo data for the network dashboard: eight generated member hospitals, clearly named as
such, joined to the demo network with their sharing choices on, and enough reports and review
actions (bulk writes) that the dashboard shows some cells and hides others: falls and
medication events are common everywhere (shown), pressure injuries are reported by all but
rarely (too few events), and two rarer categories by three hospitals only (too few
organizations). Generated, not real: every name says so."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import Organization

from .access import current_members
from .demo import demo_network
from .models import NetworkMember

GENERATED = 8
SEED = 1313
# category: (reports a month in a hospital that reports it, how many hospitals report it)
VOLUMES = {"fall": (6, GENERATED), "medication": (5, GENERATED),
           "pressure-injury": (0.1, GENERATED), "surgery": (0.4, 3), "blood": (0.4, 3)}
HARM = [("none", 60), ("mild", 25), ("moderate", 10), ("severe", 4), ("death", 1)]
STRENGTHS = [("stronger", 3), ("intermediate", 5), ("weaker", 8)]
MONTHS = 24


def _slug(i: int) -> str:
    return f"generated-member-{i}"


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _months(today: dt.date) -> list[dt.date]:
    months, month = [], today.replace(day=1)
    for _ in range(MONTHS):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def _reports(rng: random.Random, index: int, today: dt.date):
    tz = timezone.get_current_timezone()
    for month in _months(today):
        for category, (per_month, hospitals) in VOLUMES.items():
            if index >= hospitals:
                continue
            n = int(per_month) + (rng.random() < per_month - int(per_month))
            for _ in range(n):
                day = month + dt.timedelta(days=rng.randrange(28))
                yield {"occurred_at": dt.datetime.combine(day, dt.time(rng.randrange(24)),
                                                          tzinfo=tz),
                       "category": category, "harm_level": _pick(rng, HARM),
                       "narrative": "Generated demo report."}


def _actions(organization: Organization, rng: random.Random, today: dt.date) -> None:
    from safetyhub.investigations.models import Review, ReviewAction

    (review,) = Review.objects.bulk_create([Review(
        organization=organization, kind="rca2", title="Generated demo review",
        status="analysing")])
    now = timezone.now()
    ReviewAction.objects.bulk_create([
        ReviewAction(organization=organization, review=review,
                     description="Generated demo action", strength=_pick(rng, STRENGTHS),
                     due_on=today + dt.timedelta(days=60),
                     created_at=dt.datetime.combine(month + dt.timedelta(days=10),
                                                    dt.time(12), tzinfo=now.tzinfo))
        for month in _months(today) for _ in range(rng.randrange(0, 3))])


def load_aggregates_demo() -> None:
    """Add the generated members once (nothing when they exist); build their rollups."""
    from safetyhub.events.demo import bulk_reports
    from safetyhub.events.taxonomy import active_taxonomy_pack

    from .rollups import refresh_organization

    if Organization.objects.filter(slug=_slug(1)).exists():
        return
    today = timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - demo data, seeded to be the same every time
    with transaction.atomic(), audit.acting_as(label="demo-data"):
        network = demo_network()
        made = []
        for i in range(1, GENERATED + 1):
            organization = Organization.objects.create(
                slug=_slug(i), name=f"Generated demo member {i}")
            Organization.objects.filter(pk=organization.pk).update(
                created_at=timezone.now() - dt.timedelta(days=3 * 365))
            organization.refresh_from_db()
            if active_taxonomy_pack(organization=organization) is not None:
                bulk_reports(organization=organization, rows=_reports(rng, i - 1, today))
            _actions(organization, rng, today)
            made.append(organization)
        NetworkMember.objects.bulk_create([
            NetworkMember(network=network, organization=organization,
                          shares_event_counts=True, shares_action_strength=True,
                          shares_assessment_scores=True) for organization in made])
    # Every sharing member's figures, the demo organizations' included (their memberships
    # were written in bulk, without the signal that queues this).
    for member in current_members(network).filter(shares_event_counts=True):
        refresh_organization(organization_id=member.organization_id)
