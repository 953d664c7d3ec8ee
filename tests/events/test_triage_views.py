"""The triage pages: who may open them (404 outsiders, 403 other roles), the forms' errors
(422, nothing changed, a stale page refused), the serious-events page's minimal facts, My
work, the board pack and the settings page."""

import re

from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.core.my_work import my_work
from safetyhub.events import triage
from safetyhub.events.models import EventReport, EventTriage
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, submit_event

S = EventReport.Status


def new_report(org, **fields) -> EventReport:
    reporter = MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                                 user=UserFactory()).user
    return submit_event(organization=org, reporter=reporter, **fields).report


def page(report) -> str:
    return f"/o/{report.organization.slug}/events/{report.pk}/triage/"


def test_the_triage_page_opens_for_reviewers_only(org, reviewer, safety_lead, executive,
                                                  staff, outsider):
    report = new_report(org)
    own = submit_event(organization=org, reporter=staff).report
    assert client_for(reviewer).get(page(report)).status_code == 200
    assert client_for(safety_lead).get(page(report)).status_code == 200
    # Those who may not see the report learn nothing; its reporter is the wrong role.
    assert client_for(executive).get(page(report)).status_code == 404
    assert client_for(staff).get(page(report)).status_code == 404
    assert client_for(staff).get(page(own)).status_code == 403
    assert client_for(outsider).get(page(report)).status_code == 404
    assert not EventTriage.objects.exists()  # reading writes nothing


def test_a_reviewer_changes_status_and_a_bad_form_changes_nothing(org, reviewer):
    report = new_report(org)
    client = client_for(reviewer)
    response = client.post(page(report), {"action": "status",
                                          "status-version": 1, "status-to": "closed",
                                          "status-reason": "duplicate call"})
    assert response.status_code == 422
    assert "Closing message" in response.content.decode() and "Write the closing message" \
        in response.content.decode()
    report.refresh_from_db()
    assert report.status == S.NEW
    response = client.post(page(report), {"action": "status",
                                          "status-version": 1, "status-to": "in_review"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.IN_REVIEW


def test_a_stale_page_is_refused(org, reviewer, safety_lead):
    report = new_report(org)
    triage.change_status(report=report, by=safety_lead, to=S.IN_REVIEW)
    response = client_for(reviewer).post(page(report), {
        "action": "reclassify", "reclassify-version": 1,
        "reclassify-event_type": "incident", "reclassify-category": "fall",
        "reclassify-harm_level": "severe", "reclassify-reason": "X-ray"})
    assert response.status_code == 422
    assert "Someone else changed" in response.content.decode()
    report.refresh_from_db()
    assert report.harm_level == "mild"


def test_linking_a_duplicate_by_reference_shows_on_the_primary(org, reviewer):
    primary, dup = new_report(org), new_report(org)
    client = client_for(reviewer)
    response = client.post(page(dup), {"action": "duplicate",
                                       "duplicate-version": 1,
                                       "duplicate-duplicate_of": primary.reference.lower()})
    assert response.status_code == 302
    html = client.get(page(primary)).content.decode()
    assert dup.reference in html and "linked to this one" in html
    response = client.post(page(dup), {"action": "duplicate",
                                       "duplicate-version": 2,
                                       "duplicate-duplicate_of": "EV-NOSUCH"})
    assert response.status_code == 422 and "No report with this reference" in \
        response.content.decode()


def test_the_serious_page_shows_minimal_facts_and_the_clock_to_executives(org, executive,
                                                                         staff, reviewer):
    report = new_report(org, harm_level="severe",
                        narrative="Mr. Example fell near bed 12 and broke his hip.")
    client = client_for(executive)
    html = client.get(f"/o/{org.slug}/events/serious/").content.decode()
    assert report.reference in html and "Severe harm" in html and "Fall" in html
    assert re.search(r"\d+ business days? \d+ hours? left|\d+ business days left", html)
    assert "Mr. Example" not in html and staff.email not in html
    assert f"/events/{report.pk}/triage/" not in html  # no door to the detail
    assert client_for(staff).get(f"/o/{org.slug}/events/serious/").status_code == 403
    response = client.post(f"/o/{org.slug}/events/{report.pk}/acknowledge/")
    assert response.status_code == 302
    assert EventTriage.objects.get(report=report).acknowledged_by == executive
    assert client_for(reviewer).post(
        f"/o/{org.slug}/events/{report.pk}/acknowledge/").status_code == 403


def test_my_work_lists_serious_events_for_leaders_and_assignments_for_reviewers(
        org, executive, safety_lead, reviewer, staff):
    serious = new_report(org, harm_level="death")
    assigned = new_report(org)
    triage.assign(report=assigned, by=safety_lead, assignee=reviewer,
                  due_on=timezone.localdate())

    def titles(user, key):
        section = next(s for s in my_work(user=user, organization=org).sections
                       if s.key == key)
        return [item.title for item in section.items]

    assert titles(executive, "events.serious") == [f"{serious.reference}: Fall, Death"]
    assert titles(safety_lead, "events.serious") == [f"{serious.reference}: Fall, Death"]
    assert titles(reviewer, "events.serious") == []
    assert titles(staff, "events.serious") == []
    assert titles(reviewer, "events.assigned") == [f"{assigned.reference}: Fall"]
    assert titles(executive, "events.assigned") == []


def test_the_threshold_is_set_on_the_settings_page_by_leads_only(org, safety_lead,
                                                                 executive):
    path = f"/o/{org.slug}/events/settings/"
    assert client_for(executive).get(path).status_code == 403
    client = client_for(safety_lead)
    assert client.post(path, {"serious_harm_threshold": "nonsense"}).status_code == 422
    assert triage.serious_threshold(org) == "severe"
    assert client.post(path, {"serious_harm_threshold": "moderate"}).status_code == 302
    assert triage.serious_threshold(org) == "moderate"


def test_the_serious_page_and_my_work_cost_the_same_queries_for_1_and_3_events(
        org, executive, safety_lead, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    leader, assignee = client_for(executive), client_for(reviewer)

    def cost(path: str, client=leader) -> int:
        client.get(path)  # warm the taxonomy cache and the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    counts = {}
    for total in (1, 3):
        while EventTriage.objects.filter(is_serious=True).count() < total:
            report = new_report(org, harm_level="severe")
            triage.assign(report=report, by=safety_lead, assignee=reviewer)
        counts[total] = (cost(f"/o/{org.slug}/events/serious/"), cost(f"/o/{org.slug}/"),
                         cost(f"/o/{org.slug}/", assignee))
    assert counts[1] == counts[3]


def test_the_named_reporter_reads_the_closing_message_on_my_reports_and_the_report(
        org, reviewer, staff):
    report = submit_event(organization=org, reporter=staff).report
    other = new_report(org)
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
    triage.close_report(report=EventReport.objects.get(pk=report.pk), by=reviewer,
                        closing_message="We moved the call bell within reach of every bed.")
    triage.change_status(report=other, by=reviewer, to=S.IN_REVIEW)
    triage.close_report(report=EventReport.objects.get(pk=other.pk), by=reviewer,
                        closing_message="Someone else's answer.")
    client = client_for(staff)
    mine = client.get(f"/o/{org.slug}/events/mine/").content.decode()
    assert "call bell within reach" in mine and "Someone else" not in mine
    detail = client.get(f"/o/{org.slug}/events/{report.pk}/").content.decode()
    assert "call bell within reach" in detail and "Triage this report" not in detail
    reviewer_view = client_for(reviewer).get(f"/o/{org.slug}/events/{report.pk}/")
    assert "Triage this report" in reviewer_view.content.decode()


def test_leaders_and_reviewers_find_the_serious_events_page_in_the_menu(org, executive, staff):
    assert "Serious events" in client_for(executive).get(f"/o/{org.slug}/").content.decode()
    assert ">Serious events<" not in client_for(staff).get(f"/o/{org.slug}/").content.decode()


def test_the_board_pack_section_is_left_out_without_reports_and_counts_them_with(org,
                                                                                 executive):
    from safetyhub.core import board_pack
    from safetyhub.events.triage_registry import board_section

    today = timezone.localdate()
    period = board_pack.Period(start=today.replace(day=1), end=today)
    assert board_section(organization=org, period=period, options=None) is None
    report = new_report(org, harm_level="severe")
    triage.acknowledge_serious(report=report, by=executive)
    section = board_section(organization=org, period=period, options=None)
    assert section["reports"] == 1 and section["serious_on_time"] == 1
    assert section["headlines"] == [
        ("Serious safety events acknowledged within 3 business days", "1 of 1")]


def test_the_board_pack_page_shows_the_safety_events_section(org, owner, executive):
    from django.urls import reverse

    from safetyhub.core import services as core_services

    report = new_report(org, harm_level="death", event_type="incident")
    new_report(org, event_type="near-miss", harm_level="")
    triage.acknowledge_serious(report=report, by=executive)
    today = timezone.localdate()
    pack = core_services.create_board_pack(
        organization=org, title="This month", period_start=today.replace(day=1),
        period_end=today, summary="", key_measures=[], by=owner)
    html = client_for(executive).get(
        reverse("board_pack", args=[org.slug, pack.pk])).content.decode()
    assert "Safety events" in html
    assert "2 event reports in the period (1 near miss, 0 workforce events)" in html
    assert "Serious safety events acknowledged within 3 business days" in html


def test_the_reporters_answers_stay_visible_after_the_category_is_changed(org, reviewer):
    report = new_report(org, answers={"injury": "minor", "assisted": "no"})
    before = client_for(reviewer).get(f"/o/{org.slug}/events/{report.pk}/").content.decode()
    triage.reclassify(report=report, by=reviewer, event_type="incident",
                      category="medication", harm_level="mild", reason="A sedative error.")
    html = client_for(reviewer).get(f"/o/{org.slug}/events/{report.pk}/").content.decode()
    assert "About the fall" in before and "About the fall" in html
    answered = re.search(r"About the fall</h2>(.*?)</dl>", html, re.S).group(1)
    assert answered == re.search(r"About the fall</h2>(.*?)</dl>", before, re.S).group(1)
    assert "<dd>" in answered
    triage_page = client_for(reviewer).get(page(report)).content.decode()
    assert "Fall" in triage_page and "Medication" in triage_page


def test_my_reports_with_closing_messages_costs_the_same_queries_for_1_and_3(org, reviewer,
                                                                             staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff)
    counts = []
    for total in (1, 3):
        while EventReport.objects.filter(reporter=staff).count() < total:
            report = submit_event(organization=org, reporter=staff).report
            triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
            triage.close_report(report=EventReport.objects.get(pk=report.pk), by=reviewer,
                                closing_message=f"Answer {report.reference}")
        client.get(f"/o/{org.slug}/events/mine/")
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/o/{org.slug}/events/mine/").content.decode()
        assert html.count("Answer EV-") == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
