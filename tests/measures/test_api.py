"""The measures API: definitions and the library, data points (one at a time and imported),
and the computed chart as JSON — which must be exactly what `qic` returns."""

import datetime as dt
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safetyhub import spc
from safetyhub.core import services as core_services
from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures.models import DataPoint, Measure, PhaseSplit

from .test_measures import SHIFT, add_points, make_measure, month, person


@pytest.fixture
def falls(org, owner):
    return make_measure(org, by=owner)

def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def base(org) -> str:
    return f"/api/v1/orgs/{org.slug}/measures"


DEFINITION = {"name": "Pressure injuries", "type": "outcome", "numerator": "New injuries",
              "denominator": "Patient days", "unit": "per 1,000 patient days",
              "multiplier": 1000, "direction": "decrease", "chart": "u"}


def test_library_list_create_read_update_delete(org, owner):
    api = api_client(owner)
    library = api.get(f"/api/v1/orgs/{org.slug}/measure-library").json()
    assert any(e["key"] == "clabsi-rate" and "NHSN" in e["source"] for e in library)

    created = api.post(base(org), DEFINITION, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Pressure injuries" and body["status"]["kind"] == "no-data"
    from_library = api.post(base(org), {"library_key": "falls-rate"},
                            content_type="application/json").json()
    assert from_library["definition_source"].startswith("NQF #0141")

    listed = api.get(base(org)).json()
    assert [m["name"] for m in listed] == ["Patient falls per 1,000 patient days",
                                           "Pressure injuries"]
    updated = api.patch(f"{base(org)}/{body['id']}", {"goal": 1.5, "chart": "up"},
                        content_type="application/json")
    assert updated.status_code == 200 and updated.json()["goal"] == 1.5
    assert updated.json()["chart"] == "up"
    assert api.delete(f"{base(org)}/{body['id']}").status_code == 204
    assert not Measure.objects.filter(pk=body["id"]).exists()


def test_bad_definitions_answer_422_with_the_field_and_the_rule(org, owner):
    api = api_client(owner)
    response = api.post(base(org), {**DEFINITION, "chart": "zz"},
                        content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "chart"
    assert error["reason"].startswith("unknown chart type 'zz' (use one of run, i, p")
    response = api.post(base(org), {**DEFINITION, "denominator": "", "chart": "p"},
                        content_type="application/json")
    assert response.json()["detail"][0]["field"] == "denominator"
    response = api.post(base(org), {"library_key": "nope"}, content_type="application/json")
    assert response.json()["detail"] == [{"field": "library_key",
                                          "reason": "'nope' is not in the measure library."}]
    assert not Measure.objects.exists()


def test_points_add_change_and_refuse_bad_values(falls, owner):
    api = api_client(owner)
    url = f"{base(falls.organization)}/{falls.pk}/points"
    first = api.post(url, {"period": "2025-01-01", "numerator": 3, "denominator": 1000},
                     content_type="application/json")
    assert first.status_code == 201 and first.json()["label"] == "Jan 2025"
    again = api.post(url, {"period": "2025-01-01", "numerator": 4, "denominator": 1000},
                     content_type="application/json")
    assert again.status_code == 200 and again.json()["numerator"] == 4
    bad = api.post(url, {"period": "2025-02-01", "numerator": 3, "denominator": -1},
                   content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"] == [{"field": "denominator", "reason": "Must be a number ≥ 0."}]
    missing = api.post(url, {"period": "2025-02-01", "numerator": 3},
                       content_type="application/json")
    assert missing.json()["detail"][0]["reason"].startswith("Is required for a U chart")
    assert [p["period"] for p in api.get(url).json()] == ["2025-01-01"]


def test_import_is_all_or_nothing_through_the_api(falls, owner):
    api = api_client(owner)
    url = f"{base(falls.organization)}/{falls.pk}/points/import"
    bad = SimpleUploadedFile("x.csv", b"period,numerator,denominator\n2025-01-01,3,1000\n"
                                      b"2025-02-01,3,\n")
    response = api.post(url, {"file": bad})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["field"] == "file"
    assert detail[1]["reason"] == ("row 3, column denominator: is required for a U chart (the "
                                   "numerator is counted against it)")
    assert not DataPoint.objects.exists()
    good = SimpleUploadedFile("x.csv", b"period,numerator,denominator\n2025-01-01,3,1000\n")
    assert api.post(url, {"file": good}).json() == {"rows": 1, "added": 1, "updated": 0,
                                                    "unchanged": 0}


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def test_chart_json_matches_qic_output(falls, org, owner):
    dens = [1000 + 7 * k for k in range(len(SHIFT))]
    add_points(falls, SHIFT, dens)
    DataPoint.objects.filter(period=month(2)).update(excluded=True)
    PhaseSplit.objects.create(measure=falls, organization=org, after_period=month(11),
                              reason="Rounding")
    initiative = Initiative.objects.create(organization=org, title="Fewer falls")
    cycle = PdsaCycle.objects.create(initiative=initiative, organization=org, number=3,
                                     change="Bed alarms", started_on=month(14))
    cycle.measures.add(falls)

    response = api_client(owner).get(f"{base(org)}/{falls.pk}/chart")
    assert response.status_code == 200
    body = response.json()
    labels = [p["x"] for p in body["points"]]
    expected = spc.qic(labels, SHIFT, dens, chart="u", part=[12], exclude=[3], multiply=1000)
    assert len(body["points"]) == len(expected)
    for k, (got, want) in enumerate(zip(body["points"], expected, strict=True), 1):
        assert got["position"] == k
        assert got["period"] == month(k - 1).isoformat()
        for name, value in want._asdict().items():
            assert same(got[name], value), (k, name, got[name], value)
    assert body["explanations"] == spc.explain(expected)
    assert body["markers"] == [{"cycle_id": cycle.pk, "position": 15.0,
                                "label": "PDSA 3: Bed alarms",
                                "said": "PDSA 3: Bed alarms (started 1 Mar 2026)"}]
    assert body["splits"][0]["reason"] == "Rounding" and body["splits"][0]["active"]
    assert body["status"]["kind"] in ("concern", "common", "signal", "improvement")


def test_chart_json_names_the_point_and_rule_when_the_data_cannot_make_it(falls, owner):
    add_points(falls, [3, 4, 2], [1000, -5, 1000])
    response = api_client(owner).get(f"{base(falls.organization)}/{falls.pk}/chart")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "points", "reason":
                                          "point 2 (Feb 2025): the denominator is negative"}]


def test_members_read_only_outsiders_see_nothing(falls, org, member, outsider):
    reader = api_client(member)
    assert reader.get(f"{base(org)}/{falls.pk}").status_code == 200
    write = reader.post(f"{base(org)}/{falls.pk}/points",
                        {"period": "2025-01-01", "numerator": 1, "denominator": 10},
                        content_type="application/json")
    assert write.status_code == 403
    assert reader.post(base(org), DEFINITION, content_type="application/json"
                       ).status_code == 403
    assert reader.delete(f"{base(org)}/{falls.pk}").status_code == 403
    stranger = api_client(outsider)
    for path in ("", f"/{falls.pk}", f"/{falls.pk}/points", f"/{falls.pk}/chart"):
        assert stranger.get(base(org) + path).status_code == 404
    assert stranger.patch(f"{base(org)}/{falls.pk}", {"goal": 1},
                          content_type="application/json").status_code == 404
    lead = api_client(person(org, Role.SAFETY_LEAD))
    assert lead.patch(f"{base(org)}/{falls.pk}", {"goal": 1},
                      content_type="application/json").status_code == 200
    assert not DataPoint.objects.exists()


@pytest.mark.parametrize("field", ["name", "chart", "multiplier"])
def test_null_for_a_required_field_is_refused(falls, owner, field):
    response = api_client(owner).patch(f"{base(falls.organization)}/{falls.pk}", {field: None},
                                       content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    falls.refresh_from_db()
    assert falls.name == "Falls per 1,000 patient days"


def test_clearing_the_goal_and_setting_a_baseline(falls, owner):
    api = api_client(owner)
    url = f"{base(falls.organization)}/{falls.pk}"
    api.patch(url, {"goal": 2.0}, content_type="application/json")
    body = api.patch(url, {"goal": None, "freeze_after": "2025-06-01"},
                     content_type="application/json").json()
    assert body["goal"] is None and body["freeze_after"] == "2025-06-01"
    falls.refresh_from_db()
    assert falls.freeze_after == dt.date(2025, 6, 1)
