"""My work: last month's shared-goal values not yet sent, for the people who send them."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import WorkItem

from .goal_queries import missing_last_month

SUBMIT = "network.submit_goal_data"


def goal_data_due(user: User, organization: Organization, *,
                  today: dt.date | None = None) -> list[WorkItem]:
    """One item per goal the organization takes part in (entering its values) whose last
    complete month has no value yet; two queries whatever the number of goals."""
    if not user.has_perm(SUBMIT, organization):
        return []
    today = today or timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return [WorkItem(title=goal.title, kind="Shared-goal data",
                     link=reverse("network:org_goal", args=[organization.slug, goal.pk]),
                     detail=f"{last:%B %Y}'s value for {goal.network.name}",
                     due_on=today.replace(day=1) + dt.timedelta(days=14),
                     overdue=today.day > 15)
            for goal in missing_last_month(organization=organization, today=today)]
