"""The public reporting page for patients, families and care partners: on and off per
organization, plain-word answers mapped to the taxonomy, every kind of bad input refused in
plain words with nothing stored and nothing typed lost, one report per form however often it
is sent, the follow-up code and its page, and the limit on wrong codes."""

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from safetyhub.core import throttle
from safetyhub.core.models import AuditEntry, Notification, Role
from safetyhub.events import public, triage
from safetyhub.events.models import EventReport, PublicReporter, PublicReportingPage
from tests.conftest import client_for
from tests.factories import MembershipFactory, SiteFactory, UserFactory, organization_that_joined

CODE = re.compile(r'id="follow-up-code">([0-9A-Z-]+)<')


@pytest.fixture(autouse=True)
def fresh_counts():
    throttle.forget_memory()
    yield
    throttle.forget_memory()


@pytest.fixture
def open_page(org):
    return public.set_public_page(organization=org, is_open=True)


@pytest.fixture
def ward(org):
    return SiteFactory(organization=org, name="Ward 3 North")


def answers(**overrides) -> dict:
    data = {
        "what_happened": "My father was given his evening pills twice.",
        "day": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "time_of_day": "evening",
        "site": "",
        "hurt": "little",
        "relationship": "family",
        "anonymous": "yes",
        "client_key": "form-key-1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def send(client, org, data):
    return client.post(f"/report/{org.slug}/", data, REMOTE_ADDR="198.51.100.20")


def code_in(response) -> str:
    match = CODE.search(response.content.decode())
    assert match, "no follow-up code on the page"
    return match.group(1)


# --- on and off --------------------------------------------------------------------------------


def test_the_page_is_not_found_until_the_organization_turns_it_on(org, client):
    assert client.get(f"/report/{org.slug}/").status_code == 404
    assert client.get(f"/report/{org.slug}/follow-up/").status_code == 404
    assert client.get("/report/no-such-place/").status_code == 404
    public.set_public_page(organization=org, is_open=True)
    assert client.get(f"/report/{org.slug}/").status_code == 200
    assert client.get(f"/report/{org.slug}/follow-up/").status_code == 200
    public.set_public_page(organization=org, is_open=False)
    assert client.get(f"/report/{org.slug}/").status_code == 404
    assert send(client, org, answers()).status_code == 404
    assert EventReport.objects.count() == 0


def test_a_safety_lead_turns_the_page_on_and_sees_its_link(org, safety_lead, client):
    lead = client_for(safety_lead)
    assert b'href="/o/riverside/events/public-page/"' in lead.get(f"/o/{org.slug}/").content
    response = lead.get(f"/o/{org.slug}/events/public-page/")
    assert response.status_code == 200 and b"The page is off" in response.content
    response = lead.post(f"/o/{org.slug}/events/public-page/", {"is_open": "on"})
    assert response.status_code == 302
    assert PublicReportingPage.objects.get(organization=org).is_open
    page = lead.get(f"/o/{org.slug}/events/public-page/").content.decode()
    assert f"/report/{org.slug}/" in page and "data:image/svg+xml" in page
    entry = AuditEntry.objects.filter(object_type="events.PublicReportingPage").first()
    assert entry is not None and entry.actor_id == safety_lead.pk
    assert client.get(f"/report/{org.slug}/").status_code == 200
    lead.post(f"/o/{org.slug}/events/public-page/", {})
    assert client.get(f"/report/{org.slug}/").status_code == 404


def test_only_admins_and_safety_leads_switch_the_page(org, staff, reviewer, outsider):
    assert client_for(staff).post(f"/o/{org.slug}/events/public-page/",
                                  {"is_open": "on"}).status_code == 403
    assert client_for(reviewer).get(f"/o/{org.slug}/events/public-page/").status_code == 403
    assert b"/events/public-page/" not in client_for(staff).get(f"/o/{org.slug}/").content
    assert client_for(outsider).post(f"/o/{org.slug}/events/public-page/",
                                     {"is_open": "on"}).status_code == 404
    assert not PublicReportingPage.objects.filter(organization=org, is_open=True).exists()


# --- reporting ---------------------------------------------------------------------------------


def test_an_anonymous_report_is_stored_with_its_plain_answers_mapped_and_a_code_shown_once(
        org, open_page, ward, reviewer, client):
    response = send(client, org, answers(
        site=str(ward.pk), contact_name="Typed Then Anonymous", contact_phone="555 0100 22",
        patient_age_band="65-84", patient_language="es", patient_race_ethnicity=["hispanic"]))
    assert response.status_code == 200, response.content.decode()[:2000]
    code = code_in(response)
    assert len(code.replace("-", "")) == 20  # 100 bits
    report = EventReport.objects.get()
    assert report.channel == EventReport.Channel.PATIENT_FAMILY
    assert report.kind == EventReport.Kind.PATIENT_SAFETY
    assert report.is_anonymous and report.reporter is None
    assert (report.event_type, report.harm_level, report.category) == ("incident", "mild",
                                                                       "other")
    assert report.site == ward
    assert timezone.localtime(report.occurred_at).hour == 20
    assert report.patient_age_band == "65-84" and report.patient_language == "es"
    assert report.patient_race_ethnicity == ["hispanic"]
    assert report.follow_up_code_hash != code and code not in str(vars(report))
    reporter = PublicReporter.objects.get(report=report)
    assert reporter.relationship == "family"
    assert (reporter.name, reporter.phone, reporter.email) == ("", "", "")
    # the reviewers are told that something was reported, not by whom
    notice = Notification.objects.get(recipient=reviewer)
    assert report.reference in notice.title and "family" not in notice.title.lower()
    # the follow-up page knows the code
    status = client.post(f"/report/{org.slug}/follow-up/", {"code": code.lower()})
    assert status.status_code == 200
    assert b"No one has read it yet" in status.content


def test_a_near_miss_and_not_sure_answers_map_to_the_taxonomy(org, open_page, client):
    send(client, org, answers(hurt="almost", time_of_day="not-sure", client_key="a"))
    send(client, org, answers(hurt="not-sure", client_key="b"))
    first, second = EventReport.objects.order_by("created_at", "pk")
    assert (first.event_type, first.harm_level) == ("near-miss", "")
    assert (second.event_type, second.harm_level) == ("incident", "unknown")


def test_today_in_the_evening_said_in_the_afternoon_is_not_in_the_future(org, open_page,
                                                                           client):
    response = send(client, org, answers(day=timezone.localdate().isoformat(),
                                         time_of_day="evening"))
    assert response.status_code == 200
    assert EventReport.objects.get().occurred_at <= timezone.now()


def test_a_named_report_keeps_how_to_reach_the_reporter_and_gets_a_code_too(org, open_page,
                                                                             client):
    response = send(client, org, answers(
        anonymous="no", relationship="patient", contact_name="Ana Example",
        contact_phone="(555) 010-2030", contact_email="ana@example.net"))
    assert response.status_code == 200
    code = code_in(response)
    report = EventReport.objects.get()
    assert not report.is_anonymous and report.reporter is None
    reporter = report.public_reporter
    assert (reporter.name, reporter.phone, reporter.email, reporter.relationship) == (
        "Ana Example", "(555) 010-2030", "ana@example.net", "patient")
    # the contact details stay out of the audit trail's text
    for entry in AuditEntry.objects.filter(object_type="events.PublicReporter"):
        assert "Ana Example" not in str(entry.changes) and "ana@" not in str(entry.changes)
    assert client.post(f"/report/{org.slug}/follow-up/", {"code": code}).status_code == 200


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"what_happened": ""}, "what_happened", "Please tell us what happened."),
    ({"what_happened": "x" * 10_001}, "what_happened", "Please make this shorter"),
    ({"day": ""}, "day", "Please tell us the day it happened."),
    ({"day": "yesterday-ish"}, "day", "Please enter a real day"),
    ({"day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "day",
     "This day is after today."),
    ({"day": "2001-01-01"}, "day", "We can only take reports here about things that happened"),
    ({"hurt": ""}, "hurt", "Please tell us if someone was hurt."),
    ({"hurt": "exploded"}, "hurt", "Please pick one of the answers"),
    ({"relationship": ""}, "relationship", "Please tell us who you are"),
    ({"anonymous": ""}, "anonymous", "Please choose: give your name, or stay anonymous."),
    ({"anonymous": "no"}, "contact_name", "Please tell us your name"),
    ({"anonymous": "no", "contact_name": "Ana"}, "contact_phone",
     "Please give a phone number or an email"),
    ({"anonymous": "no", "contact_name": "Ana", "contact_email": "ana@"}, "contact_email",
     "This email does not look right."),
    ({"anonymous": "no", "contact_name": "Ana", "contact_phone": "call me"}, "contact_phone",
     "This phone number does not look right."),
    ({"site": "999999"}, "site", "Please pick a place from the list"),
    ({"patient_sex": "robot"}, "patient_sex", "Please pick one of the answers"),
])
def test_bad_input_is_refused_in_plain_words_naming_the_question_and_keeps_what_was_typed(
        org, open_page, client, overrides, field, words):
    data = answers(**overrides)
    if "what_happened" not in overrides:
        data["what_happened"] = "The nurse gave the wrong pills <again> & left."
    response = send(client, org, data)
    assert response.status_code == 422
    page = response.content.decode()
    start = page.index(f'id="q-{field}"')
    block = page[start:page.index(' id="q-', start + 10)] if ' id="q-' in page[start + 10:] \
        else page[start:]
    assert words in block, block
    assert EventReport.objects.count() == 0 and PublicReporter.objects.count() == 0
    if "what_happened" not in overrides:  # what was typed comes back, escaped
        assert "The nurse gave the wrong pills &lt;again&gt; &amp; left." in page
    assert 'name="client_key" value="form-key-1"' in page  # the same form, the same key


def test_a_form_sent_twice_makes_one_report_and_only_the_newest_code_works(org, open_page,
                                                                            client):
    first = code_in(send(client, org, answers()))
    again = send(client, org, answers())
    assert again.status_code == 200 and b"You sent this report before" in again.content
    second = code_in(again)
    assert first != second and EventReport.objects.count() == 1
    assert PublicReporter.objects.count() == 1
    wrong = client.post(f"/report/{org.slug}/follow-up/", {"code": first})
    assert wrong.status_code == 422
    assert client.post(f"/report/{org.slug}/follow-up/", {"code": second}).status_code == 200


def test_another_organizations_code_is_as_unknown_as_a_wrong_one(org, open_page, other_org,
                                                                  client):
    public.set_public_page(organization=other_org, is_open=True)
    code = code_in(send(client, org, answers()))
    response = client.post(f"/report/{other_org.slug}/follow-up/", {"code": code})
    assert response.status_code == 422
    assert b"We could not find a report with this code" in response.content


def test_a_closed_report_shows_its_status_and_closing_message(org, open_page, reviewer,
                                                              client):
    code = code_in(send(client, org, answers()))
    report = EventReport.objects.get()
    triage.change_status(report=report, by=reviewer, to=EventReport.Status.IN_REVIEW)
    in_review = client.post(f"/report/{org.slug}/follow-up/", {"code": code})
    assert b"Someone on our safety team is reading your report." in in_review.content
    assert b"What we learned" not in in_review.content
    triage.close_report(report=EventReport.objects.get(), by=reviewer,
                        closing_message="We now check the medicine chart <twice> at night.")
    response = client.post(f"/report/{org.slug}/follow-up/", {"code": code})
    assert response.status_code == 200
    assert b"We have finished looking into your report." in response.content
    assert b"What we learned and what we did" in response.content
    assert b"We now check the medicine chart &lt;twice&gt; at night." in response.content
    assert response["Cache-Control"].count("no-store") == 1


def test_the_follow_up_is_audited_as_a_view_of_the_report_by_no_one(org, open_page, client):
    code = code_in(send(client, org, answers()))
    report = EventReport.objects.get()
    client.post(f"/report/{org.slug}/follow-up/", {"code": code})
    view = AuditEntry.objects.get(action="view", object_id=str(report.pk))
    assert view.actor_id is None and view.actor_label == public.PUBLIC_ACTOR


# --- limits ------------------------------------------------------------------------------------


def test_wrong_codes_are_limited_per_address_with_a_clear_message(org, open_page, settings):
    settings.FOLLOW_UP_FAILURES_PER_ADDRESS = 3
    client = Client()
    url = f"/report/{org.slug}/follow-up/"
    for _ in range(3):
        response = client.post(url, {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"},
                               REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 422
    refused = client.post(url, {"code": "AAAA-BBBB-CCCC-DDDD-EEEE"}, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many wrong codes were tried" in refused.content
    # another address is not held back by this one
    assert client.post(url, {"code": "AAAA"}, REMOTE_ADDR="203.0.113.10").status_code == 422


def test_wrong_codes_are_limited_for_the_whole_page_without_naming_an_address(
        org, open_page, settings):
    settings.FOLLOW_UP_FAILURES_PER_ORGANIZATION = 4
    url = f"/report/{org.slug}/follow-up/"
    for number in range(4):
        assert Client().post(url, {"code": "WRONG"},
                             REMOTE_ADDR=f"203.0.113.{number}").status_code == 422
    assert Client().post(url, {"code": "WRONG"},
                         REMOTE_ADDR="203.0.113.200").status_code == 429


def test_the_shared_counts_do_not_depend_on_the_address(org, open_page, monkeypatch):
    """The cache table holds the whole page's counts; a key that changed with the address
    would be the address written down (hashed, and so recoverable)."""
    now = (dt.datetime.now().timestamp() // 3600) * 3600 + 10
    monkeypatch.setattr(throttle.time, "time", lambda: now)

    def keys() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM safetyhub_cache")
            return {row[0] for row in cursor.fetchall()}

    url = f"/report/{org.slug}/follow-up/"
    Client().post(url, {"code": "WRONG"}, REMOTE_ADDR="203.0.113.77")
    send(Client(), org, answers(client_key="k1"))
    after_first = keys()
    assert after_first  # the whole page's counts are shared
    Client().post(url, {"code": "WRONG"}, REMOTE_ADDR="198.51.100.5")
    Client().post(f"/report/{org.slug}/", answers(client_key="k2"),
                  REMOTE_ADDR="198.51.100.5")
    assert keys() == after_first


def test_reports_from_one_address_are_limited_and_what_was_typed_comes_back(
        org, open_page, settings):
    settings.PUBLIC_REPORTS_PER_ADDRESS = 2
    client = Client()
    for number in range(2):
        assert send(client, org, answers(client_key=f"k{number}")).status_code == 200
    refused = send(client, org, answers(client_key="k9", what_happened="A third one."))
    assert refused.status_code == 429
    assert b"Too many reports were sent from here" in refused.content
    assert b"A third one." in refused.content
    assert EventReport.objects.count() == 2


# --- what the visitor leaves behind ------------------------------------------------------------


def test_a_visitor_gets_no_session_and_a_signed_in_persons_session_is_not_written(
        org, open_page, staff):
    visitor = Client()
    response = visitor.get(f"/report/{org.slug}/")
    assert "sessionid" not in response.cookies
    send(visitor, org, answers())
    assert Session.objects.count() == 0 and "sessionid" not in visitor.cookies

    signed_in = client_for(staff)
    session = Session.objects.get()
    before = (session.session_data, session.expire_date)
    signed_in.get(f"/report/{org.slug}/")
    signed_in.post(f"/report/{org.slug}/", answers(client_key="staff-key"))
    session.refresh_from_db()
    assert (session.session_data, session.expire_date) == before
    report = EventReport.objects.get(client_key__isnull=False,
                                     pk=EventReport.objects.latest("pk").pk)
    assert report.reporter is None
    entries = AuditEntry.objects.filter(object_type="events.EventReport",
                                        object_id=str(report.pk))
    assert entries and all(e.actor_id is None and e.actor_label != staff.email
                           for e in entries)


def test_the_public_pages_set_no_cookie_at_all(org, open_page):
    """Not even Django's CSRF cookie: one random value kept for a year and sent with every
    visit would tell a returning visitor apart (views_public's docstring)."""
    visitor = Client(enforce_csrf_checks=True)
    responses = [
        visitor.get(f"/report/{org.slug}/"),
        send(visitor, org, answers()),
        visitor.get(f"/report/{org.slug}/follow-up/"),
        visitor.post(f"/report/{org.slug}/follow-up/", {"code": "WRONG"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 422]
    assert all(not r.cookies for r in responses) and not visitor.cookies
    assert b"csrfmiddlewaretoken" not in responses[0].content


def test_a_form_posted_from_another_site_is_refused_and_stores_nothing(org, open_page):
    visitor = Client()
    refused = visitor.post(f"/report/{org.slug}/", answers(),
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and b"sent from another website" in refused.content
    assert EventReport.objects.count() == 0
    assert visitor.post(f"/report/{org.slug}/follow-up/", {"code": "X"},
                        headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert visitor.post(f"/report/{org.slug}/", answers(),
                        headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


def test_the_page_is_not_kept_by_the_browser(org, open_page, client):
    assert "no-store" in client.get(f"/report/{org.slug}/")["Cache-Control"]
    assert "no-store" in send(client, org, answers())["Cache-Control"]


def test_an_organization_without_members_of_any_reviewing_role_still_takes_reports(
        org, open_page, client):
    MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                      user=UserFactory(email="only-staff@example.org"))
    assert send(client, org, answers()).status_code == 200
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_makes_one_report_and_one_reporter_row():
    import threading

    from django.db import connections


    org = organization_that_joined(days_ago=30)
    barrier = threading.Barrier(2)
    results, problems = [], []

    def go():
        barrier.wait()
        try:
            results.append(public.submit_public_report(
                organization=org, what_happened="Both taps at once.",
                day=timezone.localdate(), time_of_day="morning", site_id=None, hurt="no",
                relationship="patient", anonymous=False, contact_name="Ana",
                contact_email="ana@example.net", client_key="double-tap"))
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert EventReport.objects.count() == 1 and PublicReporter.objects.count() == 1
    assert sorted(r.created for r in results) == [False, True]
    # whichever answer came last, its code is the one that works
    working = [r.follow_up_code for r in results
               if public.follow_up(organization=org, code=r.follow_up_code) is not None]
    assert len(working) == 1


def test_reviewers_see_who_reported_on_the_public_page_and_how_to_reach_them(
        org, open_page, reviewer, client):
    send(client, org, answers(anonymous="no", contact_name="Ana Example",
                              contact_phone="555 010 2030", client_key="named"))
    send(client, org, answers(relationship="care_partner", client_key="anonymous"))
    named, anonymous = EventReport.objects.order_by("created_at", "pk")
    page = client_for(reviewer).get(f"/o/{org.slug}/events/{named.pk}/").content.decode()
    assert "A family member" in page and "Ana Example" in page and "555 010 2030" in page
    page = client_for(reviewer).get(f"/o/{org.slug}/events/{anonymous.pk}/").content.decode()
    assert "A care partner" in page and "chose to stay anonymous" in page
    assert "Ana Example" not in page
