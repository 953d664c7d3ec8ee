"""Demo data: a shared goal in the demo network, "Falls with injury per 1,000 patient days",
with every current member taking part — Riverside General's values flowing from its own
event-derived measure, the others' entered (generated, seeded). Loading twice adds nothing.

The goal's definition is the demo's own (SafetyHub's example), not a published measure's."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core.models import Organization

from .access import current_members
from .demo import demo_network
from .goals import first_of_month, take_part
from .models_goals import GoalParticipation, GoalValue, SharedGoal

FED_BY_MEASURE = "riverside-general"
TITLE = "Falls with injury per 1,000 patient days"
MONTHS = 18
SEED = 13



def _falls_measure(organization: Organization):
    """Riverside General's own event-derived measure of falls with injury (made if absent)."""
    from safetyhub.events.event_measures import create_event_measure
    from safetyhub.measures.models import Measure

    existing = Measure.objects.filter(organization=organization, name=TITLE,
                                      event_source__isnull=False).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return create_event_measure(
                organization=organization, by=None, name=TITLE, chart="u",
                kind="patient_safety", category="fall", harm_at_least="mild",
                since=first_of_month(timezone.localdate() - dt.timedelta(days=31 * MONTHS)))
    except ValidationError:
        return None  # no taxonomy loaded: this member enters its values instead


@transaction.atomic
def load_goals_demo() -> None:
    network = demo_network()
    if SharedGoal.objects.filter(network=network, title=TITLE).exists():
        return
    today = timezone.localdate()
    start = first_of_month(today)
    for _ in range(MONTHS):
        start = first_of_month(start - dt.timedelta(days=1))
    goal = SharedGoal.objects.create(
        network=network, title=TITLE, chart=SharedGoal.Chart.U, multiplier=1000,
        why="Falls that injure patients are among the commonest harms in our hospitals; the "
            "collaborative aims to bring them down together (the demo's own example).",
        numerator="Inpatient falls with harm mild or worse", denominator="Inpatient days",
        unit="per 1,000 patient days", direction=SharedGoal.Direction.DECREASE, target=1.5,
        start_month=start, event_category="fall", event_harm_at_least="mild",
        per_patient_days=True)
    rng = random.Random(SEED)  # noqa: S311 - demo data, seeded to be the same every time
    members = (current_members(network).select_related("organization")
               .order_by("organization__slug"))
    values = []
    for member in members:
        organization = member.organization
        if organization.slug == FED_BY_MEASURE:
            measure = _falls_measure(organization)
            if measure is not None:
                take_part(goal=goal, organization=organization, by=None,
                          source=GoalParticipation.Source.MEASURE, measure=measure)
                continue
        GoalParticipation.objects.create(goal=goal, organization=organization)
        days = rng.randint(2500, 9000)
        rate = rng.uniform(1.4, 3.2) / 1000
        month = start
        while month < first_of_month(today):
            patient_days = round(days * rng.uniform(0.9, 1.1))
            falls = sum(1 for _ in range(patient_days) if rng.random() < rate)
            values.append(GoalValue(goal=goal, organization=organization, month=month,
                                    numerator=falls, denominator=patient_days))
            month = first_of_month(month + dt.timedelta(days=32))
    GoalValue.objects.bulk_create(values)
