"""Anonymity that is real (issue 11, "Done means"): after an anonymous report, nothing that
identifies its author is anywhere SafetyHub writes: any table (every column of every table,
found by introspection: the report, its audit entries, notifications, the search index, the
cache table that holds throttle counts, the task queue's rows and their arguments), the
stored files, or the log output (the production JSON formatter's lines and every attribute
of every record).

Each test plants distinctive values first (an address, a user agent, the staff form's CSRF
cookie, the signed-in person's session key and email) and runs the whole path as a browser
would, CSRF checks on (the public pages set no cookie and need none), with the real
database-backed task queue, so that a leak has every chance to show.
`tests/events/leaks.py` also looks for the values' SHA-256/SHA-1/MD5 digests, which identify
as well as the values do.
"""

import datetime as dt
import ipaddress
import json
import re
import time

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from safetyhub.core import services as core_services
from safetyhub.core import throttle
from safetyhub.core.models import Role
from safetyhub.events import public
from safetyhub.events.models import EventReport
from tests.factories import MembershipFactory, OrganizationFactory, SiteFactory, UserFactory

from .leaks import (
    added_or_changed,
    captured_logs,
    forms_of,
    search_database,
    search_logs,
    snapshot,
)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ADDRESS = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (LeakProbe 7.7; anonymity-test-5f3c9a) Chromium/999"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(r'id="follow-up-code">([0-9A-Z-]+)<')


def traces(**extra: str) -> dict[str, str]:
    """What would identify the reporter's browser or connection, in every form worth
    looking for."""
    return {
        "address": ADDRESS,
        "address as a number": str(int(ipaddress.ip_address(ADDRESS))),
        "address's network": ADDRESS.rsplit(".", 1)[0] + ".",
        "user agent": USER_AGENT,
        "user agent (part)": "anonymity-test-5f3c9a",
        **extra,
    }


def browser() -> Client:
    """A browser at ADDRESS with USER_AGENT, with CSRF checks as a real browser meets them."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT)


def form_token(response) -> str:
    match = CSRF_FIELD.search(response.content.decode())
    assert match, "the page has no CSRF field"
    return match.group(1)


def setup_organization():
    org = OrganizationFactory(name="Riverside General", slug="riverside")
    type(org).objects.filter(pk=org.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=365))
    org.refresh_from_db()
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER,
                                 user=UserFactory(email="reviewer@example.org")).user
    ward = SiteFactory(organization=org, name="Ward 3 North")
    return org, reviewer, ward


def cache_keys() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM safetyhub_cache")
        return {row[0] for row in cursor.fetchall()}


def assert_no_trace(needles: dict[str, str], logs, *, skip=()) -> None:
    found = search_database(needles, skip=skip) + search_logs(logs, needles)
    assert found == [], "the reporter can be traced: " + "; ".join(map(str, found))


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_report_on_the_public_page_leaves_no_trace_anywhere(monkeypatch):
    throttle.forget_memory()
    # One fixed moment, so the throttle windows cannot turn over between the two visitors.
    moment = time.time() // 3600 * 3600 + 60
    monkeypatch.setattr(throttle.time, "time", lambda: moment)
    org, _reviewer, ward = setup_organization()
    public.set_public_page(organization=org, is_open=True)
    visitor = browser()
    with override_settings(TASKS=DATABASE_QUEUE), captured_logs() as logs:
        form = visitor.get("/report/riverside/")
        assert form.status_code == 200
        sent = visitor.post("/report/riverside/", {
            "what_happened": "My mother waited two hours for her pain medicine.",
            "day": timezone.localdate().isoformat(), "time_of_day": "morning",
            "site": str(ward.pk), "hurt": "little", "relationship": "family",
            "anonymous": "yes", "contact_name": "Typed But Anonymous",
            "contact_email": "typed-but-anonymous@example.net",
            "patient_age_band": "85+", "client_key": "public-form-1",
        })
        assert sent.status_code == 200, sent.content.decode()[:3000]
        code = CODE.search(sent.content.decode()).group(1)
        # the code holder comes back, once with a wrong code and once with theirs
        assert visitor.get("/report/riverside/follow-up/").status_code == 200
        assert visitor.post("/report/riverside/follow-up/",
                            {"code": "WRONG-CODE"}).status_code == 422
        assert visitor.post("/report/riverside/follow-up/", {"code": code}).status_code == 200
        # the worker tells the reviewers (the report queued that), its logs captured too
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    report = EventReport.objects.get()
    assert report.is_anonymous and report.reporter_id is None
    # the searches below looked at something: the queue holds the reviewer's email, the log
    # holds the requests, the cache holds the page's counts
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(args_kwargs__icontains="reviewer@example.org").exists()
    assert "/report/riverside/" in logs.text
    assert_no_trace(traces(**{
        "follow-up code": code,
        "follow-up code (as typed)": code.replace("-", ""),
        "contact typed while anonymous": "Typed But Anonymous",
        "email typed while anonymous": "typed-but-anonymous@example.net",
    }), logs)
    # no cookie was given to the visitor (no session, no CSRF cookie), and no session stored
    assert not visitor.cookies and Session.objects.count() == 0
    # A throttle key is a hash of its parts: one made from the address would be found by no
    # search above. The shared counts' keys must be the same whoever the visitor is.
    keys = cache_keys()
    assert keys
    other = Client(REMOTE_ADDR="198.51.100.200")
    other.post("/report/riverside/follow-up/", {"code": "WRONG-AGAIN"})
    other.post("/report/riverside/", {
        "what_happened": "Another visitor.", "day": timezone.localdate().isoformat(),
        "hurt": "no", "relationship": "patient", "anonymous": "yes", "client_key": "other"})
    assert EventReport.objects.count() == 2
    assert cache_keys() == keys


# --- a signed-in member of staff who chooses to report anonymously --------------------------


def user_columns() -> dict[str, set[str]]:
    """{table: columns} of every foreign key to a person, from every model (the audit
    trail's actor has no database constraint, so the database alone would not say)."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None and \
                    field.related_model._meta.label == settings.AUTH_USER_MODEL:
                found.setdefault(model._meta.db_table, set()).add(field.column)
    return found


def traces_of_person(before, after, person, identity: dict[str, str]) -> list[str]:
    """What, among the rows the anonymous report added or changed, names `person`: a foreign
    key to them, their id under a person's key in JSON (an audit entry's changes), or one of
    `identity`'s values (email, name, session key) anywhere."""
    columns = user_columns()
    person_key = re.compile(
        r'"(reporter|user|actor|recipient|created_by|by|owner)(_id)?": ' + str(person.pk) + r"\b")
    found = []
    for table, row in added_or_changed(before, after):
        for column in columns.get(table, ()):
            if row.get(column) == str(person.pk):
                found.append(f"their id in {table}.{column}")
        for column, value in row.items():
            if person_key.search(value):
                found.append(f"their id in {table}.{column}: {value[:120]}")
            for label, needle in identity.items():
                if any(form in value for form in forms_of(needle)):
                    found.append(f"{label} in {table}.{column}")
    return found


def staff_person():
    org, reviewer, ward = setup_organization()
    person = MembershipFactory(
        organization=org, role=Role.STAFF_REPORTER,
        user=UserFactory(email="quiet.reporter@example.org", full_name="Quinn Quietreporter"),
    ).user
    return org, reviewer, ward, person


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_report_on_the_staff_form_leaves_no_trace_of_its_author():
    _org, _reviewer, ward, person = staff_person()
    staff = browser()
    staff.force_login(person)
    session_key = staff.session.session_key
    identity = {"email": person.email, "name": person.full_name, "session key": session_key}
    with override_settings(TASKS=DATABASE_QUEUE), captured_logs() as logs:
        form = staff.get("/o/riverside/events/report/")
        assert form.status_code == 200
        token = form_token(form)
        client_key = re.search(r'name="client_key" value="([^"]+)"', form.text).group(1)
        fields = {
            "csrfmiddlewaretoken": token, "kind": "patient_safety", "client_key": client_key,
            "event_type": "incident", "category": "fall",
            "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M"),
            "site_id": str(ward.pk), "narrative": "Found on the floor by the bed at night.",
            "harm_level": "mild", "answers.injury": "minor", "anonymous": "on",
        }
        # what is typed is autosaved as the person's draft on the way
        assert staff.post("/o/riverside/events/report/draft/", fields).status_code == 200
        # two quiet minutes: the session's "last seen" would now be written by any request
        session = staff.session
        session["last_activity"] = int(time.time()) - 120
        session.save()
        before = snapshot()
        sent = staff.post("/o/riverside/events/report/", fields)
        assert sent.status_code == 200, sent.content.decode()[:3000]
        after = snapshot()

    report = EventReport.objects.get()
    assert report.is_anonymous and report.reporter_id is None
    # The POST changed things (the report, its audit entries, the reviewer's notification and
    # queued email, the search index; the draft is gone) and none of them names the person.
    assert sum(1 for _ in added_or_changed(before, after)) >= 4
    assert traces_of_person(before, after, person, identity) == []
    # Address, user agent and CSRF cookie: nowhere at all, and the person's email and
    # session key in no log line.
    assert_no_trace(traces(**{"CSRF cookie": staff.cookies["csrftoken"].value}), logs)
    assert search_logs(logs, identity) == []
    # The request log: the draft's and the report's lines name no one.
    lines = [record for record in logs.records if record.name == "safetyhub.request"
             and record.method == "POST"]
    assert len(lines) == 2 and all(record.user_id is None for record in lines)
    # (the page itself was opened by a named person: opening a form says nothing)
    assert any(record.user_id == person.pk for record in logs.records
               if getattr(record, "path", "") == "/o/riverside/events/report/")


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_report_through_the_api_leaves_no_trace_of_its_author():
    _org, _reviewer, _ward, person = staff_person()
    _token, secret = core_services.create_api_token(user=person, name="ward tablet")
    api = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=USER_AGENT,
                 HTTP_AUTHORIZATION=f"Bearer {secret}")
    identity = {"email": person.email, "name": person.full_name, "token": secret}
    with override_settings(TASKS=DATABASE_QUEUE), captured_logs() as logs:
        assert api.get("/api/v1/me").status_code == 200  # the client was in use already
        before = snapshot()
        sent = api.post("/api/v1/orgs/riverside/events", json.dumps({
            "event_type": "near-miss", "category": "medication",
            "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
            "narrative": "Two look-alike vials stored side by side.", "anonymous": True,
        }), content_type="application/json", headers={"Idempotency-Key": "api-anon-1"})
        assert sent.status_code == 201, sent.json()
        after = snapshot()
    assert sent.json()["reporter_id"] is None and sent.json()["follow_up_code"]
    assert traces_of_person(before, after, person, identity) == []
    assert_no_trace(traces(), logs)
    assert search_logs(logs, identity) == []
    post_lines = [record for record in logs.records if record.name == "safetyhub.request"
                  and record.method == "POST"]
    assert len(post_lines) == 1 and post_lines[0].user_id is None


def test_a_refused_anonymous_try_on_the_staff_form_names_no_one_either(org, staff, caplog):
    """A named line for a refused try a minute before the anonymous report would name its
    author as well as the report's own line would."""
    caplog.set_level("INFO", logger="safetyhub.request")
    client = Client()
    client.force_login(staff)
    response = client.post(f"/o/{org.slug}/events/report/", {
        "kind": "patient_safety", "client_key": "k", "anonymous": "on", "narrative": ""})
    assert response.status_code == 422 and not EventReport.objects.exists()
    lines = [r for r in caplog.records if getattr(r, "path", "") == f"/o/{org.slug}/events/report/"]
    assert lines and all(r.user_id is None for r in lines)
