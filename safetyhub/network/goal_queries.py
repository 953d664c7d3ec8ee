"""Reads for shared goals: the goals of a network, the door to one goal (from the network's
side and from an organization's), and the monthly series behind the charts.

The network's series sums the values of the organizations that count — current members that
take part — month by month; a month with values from fewer than MIN_ORGANIZATIONS
organizations is not shown at all (neither its sum nor its rate), only how many sent a
value. One organization's values are read only for that organization (`own_series`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from safetyhub.core.models import Organization

from .access import NetworkAccess, current_members, network_row
from .goals import first_of_month, has_denominator, month_under_way
from .models_goals import GoalParticipation, GoalValue, SharedGoal
from .suppression import MIN_ORGANIZATIONS

__all__ = ["MonthRow", "access_goal", "access_org_goal", "goals_of", "network_series",
           "own_series", "participation_of", "periods"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: dt.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def goals_of(network) -> QuerySet[SharedGoal]:
    return SharedGoal.objects.filter(network=network).annotate(
        taking_part=Count("participations", filter=Q(
            participations__stopped_at__isnull=True,
            participations__organization__network_memberships__network=network,
            participations__organization__network_memberships__left_at__isnull=True),
            distinct=True))


def access_goal(*, access: NetworkAccess, pk) -> SharedGoal:
    """A goal of the network reached through `access_network`; the same 404 for a missing
    goal and another network's."""
    return network_row(SharedGoal, network=access.network, pk=pk,
                       queryset=SharedGoal.objects.select_related("network"))


def access_org_goal(*, organization: Organization, pk) -> SharedGoal:
    """A goal of a network the organization is a current member of; the same 404 for a
    missing goal and any other."""
    try:
        return SharedGoal.objects.select_related("network").get(
            pk=int(pk), network__members__organization=organization,
            network__members__left_at__isnull=True)
    except (SharedGoal.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such goal.") from None


def participation_of(goal: SharedGoal, organization: Organization) -> GoalParticipation | None:
    return (GoalParticipation.objects.select_related("measure")
            .filter(goal=goal, organization=organization).first())


def periods(goal: SharedGoal, *, today: dt.date | None = None) -> list[dt.date]:
    """Every complete month from the goal's start to the last one before today's."""
    end = month_under_way(today)
    out, month = [], goal.start_month
    while month < end:
        out.append(month)
        month = first_of_month(month + dt.timedelta(days=32))
    return out


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    label: str
    organizations: int  # how many organizations' values make the month
    numerator: float | None  # None: nothing to show (no value, or suppressed)
    denominator: float | None
    suppressed: bool = False  # values exist but from too few organizations
    via: str = ""  # own series: how the value came
    corrections: int = 0


def _counting_organizations(goal: SharedGoal) -> QuerySet:
    """The organizations whose values count for the network: current members taking part."""
    members = current_members(goal.network).values("organization_id")
    return GoalParticipation.objects.filter(goal=goal, stopped_at__isnull=True,
                                            organization_id__in=members).values(
        "organization_id")


def network_series(goal: SharedGoal, *, today: dt.date | None = None) -> list[MonthRow]:
    """The network's monthly sums, months from too few organizations suppressed."""
    months = periods(goal, today=today)
    if not months:
        return []
    values = GoalValue.objects.filter(goal=goal, month__gte=months[0], month__lte=months[-1],
                                      organization_id__in=_counting_organizations(goal))
    if has_denominator(goal):
        values = values.filter(denominator__isnull=False)
    sums = {row["month"]: row for row in values.order_by().values("month").annotate(
        organizations=Count("organization_id", distinct=True), numerator=Sum("numerator"),
        denominator=Sum("denominator"))}
    rows = []
    for month in months:
        found = sums.get(month)
        count = found["organizations"] if found else 0
        shown = count >= MIN_ORGANIZATIONS
        rows.append(MonthRow(
            month=month, label=month_label(month), organizations=count,
            numerator=found["numerator"] if shown else None,
            denominator=(found["denominator"] if shown and has_denominator(goal) else None),
            suppressed=0 < count < MIN_ORGANIZATIONS))
    return rows


def own_series(goal: SharedGoal, organization: Organization, *,
               today: dt.date | None = None) -> list[MonthRow]:
    """The organization's own values, every month of the goal (None where none was sent)."""
    months = periods(goal, today=today)
    values = {v.month: v for v in GoalValue.objects.filter(goal=goal, organization=organization)}
    return [MonthRow(month=month, label=month_label(month), organizations=1 if month in values
                     else 0,
                     numerator=values[month].numerator if month in values else None,
                     denominator=values[month].denominator if month in values else None,
                     via=values[month].get_via_display() if month in values else "",
                     corrections=values[month].corrections if month in values else 0)
            for month in months]


def own_values(goal: SharedGoal, organization: Organization) -> QuerySet[GoalValue]:
    """Every value the organization sent, including months before the goal moved its start."""
    return GoalValue.objects.filter(goal=goal, organization=organization).order_by("month")


def missing_last_month(*, organization: Organization,
                       today: dt.date | None = None) -> list[SharedGoal]:
    """The goals the organization takes part in (entering its values) whose last complete
    month has no value yet: two queries whatever the number of goals."""
    today = today or timezone.localdate()
    last = first_of_month(month_under_way(today) - dt.timedelta(days=1))
    participations = (GoalParticipation.objects
                      .filter(organization=organization, stopped_at__isnull=True,
                              source=GoalParticipation.Source.ENTERED,
                              goal__start_month__lte=last,
                              goal__network__members__organization=organization,
                              goal__network__members__left_at__isnull=True)
                      .select_related("goal__network").order_by("goal__title", "goal_id"))
    participations = list(participations)
    sent = set(GoalValue.objects.filter(organization=organization, month=last,
                                        goal__in=[p.goal_id for p in participations])
               .values_list("goal_id", flat=True))
    return [p.goal for p in participations if p.goal_id not in sent]
