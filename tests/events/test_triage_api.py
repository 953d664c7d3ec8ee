"""The triage API: every action answers 404 to outsiders and for foreign reports, 403 to a
role that may not act, 422 naming the field for bad input (and a stale version); the serious
list shows a leader only the minimal facts."""

import pytest
from django.test import Client

from safetyhub.core import services as core_services
from safetyhub.core.models import Role
from safetyhub.events.models import EventReport, EventTriage
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, submit_event

S = EventReport.Status


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def url(report, tail="") -> str:
    return f"/api/v1/orgs/{report.organization.slug}/events/{report.pk}{tail}"


def new_report(org, **fields) -> EventReport:
    reporter = MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                                 user=UserFactory()).user
    return submit_event(organization=org, reporter=reporter, **fields).report


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def fields_of(response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


@pytest.fixture
def report(org):
    return new_report(org)


@pytest.fixture
def rc(reviewer):
    return api_client(reviewer)


def test_a_reviewer_reads_and_moves_a_report_through_triage(org, report, rc, safety_lead):
    body = rc.get(url(report, "/triage")).json()
    assert body["status"] == "new" and body["version"] == 1 and body["duplicates"] == []
    assert body["reported_as"]["category"] == "fall"
    response = post(rc, url(report, "/triage/status"), {"to": "in_review", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_review" and response.json()["version"] == 2
    response = post(rc, url(report, "/triage/assign"),
                    {"assignee_id": safety_lead.pk, "version": 2})
    assert response.json()["assignee_id"] == safety_lead.pk
    response = post(rc, url(report, "/triage/reclassify"), {
        "event_type": "incident", "category": "fall", "harm_level": "moderate",
        "reason": "Fracture confirmed.", "version": 3})
    body = response.json()
    assert body["reported_as"]["harm_level"] == "mild"
    assert body["classified_as"]["harm_level"] == "moderate"
    response = post(rc, url(report, "/triage/close"),
                    {"closing_message": "Hip protectors for every high-risk patient.",
                     "version": 4})
    body = response.json()
    assert body["status"] == "closed" and body["closing_message"].startswith("Hip")
    assert [h["to_status"] for h in body["history"]] == ["in_review", "in_review", "closed"]


def test_bad_input_is_422_naming_the_field_and_changes_nothing(org, report, rc, member):
    cases = [
        ("/triage/status", {"to": "archived"}, "to"),
        ("/triage/status", {"to": "investigating"}, "to"),  # not allowed from new
        ("/triage/status", {"to": "closed", "reason": "dup"}, "closing_message"),
        ("/triage/close", {"closing_message": "  ", "reason": "not an event"},
         "closing_message"),
        ("/triage/assign", {"assignee_id": member.pk}, "assignee"),
        ("/triage/assign", {"assignee_id": 999999}, "assignee_id"),
        ("/triage/reclassify", {"event_type": "incident", "category": "sunburn",
                                "harm_level": "mild", "reason": "x"}, "category"),
        ("/triage/reclassify", {"event_type": "incident", "category": "fall"}, "reason"),
        ("/triage/duplicate", {"duplicate_of_id": report.pk}, "duplicate_of"),
        ("/triage/duplicate", {"duplicate_of_id": 999999}, "duplicate_of_id"),
        ("/triage/status", {"to": "in_review", "version": 7}, "version"),
        ("/triage/status", {"to": "in_review", "version": 0}, "version"),
    ]
    for tail, body, field in cases:
        response = post(rc, url(report, tail), body)
        assert response.status_code == 422, (tail, body, response.content)
        assert field in fields_of(response), (tail, body, response.json())
    report.refresh_from_db()
    assert report.status == S.NEW and report.harm_level == "mild"
    assert not EventTriage.objects.filter(report=report, version__gt=1).exists()


def test_a_duplicate_of_another_organizations_report_is_not_found(org, report, rc):
    foreign = new_report(OrganizationFactory(slug="elsewhere"))
    response = post(rc, url(report, "/triage/duplicate"), {"duplicate_of_id": foreign.pk})
    assert response.status_code == 422 and fields_of(response) == ["duplicate_of_id"]


def test_outsiders_get_404_and_the_wrong_role_403(org, outsider, member, executive,
                                                 advisor, staff, owner):
    report = new_report(org)
    own = submit_event(organization=org, reporter=staff).report
    foreign_report = new_report(OrganizationFactory(slug="elsewhere2"))
    assert api_client(outsider).get(url(report, "/triage")).status_code == 404
    assert post(api_client(outsider), url(report, "/triage/status"),
                {"to": "in_review"}).status_code == 404
    rc_other = api_client(MembershipFactory(organization=foreign_report.organization,
                                            role=Role.EVENT_REVIEWER,
                                            user=UserFactory()).user)
    assert rc_other.get(url(report, "/triage")).status_code == 404
    # Members who may not see the report learn nothing of it, not even that it exists.
    for person in (member, executive, advisor, staff, owner):
        client = api_client(person)
        assert client.get(url(report, "/triage")).status_code == 404
        assert post(client, url(report, "/triage/status"),
                    {"to": "in_review"}).status_code == 404
    # The reporter may read their report, but triaging it is the wrong role.
    client = api_client(staff)
    assert client.get(url(own, "/triage")).status_code == 403
    assert post(client, url(own, "/triage/close"),
                {"closing_message": "done"}).status_code == 403
    for r in (report, own):
        r.refresh_from_db()
        assert r.status == S.NEW


def test_a_report_of_another_organization_is_404_for_a_reviewer(org, rc):
    foreign = new_report(OrganizationFactory(slug="elsewhere3"))
    path = f"/api/v1/orgs/{org.slug}/events/{foreign.pk}/triage"
    assert rc.get(path).status_code == 404


def test_executives_list_and_acknowledge_serious_events_with_minimal_facts(org, executive,
                                                                          reviewer, member):
    serious = new_report(org, harm_level="severe")
    mild = new_report(org, harm_level="mild")
    client = api_client(executive)
    rows = client.get(f"/api/v1/orgs/{org.slug}/serious-events").json()
    assert [r["reference"] for r in rows] == [serious.reference]
    assert rows[0]["clock"]["words"].endswith("left") and not rows[0]["clock"]["overdue"]
    assert "narrative" not in rows[0] and "reporter" not in str(rows[0])
    assert api_client(member).get(f"/api/v1/orgs/{org.slug}/serious-events").status_code == 403
    # Only leaders acknowledge (a reviewer sees the list: 403); a member who may not see the
    # list cannot probe which reports are serious (404); a report that is not serious: 404.
    assert post(api_client(reviewer), url(serious, "/acknowledge"), {}).status_code == 403
    assert post(api_client(member), url(serious, "/acknowledge"), {}).status_code == 404
    assert post(client, url(mild, "/acknowledge"), {}).status_code == 404
    response = post(client, url(serious, "/acknowledge"), {})
    assert response.status_code == 200 and response.json()["acknowledged_at"]
    again = post(client, url(serious, "/acknowledge"), {})
    assert again.status_code == 422 and fields_of(again) == ["report"]
    assert client.get(f"/api/v1/orgs/{org.slug}/serious-events").json() == []
