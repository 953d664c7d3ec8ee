"""Fixtures of the communication-and-resolution and caregiver-support tests (imported by
their modules, not a conftest, so the investigations helpers' fixtures stay apart): an
organization that joined a year ago (the investigations conftest's, shared with the events
tests), a person for every role, and events with and without harm."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Role
from tests.factories import MembershipFactory, UserFactory, submit_event

EVERY_ROLE = [role for role, _label in Role.choices]


@pytest.fixture
def people(org) -> dict[str, object]:
    """One active member per role, keyed by role."""
    return {role: MembershipFactory(organization=org, role=role,
                                    user=UserFactory(email=f"{role}@example.org")).user
            for role in EVERY_ROLE}


@pytest.fixture
def reviewer(people):
    return people[Role.EVENT_REVIEWER]


@pytest.fixture
def coordinator(people):
    return people[Role.SUPPORT_COORDINATOR]


@pytest.fixture
def harm_event(org, people):
    """A fall with moderate harm ten days ago, reported by a staff member."""
    return submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                        occurred_at=timezone.now() - dt.timedelta(days=10),
                        harm_level="moderate").report


@pytest.fixture
def no_harm_event(org, people):
    return submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                        occurred_at=timezone.now() - dt.timedelta(days=3),
                        harm_level="none").report
