"""The people every test may need: an owner (org admin), a member (assessor) and an
outsider who administers another organization and must be refused everywhere."""

import pytest
from django.test import Client

from safetyhub.core.models import Role

from .factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.hookimpl(trylast=True)  # after pytest-django has put the tests in Django's order
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last: they are the slowest and the ones a sick machine upsets
    (a stuck browser), so every other test has reported by then whatever happens."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Riverside General", slug="riverside")


@pytest.fixture
def owner(org):
    return MembershipFactory(organization=org, role=Role.ORG_ADMIN,
                             user=UserFactory(email="owner@example.org")).user


@pytest.fixture
def member(org):
    return MembershipFactory(organization=org, role=Role.ASSESSOR,
                             user=UserFactory(email="member@example.org")).user


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Lakeshore Community", slug="lakeshore")


@pytest.fixture
def outsider(other_org):
    return MembershipFactory(organization=other_org, role=Role.ORG_ADMIN,
                             user=UserFactory(email="outsider@example.org")).user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


@pytest.fixture
def member_client(member):
    return client_for(member)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


@pytest.fixture
def csrf_client(owner):
    """A client that enforces CSRF, as browsers meet it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client
