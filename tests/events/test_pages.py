"""The reporting form, the confirmation, a report's page and the two lists, as people use
them: with bad input, with a double submit, anonymously, and as every kind of member."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.events.models import EventDraft, EventReport
from tests.conftest import client_for
from tests.factories import SiteFactory, submit_event

WHEN = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")


def url(org, tail: str = "") -> str:
    return f"/o/{org.slug}/events/{tail}"


def form_data(site, **overrides) -> dict:
    data = {
        "kind": "patient_safety", "client_key": "key-1", "event_type": "incident",
        "category": "fall", "occurred_at": WHEN, "site_id": str(site.pk),
        "narrative": "Found on the floor by the bed.", "harm_level": "mild",
        "answers.injury": "minor",
    }
    data.update(overrides)
    return data


@pytest.fixture
def site(org):
    return SiteFactory(organization=org, name="Ward 7")


def test_the_form_puts_the_required_fields_first_and_keeps_a_client_key(org, site,
                                                                        staff_client):
    page = staff_client.get(url(org, "report/"))
    assert page.status_code == 200
    text = page.text
    assert text.index('name="event_type"') < text.index("More details (optional)")
    assert text.index('name="narrative"') < text.index('name="people_involved"')
    assert re.search(r'name="client_key" value="[\w-]{20,}"', text)
    assert "Report anonymously" in text and "nothing about you" in text
    assert "Ward 7" in text
    assert 'hx-get="/o/riverside/events/report/questions/"' in text


def test_the_workforce_form_asks_who_reports_and_offers_workforce_categories(org, staff_client):
    text = staff_client.get(url(org, "report/?kind=workforce")).text
    assert "Who is reporting?" in text and "Sharps injury or exposure" in text
    assert "Medication or Other Substance" not in text
    assert "About the patient" not in text


def test_a_categorys_questions_come_with_it(org, staff_client):
    text = staff_client.get(url(org, "report/questions/?kind=patient_safety&category=fall")).text
    assert "Was the patient injured?" in text
    medication = staff_client.get(url(org, "report/questions/?category=medication")).text
    assert "NCC MERP" in medication and "C: Category C" in medication
    assert staff_client.get(url(org, "report/questions/?category=nope")).text.strip() == ""


def test_without_javascript_the_questions_come_on_request_and_nothing_is_sent(org, site,
                                                                             staff_client):
    response = staff_client.post(url(org, "report/"), form_data(site, show_questions="1",
                                                                narrative=""))
    assert "Was the patient injured?" in response.text
    assert "This field is required" not in response.text
    assert not EventReport.objects.exists()


def test_a_named_report_leads_to_its_confirmation(org, site, staff, staff_client, reviewer):
    response = staff_client.post(url(org, "report/"), form_data(site))
    report = EventReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(org, f"{report.pk}/received/")
    page = staff_client.get(response["Location"]).text
    assert report.reference in page and "follow-up code" not in page.lower()
    assert report.reporter == staff and report.site == site
    assert report.answers == {"injury": "minor"}


def test_a_double_submit_makes_one_report(org, site, staff_client):
    staff_client.post(url(org, "report/"), form_data(site))
    again = staff_client.post(url(org, "report/"), form_data(site))
    assert again.status_code == 302
    assert EventReport.objects.count() == 1


def test_bad_input_is_shown_on_its_field_and_kept(org, site, staff_client):
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = staff_client.post(url(org, "report/"), form_data(
        site, occurred_at=future, harm_level="", **{"answers.injury": ""}))
    assert response.status_code == 422
    text = response.text
    assert "The report was not sent yet" in text
    assert "Cannot be in the future." in text
    assert "Say how much harm it did" in text
    assert "Answer this question: Was the patient injured?" in text
    assert "Found on the floor by the bed." in text  # kept
    assert not EventReport.objects.exists()


def test_a_wrong_file_type_is_refused_on_the_attachments_field(org, site, staff_client):
    data = form_data(site)
    data["attachments"] = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>")
    response = staff_client.post(url(org, "report/"), data)
    assert response.status_code == 422
    assert "Attach a PDF, PNG or JPEG file" in response.text
    assert not EventReport.objects.exists()


def test_an_anonymous_report_shows_its_code_once_and_logs_no_user(org, site, staff,
                                                                 staff_client, caplog):
    caplog.set_level("INFO", logger="safetyhub.request")
    response = staff_client.post(url(org, "report/"), form_data(site, anonymous="on"))
    assert response.status_code == 200
    code = re.search(r'id="follow-up-code">([A-Z0-9-]+)<', response.text).group(1)
    report = EventReport.objects.get()
    assert report.reporter is None and report.is_anonymous
    from safetyhub.events.services import follow_up_code_hash
    assert report.follow_up_code_hash == follow_up_code_hash(code)
    lines = [r for r in caplog.records if getattr(r, "path", "") == url(org, "report/")]
    assert lines and all(r.user_id is None for r in lines)
    assert not EventReport.objects.filter(reporter=staff).exists()
    # not in the reporter's list, and they cannot open it
    assert report.reference not in staff_client.get(url(org, "mine/")).text
    assert staff_client.get(url(org, f"{report.pk}/")).status_code == 404
    assert not AuditEntry.objects.filter(actor=staff, object_type="events.EventReport").exists()


def test_the_draft_is_saved_as_one_types_and_comes_back(org, site, staff, staff_client):
    response = staff_client.post(url(org, "report/draft/"), {
        "kind": "patient_safety", "client_key": "draft-key", "category": "fall",
        "narrative": "Half a thought", "answers.injury": "major",
        "people_involved": ["nurse", "patient"]}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Draft saved" in response.text
    page = staff_client.get(url(org, "report/")).text
    assert "Half a thought" in page and 'value="draft-key"' in page
    assert "Your draft from" in page
    assert re.search(r'value="major"[^>]*checked', page)
    assert re.search(r'value="nurse"[^>]*checked', page)
    staff_client.post(url(org, "report/"), form_data(site, client_key="draft-key"))
    assert not EventDraft.objects.exists()


def test_another_persons_draft_is_not_shown(org, staff, member):
    client_for(staff).post(url(org, "report/draft/"), {"narrative": "Staff's secret draft"})
    assert "Staff's secret draft" not in client_for(member).get(url(org, "report/")).text


# --- who sees what -----------------------------------------------------------------------------


@pytest.fixture
def placed(org, staff, member):
    """A named report by staff, an anonymous one, and one by another member: data that could
    leak, in place before anyone looks."""
    named = submit_event(organization=org, reporter=staff,
                         narrative="Named secret narrative").report
    anonymous = submit_event(organization=org, reporter=staff, anonymous=True,
                             narrative="Anonymous secret narrative").report
    others = submit_event(organization=org, reporter=member,
                          narrative="Colleague secret narrative").report
    return named, anonymous, others


@pytest.mark.parametrize(("who", "sees"), [
    ("reviewer", {"named", "anonymous", "others"}),
    ("safety_lead", {"named", "anonymous", "others"}),
    ("staff", {"named"}),
    ("member", {"others"}),
    ("executive", set()),
    ("advisor", set()),
    ("owner", set()),
    ("outsider", set()),
])
def test_access_matrix_for_a_reports_page(request, org, placed, who, sees):
    client = client_for(request.getfixturevalue(who))
    for name, report in zip(("named", "anonymous", "others"), placed, strict=True):
        response = client.get(url(org, f"{report.pk}/"))
        if name in sees:
            assert response.status_code == 200, (who, name)
            assert report.narrative in response.text
        else:
            assert response.status_code == 404, (who, name)
            assert report.narrative not in response.text


def test_every_view_of_a_report_is_audited(org, placed, reviewer):
    named = placed[0]
    client_for(reviewer).get(url(org, f"{named.pk}/"))
    client_for(reviewer).get(url(org, f"{named.pk}/"))
    views = AuditEntry.objects.filter(action="view", object_type="events.EventReport",
                                      object_id=str(named.pk), actor=reviewer)
    assert views.count() == 2


@pytest.mark.parametrize(("who", "status"), [
    ("reviewer", 200), ("safety_lead", 200), ("staff", 403), ("executive", 403),
    ("advisor", 403), ("owner", 403), ("outsider", 404),
])
def test_only_reviewers_open_the_events_list(request, org, placed, who, status):
    response = client_for(request.getfixturevalue(who)).get(url(org))
    assert response.status_code == status
    if status == 200:
        assert all(r.reference in response.text for r in placed)


def test_the_events_list_is_newest_first_and_paginated(org, reviewer, staff):
    for n in range(27):
        submit_event(organization=org, reporter=staff, narrative=f"Event {n}")
    first = client_for(reviewer).get(url(org)).text
    newest = EventReport.objects.order_by("-created_at", "-pk")
    assert newest[0].reference in first and newest[26].reference not in first
    assert "Page 1 of 2" in first
    second = client_for(reviewer).get(url(org, "?page=2")).text
    assert newest[26].reference in second


@pytest.mark.parametrize("count", [1, 3])
def test_the_events_list_costs_the_same_queries_for_1_and_3_reports(
        org, reviewer, staff, count, django_assert_max_num_queries):
    for _ in range(count):
        submit_event(organization=org, reporter=staff)
    client = client_for(reviewer)
    client.get(url(org))  # warm the session and caches
    with django_assert_max_num_queries(12):
        assert client.get(url(org)).status_code == 200


def test_attachments_download_only_through_their_report(org, site, staff, member, reviewer):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 16
    report = submit_event(organization=org, reporter=staff, attachments=[
        SimpleUploadedFile("x.png", png)]).report
    attachment = report.attachments.get()
    link = url(org, f"{report.pk}/files/{attachment.pk}/")
    response = client_for(reviewer).get(link)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client_for(member).get(link).status_code == 404
    other = submit_event(organization=org, reporter=member).report
    assert client_for(reviewer).get(url(org, f"{other.pk}/files/{attachment.pk}/")
                                    ).status_code == 404


def test_reviewers_see_identifier_flags_and_my_work_lists_new_reports(org, staff, reviewer):
    report = submit_event(organization=org, reporter=staff,
                          narrative="Mr. Jones fell; call his wife on 555-222-3333.").report
    client = client_for(reviewer)
    page = client.get(url(org, f"{report.pk}/")).text
    assert "The text may identify someone" in page and "a phone number" in page
    work = client.get(f"/o/{org.slug}/").text
    assert "New event reports to triage" in work and report.reference in work
    staff_work = client_for(staff).get(f"/o/{org.slug}/").text
    assert report.reference not in staff_work and "Report a safety event" in staff_work


def test_anonymous_visitors_are_sent_to_sign_in(org):
    response = Client().get(url(org, "report/"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 3])
def test_my_reports_costs_the_same_queries_for_1_and_3_reports(
        org, staff, count, django_assert_max_num_queries):
    for _ in range(count):
        submit_event(organization=org, reporter=staff)
    client = client_for(staff)
    client.get(url(org, "mine/"))
    with django_assert_max_num_queries(12):
        page = client.get(url(org, "mine/"))
    assert page.text.count("/received/") == 0 and page.text.count('class="event-table"') == 1


def test_search_finds_reports_for_reviewers_only(org, staff, reviewer, executive):
    report = submit_event(organization=org, reporter=staff,
                          narrative="Infusion pump alarm silenced overnight").report
    found = client_for(reviewer).get(f"/o/{org.slug}/search/?q=infusion").text
    assert report.reference in found
    for person in (staff, executive):
        assert report.reference not in client_for(person).get(
            f"/o/{org.slug}/search/?q=infusion").text


def test_a_manager_reports_a_workforce_event_through_the_page(org, site, staff_client, staff):
    response = staff_client.post(url(org, "report/"), form_data(
        site, kind="workforce", category="violence-patient", harm_level="wf-first-aid",
        reported_by="manager", **{"answers.kind": ["verbal", "physical"],
                                   "answers.injury": ""}))
    assert response.status_code == 302, response.text
    report = EventReport.objects.get()
    assert report.kind == "workforce" and report.channel == "workforce"
    assert report.reported_by == "manager" and report.answers == {"kind": ["verbal",
                                                                           "physical"]}


def test_a_workforce_report_without_who_reports_is_refused_on_that_field(org, site,
                                                                        staff_client):
    response = staff_client.post(url(org, "report/"), form_data(
        site, kind="workforce", category="sharps", harm_level="wf-none",
        **{"answers.exposure": "cut"}))
    assert response.status_code == 422
    assert "Who is reporting?" in response.text and "This field is required" in response.text
    assert not EventReport.objects.exists()


def test_resending_an_anonymous_form_gives_a_new_code_for_the_same_report(org, site,
                                                                         staff_client):
    first = staff_client.post(url(org, "report/"), form_data(site, anonymous="on"))
    again = staff_client.post(url(org, "report/"), form_data(site, anonymous="on"))
    codes = [re.search(r'id="follow-up-code">([A-Z0-9-]+)<', r.text).group(1)
             for r in (first, again)]
    assert codes[0] != codes[1]
    assert "The form reached us twice" in again.text
    assert EventReport.objects.count() == 1
