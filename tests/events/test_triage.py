"""Triage services: the workflow as data (allowed and refused steps, reasons, closing needs a
message), reclassification that keeps the reporter's answers, duplicate links without chains,
serious safety events (threshold, once-only notice, acknowledgement), assignment, the
reporter's feedback, and concurrent edits that are refused rather than overwritten."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Notification, Role
from safetyhub.events import triage
from safetyhub.events.models import EventReport, EventStatusChange, EventTriage
from safetyhub.events.triage_queries import (
    board_figures,
    classified_as,
    reported_as,
    serious_awaiting,
    status_for_follow_up,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, submit_event

S = EventReport.Status


def report_of(org, **fields) -> EventReport:
    """A valid report; by a new staff member unless a reporter (or anonymity) is given."""
    if "reporter" not in fields and not fields.get("anonymous"):
        fields["reporter"] = MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                                               user=UserFactory()).user
    return submit_event(organization=org, **fields).report


def errors(exc) -> dict[str, list[str]]:
    return exc.value.message_dict


def fresh(report: EventReport) -> EventReport:
    return EventReport.objects.get(pk=report.pk)


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- the workflow --------------------------------------------------------------------------

def test_a_report_moves_through_the_workflow_and_each_step_says_who_when_and_why(
        org, reviewer):
    report = report_of(org)
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
    triage.change_status(report=fresh(report), by=reviewer, to=S.INVESTIGATING)
    triage.change_status(report=fresh(report), by=reviewer, to=S.ACTIONS)
    triage.close_report(report=fresh(report), by=reviewer,
                        closing_message="The bed alarm was fixed on every bed of the ward.")
    report.refresh_from_db()
    assert report.status == S.CLOSED
    steps = list(EventStatusChange.objects.filter(report=report)
                 .values_list("from_status", "to_status", "by"))
    assert steps == [("new", "in_review", reviewer.pk), ("in_review", "investigating",
                     reviewer.pk), ("investigating", "actions", reviewer.pk),
                     ("actions", "closed", reviewer.pk)]
    t = EventTriage.objects.get(report=report)
    assert t.triaged_at is not None and t.closed_by == reviewer and t.version == 5
    assert AuditEntry.objects.filter(object_type="events.EventStatusChange").count() == 4


@pytest.mark.parametrize(("start", "to"), [
    ([], S.INVESTIGATING), ([], S.ACTIONS), ([S.IN_REVIEW], S.IN_REVIEW),
    ([S.IN_REVIEW, S.INVESTIGATING], S.NEW)])
def test_steps_the_workflow_does_not_allow_are_refused_and_change_nothing(org, reviewer, start,
                                                                         to):
    report = report_of(org)
    for status in start:
        triage.change_status(report=fresh(report), by=reviewer, to=status)
    before = fresh(report).status
    with pytest.raises(ValidationError) as exc:
        triage.change_status(report=fresh(report), by=reviewer, to=to)
    assert "to" in errors(exc) and "cannot move" in errors(exc)["to"][0]
    assert fresh(report).status == before
    assert EventStatusChange.objects.filter(report=report).count() == len(start)


def test_going_back_skipping_or_reopening_needs_a_reason(org, reviewer):
    report = report_of(org)
    with pytest.raises(ValidationError) as exc:
        triage.change_status(report=report, by=reviewer, to=S.CLOSED,
                             closing_message="Not a safety event.")
    assert "reason" in errors(exc)
    assert fresh(report).status == S.NEW
    triage.change_status(report=fresh(report), by=reviewer, to=S.CLOSED,
                         reason="A duplicate phone call", closing_message="Thank you.")
    with pytest.raises(ValidationError) as exc:
        triage.change_status(report=fresh(report), by=reviewer, to=S.IN_REVIEW)
    assert "reason" in errors(exc)
    triage.change_status(report=fresh(report), by=reviewer, to=S.IN_REVIEW,
                         reason="The family called with more facts.")
    assert fresh(report).status == S.IN_REVIEW
    assert EventTriage.objects.get(report=report).closed_at is None


def test_closing_requires_a_message_and_an_unknown_status_is_named(org, reviewer):
    report = report_of(org)
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
    for message in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            triage.close_report(report=fresh(report), by=reviewer, closing_message=message)
        assert "closing_message" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        triage.change_status(report=fresh(report), by=reviewer, to="archived")
    assert "to" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        triage.change_status(report=fresh(report), by=reviewer, to=S.INVESTIGATING,
                             closing_message="too early")
    assert "closing_message" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        triage.close_report(report=fresh(report), by=reviewer, closing_message="x" * 5001)
    assert "closing_message" in errors(exc)
    assert fresh(report).status == S.IN_REVIEW
    # every refused attempt is in the audit trail: who, which step, which field — not the text
    refused = AuditEntry.objects.filter(object_type="events.Refused",
                                        object_id=str(report.pk)).order_by("pk")
    assert [e.changes for e in refused] == [
        {"action": "change_status", "refused": ["closing_message"]},
        {"action": "change_status", "refused": ["closing_message"]},
        {"action": "change_status", "refused": ["to"]},
        {"action": "change_status", "refused": ["closing_message"]},
        {"action": "change_status", "refused": ["closing_message"]}]
    assert {e.actor_id for e in refused} == {reviewer.pk}
    assert not refused.filter(changes__icontains="xxxx").exists()


def test_only_reviewers_and_safety_leads_triage(org, member, executive, safety_lead):
    report = report_of(org, reporter=member)
    for person in (member, executive):
        with pytest.raises(PermissionDenied):
            triage.change_status(report=report, by=person, to=S.IN_REVIEW)
    triage.change_status(report=report, by=safety_lead, to=S.IN_REVIEW)
    assert fresh(report).status == S.IN_REVIEW


# --- feedback to the reporter --------------------------------------------------------------

def test_a_named_reporter_is_told_on_close_and_reads_the_message(org, member, reviewer):
    report = report_of(org, reporter=member)
    assert status_for_follow_up(report).closing_message == ""
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
    triage.close_report(report=fresh(report), by=reviewer,
                        closing_message="We added a second check of the pump settings.")
    follow_up = status_for_follow_up(fresh(report))
    assert follow_up.status == S.CLOSED and follow_up.status_label == "Closed"
    assert follow_up.closing_message == "We added a second check of the pump settings."
    note = Notification.objects.get(recipient=member, kind=triage.CLOSED_KIND)
    assert report.reference in note.title and note.link == f"/o/{org.slug}/events/mine/"
    # Reopened: the message no longer shows as the answer.
    triage.change_status(report=fresh(report), by=reviewer, to=S.IN_REVIEW, reason="More")
    assert status_for_follow_up(fresh(report)).closing_message == ""


def test_an_anonymous_reporter_is_not_notified_but_the_code_page_can_read_the_message(
        org, member, reviewer):
    report = submit_event(organization=org, reporter=member, anonymous=True).report
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW)
    triage.close_report(report=fresh(report), by=reviewer, closing_message="Fixed the rail.")
    assert not Notification.objects.filter(kind=triage.CLOSED_KIND).exists()
    assert status_for_follow_up(fresh(report)).closing_message == "Fixed the rail."


# --- reclassification ----------------------------------------------------------------------

def test_reclassifying_keeps_what_the_reporter_said(org, member, reviewer):
    report = report_of(org, reporter=member, event_type="incident", category="fall",
                       harm_level="mild")
    triage.reclassify(report=report, by=reviewer, event_type="incident",
                      category="medication", harm_level="moderate",
                      medication_error_category="F", reason="It was an insulin error.")
    report = fresh(report)
    assert (report.category, report.harm_level, report.medication_error_category) == (
        "medication", "moderate", "F")
    original = reported_as(report, report.triage)
    assert (original.category, original.harm_level) == ("fall", "mild")
    assert original.category_title == "Fall"
    assert classified_as(report).category == "medication"
    assert report.triage.reclassified_by == reviewer
    change = EventStatusChange.objects.get(report=report)
    assert change.reason == "Reclassified: It was an insulin error."


@pytest.mark.parametrize(("fields", "field"), [
    ({"category": "sunburn"}, "category"),
    ({"harm_level": "catastrophic"}, "harm_level"),
    ({"event_type": "accident"}, "event_type"),
    ({"medication_error_category": "G"}, "medication_error_category"),  # a fall has none
    ({"category": "medication", "medication_error_category": "Z"},
     "medication_error_category"),
    ({"reason": ""}, "reason"),
    ({"harm_level": ""}, "harm_level"),  # an incident needs a harm level
    ({"category": "staff-injury"}, "category"),  # a workforce category on a patient event
])
def test_bad_reclassifications_name_the_field_and_change_nothing(org, reviewer, fields, field):
    report = report_of(org)
    values = {"event_type": "incident", "category": "fall", "harm_level": "moderate",
              "medication_error_category": "", "reason": "Reviewed."}
    values.update(fields)
    with pytest.raises(ValidationError) as exc:
        triage.reclassify(report=report, by=reviewer, **values)
    assert field in errors(exc)
    report = fresh(report)
    assert (report.category, report.harm_level) == ("fall", "mild")
    assert not EventTriage.objects.filter(report=report, reclassified_at__isnull=False).exists()


# --- serious safety events -----------------------------------------------------------------

def test_a_severe_report_notifies_executives_and_safety_leads_once_at_submit(
        org, member, reviewer, safety_lead, executive, advisor):
    report = report_of(org, reporter=member, harm_level="severe")
    t = EventTriage.objects.get(report=report)
    assert t.is_serious and t.serious_since is not None and t.serious_due_at is not None
    assert kinds_for(executive).count(triage.SERIOUS_KIND) == 1
    assert kinds_for(safety_lead).count(triage.SERIOUS_KIND) == 1
    for person in (reviewer, advisor, member):
        assert triage.SERIOUS_KIND not in kinds_for(person)
    note = Notification.objects.get(recipient=executive, kind=triage.SERIOUS_KIND)
    assert "Fall" in note.title and "Severe harm" in note.title
    assert "floor" not in note.title  # the narrative stays with the reviewers
    # Reclassified to death: still once.
    triage.reclassify(report=fresh(report), by=reviewer, event_type="incident",
                      category="fall", harm_level="death", reason="The patient died.")
    assert kinds_for(executive).count(triage.SERIOUS_KIND) == 1
    assert EventTriage.objects.get(report=report).serious_since == t.serious_since


def test_a_mild_report_is_not_serious_until_reclassified(org, reviewer, executive):
    report = report_of(org, harm_level="mild")
    assert not EventTriage.objects.filter(report=report, is_serious=True).exists()
    assert serious_awaiting(org) == []
    triage.reclassify(report=report, by=reviewer, event_type="incident", category="fall",
                      harm_level="severe", reason="Hip fracture found on X-ray.")
    assert [row.reference for row in serious_awaiting(org)] == [report.reference]
    assert kinds_for(executive) == [triage.SERIOUS_KIND]


def test_the_organization_sets_the_threshold(org, safety_lead, executive):
    assert triage.serious_threshold(org) == "severe"
    assert not EventTriage.objects.filter(report=report_of(org, harm_level="moderate"),
                                          is_serious=True).exists()
    triage.set_serious_threshold(organization=org, by=safety_lead, threshold="moderate")
    assert EventTriage.objects.get(report=report_of(org, harm_level="moderate")).is_serious
    with pytest.raises(ValidationError) as exc:
        triage.set_serious_threshold(organization=org, by=safety_lead, threshold="none")
    assert "serious_harm_threshold" in errors(exc)
    assert triage.serious_threshold(org) == "moderate"
    other = OrganizationFactory()
    assert triage.serious_threshold(other) == "severe"


def test_a_medication_error_of_ncc_merp_g_is_serious(org, executive):
    report = report_of(org, category="medication", harm_level="mild",
                       answers={"ncc-merp": "G", "stage": "administering"})
    assert report.medication_error_category == "G"
    assert EventTriage.objects.get(report=report).is_serious


def test_a_leader_acknowledges_once_and_others_may_not(org, member, reviewer, executive,
                                                      safety_lead):
    report = report_of(org, harm_level="death")
    for person in (member, reviewer):
        with pytest.raises(PermissionDenied):
            triage.acknowledge_serious(report=report, by=person)
    t = triage.acknowledge_serious(report=report, by=executive)
    assert t.acknowledged_by == executive and t.acknowledged_at is not None
    with pytest.raises(ValidationError) as exc:
        triage.acknowledge_serious(report=fresh(report), by=safety_lead)
    assert "Already acknowledged" in errors(exc)["report"][0]
    assert serious_awaiting(org) == []
    assert EventTriage.objects.get(report=report).acknowledged_by == executive
    entry = AuditEntry.objects.filter(object_type="events.EventTriage",
                                      changes__has_key="acknowledged_at").get()
    assert entry.actor_id == executive.pk


def test_a_report_that_is_not_serious_cannot_be_acknowledged(org, executive):
    report = report_of(org, harm_level="mild")
    with pytest.raises(ValidationError) as exc:
        triage.acknowledge_serious(report=report, by=executive)
    assert "report" in errors(exc)


def test_the_board_pack_counts_serious_events_acknowledged_in_time(org, reviewer, executive):
    on_time = report_of(org, harm_level="severe")
    late = report_of(org, harm_level="death")
    report_of(org, harm_level="mild", event_type="near-miss")
    triage.acknowledge_serious(report=on_time, by=executive)
    EventTriage.objects.filter(report=late).update(
        serious_due_at=timezone.now() - timezone.timedelta(hours=1))
    triage.acknowledge_serious(report=fresh(late), by=executive)
    today = timezone.localdate()
    figures = board_figures(org, start=today.replace(day=1), end=today)
    assert figures["reports"] == 3 and figures["near_misses"] == 1
    assert figures["serious"] == 2 and figures["serious_on_time"] == 1
    assert figures["serious_waiting"] == 0


# --- duplicates ----------------------------------------------------------------------------

def test_duplicates_link_to_the_primary_without_chains_and_nothing_is_deleted(org, reviewer):
    first, second, third = (report_of(org) for _ in range(3))
    triage.link_duplicate(report=second, primary=first, by=reviewer)
    # third names the duplicate: the link goes to the primary, not to second.
    t = triage.link_duplicate(report=third, primary=fresh(second), by=reviewer)
    assert t.duplicate_of == first
    assert set(EventReport.objects.filter(triage__duplicate_of=first)) == {second, third}
    assert EventReport.objects.filter(organization=org).count() == 3
    # The primary cannot now become a duplicate of one of its own duplicates.
    with pytest.raises(ValidationError) as exc:
        triage.link_duplicate(report=first, primary=fresh(second), by=reviewer)
    assert "duplicate_of" in errors(exc)
    triage.unlink_duplicate(report=fresh(third), by=reviewer)
    assert EventTriage.objects.get(report=third).duplicate_of is None


def test_a_report_is_not_its_own_duplicate_nor_one_of_another_organization(org, reviewer):
    report = report_of(org)
    with pytest.raises(ValidationError) as exc:
        triage.link_duplicate(report=report, primary=report, by=reviewer)
    assert "duplicate_of" in errors(exc)
    elsewhere = OrganizationFactory()
    foreign = report_of(elsewhere)
    with pytest.raises(ValidationError) as exc:
        triage.link_duplicate(report=report, primary=foreign, by=reviewer)
    assert "duplicate_of" in errors(exc)
    assert not EventTriage.objects.filter(duplicate_of__isnull=False).exists()


def test_a_report_with_duplicates_cannot_itself_become_a_duplicate(org, reviewer):
    a, b, c = (report_of(org) for _ in range(3))
    triage.link_duplicate(report=b, primary=a, by=reviewer)
    with pytest.raises(ValidationError) as exc:
        triage.link_duplicate(report=a, primary=c, by=reviewer)
    assert "already has duplicates" in errors(exc)["duplicate_of"][0]


# --- assignment ----------------------------------------------------------------------------

def test_assigning_to_a_reviewer_with_a_due_date_notifies_them(org, reviewer, safety_lead):
    report = report_of(org)
    due = timezone.localdate() + timezone.timedelta(days=2)
    t = triage.assign(report=report, by=safety_lead, assignee=reviewer, due_on=due)
    assert (t.assignee, t.due_on) == (reviewer, due)
    assert kinds_for(reviewer).count(triage.ASSIGNED_KIND) == 1


def test_assignment_refuses_non_reviewers_past_dates_and_outsiders(org, member, reviewer,
                                                                  executive):
    report = report_of(org)
    outsider = MembershipFactory(organization=OrganizationFactory(), role=Role.EVENT_REVIEWER,
                                 user=UserFactory()).user
    for person in (member, executive, outsider):
        with pytest.raises(ValidationError) as exc:
            triage.assign(report=report, by=reviewer, assignee=person)
        assert "assignee" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        triage.assign(report=report, by=reviewer, assignee=reviewer,
                      due_on=timezone.localdate() - timezone.timedelta(days=1))
    assert "due_on" in errors(exc)
    assert not EventTriage.objects.filter(report=report, assignee__isnull=False).exists()


# --- concurrent edits ----------------------------------------------------------------------

def test_a_change_made_from_a_stale_page_is_refused_not_overwritten(org, reviewer,
                                                                   safety_lead):
    report = report_of(org)
    version = triage.triage_of(report).version
    triage.change_status(report=report, by=reviewer, to=S.IN_REVIEW,
                         expected_version=version)
    with pytest.raises(ValidationError) as exc:
        triage.reclassify(report=fresh(report), by=safety_lead, event_type="incident",
                          category="fall", harm_level="severe", reason="Looked again",
                          expected_version=version)
    assert "version" in errors(exc)
    assert fresh(report).harm_level == "mild"
    assert not EventTriage.objects.get(report=report).is_serious


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_linking_two_reports_to_each_other_at_once_make_no_chain():
    from tests.events.conftest import _person
    from tests.factories import OrganizationFactory as Orgs

    org = Orgs()
    org.created_at = timezone.now() - timezone.timedelta(days=30)
    org.save()
    one, two = (_person(org, Role.EVENT_REVIEWER, f"r{n}@example.org") for n in (1, 2))
    a, b = report_of(org), report_of(org)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def link(report, primary, by):
        try:
            barrier.wait()
            triage.link_duplicate(report=report, primary=primary, by=by)
            outcomes.append("linked")
        except ValidationError:
            outcomes.append("refused")
        except BaseException as exc:  # a deadlock or a locked database would fail here
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=link, args=(a, b, one)),
               threading.Thread(target=link, args=(b, a, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["linked", "refused"]
    links = list(EventTriage.objects.exclude(duplicate_of=None).values_list("report_id",
                                                                            "duplicate_of_id"))
    assert len(links) == 1


def test_deleting_a_primary_keeps_its_duplicates_and_an_organization_can_go(org, reviewer):
    primary, dup = report_of(org), report_of(org)
    triage.link_duplicate(report=dup, primary=primary, by=reviewer)
    EventReport.objects.filter(pk=primary.pk).delete()
    assert EventTriage.objects.get(report=dup).duplicate_of is None
    triage.link_duplicate(report=report_of(org), primary=dup, by=reviewer)
    org.delete()
    assert not EventReport.objects.exists() and not EventTriage.objects.exists()


def _race(*calls) -> list[str]:
    """Run the calls at the same moment in threads; 'ok' or the refusal's fields for each."""
    outcomes: list[str] = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(",".join(sorted(exc.message_dict)))
        except BaseException as exc:  # a deadlock or a locked database fails the test
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def _race_org():
    from tests.events.conftest import _person

    org = OrganizationFactory()
    org.created_at = timezone.now() - timezone.timedelta(days=30)
    org.save()
    return org, _person


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_changing_the_same_version_at_once_one_wins_one_is_refused():
    org, person = _race_org()
    one = person(org, Role.EVENT_REVIEWER, "one@example.org")
    two = person(org, Role.SAFETY_LEAD, "two@example.org")
    report = report_of(org)
    outcomes = _race(
        lambda: triage.change_status(report=EventReport.objects.get(pk=report.pk), by=one,
                                     to=S.IN_REVIEW, expected_version=1),
        lambda: triage.reclassify(report=EventReport.objects.get(pk=report.pk), by=two,
                                  event_type="incident", category="fall", harm_level="severe",
                                  reason="X-ray", expected_version=1))
    assert outcomes == ["ok", "version"]
    t = EventTriage.objects.get(report=report)
    assert t.version == 2
    assert EventStatusChange.objects.filter(report=report).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_leaders_acknowledging_at_once_record_one_acknowledgement():
    org, person = _race_org()
    boss = person(org, Role.EXECUTIVE_VIEWER, "boss@example.org")
    lead = person(org, Role.SAFETY_LEAD, "lead@example.org")
    report = report_of(org, harm_level="death")
    outcomes = _race(
        lambda: triage.acknowledge_serious(report=EventReport.objects.get(pk=report.pk),
                                           by=boss),
        lambda: triage.acknowledge_serious(report=EventReport.objects.get(pk=report.pk),
                                           by=lead))
    assert outcomes == ["ok", "report"]
    assert AuditEntry.objects.filter(object_type="events.EventTriage",
                                     changes__has_key="acknowledged_at").count() == 1


def test_leaders_are_told_once_when_a_serious_event_is_not_acknowledged_in_time(
        org, executive, safety_lead, reviewer):
    late = report_of(org, harm_level="severe")
    on_time = report_of(org, harm_level="death")
    today = timezone.localdate()
    assert triage.serious_overdue(today=today) == 0  # the clocks are still running
    EventTriage.objects.filter(report__in=[late, on_time]).update(
        serious_due_at=timezone.now() - timezone.timedelta(days=2))
    triage.acknowledge_serious(report=on_time, by=executive)
    assert triage.serious_overdue(today=today) == 2  # the executive and the safety lead
    assert triage.serious_overdue(today=today + timezone.timedelta(days=1)) == 0
    note = Notification.objects.get(recipient=executive, kind=triage.SERIOUS_OVERDUE_KIND)
    assert late.reference in note.title
    assert not Notification.objects.filter(recipient=reviewer,
                                           kind=triage.SERIOUS_OVERDUE_KIND).exists()
