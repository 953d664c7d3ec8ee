"""What event reports show for the PSSM readiness view (events/platform_evidence.py): the
serious safety events acknowledged within 3 business days (on the boundary and past it),
the reporting rate and the feedback to reporters."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.events import business_days, triage
from safetyhub.events.models_triage import EventTriage
from safetyhub.events.platform_evidence import (
    FEEDBACK_KEY,
    RATE_KEY,
    SERIOUS_KEY,
    figures,
    serious_acknowledgement,
)
from tests.factories import MembershipFactory, UserFactory, submit_event

FRIDAY = dt.datetime(2026, 6, 5, 15, 0)  # a Friday: the clock runs to Wednesday 15:00


def serious_event(org, *, since: dt.datetime, acknowledged: dt.timedelta | None,
                  harm: str = "severe") -> EventTriage:
    """A serious event flagged at `since` (local time), acknowledged `acknowledged` after its
    due time (None: never)."""
    report = submit_event(organization=org, harm_level=harm, anonymous=True).report
    row = EventTriage.objects.get(report=report)
    assert row.is_serious
    since = timezone.make_aware(since)
    due = business_days.add_business_days(timezone.localtime(since), triage.SERIOUS_DAYS)
    row.serious_since, row.serious_due_at = since, due
    row.acknowledged_at = due + acknowledged if acknowledged is not None else None
    row.save()
    return row


def test_acknowledged_exactly_at_the_end_of_three_business_days_is_in_time(org):
    assert FRIDAY.weekday() == 4
    serious_event(org, since=FRIDAY, acknowledged=dt.timedelta(0))
    serious_event(org, since=FRIDAY, acknowledged=dt.timedelta(seconds=-1))
    count = serious_acknowledgement(organization=org, start=FRIDAY.date(), end=FRIDAY.date(),
                                    now=timezone.make_aware(dt.datetime(2026, 7, 1)))
    assert (count.on_time, count.late, count.running) == (2, 0, 0)


def test_one_second_past_the_three_business_days_is_late(org):
    row = serious_event(org, since=FRIDAY, acknowledged=dt.timedelta(seconds=1))
    # the weekend does not count: due on Wednesday at the same time of day
    assert timezone.localtime(row.serious_due_at).replace(tzinfo=None) == dt.datetime(
        2026, 6, 10, 15, 0)
    count = serious_acknowledgement(organization=org, start=FRIDAY.date(), end=FRIDAY.date(),
                                    now=timezone.make_aware(dt.datetime(2026, 7, 1)))
    assert (count.on_time, count.late, count.judged) == (0, 1, 1)


def test_an_unacknowledged_event_is_late_once_its_clock_ends_and_uncounted_before(org):
    serious_event(org, since=FRIDAY, acknowledged=None)
    due = timezone.make_aware(dt.datetime(2026, 6, 10, 15, 0))
    before = serious_acknowledgement(organization=org, start=FRIDAY.date(), end=FRIDAY.date(),
                                     now=due)
    after = serious_acknowledgement(organization=org, start=FRIDAY.date(), end=FRIDAY.date(),
                                    now=due + dt.timedelta(seconds=1))
    assert (before.running, before.judged) == (1, 0)
    assert (after.running, after.late) == (0, 1)


def test_only_events_flagged_in_the_window_and_of_the_organization_count(org, other_org):
    serious_event(org, since=FRIDAY, acknowledged=dt.timedelta(0))
    serious_event(org, since=FRIDAY - dt.timedelta(days=400), acknowledged=dt.timedelta(0))
    serious_event(other_org, since=FRIDAY, acknowledged=dt.timedelta(0))
    count = serious_acknowledgement(organization=org, start=dt.date(2026, 1, 1),
                                    end=dt.date(2026, 12, 31))
    assert count.flagged == 1


def test_the_figures_name_the_share_the_rate_and_the_feedback(org):
    today = timezone.localdate()
    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD, user=UserFactory()).user
    on_time = serious_event(org, since=timezone.localtime().replace(tzinfo=None)
                            - dt.timedelta(days=20), acknowledged=dt.timedelta(0))
    serious_event(org, since=timezone.localtime().replace(tzinfo=None)
                  - dt.timedelta(days=20), acknowledged=dt.timedelta(hours=5))
    report = on_time.report
    triage.change_status(report=report, by=lead, to="in_review")
    triage.close_report(report=report, by=lead, closing_message="Bed alarms now stay on.")
    shown = {f.key: f for f in figures(organization=org, today=today)}
    assert shown[SERIOUS_KEY].value == "1 of 2 (50%)"
    assert shown[SERIOUS_KEY].link == f"/o/{org.slug}/events/serious/"
    assert "3 business days" in shown[SERIOUS_KEY].label
    assert shown[RATE_KEY].link == f"/o/{org.slug}/events/dashboard/"
    assert "no rate" in shown[RATE_KEY].note
    assert "not how safe care is" in shown[RATE_KEY].note


@pytest.mark.parametrize("closed", [False, True])
def test_feedback_counts_closed_reports_answered(org, closed):
    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD, user=UserFactory()).user
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=10))
    report = submit_event(organization=org, anonymous=True, occurred_at=timezone.make_aware(
        dt.datetime.combine(last_month, dt.time(9)))).report
    if closed:
        triage.change_status(report=report, by=lead, to="in_review")
        triage.close_report(report=report, by=lead, closing_message="Thank you: fixed.")
    shown = {f.key: f for f in figures(organization=org, today=timezone.localdate())}
    assert shown[FEEDBACK_KEY].value == ("1 of 1 (100%)" if closed else "none yet")
    assert shown[RATE_KEY].value == "1 report"


def test_an_organization_without_event_reports_gets_no_event_figure(org):
    assert figures(organization=org, today=timezone.localdate()) == []
