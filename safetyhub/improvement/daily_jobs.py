"""The action plan's daily jobs (run by the worker through core/daily_jobs.py): tell owners
about overdue initiatives, and tell the people behind a measure that its data is due. Each
looks at the state of things, so a day missed is caught up the next day; the notifications'
keys make each one once-only."""

import datetime as dt

from django.db.models import Q

from safetyhub.core.models import Membership, Role
from safetyhub.measures import sources as measure_sources
from safetyhub.measures.models import DataPoint, Measure

from . import notifications
from .models import Initiative
from .services import CLOSED


def overdue_initiatives(*, today: dt.date) -> int:
    """Tell each overdue initiative's owner (or, without one, whoever created it) once per
    due date; a new due date that passes too is told again."""
    overdue = (Initiative.objects.filter(due_on__lt=today).exclude(status__in=CLOSED)
               .select_related("organization", "owner", "created_by").order_by("pk"))
    told = 0
    for initiative in overdue:
        told += len(notifications.initiative_overdue(initiative=initiative, today=today))
    return told


def last_complete_period(frequency: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day of the latest period of `frequency` that has ended by `today`
    (None for measures recorded per event)."""
    if frequency == Measure.Frequency.WEEK:
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if frequency == Measure.Frequency.MONTH:
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if frequency == Measure.Frequency.QUARTER:
        first_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=first_month, day=1) - dt.timedelta(days=1)
        return end.replace(month=end.month - 2, day=1), end
    return None


def _measure_people(measure: Measure) -> list:
    """Who answers for a measure's data: the owners of its open initiatives and its author;
    without any, the organization's safety leads."""
    people = [i.owner for i in measure.initiatives.all()
              if i.owner is not None and i.status not in CLOSED]
    if measure.created_by is not None:
        people.append(measure.created_by)
    if not people:
        people = [m.user for m in Membership.objects.filter(
            organization_id=measure.organization_id, role=Role.SAFETY_LEAD, is_active=True,
        ).select_related("user")]
    return people


def measures_data_due(*, today: dt.date) -> int:
    """For each weekly, monthly or quarterly measure with no data for its latest complete
    period (one that ended after the measure was made), tell its people once."""
    told = 0
    measures = (Measure.objects.exclude(frequency=Measure.Frequency.EVENT)
                .exclude(measure_sources.computed())
                .select_related("organization", "created_by")
                .prefetch_related("initiatives__owner").order_by("pk"))
    for measure in measures:
        start, end = last_complete_period(measure.frequency, today)
        if end < measure.created_at.date():
            continue  # the measure did not exist yet
        if DataPoint.objects.filter(Q(period__gte=start) & Q(period__lte=end),
                                    measure=measure).exists():
            continue
        told += len(notifications.measure_data_due(
            measure=measure, recipients=_measure_people(measure), start=start, end=end))
    return told
