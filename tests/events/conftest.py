
import pytest

from safetyhub.core.models import Role
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, organization_that_joined


@pytest.fixture
def org(db):
    """An organization that joined SafetyHub a year ago (events may be that old)."""
    return organization_that_joined(days_ago=365, name="Riverside General", slug="riverside")


def _person(org, role, email):
    return MembershipFactory(organization=org, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def reviewer(org):
    return _person(org, Role.EVENT_REVIEWER, "reviewer@example.org")


@pytest.fixture
def safety_lead(org):
    return _person(org, Role.SAFETY_LEAD, "lead@example.org")


@pytest.fixture
def executive(org):
    return _person(org, Role.EXECUTIVE_VIEWER, "exec@example.org")


@pytest.fixture
def advisor(org):
    return _person(org, Role.PATIENT_FAMILY_ADVISOR, "advisor@example.org")


@pytest.fixture
def staff(org):
    return _person(org, Role.STAFF_REPORTER, "staff@example.org")


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def reviewer_client(reviewer):
    return client_for(reviewer)
