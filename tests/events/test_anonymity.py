"""An anonymous report made by a signed-in member, with a distinctive address and browser:
afterwards no table, no audit entry, no queued task and no log line holds anything that
points at them. The data that could leak is in place (the person is signed in, has a
draft, and reviewers are told of the report) before anything is searched."""

import datetime as dt
import logging

from django.apps import apps
from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.events.models import EventDraft, EventReport
from tests.conftest import client_for
from tests.factories import SiteFactory

ADDRESS = "203.0.113.77"
AGENT = "FingerprintBrowser/9.9 (unique-agent-marker)"
# Rows that are the person themself (their account, membership, session and the record of
# their signing in, made before the report), not about the report.
THEIR_OWN = {"core.User", "core.Membership", "sessions.Session", "axes.AccessLog"}


ACCOUNT_ENTRIES = ("core.Account", "core.User", "core.Membership")


def every_row_as_text():
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        rows = model._default_manager.all()
        if model is AuditEntry:  # their sign-in and account's entries are their own
            rows = rows.exclude(object_type__in=ACCOUNT_ENTRIES)
        for row in rows.values():
            yield model._meta.label, str(row)


def test_an_anonymous_report_leaves_nothing_that_identifies_its_author(org, staff, reviewer,
                                                                       caplog):
    caplog.set_level(logging.DEBUG)
    site = SiteFactory(organization=org)
    client = client_for(staff)
    client.post(f"/o/{org.slug}/events/report/draft/", {"narrative": "Draft before sending"})
    assert EventDraft.objects.exists()
    when = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/o/{org.slug}/events/report/", {
        "kind": "patient_safety", "client_key": "anon-form-key", "event_type": "near-miss",
        "category": "medication", "occurred_at": when, "site_id": site.pk,
        "narrative": "Wrong dose drawn up, caught at the bedside.", "anonymous": "on",
        "answers.ncc-merp": "B"}, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    assert response.status_code == 200 and "follow-up code" in response.text.lower()
    report = EventReport.objects.get()
    assert report.is_anonymous and report.reporter_id is None

    # every table: no address, no browser; nothing but their own rows names them
    for label, text in every_row_as_text():
        assert ADDRESS not in text, label
        assert AGENT not in text and "unique-agent-marker" not in text, label
        if label not in THEIR_OWN:
            assert staff.email not in text, label
            assert (staff.full_name or "\x00") not in text, label
    assert not EventDraft.objects.exists()  # the draft went with the sending

    # the audit trail: entries about the report name no actor
    for entry in AuditEntry.objects.filter(organization=org).exclude(action="view"):
        if entry.object_type.startswith("events.") or entry.object_type == "frameworks.Pack":
            assert entry.actor_id is None and entry.actor_label == "anonymous reporter", entry
    assert not AuditEntry.objects.filter(actor=staff).exclude(
        object_type__in=ACCOUNT_ENTRIES).exists()

    # the logs: the sending request's line names no one; no line holds the address or agent
    for record in caplog.records:
        line = logging.Formatter().format(record) + str(record.__dict__)
        assert ADDRESS not in line and "unique-agent-marker" not in line
        if getattr(record, "path", "") == f"/o/{org.slug}/events/report/" and \
                getattr(record, "method", "") == "POST":
            assert record.user_id is None
