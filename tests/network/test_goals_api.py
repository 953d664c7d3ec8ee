"""The shared-goals API: the network's goals and a goal's suppressed network series (never
one organization's value), an organization's taking part and its monthly values (a second
value for a month corrects it), imports all or nothing; 422 naming the field, 404 for
outsiders and for goals of networks the organization is not in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safetyhub.core import services as core_services
from safetyhub.network.models_goals import GoalValue

from .goals_fixtures import *  # noqa: F403 (the shared-goal fixtures)
from .goals_fixtures import months_ago, send


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def values_url(org, goal) -> str:
    return f"/api/v1/orgs/{org.slug}/network/goals/{goal.pk}/values"


def test_the_network_series_is_suppressed_below_five_organizations(goal, org, others, lead):
    for k, organization in enumerate([org, *others[:4]]):
        send(goal, organization, months_ago(2), 900 + k, 100000)
        if k < 4:
            send(goal, organization, months_ago(1), 900 + k, 100000)
    api = api_client(lead)
    listed = api.get("/api/v1/networks/valley/goals").json()
    assert [(g["title"], g["taking_part"]) for g in listed] == [("Falls with injury", 5)]
    body = api.get(f"/api/v1/networks/valley/goals/{goal.pk}").json()
    months = {m["month"]: m for m in body["months"]}
    five, four = months[months_ago(2).isoformat()], months[months_ago(1).isoformat()]
    assert (five["organizations"], five["numerator"], five["denominator"]) == (5, 4510, 500000)
    assert five["value"] == pytest.approx(9.02) and not five["suppressed"]
    assert four["organizations"] == 4 and four["suppressed"]
    assert (four["numerator"], four["denominator"], four["value"]) == (None, None, None)
    text = str(body)
    for k in range(5):
        assert f"'numerator': {900 + k}" not in text


def test_values_are_sent_and_corrected_per_month(goal, org, owner):
    api = api_client(owner)
    assert api.put(f"/api/v1/orgs/{org.slug}/network/goals/{goal.pk}/participation",
                   {"source": "entered"}, content_type="application/json").status_code == 200
    month = months_ago(1).isoformat()
    first = api.post(values_url(org, goal), {"month": month, "numerator": 3,
                                             "denominator": 900},
                     content_type="application/json")
    assert first.status_code == 201, first.content
    again = api.post(values_url(org, goal), {"month": month, "numerator": 4,
                                             "denominator": 900},
                     content_type="application/json")
    assert again.status_code == 200 and again.json()["corrections"] == 1
    listed = api.get(values_url(org, goal)).json()
    assert [(v["month"], v["numerator"], v["via"]) for v in listed] == [(month, 4, "api")]


def test_bad_values_answer_422_naming_the_field(goal, org, owner):
    api = api_client(owner)
    api.put(f"/api/v1/orgs/{org.slug}/network/goals/{goal.pk}/participation",
            {"source": "entered"}, content_type="application/json")
    for payload, field in (({"month": months_ago(0).isoformat(), "numerator": 1,
                             "denominator": 9}, "month"),
                           ({"month": months_ago(1).isoformat(), "numerator": -1,
                             "denominator": 9}, "numerator"),
                           ({"month": months_ago(1).isoformat(), "numerator": 1}, "denominator"),
                           ({"month": months_ago(1).isoformat(), "numerator": "x",
                             "denominator": 9}, "numerator")):
        response = api.post(values_url(org, goal), payload, content_type="application/json")
        assert response.status_code == 422, payload
        assert any(field in str(d.get("field", "")) for d in response.json()["detail"]), (
            response.json())
    assert not GoalValue.objects.exists()


def test_an_import_is_all_or_nothing(goal, org, owner):
    api = api_client(owner)
    api.put(f"/api/v1/orgs/{org.slug}/network/goals/{goal.pk}/participation",
            {"source": "entered"}, content_type="application/json")
    bad = f"month,numerator,denominator\n{months_ago(1):%Y-%m},2,900\n{months_ago(2):%Y-%m},3,\n"
    response = api.post(values_url(org, goal) + "/import",
                        {"file": SimpleUploadedFile("f.csv", bad.encode())})
    assert response.status_code == 422
    assert "row 3, column denominator" in response.content.decode()
    assert not GoalValue.objects.exists()


def test_outsiders_non_members_and_the_wrong_role_are_refused(goal, org, outsider, member,
                                                              lead, other_org):
    assert api_client(outsider).get("/api/v1/networks/valley/goals").status_code == 404
    assert api_client(outsider).get(
        f"/api/v1/networks/valley/goals/{goal.pk}").status_code == 404
    # the outsider's own organization is not in the network: the goal is not found there
    assert api_client(outsider).get(values_url(other_org, goal)).status_code == 404
    assert api_client(outsider).get(values_url(org, goal)).status_code == 404
    # an assessor reads the organization's values but may not send them
    assert api_client(member).get(values_url(org, goal)).status_code == 200
    response = api_client(member).post(values_url(org, goal), {
        "month": months_ago(1).isoformat(), "numerator": 1, "denominator": 9},
        content_type="application/json")
    assert response.status_code == 403
    # a lead who belongs to no organization reads no organization's values
    assert api_client(lead).get(values_url(org, goal)).status_code == 404
    created = api_client(lead).post("/api/v1/networks/valley/goals", {
        "title": "Sepsis bundle", "numerator": "Bundles complete", "denominator": "Cases",
        "chart": "p", "direction": "increase", "start_month": "2026-01-15"},
        content_type="application/json")
    assert created.status_code == 201 and created.json()["start_month"] == "2026-01-01"
    refused = api_client(member).post("/api/v1/networks/valley/goals", {
        "title": "x", "numerator": "y", "chart": "c", "direction": "increase",
        "start_month": "2026-01-01"}, content_type="application/json")
    assert refused.status_code == 403
