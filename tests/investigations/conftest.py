"""The people of an investigation: event reviewers and patient-safety leads run reviews;
executives, admins and staff reporters are refused them. An event scored SAC 3 and an RCA²
with a full team, ready to charter."""

import pytest

from safetyhub.core.models import Role
from safetyhub.investigations import services
from safetyhub.investigations.models import ReviewMember
from tests.events import conftest as events
from tests.factories import MembershipFactory, UserFactory, submit_event

TEAM = [("Ana Ruiz", ReviewMember.Role.LEADER), ("Ben Cho", ReviewMember.Role.FACILITATOR),
        ("Cleo Diaz", ReviewMember.Role.EXPERT), ("Dev Shah", ReviewMember.Role.OUTSIDER)]
STATEMENT = {
    "cause": "The bed alarm could be switched off with one button and no second check",
    "effect": "a patient at high risk of falling being left without an alarm at night",
    "event": "the fall and the cut to the forehead",
    "rules_confirmed": [1, 2, 3, 4, 5],
}


# The events tests' organization (joined a year ago) and people, shared.
org, reviewer, safety_lead = events.org, events.reviewer, events.safety_lead
executive, staff = events.executive, events.staff


@pytest.fixture
def admin(org):
    return events._person(org, Role.ORG_ADMIN, "admin@example.org")


@pytest.fixture
def event(org):
    reporter = MembershipFactory(organization=org, role="staff_reporter",
                                 user=UserFactory(email="witness@example.org")).user
    return submit_event(organization=org, reporter=reporter, harm_level="severe").report


@pytest.fixture
def scored(event, reviewer):
    services.score_event(report=event, by=reviewer, severity="major", probability="frequent")
    return event


@pytest.fixture
def rca(scored, reviewer):
    return services.start_review(report=scored, by=reviewer)


def add_team(review, by, team=TEAM):
    for name, role in team:
        services.add_member(review=review, by=by, name=name, role=role)


@pytest.fixture
def chartered(rca, reviewer):
    import datetime as dt

    from django.utils import timezone

    add_team(rca, reviewer)
    return services.charter(review=rca, by=reviewer, scope="Night-time falls on the unit",
                            questions="Why was the alarm off?",
                            target_completion_on=timezone.localdate() + dt.timedelta(days=30))


# --- the action and aggregate-review tests -------------------------------------------------


@pytest.fixture
def lead(safety_lead):
    """A patient-safety lead: reviews events and leads the action plan."""
    return safety_lead


@pytest.fixture
def manager(org):
    """A nurse manager (a staff reporter) who owns actions."""
    return events._person(org, Role.STAFF_REPORTER, "manager@example.org")


@pytest.fixture
def review(rca):
    """An RCA² of a severe-harm event, just started."""
    return rca
