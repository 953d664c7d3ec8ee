"""The networks API: the same rules as the pages (404 for outsiders, 403 for members on
leads' operations, 422 naming the field for bad input, nothing changed when refused)."""

import pytest
from django.test import Client

from safetyhub.core import services as core_services
from safetyhub.network import services
from safetyhub.network.models import Network, NetworkInvitation, NetworkMember

from ..factories import UserFactory, network_with


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


@pytest.fixture
def lead(db):
    return UserFactory(email="lead@example.org")


@pytest.fixture
def network(org, lead):
    return network_with(org, lead=lead, slug="valley", name="Valley Collaborative")


def _json(client, method, url, body=None):
    return getattr(client, method)(url, body if body is not None else {},
                                   content_type="application/json")


def test_my_networks_lists_what_i_lead_or_reach(network, lead, member, outsider):
    assert api_client(lead).get("/api/v1/networks").json() == [{
        "slug": "valley", "name": "Valley Collaborative", "kind": "regional",
        "description": "", "member_count": 1, "is_lead": True}]
    assert api_client(member).get("/api/v1/networks").json()[0]["is_lead"] is False
    assert api_client(outsider).get("/api/v1/networks").json() == []


def test_network_detail_names_members_and_refuses_outsiders_alike(network, member, org,
                                                                  outsider):
    body = api_client(member).get("/api/v1/networks/valley").json()
    assert body["your_organizations"] == [org.slug]
    assert [m["organization_name"] for m in body["members"]] == [org.name]
    missing = api_client(outsider).get("/api/v1/networks/no-such")
    foreign = api_client(outsider).get("/api/v1/networks/valley")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


def test_creating_a_network_checks_fields(owner, member):
    client = api_client(owner)
    response = _json(client, "post", "/api/v1/networks", {"name": "", "kind": "league"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"name", "kind"}
    response = _json(api_client(member), "post", "/api/v1/networks", {"name": "Mine"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "name"
    response = _json(client, "post", "/api/v1/networks", {"name": "Hill Network"})
    assert response.status_code == 201 and response.json()["slug"] == "hill-network"
    assert Network.objects.get().leads.get().user == owner


def test_invitations_are_for_leads(network, lead, member):
    assert _json(api_client(member), "post", "/api/v1/networks/valley/invitations"
                 ).status_code == 403
    client = api_client(lead)
    response = _json(client, "post", "/api/v1/networks/valley/invitations", {"note": "x" * 201})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "note"
    made = _json(client, "post", "/api/v1/networks/valley/invitations", {"note": "Lakeshore"})
    assert made.status_code == 201 and "/networks/join/" in made.json()["url"]
    listed = client.get("/api/v1/networks/valley/invitations").json()
    assert [i["note"] for i in listed] == ["Lakeshore"] and "url" not in listed[0]
    pk = made.json()["id"]
    assert client.delete(f"/api/v1/networks/valley/invitations/{pk}").status_code == 204
    assert client.get("/api/v1/networks/valley/invitations").json() == []
    assert client.delete("/api/v1/networks/valley/invitations/999999").status_code == 404


def test_an_organization_joins_with_the_token_and_only_once(network, lead, outsider,
                                                            other_org, member, org):
    _, token = services.create_invitation(network=network, by=lead)
    client = api_client(outsider)
    response = _json(client, "post", f"/api/v1/orgs/{other_org.slug}/network/join",
                     {"token": "wrong"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "token"
    # an assessor may not act for the organization; another organization's slug is a 404
    assert _json(api_client(member), "post", f"/api/v1/orgs/{org.slug}/network/join",
                 {"token": token}).status_code == 403
    assert _json(client, "post", f"/api/v1/orgs/{org.slug}/network/join",
                 {"token": token}).status_code == 404
    response = _json(client, "post", f"/api/v1/orgs/{other_org.slug}/network/join",
                     {"token": token})
    assert response.status_code == 201
    assert response.json()["network"] == "valley" and response.json()["left_at"] is None
    again = _json(client, "post", f"/api/v1/orgs/{other_org.slug}/network/join",
                  {"token": token})
    assert again.status_code == 422
    assert NetworkMember.objects.filter(organization=other_org).count() == 1


def test_a_current_member_is_refused_with_a_reason(network, lead, owner, org):
    _, token = services.create_invitation(network=network, by=lead)
    response = _json(api_client(owner), "post", f"/api/v1/orgs/{org.slug}/network/join",
                     {"token": token})
    assert response.status_code == 422
    assert response.json()["detail"] == [{
        "field": "organization",
        "reason": f"{org.name} is already a member of Valley Collaborative."}]
    assert NetworkInvitation.objects.get().accepted_at is None


def test_sharing_choices_read_and_update(network, owner, member, org):
    url = f"/api/v1/orgs/{org.slug}/network/valley/sharing"
    assert api_client(member).get(url).json() == {
        "shares_assessment_scores": False, "shares_event_counts": False,
        "shares_action_strength": False}
    assert _json(api_client(member), "put", url, {"shares_event_counts": True}
                 ).status_code == 403
    response = _json(api_client(owner), "put", url, {"shares_event_counts": "maybe"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "shares_event_counts"
    response = _json(api_client(owner), "put", url, {"shares_event_counts": True})
    assert response.json()["shares_event_counts"] is True
    assert response.json()["shares_assessment_scores"] is False
    assert api_client(owner).get(f"/api/v1/orgs/{org.slug}/network/elsewhere/sharing"
                                 ).status_code == 404


def test_leaving_needs_a_reason_and_is_listed_afterwards(network, owner, org):
    client = api_client(owner)
    url = f"/api/v1/orgs/{org.slug}/network/valley/leave"
    response = _json(client, "post", url, {"reason": "   "})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "reason"
    assert NetworkMember.objects.get().is_current
    response = _json(client, "post", url, {"reason": "Merged"})
    assert response.status_code == 200 and response.json()["left_reason"] == "Merged"
    assert _json(client, "post", url, {"reason": "Again"}).status_code == 404
    listed = client.get(f"/api/v1/orgs/{org.slug}/network").json()
    assert listed[0]["network"] == "valley" and listed[0]["left_at"] is not None
    assert client.get("/api/v1/networks/valley").status_code == 404
