"""The events API: report (201, a replay 200 with the same report), read (access rules,
audited), list (reviewers), and 422 naming the field for bad input."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.events.models import EventReport
from tests.conftest import client_for
from tests.factories import submit_event

WHEN = (timezone.now() - dt.timedelta(hours=1)).isoformat()


def body(**overrides) -> dict:
    data = {"event_type": "incident", "category": "fall", "occurred_at": WHEN,
            "narrative": "Slipped in the bathroom.", "harm_level": "none",
            "answers": {"injury": "none", "assisted": False}}
    data.update(overrides)
    return data


def post(client, org, data, **headers):
    return client.post(f"/api/v1/orgs/{org.slug}/events", data, content_type="application/json",
                       headers=headers)


def test_a_report_is_created_201_and_a_replay_answers_200_with_the_same_report(org, staff):
    client = client_for(staff)
    first = post(client, org, body(), **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.json()
    again = post(client, org, body(narrative="Resent"), **{"Idempotency-Key": "retry-1"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert EventReport.objects.count() == 1
    created = first.json()
    assert created["channel"] == "api" and created["reporter_id"] == staff.pk
    assert created["answers"] == {"injury": "none", "assisted": "no"}
    assert created["taxonomy"] == {"pack_id": "event-taxonomy", "version": "1"}
    assert created["follow_up_code"] is None


def test_the_client_key_field_works_like_the_header(org, staff):
    client = client_for(staff)
    assert post(client, org, body(client_key="k")).status_code == 201
    assert post(client, org, body(client_key="k")).status_code == 200


def test_an_anonymous_report_returns_its_code_and_no_reporter(org, staff):
    response = post(client_for(staff), org, body(anonymous=True))
    assert response.status_code == 201
    data = response.json()
    assert data["reporter_id"] is None and data["is_anonymous"]
    assert len(data["follow_up_code"].replace("-", "")) == 20


@pytest.mark.parametrize(("overrides", "field"), [
    ({"category": "unicorn"}, "category"),
    ({"harm_level": "terrible"}, "harm_level"),
    ({"occurred_at": (timezone.now() + dt.timedelta(days=3)).isoformat()}, "occurred_at"),
    ({"occurred_at": "not a date"}, "occurred_at"),
    ({"narrative": ""}, "narrative"),
    ({"narrative": "a" * 10_001}, "narrative"),
    ({"answers": {"injury": "maybe"}}, "answers.injury"),
    ({"kind": "alien"}, "kind"),
    ({"site_id": 0}, "site_id"),
    ({"people_involved": ["astronaut"]}, "people_involved"),
    ({"patient_sex": "robot"}, "patient_sex"),
])
def test_bad_input_is_422_naming_the_field(org, staff, overrides, field):
    response = post(client_for(staff), org, body(**overrides))
    assert response.status_code == 422, response.json()
    assert field in [d["field"] for d in response.json()["detail"]], response.json()
    assert not EventReport.objects.exists()


@pytest.mark.parametrize(("who", "status"), [
    ("reviewer", 200), ("safety_lead", 200), ("staff", 200), ("member", 404),
    ("executive", 404), ("advisor", 404), ("owner", 404), ("outsider", 404),
])
def test_reading_a_report_follows_the_access_rules(request, org, staff, who, status):
    report = submit_event(organization=org, reporter=staff, narrative="API secret").report
    response = client_for(request.getfixturevalue(who)).get(
        f"/api/v1/orgs/{org.slug}/events/{report.pk}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["narrative"] == "API secret"
    else:
        assert "API secret" not in response.text


def test_a_read_through_the_api_is_audited(org, staff, reviewer):
    report = submit_event(organization=org, reporter=staff).report
    client_for(reviewer).get(f"/api/v1/orgs/{org.slug}/events/{report.pk}")
    assert AuditEntry.objects.filter(action="view", object_id=str(report.pk),
                                     actor=reviewer).count() == 1


@pytest.mark.parametrize(("who", "status"), [
    ("reviewer", 200), ("safety_lead", 200), ("staff", 403), ("executive", 403),
    ("owner", 403), ("outsider", 404),
])
def test_the_list_is_for_reviewers_and_holds_no_narratives(request, org, staff, who, status):
    submit_event(organization=org, reporter=staff, narrative="Listed secret")
    response = client_for(request.getfixturevalue(who)).get(f"/api/v1/orgs/{org.slug}/events")
    assert response.status_code == status
    if status == 200:
        items = response.json()["items"]
        assert len(items) == 1 and items[0]["category_title"] == "Fall"
        assert "Listed secret" not in response.text
