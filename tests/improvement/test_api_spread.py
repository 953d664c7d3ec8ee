"""The spread API: POST spreads an initiative to units (201 with the adopters; 422 naming
`units` or `owner`, nothing created), GET says where it spread and where it came from;
404 for outsiders, 403 for readers who write."""

import json

import pytest

from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative
from safetyhub.improvement.services_spread import Adoption, spread_initiative
from safetyhub.measures.models import Measure

from ..conftest import client_for
from ..factories import SiteFactory
from .test_spread import add_points, make_original, person, unit

API = "/api/v1/orgs"


@pytest.fixture
def hospital(org):
    return SiteFactory(organization=org, name="Riverside Main")


@pytest.fixture
def west(org, hospital):
    return unit(org, "4 West", parent=hospital)


@pytest.fixture
def east(org, hospital):
    return unit(org, "5 East", parent=hospital)


@pytest.fixture
def lead(org):
    return person(org, Role.SAFETY_LEAD, email="lead@example.org")


@pytest.fixture
def original(org, lead, member, west):
    return make_original(org, lead, member, west)


def url(initiative) -> str:
    return f"{API}/{initiative.organization.slug}/initiatives/{initiative.pk}/spread"


def post(client, initiative, body):
    return client.post(url(initiative), data=json.dumps(body),
                       content_type="application/json")


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["detail"]}


def test_spreading_and_reading_where_it_spread(org, lead, member, original, east, hospital):
    client = client_for(lead)
    response = post(client, original, {"units": [
        {"site_id": east.pk, "owner": "MEMBER@example.org"}, {"site_id": hospital.pk}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["site"], a["status"]) for a in body] == [("5 East", "proposed"),
                                                        ("Riverside Main", "proposed")]
    assert body[0]["owner"]["email"] == "member@example.org" and body[1]["owner"] is None
    originals = {m.pk: m.name for m in original.measures.all()}
    assert {m["copied_from_id"]: m["name"] for m in body[0]["measures"]} == originals
    assert all(m["points"] == 0 and m["status"] == "no-data" for m in body[0]["measures"])

    copy = Measure.objects.get(pk=body[0]["measures"][0]["id"])
    add_points(copy, [3, 4, 3, 5])
    status = client_for(member).get(url(original)).json()
    assert status["initiative_id"] == original.pk and status["spread_from"] is None
    east_row = next(a for a in status["adopters"] if a["site_id"] == east.pk)
    assert east_row["initiative_id"] == body[0]["initiative_id"]
    assert next(m for m in east_row["measures"] if m["id"] == copy.pk)["points"] == 4

    back = client.get(f"{API}/{org.slug}/initiatives/{east_row['initiative_id']}/spread")
    assert back.json()["spread_from"] == {"initiative_id": original.pk,
                                          "title": "Hourly rounding",
                                          "site_id": original.site_id, "site": "4 West"}
    assert back.json()["adopters"] == []


@pytest.mark.parametrize("case", ["unknown", "other_org", "own", "adopted", "stranger",
                                  "empty"])
def test_bad_units_are_422_naming_the_field(case, org, lead, original, west, east, hospital,
                                            other_org, outsider):
    spread_initiative(initiative=original, by=lead, units=[Adoption(site=hospital)])
    theirs = unit(other_org, "Secret Cardiac Unit")
    units, field, words = {
        "unknown": ([{"site_id": east.pk}, {"site_id": 987654}], "units", "987654"),
        "other_org": ([{"site_id": theirs.pk}], "units", "No such site or unit"),
        "own": ([{"site_id": west.pk}], "units", "own site or unit"),
        "adopted": ([{"site_id": east.pk}, {"site_id": hospital.pk}], "units",
                    "already adopted"),
        "stranger": ([{"site_id": east.pk, "owner": outsider.email}], "owner",
                     outsider.email),
        "empty": ([], "units", ""),
    }[case]
    count = (Initiative.objects.count(), Measure.objects.count())
    response = post(client_for(lead), original, {"units": units})
    assert response.status_code == 422
    reasons = fields_of(response)
    assert any(f == field or f.endswith(f".{field}") or f.startswith(field)
               for f in reasons), reasons
    reason = next(r for f, r in reasons.items() if field in f)
    assert words in reason
    assert "Secret Cardiac Unit" not in response.content.decode()
    assert (Initiative.objects.count(), Measure.objects.count()) == count


def test_outsiders_get_404_and_readers_403(org, original, east, outsider):
    body = {"units": [{"site_id": east.pk}]}
    assert post(client_for(outsider), original, body).status_code == 404
    assert client_for(outsider).get(url(original)).status_code == 404
    reader = client_for(person(org, Role.ASSESSOR))  # not on the initiative
    viewer = client_for(person(org, Role.EXECUTIVE_VIEWER))
    for client in (reader, viewer):
        assert post(client, original, body).status_code == 403
        assert client.get(url(original)).status_code == 200
    assert not Initiative.objects.filter(spread_from=original).exists()
