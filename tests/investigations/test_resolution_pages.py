"""The communication-and-resolution pages: who may open them (404 for those who may not see
the event, 403 for the wrong role), recording a conversation, bad input (422, nothing
changed, the attempt audited), the triage page's panel, the measures page, and the list's
query count at 1 and 3 events."""

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.investigations import resolution
from safetyhub.investigations.models_resolution import ResolutionContact, ResolutionQuestion
from safetyhub.investigations.services import REFUSED
from tests.conftest import client_for
from tests.factories import submit_event
from tests.queries import count_queries

from .resolution_fixtures import *  # noqa: F403 (the fixtures)


def page(report) -> str:
    return f"/o/{report.organization.slug}/investigations/resolution/{report.pk}/"


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def contact_post(report, **change) -> dict:
    return {"action": "contact", "contact-kind": "disclosure",
            "contact-happened_at": local(report.occurred_at + dt.timedelta(days=1)),
            "contact-organization_people": "Dr Rivera, attending",
            "contact-with_whom": "family",
            "contact-what_was_shared": "What happened and what we are doing.",
            "contact-apology_given": "on", **change}


def test_the_pages_open_for_reviewers_and_safety_leads_only(org, people, harm_event,
                                                            outsider):
    listing = f"/o/{org.slug}/investigations/resolution/"
    for role in (Role.EVENT_REVIEWER, Role.SAFETY_LEAD):
        client = client_for(people[role])
        assert client.get(listing).status_code == 200
        assert client.get(page(harm_event)).status_code == 200
    for role in (Role.ORG_ADMIN, Role.EXECUTIVE_VIEWER, Role.SUPPORT_COORDINATOR,
                 Role.ASSESSOR, Role.PATIENT_FAMILY_ADVISOR):
        client = client_for(people[role])
        assert client.get(listing).status_code == 403, role
        # They may not see the event itself: they learn nothing, not even that it exists.
        assert client.get(page(harm_event)).status_code == 404, role
    # Its named reporter may read the report, not its communication record.
    assert client_for(people[Role.STAFF_REPORTER]).get(page(harm_event)).status_code == 403
    assert client_for(outsider).get(page(harm_event)).status_code == 404
    assert client_for(outsider).get(listing).status_code == 404


def test_a_reviewer_records_a_disclosure_and_the_triage_page_shows_it(org, reviewer,
                                                                      harm_event):
    client = client_for(reviewer)
    triage = client.get(f"/o/{org.slug}/events/{harm_event.pk}/triage/").content.decode()
    assert "no disclosure conversation is recorded yet" in triage
    response = client.post(page(harm_event), contact_post(harm_event))
    assert response.status_code == 302
    contact = ResolutionContact.objects.get()
    assert contact.apology_given and contact.with_whom == "family"
    body = client.get(page(harm_event)).content.decode()
    assert "Dr Rivera, attending" in body and "An apology was given." in body
    triage = client.get(f"/o/{org.slug}/events/{harm_event.pk}/triage/").content.decode()
    assert "Disclosed to the patient or family on" in triage
    listing = client.get(f"/o/{org.slug}/investigations/resolution/").content.decode()
    assert harm_event.reference in listing and "1.0 days after" in listing


def test_a_disclosure_dated_before_the_event_is_refused_on_the_page(org, reviewer,
                                                                   harm_event):
    client = client_for(reviewer)
    before = AuditEntry.objects.filter(object_type=REFUSED).count()
    response = client.post(page(harm_event), contact_post(
        harm_event, **{"contact-happened_at": local(harm_event.occurred_at
                                                    - dt.timedelta(days=1))}))
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was changed" in body and "before the event happened" in body
    assert not ResolutionContact.objects.exists()
    # The refusal survives the request (the page answers it; it is not rolled back).
    refusal = AuditEntry.objects.filter(object_type=REFUSED).get()
    assert before == 0 and refusal.changes["refused"] == ["happened_at"]
    assert refusal.actor_id == reviewer.pk
    # A form missing its parts names each one.
    response = client.post(page(harm_event), {"action": "contact", "contact-kind": "disclosure"})
    assert response.status_code == 422
    assert response.content.decode().count("This field is required") >= 3
    assert client.post(page(harm_event), {"action": "delete"}).status_code == 400


def test_questions_are_asked_then_answered_on_the_page(org, people, reviewer, harm_event):
    client = client_for(reviewer)
    today = timezone.localdate().isoformat()
    response = client.post(page(harm_event), {
        "action": "question", "question-asked_on": today,
        "question-question": "Why was the alarm off?"})
    assert response.status_code == 302
    question = ResolutionQuestion.objects.get()
    response = client.post(page(harm_event), {
        "action": "answer", "answer-question_id": question.pk, "answer-answer": "",
        "answer-answered_on": today})
    assert response.status_code == 422
    assert f'id="answer-{question.pk}-text"' in response.content.decode()
    response = client.post(page(harm_event), {
        "action": "answer", "answer-question_id": question.pk,
        "answer-answer": "It could be switched off without a check.",
        "answer-answered_on": today})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer.startswith("It could be")
    # Another event's question is not this event's: 404.
    other = submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                         harm_level="mild",
                         occurred_at=timezone.now() - dt.timedelta(days=1)).report
    response = client.post(page(other), {
        "action": "answer", "answer-question_id": question.pk, "answer-answer": "x",
        "answer-answered_on": today})
    assert response.status_code == 404


def test_an_event_without_harm_shows_nothing_to_record(reviewer, no_harm_event):
    body = client_for(reviewer).get(page(no_harm_event)).content.decode()
    assert "nothing to record here" in body
    assert "Record the conversation" not in body


def test_the_measures_page_is_for_aggregate_readers(org, people, harm_event, reviewer):
    resolution.add_contact(report=harm_event, by=reviewer, kind="disclosure",
                           happened_at=harm_event.occurred_at + dt.timedelta(days=2),
                           organization_people="Dr Rivera", with_whom="patient",
                           what_was_shared="What happened.", apology_given=True)
    url = f"/o/{org.slug}/investigations/resolution/measures/"
    for role in (Role.EXECUTIVE_VIEWER, Role.SUPPORT_COORDINATOR, Role.ORG_ADMIN,
                 Role.PATIENT_FAMILY_ADVISOR, Role.SAFETY_LEAD):
        body = client_for(people[role]).get(url).content.decode()
        assert "100% (1 of 1)" in body and "2.0 days" in body, role
        assert "Dr Rivera" not in body
    assert client_for(people[Role.STAFF_REPORTER]).get(url).status_code == 403
    response = client_for(people[Role.EXECUTIVE_VIEWER]).get(url + "?start=2026-13-01")
    assert response.status_code == 400
    assert "start: write the date as YYYY-MM-DD." in response.content.decode()


def test_the_list_costs_the_same_queries_for_1_and_3_events(org, people, reviewer):
    client = client_for(reviewer)
    url = f"/o/{org.slug}/investigations/resolution/"

    def event():
        report = submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                              harm_level="moderate",
                              occurred_at=timezone.now() - dt.timedelta(days=2)).report
        resolution.add_contact(report=report, by=reviewer, kind="disclosure",
                               happened_at=timezone.now() - dt.timedelta(days=1),
                               organization_people="Dr Rivera", with_whom="patient",
                               what_was_shared="What happened.", apology_given=True)
        resolution.set_resolution(report=report, by=reviewer, offered="bill_waiver",
                                  offered_on=timezone.localdate(), note="")

    event()
    one = count_queries(client, url)
    event()
    event()
    assert count_queries(client, url) == one


def test_my_work_lists_harm_events_not_yet_disclosed(org, people, reviewer, harm_event,
                                                     no_harm_event):
    client = client_for(reviewer)
    body = client.get(f"/o/{org.slug}/").content.decode()
    assert "Harm events to disclose" in body and page(harm_event) in body
    assert page(no_harm_event) not in body
    assert "Harm event to disclose" not in client_for(people[Role.EXECUTIVE_VIEWER]).get(
        f"/o/{org.slug}/").content.decode()
    resolution.add_contact(report=harm_event, by=reviewer, kind="disclosure",
                           happened_at=timezone.now(), organization_people="Dr Rivera",
                           with_whom="patient", what_was_shared="What happened.",
                           apology_given=True)
    assert page(harm_event) not in client.get(f"/o/{org.slug}/").content.decode()
