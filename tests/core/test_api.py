import pytest
from django.test import Client

from safetyhub.core import services
from safetyhub.core.models import AuditEntry, Membership, Role, Site

from ..factories import SiteFactory


@pytest.fixture
def owner_api(owner) -> Client:
    _token, secret = services.create_api_token(user=owner, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


@pytest.fixture
def member_api(member) -> Client:
    _token, secret = services.create_api_token(user=member, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_api_refuses_requests_without_credentials(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"][0]["field"] == "Authorization"


def test_api_refuses_a_revoked_token(owner):
    token, secret = services.create_api_token(user=owner, name="old")
    services.revoke_api_token(token=token)
    response = Client(headers={"authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_me_lists_memberships(owner_api, org):
    body = owner_api.get("/api/v1/me").json()
    assert body["email"] == "owner@example.org"
    assert body["memberships"] == [
        {"organization": org.slug, "organization_name": org.name, "role": "org_admin"}
    ]


def test_session_users_can_use_the_api(owner_client, org):
    assert owner_client.get(f"/api/v1/orgs/{org.slug}").json()["name"] == org.name


def test_members_follow_the_same_rules_as_the_pages(member_api, owner_api, org):
    assert member_api.get(f"/api/v1/orgs/{org.slug}/members").status_code == 403
    members = owner_api.get(f"/api/v1/orgs/{org.slug}/members").json()
    assert {m["email"] for m in members} == {"owner@example.org", "member@example.org"}


def test_invitation_via_api_validates_fields(owner_api, member, org):
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/invitations",
                              {"email": "not-an-email", "role": "wizard"},
                              content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"email", "role"}
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/invitations",
                              {"email": "member@example.org", "role": "assessor"},
                              content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "email", "reason": "member@example.org is already a member of this organization."}
    ]
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/invitations",
                              {"email": "new@example.org", "role": "assessor"},
                              content_type="application/json")
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.org"


def test_member_update_via_api_is_audited_to_the_token_owner(owner_api, owner, member, org):
    membership = Membership.objects.get(user=member)
    response = owner_api.put(f"/api/v1/orgs/{org.slug}/members/{membership.pk}",
                             {"role": "safety_lead", "is_active": True},
                             content_type="application/json")
    assert response.status_code == 200
    assert response.json()["role"] == "safety_lead"
    entry = AuditEntry.objects.filter(object_type="core.Membership",
                                      object_id=str(membership.pk)).latest("seq")
    assert entry.actor_id == owner.pk
    assert entry.changes == {"role": {"from": "assessor", "to": "safety_lead"}}


def test_site_create_names_a_foreign_parent(owner_api, org, other_org):
    foreign = SiteFactory(organization=other_org)
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/sites",
                              {"name": "ICU", "kind": "unit", "parent_id": foreign.pk},
                              content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "parent_id"
    assert not Site.objects.filter(organization=org).exists()


def test_site_create_and_list(owner_api, org):
    parent = owner_api.post(f"/api/v1/orgs/{org.slug}/sites", {"name": "Main", "kind": "hospital"},
                            content_type="application/json").json()
    child = owner_api.post(f"/api/v1/orgs/{org.slug}/sites",
                           {"name": "ICU", "kind": "unit", "parent_id": parent["id"]},
                           content_type="application/json").json()
    listed = owner_api.get(f"/api/v1/orgs/{org.slug}/sites").json()
    assert [s["name"] for s in listed] == ["Main", "ICU"]
    assert child["parent_id"] == parent["id"]


def test_audit_api_filters_and_paginates(owner_api, org):
    for n in range(3):
        SiteFactory(organization=org, name=f"Unit {n}")
    body = owner_api.get(f"/api/v1/orgs/{org.slug}/audit?object_type=core.Site&limit=2").json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert {i["object_type"] for i in body["items"]} == {"core.Site"}
    bad = owner_api.get(f"/api/v1/orgs/{org.slug}/audit?since=yesterday")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"].endswith("since")


def test_malformed_json_gets_a_clear_error(owner_api, org):
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/sites", "{not json",
                              content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert not Site.objects.exists()


def test_wrong_content_type_changes_nothing(owner_api, org):
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/sites", "name=ICU",
                              content_type="text/plain")
    assert 400 <= response.status_code < 500
    assert not Site.objects.exists()


def test_oversized_payload_is_refused(owner_api, org, settings):
    big = '{"name": "' + "x" * (settings.MAX_REQUEST_BYTES + 10) + '", "kind": "unit"}'
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/sites", big,
                              content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Site.objects.exists()


def test_openapi_document_describes_the_api(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "SafetyHub API"
    assert "/api/v1/orgs/{slug}/members" in spec["paths"]


@pytest.mark.parametrize("path", ["/api/v1/orgs/nope", "/api/v1/orgs/riverside/members/abc"])
def test_unknown_ids_get_json_errors(owner_api, org, path):
    response = owner_api.get(path)
    assert response.status_code in (404, 405, 422)
    assert response["content-type"].startswith("application/json")


def test_roles_are_listed_in_openapi(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert set(spec["components"]["schemas"]["Role"]["enum"]) == set(Role.values)


def test_session_api_writes_need_the_csrf_token(csrf_client, org):
    response = csrf_client.post(f"/api/v1/orgs/{org.slug}/sites", {"name": "X", "kind": "unit"},
                                content_type="application/json")
    assert response.status_code in (401, 403)
    assert response["content-type"].startswith("application/json")
    assert not Site.objects.exists()


def test_api_docs_page_is_served_from_our_own_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle" in body
    assert "cdn" not in body.lower()


def test_unknown_api_url_and_method_answer_in_json(owner_api, org):
    missing = owner_api.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["field"] == "url"
    wrong = owner_api.delete(f"/api/v1/orgs/{org.slug}/sites")
    assert wrong.status_code == 405
    assert wrong.json()["detail"][0]["field"] == "method"
