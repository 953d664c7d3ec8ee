import pytest
import yaml
from django.test import Client

from safetyhub.core import services as core_services
from safetyhub.frameworks.models import Pack

from .test_services import ORG_PACK


@pytest.fixture
def owner_api(owner) -> Client:
    _token, secret = core_services.create_api_token(user=owner, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


@pytest.fixture
def member_api(member) -> Client:
    _token, secret = core_services.create_api_token(user=member, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def test_packs_are_listed(member_api, org):
    packs = member_api.get(f"/api/v1/orgs/{org.slug}/packs").json()
    assert {p["pack_id"] for p in packs} >= {"nap-2020", "pssm", "safetyhub-sa"}
    assert all(p["builtin"] for p in packs)


def test_pack_detail_holds_items_with_provenance(member_api, org):
    body = member_api.get(f"/api/v1/orgs/{org.slug}/packs/nap-2020/2").json()
    recs = [i for i in body["items"] if i["kind"] == "item"]
    assert len(recs) == 17
    assert {r["title_provenance"] for r in recs} == {"official-title"}
    tactics = [i for i in body["items"] if i["kind"] == "tactic"]
    assert tactics and {t["data"]["provenance"] for t in tactics} == {"project"}


def test_item_detail_gives_the_crosswalk_both_ways(member_api, org):
    body = member_api.get(f"/api/v1/orgs/{org.slug}/packs/pssm/2/items/3B").json()
    assert body["item"]["key"] == "3B"
    assert {link["pack_id"] for link in body["links"]} >= {"nap-2020", "who-gpsap-2021"}
    assert body["tactics"]


def test_tactics_filter_and_search(member_api, org):
    tactics = member_api.get(f"/api/v1/orgs/{org.slug}/tactics?recommendation=R03").json()
    assert tactics and {t["parent"] for t in tactics} == {"R03"}
    hits = member_api.get(f"/api/v1/orgs/{org.slug}/search?q=workforce").json()
    assert hits
    empty = member_api.get(f"/api/v1/orgs/{org.slug}/search?q=")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["field"].endswith("q")


def test_upload_via_api_reports_each_problem(owner_api, org):
    bad = {**ORG_PACK, "links": [{"from": "riverside-falls:RISK-1", "to": "nap-2020:R99"}]}
    response = owner_api.post(f"/api/v1/orgs/{org.slug}/packs",
                              {"file_name": "bad.yaml", "content": yaml.safe_dump(bad)},
                              content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [{
        "field": "file",
        "reason": "bad.yaml: links[0].to: 'nap-2020:R99' names no item of pack 'nap-2020'"}]
    ok = owner_api.post(f"/api/v1/orgs/{org.slug}/packs",
                        {"file_name": "falls.yaml", "content": yaml.safe_dump(ORG_PACK)},
                        content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["builtin"] is False
    assert Pack.objects.filter(organization=org).count() == 1


def test_upload_via_api_needs_an_admin(member_api, org):
    response = member_api.post(f"/api/v1/orgs/{org.slug}/packs",
                               {"file_name": "f.yaml", "content": yaml.safe_dump(ORG_PACK)},
                               content_type="application/json")
    assert response.status_code == 403
