"""What the shared-goal tests share: a network of six member organizations (Riverside, the
conftest's, and five more), a lead who belongs to none of them, and a goal (falls per 1,000
patient days, a U chart) that started six months ago."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.network import goals as services

from ..factories import MembershipFactory, OrganizationFactory, UserFactory, network_with


def months_ago(k: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _ in range(k):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def others(db):
    return [OrganizationFactory(name=f"Member {k}", slug=f"member-{k}") for k in range(1, 6)]


@pytest.fixture
def lead(db):
    return UserFactory(email="lead@example.org")


@pytest.fixture
def network(org, others, lead):
    return network_with(org, *others, lead=lead, slug="valley", name="Valley")


@pytest.fixture
def goal(network, lead):
    return services.create_goal(
        network=network, by=lead, title="Falls with injury", chart="u", multiplier=1000,
        numerator="Falls with injury", denominator="Patient days",
        unit="per 1,000 patient days", direction="decrease", start_month=months_ago(6))


@pytest.fixture
def other_admin(others):
    return MembershipFactory(organization=others[0], role=Role.ORG_ADMIN,
                             user=UserFactory(email="other-admin@example.org")).user


def send(goal, organization, month, numerator, denominator=1000.0):
    """The organization takes part (if not yet) and sends one month's value."""
    if not goal.participations.filter(organization=organization,
                                      stopped_at__isnull=True).exists():
        services.take_part(goal=goal, organization=organization, by=None)
    return services.save_value(goal=goal, organization=organization, month=month,
                               numerator=numerator, denominator=denominator, by=None)[0]
