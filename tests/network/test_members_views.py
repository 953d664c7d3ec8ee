"""Network pages: the list and starting a network, the network home, the leads' members page,
the invitation link, and an organization's own side (sharing, leaving)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.network import pages, services
from safetyhub.network.models import Network, NetworkInvitation, NetworkLead, NetworkMember

from ..conftest import client_for
from ..factories import MembershipFactory, OrganizationFactory, UserFactory, network_with


@pytest.fixture
def lead(db):
    return UserFactory(email="lead@example.org")


@pytest.fixture
def network(org, lead):
    return network_with(org, lead=lead, slug="valley", name="Valley Collaborative")


def _invite(network, lead) -> str:
    return services.create_invitation(network=network, note="Lakeshore", by=lead)[1]


# --- the list, starting a network, the start page --------------------------------------------

def test_an_org_admin_starts_a_network_and_becomes_its_only_lead(owner_client, owner, org):
    response = owner_client.post("/networks/", {"name": "Hill Network", "kind": "pso",
                                                "description": "For the hills."})
    assert response.status_code == 302
    network = Network.objects.get(slug="hill-network")
    assert response["Location"] == "/n/hill-network/members/"
    assert list(network.leads.values_list("user", flat=True)) == [owner.pk]
    # the admin's organization does not join by this
    assert not network.members.exists()
    assert AuditEntry.objects.filter(object_type__icontains="network").exists()


def test_starting_a_network_with_a_taken_short_name_names_the_field(owner_client, network):
    response = owner_client.post("/networks/", {"name": "Valley", "slug": "valley",
                                                "kind": "regional"})
    assert response.status_code == 422
    assert "The short name &#x27;valley&#x27; is taken." in response.content.decode()
    assert Network.objects.count() == 1


def test_someone_who_administers_no_organization_cannot_start_one(member_client):
    page = member_client.get("/networks/").content.decode()
    assert "Start a network" not in page
    assert member_client.post("/networks/", {"name": "Mine", "kind": "other"}).status_code == 404
    assert not Network.objects.exists()


def test_a_lead_in_no_organization_lands_on_the_network_list(network, lead):
    client = client_for(lead)
    response = client.get("/")
    assert response["Location"] == "/networks/"
    page = client.get("/networks/").content.decode()
    assert "Valley Collaborative" in page and "you lead it" in page


def test_someone_in_no_organization_and_no_network_gets_the_usual_start_page(db):
    response = client_for(UserFactory()).get("/")
    assert response.status_code == 200
    assert "not a member of any organization" in response.content.decode()


# --- the network home --------------------------------------------------------------------------

def test_home_lists_member_organizations_and_registered_parts(network, member, org, lead):
    pages.register(key="test-members-home", label="Members again", url_name="network:members",
                   description="a registered part", order=99, leads_only=True)
    pages.register(key="test-missing", label="Not routed", url_name="network:no-such-page")
    member_page = client_for(member).get("/n/valley/").content.decode()
    assert org.name in member_page
    assert "Not routed" not in member_page
    assert "Members again" not in member_page  # a leads-only part
    lead_page = client_for(lead).get("/n/valley/").content.decode()
    assert "Members again" in lead_page and "Joined and left" in lead_page


def test_home_refuses_outsiders_and_people_of_an_organization_that_left(network, outsider,
                                                                          member):
    assert client_for(outsider).get("/n/valley/").status_code == 404
    network.members.update(left_at=timezone.now())
    assert client_for(member).get("/n/valley/").status_code == 404


def test_network_home_query_count_does_not_grow_with_members(network, lead):
    client = client_for(lead)

    def queries_for_home() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/n/valley/").status_code == 200
        return len(context)

    client.get("/n/valley/")  # the session's first page writes; count the next ones
    with_one = queries_for_home()
    for _ in range(3):
        NetworkMember.objects.create(network=network, organization=OrganizationFactory())
    assert queries_for_home() == with_one


# --- leads: invitations and leads --------------------------------------------------------------

def test_members_page_is_for_leads_only(network, member, owner, lead):
    assert client_for(member).get("/n/valley/members/").status_code == 403
    assert client_for(owner).post("/n/valley/members/invitations/").status_code == 403
    assert client_for(lead).get("/n/valley/members/").status_code == 200


def test_a_lead_makes_an_invitation_link_shown_once(network, lead):
    client = client_for(lead)
    response = client.post("/n/valley/members/invitations/", {"note": "Lakeshore"},
                           follow=True)
    page = response.content.decode()
    link = re.search(r'<code class="invitation-link">([^<]+)</code>', page).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = NetworkInvitation.objects.get()
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert services.open_invitation(token) == invitation
    assert "invitation-link" not in client.get("/n/valley/members/").content.decode()


def test_an_overlong_invitation_note_is_refused_naming_the_field(network, lead):
    response = client_for(lead).post("/n/valley/members/invitations/", {"note": "x" * 201})
    assert response.status_code == 422
    assert "at most 200 characters" in response.content.decode()
    assert not NetworkInvitation.objects.exists()


def test_a_lead_revokes_an_invitation_but_not_another_networks(network, lead, other_org):
    other = network_with(other_org, lead=UserFactory(), slug="other")
    theirs, _ = services.create_invitation(network=other, by=other.leads.get().user)
    mine, token = services.create_invitation(network=network, by=lead)
    client = client_for(lead)
    assert client.post(f"/n/valley/members/invitations/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/n/valley/members/invitations/{mine.pk}/revoke/").status_code == 302
    assert services.open_invitation(token) is None
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_leads_are_added_by_email_and_the_last_one_stays(network, lead, owner):
    client = client_for(lead)
    response = client.post("/n/valley/members/leads/", {"email": "nobody@example.org"})
    assert response.status_code == 422
    assert "No active SafetyHub account uses nobody@example.org" in response.content.decode()
    assert client.post("/n/valley/members/leads/", {"email": owner.email.upper()}
                       ).status_code == 302
    assert NetworkLead.objects.filter(network=network, user=owner).exists()
    # the new lead is a lead, and still only an admin of their own organization
    first = NetworkLead.objects.get(network=network, user=lead)
    assert client_for(owner).post(f"/n/valley/members/leads/{first.pk}/remove/"
                                  ).status_code == 302
    last = NetworkLead.objects.get(network=network)
    response = client_for(owner).post(f"/n/valley/members/leads/{last.pk}/remove/",
                                      follow=True)
    assert "keeps at least one lead" in response.content.decode()
    assert NetworkLead.objects.filter(network=network).count() == 1


# --- the invitation link -----------------------------------------------------------------------

def test_an_admin_picks_which_organization_joins(network, lead, outsider, other_org):
    token = _invite(network, lead)
    client = client_for(outsider)
    page = client.get(f"/networks/join/{token}/").content.decode()
    assert other_org.name in page and "Join Valley Collaborative" in page
    response = client.post(f"/networks/join/{token}/", {"organization": other_org.pk,
                                                         "decision": "accept"})
    assert response["Location"] == f"/o/{other_org.slug}/network/"
    member = NetworkMember.objects.get(network=network, organization=other_org)
    assert member.is_current
    assert not (member.shares_event_counts or member.shares_assessment_scores
                or member.shares_action_strength)
    assert client.get(f"/networks/join/{token}/").status_code == 404  # used up


def test_joining_for_an_organization_one_may_not_act_for_is_refused(network, lead, outsider,
                                                                    other_org):
    assessor_org = OrganizationFactory()
    MembershipFactory(organization=assessor_org, user=outsider, role=Role.ASSESSOR)
    token = _invite(network, lead)
    response = client_for(outsider).post(f"/networks/join/{token}/",
                                         {"organization": assessor_org.pk})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not NetworkMember.objects.filter(organization=assessor_org).exists()
    assert services.open_invitation(token) is not None


def test_an_organization_already_a_member_is_refused_with_a_reason(network, lead, owner, org):
    token = _invite(network, lead)
    response = client_for(owner).post(f"/networks/join/{token}/", {"organization": org.pk})
    assert response.status_code == 422
    assert f"{org.name} is already a member of Valley Collaborative." in (
        response.content.decode())
    assert services.open_invitation(token) is not None


def test_someone_who_may_not_act_for_any_organization_is_told_to_pass_the_link_on(
        network, lead, member):
    token = _invite(network, lead)
    page = client_for(member).get(f"/networks/join/{token}/").content.decode()
    assert "Pass the link to them" in page


def test_declining_uses_the_link_up_and_joins_nobody(network, lead, outsider):
    token = _invite(network, lead)
    client = client_for(outsider)
    assert client.post(f"/networks/join/{token}/", {"decision": "decline"}).status_code == 302
    assert NetworkInvitation.objects.get().declined_at is not None
    assert not NetworkMember.objects.filter(organization__memberships__user=outsider).exists()
    assert client.get(f"/networks/join/{token}/").status_code == 404


def test_an_unknown_or_expired_link_is_a_404_and_anonymous_visitors_sign_in(network, lead,
                                                                            outsider):
    token = _invite(network, lead)
    from django.test import Client
    assert Client().get(f"/networks/join/{token}/")["Location"].startswith("/accounts/login/")
    assert client_for(outsider).get("/networks/join/not-a-token/").status_code == 404
    NetworkInvitation.objects.update(expires_at=timezone.now())
    assert client_for(outsider).get(f"/networks/join/{token}/").status_code == 404


# --- an organization's own side ------------------------------------------------------------------

def test_every_member_sees_the_organization_networks_page_only_managers_change_it(
        network, member, owner, org):
    page = client_for(member).get(f"/o/{org.slug}/network/").content.decode()
    assert "Valley Collaborative" in page and "not shared" in page
    assert f'href="/o/{org.slug}/network/" aria-current="page">Learning networks' in page
    assert 'name="n' not in page  # no switches for an assessor
    assert client_for(member).post(f"/o/{org.slug}/network/valley/sharing/",
                                   {"n1-shares_event_counts": "on"}).status_code == 403
    manager_page = client_for(owner).get(f"/o/{org.slug}/network/").content.decode()
    assert "Event counts and harm rates" in manager_page and "Leave Valley" in manager_page
    assert "Nothing is shared with this network yet" in manager_page
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    assert "Nothing is shared" not in client_for(owner).get(
        f"/o/{org.slug}/network/").content.decode()


def test_sharing_choices_are_saved_and_audited(network, owner, org):
    member = NetworkMember.objects.get(network=network)
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client_for(owner).post(f"/o/{org.slug}/network/valley/sharing/",
                                      {f"n{member.pk}-shares_event_counts": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.shares_event_counts
    assert not member.shares_assessment_scores and not member.shares_action_strength
    (entry,) = AuditEntry.objects.filter(pk__gt=before, object_type="network.NetworkMember")
    assert entry.organization_id == org.pk and "shares_event_counts" in entry.changes


def test_the_organization_side_refuses_other_networks(network, owner, org, other_org):
    network_with(other_org, slug="elsewhere")
    assert client_for(owner).post(f"/o/{org.slug}/network/elsewhere/sharing/",
                                  {}).status_code == 404
    assert client_for(owner).get(f"/o/{org.slug}/network/elsewhere/leave/").status_code == 404


def test_leaving_needs_a_reason_keeps_the_row_and_can_be_invited_again(network, owner, org,
                                                                       lead):
    client = client_for(owner)
    response = client.post(f"/o/{org.slug}/network/valley/leave/", {"reason": "  "})
    assert response.status_code == 422
    assert NetworkMember.objects.get(network=network).is_current
    assert client.post(f"/o/{org.slug}/network/valley/leave/",
                       {"reason": "Merged into a system"}).status_code == 302
    row = NetworkMember.objects.get(network=network)
    assert row.left_at is not None and row.left_reason == "Merged into a system"
    assert client.get("/n/valley/").status_code == 404
    assert "Merged into a system" in client_for(lead).get("/n/valley/").content.decode()
    # invited again: a new membership row, the old one kept
    token = _invite(network, lead)
    client.post(f"/networks/join/{token}/", {"organization": org.pk})
    assert NetworkMember.objects.filter(network=network, organization=org).count() == 2
    assert client.get("/n/valley/").status_code == 200


def test_list_pages_query_counts_do_not_grow_with_rows(network, lead, owner, org):
    """The network list, the leads' members page and the organization's side, at one row
    and at three: the same number of queries."""
    lead_client, owner_client = client_for(lead), client_for(owner)
    NetworkLead.objects.create(network=network, user=owner)

    def count(client, url) -> int:
        client.get(url)  # the session's first visit may write; count the next one
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    pages_ = [(lead_client, "/networks/"), (lead_client, "/n/valley/members/"),
              (owner_client, f"/o/{org.slug}/network/")]
    with_one = [count(client, url) for client, url in pages_]
    for n in range(2):
        extra = network_with(org, slug=f"more-{n}")
        NetworkLead.objects.create(network=extra, user=lead)
        services.create_invitation(network=network, by=lead)
        NetworkLead.objects.create(network=network, user=UserFactory())
        NetworkMember.objects.create(network=network, organization=OrganizationFactory())
    assert [count(client, url) for client, url in pages_] == with_one
