"""People and records the action and aggregate-review tests share: an organization that
joined a year ago, a reviewer, a patient-safety lead, a nurse manager (staff reporter) who
owns actions, an executive, and an RCA² of a fall with harm."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.investigations.models import Review
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, submit_event


@pytest.fixture
def org(db):
    organization = OrganizationFactory(name="Riverside General", slug="riverside")
    type(organization).objects.filter(pk=organization.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400))
    organization.refresh_from_db()
    return organization


def person(org, role, email):
    return MembershipFactory(organization=org, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def reviewer(org):
    return person(org, Role.EVENT_REVIEWER, "reviewer@example.org")


@pytest.fixture
def lead(org):
    return person(org, Role.SAFETY_LEAD, "lead@example.org")


@pytest.fixture
def manager(org):
    return person(org, Role.STAFF_REPORTER, "manager@example.org")


@pytest.fixture
def executive(org):
    return person(org, Role.EXECUTIVE_VIEWER, "exec@example.org")


@pytest.fixture
def event(org, manager):
    return submit_event(organization=org, reporter=manager, harm_level="moderate",
                        narrative="Fall at night on the way to the bathroom.").report


@pytest.fixture
def review(org, event, lead):
    review = Review.objects.create(organization=org, kind=Review.Kind.RCA2,
                                   title="Fall on 4 West", index_event=event, created_by=lead)
    review.events.add(event)
    return review
