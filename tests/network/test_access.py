"""The door to networks: leads and people of current member organizations get in; everyone
else, including people of an organization that left, gets the same 404."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.network.access import access_network, require_lead, visible_networks

from ..factories import MembershipFactory, OrganizationFactory, UserFactory, network_with


@pytest.fixture
def network(org, other_org):
    return network_with(org, lead=UserFactory(email="lead@example.org"), slug="valley")


def test_member_organization_people_get_in_without_being_leads(network, member, org):
    access = access_network(user=member, slug="valley")
    assert access.organizations == (org,)
    assert not access.is_lead
    with pytest.raises(PermissionDenied):
        require_lead(access)


def test_a_lead_gets_in_without_belonging_to_any_organization(network):
    lead = network.leads.get().user
    access = access_network(user=lead, slug="valley")
    assert access.is_lead and access.organizations == ()
    assert lead.memberships.count() == 0


def test_outsiders_and_missing_networks_get_the_same_404(network, outsider):
    for slug in ("valley", "no-such-network", "../valley"):
        with pytest.raises(Http404, match="No such network"):
            access_network(user=outsider, slug=slug)


def test_an_organization_that_left_no_longer_reaches_the_network(network, member):
    network.members.update(left_at=timezone.now())
    with pytest.raises(Http404):
        access_network(user=member, slug="valley")
    assert list(visible_networks(member)) == []


def test_permissions_for_the_organization_follow_the_role(network, org, owner, member):
    reporter = MembershipFactory(organization=org, role=Role.STAFF_REPORTER).user
    assert access_network(user=owner, slug="valley").organizations_allowed(
        owner, "network.manage_membership") == [org]
    assert access_network(user=member, slug="valley").organizations_allowed(
        member, "network.manage_membership") == []
    assert access_network(user=reporter, slug="valley").organizations_allowed(
        reporter, "network.contribute") == []


def test_visible_networks_lists_each_network_once(network, org, owner):
    second = OrganizationFactory()
    MembershipFactory(organization=second, user=owner, role=Role.ORG_ADMIN)
    network.members.create(organization=second)
    assert list(visible_networks(owner)) == [network]
