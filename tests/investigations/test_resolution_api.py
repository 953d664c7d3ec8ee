"""The communication-and-resolution API: reading and recording for reviewers and safety
leads, 404 for those who may not see the event and for outsiders, 403 for its reporter,
bad input answered 422 naming the field (nothing written, the attempt audited), and the
program measures."""

import datetime as dt
import json

from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.investigations.models_resolution import ResolutionContact, ResolutionQuestion
from safetyhub.investigations.services import REFUSED
from tests.conftest import client_for

from .resolution_fixtures import *  # noqa: F403 (the fixtures)


def url(report, tail: str = "") -> str:
    return f"/api/v1/orgs/{report.organization.slug}/events/{report.pk}/resolution{tail}"


def post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def disclosure(report, **change) -> dict:
    return {"kind": "disclosure",
            "happened_at": (report.occurred_at + dt.timedelta(hours=6)).isoformat(),
            "organization_people": "Dr Rivera", "with_whom": "patient",
            "what_was_shared": "What happened, and sorry.", "apology_given": True, **change}


def test_a_reviewer_records_and_reads_the_whole_record(reviewer, harm_event):
    client = client_for(reviewer)
    empty = client.get(url(harm_event)).json()
    assert empty["needs_resolution"] and not empty["disclosed"] and empty["contacts"] == []
    read = post(client, url(harm_event, "/contacts"), disclosure(harm_event)).json()
    assert read["disclosed"] and read["contacts"][0]["apology_given"] is True
    follow = disclosure(harm_event, kind="follow_up", apology_given=False,
                        happened_at=(harm_event.occurred_at + dt.timedelta(days=2)).isoformat())
    assert len(post(client, url(harm_event, "/contacts"), follow).json()["contacts"]) == 2
    read = post(client, url(harm_event, "/offer"), {
        "resolution_offered": "compensation_referral",
        "resolution_offered_on": timezone.localdate().isoformat(),
        "resolution_note": "Referred to the compensation programme."}).json()
    assert read["resolution_offered"] == "compensation_referral"
    read = post(client, url(harm_event, "/questions"), {
        "asked_on": timezone.localdate().isoformat(), "question": "Will it happen again?"}).json()
    question_id = read["questions"][0]["id"]
    read = post(client, url(harm_event, f"/questions/{question_id}/answer"), {
        "answer": "Alarms now stay on.", "answered_on": timezone.localdate().isoformat()}).json()
    assert read["questions"][0]["answer"] == "Alarms now stay on."
    # Reading the record is in the trail.
    assert AuditEntry.objects.filter(object_type="investigations.ResolutionRecord",
                                     action="view").exists()


def test_bad_input_is_a_422_naming_the_field_and_is_audited(org, reviewer, harm_event):
    client = client_for(reviewer)
    early = (harm_event.occurred_at - dt.timedelta(minutes=30)).isoformat()
    response = post(client, url(harm_event, "/contacts"), disclosure(harm_event,
                                                                     happened_at=early))
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["field"] == "happened_at" and "before the event happened" in problem["reason"]
    assert not ResolutionContact.objects.exists()
    assert AuditEntry.objects.get(object_type=REFUSED).changes["refused"] == ["happened_at"]
    response = post(client, url(harm_event, "/contacts"), disclosure(harm_event,
                                                                     with_whom="neighbour"))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "with_whom"
    response = post(client, url(harm_event, "/questions"), {"asked_on": "2026-02-30",
                                                            "question": "x"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "asked_on"
    response = post(client, url(harm_event, "/questions/999999/answer"), {
        "answer": "x", "answered_on": timezone.localdate().isoformat()})
    assert response.status_code == 404
    assert not ResolutionQuestion.objects.exists()


def test_who_may_use_the_api(org, people, harm_event, outsider):
    for role in (Role.ORG_ADMIN, Role.EXECUTIVE_VIEWER, Role.SUPPORT_COORDINATOR,
                 Role.ASSESSOR, Role.PATIENT_FAMILY_ADVISOR):
        client = client_for(people[role])
        assert client.get(url(harm_event)).status_code == 404, role
        assert post(client, url(harm_event, "/contacts"),
                    disclosure(harm_event)).status_code == 404, role
    reporter = client_for(people[Role.STAFF_REPORTER])
    assert reporter.get(url(harm_event)).status_code == 403
    assert client_for(outsider).get(url(harm_event)).status_code == 404
    assert client_for(people[Role.SAFETY_LEAD]).get(url(harm_event)).status_code == 200
    assert not ResolutionContact.objects.exists()


def test_program_measures_api(org, people, reviewer, harm_event):
    post(client_for(reviewer), url(harm_event, "/contacts"), disclosure(harm_event))
    measures = f"/api/v1/orgs/{org.slug}/resolution-measures"
    read = client_for(people[Role.EXECUTIVE_VIEWER]).get(measures).json()
    assert read["total"]["harm_events"] == 1 and read["total"]["share_disclosed"] == 1.0
    assert read["total"]["median_days_to_first_contact"] == 0.2
    assert len(read["quarters"]) == 4 and "not an official measure" in read["note"]
    response = client_for(people[Role.EXECUTIVE_VIEWER]).get(
        measures + "?start=2026-05-01&end=2026-01-01")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "end"
    assert client_for(people[Role.STAFF_REPORTER]).get(measures).status_code == 403
