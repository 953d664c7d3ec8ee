"""Communication and resolution after harm, services and measures: which events need it,
disclosure and follow-up conversations, the resolution offered, questions and answers; bad
input refused with the field and the reason, nothing written, the attempt audited; the
program measures per quarter."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.investigations import resolution
from safetyhub.investigations.models_resolution import (
    ResolutionContact,
    ResolutionQuestion,
    ResolutionRecord,
    SupportOffer,
)
from safetyhub.investigations.resolution_measures import program_measures, quarters
from safetyhub.investigations.services import REFUSED
from tests.factories import joined_days_ago, submit_event

from .resolution_fixtures import *  # noqa: F403 (the fixtures)

DISCLOSURE = ResolutionContact.Kind.DISCLOSURE
FOLLOW_UP = ResolutionContact.Kind.FOLLOW_UP


def disclose(report, by, *, at=None, kind=DISCLOSURE, apology=True):
    return resolution.add_contact(
        report=report, by=by, kind=kind, happened_at=at or report.occurred_at
        + dt.timedelta(days=1), organization_people="Dr Rivera (attending), unit manager",
        with_whom="family", what_was_shared="What happened, the apology, next steps.",
        apology_given=apology)


def refusals(org) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(organization_id=org.pk, object_type=REFUSED))


def test_which_events_need_communication_and_resolution(org, harm_event, no_harm_event,
                                                        people):
    assert resolution.needs_resolution(harm_event)
    assert not resolution.needs_resolution(no_harm_event)
    medication = submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                              category="medication", harm_level="none",
                              answers={"ncc-merp": "E"}).report
    assert medication.medication_error_category == "E"
    near_miss = submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                             event_type="near-miss", harm_level="").report
    assert resolution.needs_resolution(medication)
    assert not resolution.needs_resolution(near_miss)
    assert set(resolution.harm_events(org)) == {harm_event, medication}


def test_a_disclosure_with_apology_then_a_follow_up_are_recorded_and_audited(
        org, harm_event, reviewer):
    first = disclose(harm_event, reviewer)
    follow = disclose(harm_event, reviewer, kind=FOLLOW_UP, apology=False,
                      at=harm_event.occurred_at + dt.timedelta(days=3))
    record = ResolutionRecord.objects.get(report=harm_event)
    assert [c.pk for c in record.contacts.all()] == [first.pk, follow.pk]
    assert first.apology_given and first.recorded_by == reviewer
    entries = AuditEntry.objects.filter(object_type="investigations.ResolutionContact")
    assert entries.count() == 2
    # What was said and who said it stay out of the log.
    for entry in entries:
        assert entry.changes["what_was_shared"] == {"changed": True}
        assert entry.changes["organization_people"] == {"changed": True}
        assert "Rivera" not in str(entry.changes) + entry.object_repr


def test_a_conversation_dated_before_the_event_is_refused_nothing_written_and_audited(
        org, harm_event, reviewer):
    with pytest.raises(ValidationError) as error:
        disclose(harm_event, reviewer, at=harm_event.occurred_at - dt.timedelta(hours=2))
    assert "before the event happened" in error.value.message_dict["happened_at"][0]
    assert not ResolutionRecord.objects.exists()
    assert not ResolutionContact.objects.exists()
    [refusal] = refusals(org)
    assert refusal.changes["refused"] == ["happened_at"]
    assert refusal.actor_id == reviewer.pk
    assert refusal.object_id == str(harm_event.pk)


@pytest.mark.parametrize(("change", "field"), [
    ({"organization_people": "  "}, "organization_people"),
    ({"what_was_shared": ""}, "what_was_shared"),
    ({"with_whom": "neighbour"}, "with_whom"),
    ({"kind": "letter"}, "kind"),
    ({"happened_at": None}, "happened_at"),
])
def test_a_conversation_missing_a_part_names_the_field(org, harm_event, reviewer, change,
                                                       field):
    values = {"kind": DISCLOSURE, "happened_at": timezone.now() - dt.timedelta(days=1),
              "organization_people": "Dr Rivera", "with_whom": "patient",
              "what_was_shared": "What happened.", "apology_given": True, **change}
    with pytest.raises(ValidationError) as error:
        resolution.add_contact(report=harm_event, by=reviewer, **values)
    assert field in error.value.message_dict
    assert not ResolutionContact.objects.exists()
    assert refusals(org)[0].changes["refused"] == [field]


def test_future_dates_and_follow_ups_without_a_disclosure_are_refused(harm_event, reviewer):
    with pytest.raises(ValidationError) as error:
        disclose(harm_event, reviewer, at=timezone.now() + dt.timedelta(days=1))
    assert "future" in error.value.message_dict["happened_at"][0]
    with pytest.raises(ValidationError) as error:
        disclose(harm_event, reviewer, kind=FOLLOW_UP)
    assert "disclosure conversation before" in error.value.message_dict["kind"][0]
    disclose(harm_event, reviewer, at=harm_event.occurred_at + dt.timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        disclose(harm_event, reviewer, kind=FOLLOW_UP,
                 at=harm_event.occurred_at + dt.timedelta(days=1))
    assert "before the disclosure" in error.value.message_dict["happened_at"][0]
    assert ResolutionContact.objects.count() == 1


def test_an_event_without_harm_gets_no_record(org, no_harm_event, reviewer):
    with pytest.raises(ValidationError) as error:
        disclose(no_harm_event, reviewer)
    assert "reached a patient with harm" in error.value.message_dict["report"][0]
    assert not ResolutionRecord.objects.exists()


def test_only_reviewers_and_safety_leads_record(harm_event, people):
    for role in (Role.ORG_ADMIN, Role.EXECUTIVE_VIEWER, Role.SUPPORT_COORDINATOR,
                 Role.STAFF_REPORTER, Role.ASSESSOR, Role.PATIENT_FAMILY_ADVISOR):
        with pytest.raises(PermissionDenied):
            disclose(harm_event, people[role])
    disclose(harm_event, people[Role.SAFETY_LEAD])
    assert ResolutionContact.objects.count() == 1


def test_the_resolution_offered_needs_its_date_and_a_note_for_something_else(
        harm_event, reviewer):
    with pytest.raises(ValidationError) as error:
        resolution.set_resolution(report=harm_event, by=reviewer, offered="bill_waiver",
                                  offered_on=None, note="")
    assert "resolution_offered_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        resolution.set_resolution(report=harm_event, by=reviewer, offered="other",
                                  offered_on=timezone.localdate(), note=" ")
    assert "resolution_note" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        resolution.set_resolution(
            report=harm_event, by=reviewer, offered="bill_waiver",
            offered_on=timezone.localdate(harm_event.occurred_at) - dt.timedelta(days=1),
            note="")
    assert "before the event happened" in error.value.message_dict["resolution_offered_on"][0]
    assert not ResolutionRecord.objects.exists()
    record = resolution.set_resolution(report=harm_event, by=reviewer, offered="bill_waiver",
                                       offered_on=timezone.localdate(), note="Stay waived.")
    assert record.get_resolution_offered_display() == "Waiver of bills"
    record = resolution.set_resolution(report=harm_event, by=reviewer, offered="none",
                                       offered_on=None, note="")
    assert record.resolution_offered == "none" and record.resolution_offered_on is None


def test_questions_and_answers(harm_event, reviewer):
    asked = timezone.localdate() - dt.timedelta(days=2)
    question = resolution.add_question(report=harm_event, by=reviewer, asked_on=asked,
                                       question="Why was the bed alarm off?")
    assert question.answer == "" and question.answered_on is None
    with pytest.raises(ValidationError) as error:
        resolution.answer_question(report=harm_event, question=question, by=reviewer,
                                   answer="It was switched off for the night.",
                                   answered_on=asked - dt.timedelta(1))
    assert "before the question" in error.value.message_dict["answered_on"][0]
    with pytest.raises(ValidationError) as error:
        resolution.answer_question(report=harm_event, question=question, by=reviewer, answer=" ",
                                   answered_on=asked)
    assert "answer" in error.value.message_dict
    question.refresh_from_db()
    assert question.answer == ""
    resolution.answer_question(report=harm_event, question=question, by=reviewer,
                               answer="It could be switched off without a check; now it "
                                      "cannot.", answered_on=asked)
    question.refresh_from_db()
    assert question.answered_on == asked
    with pytest.raises(ValidationError) as error:
        resolution.add_question(report=harm_event, by=reviewer, asked_on=asked,
                                question="And then?", answer="We will tell you.",
                                answered_on=None)
    assert "answered_on" in error.value.message_dict
    assert ResolutionQuestion.objects.count() == 1


def test_quarters_cover_the_period_cut_to_its_ends():
    assert quarters(dt.date(2026, 2, 10), dt.date(2026, 7, 3)) == [
        (dt.date(2026, 2, 10), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 3))]
    assert quarters(dt.date(2025, 12, 31), dt.date(2026, 1, 1)) == [
        (dt.date(2025, 12, 31), dt.date(2025, 12, 31)), (dt.date(2026, 1, 1),
                                                         dt.date(2026, 1, 1))]


def test_program_measures_per_quarter(org, people, reviewer, coordinator):
    from safetyhub.investigations import support

    staff = people[Role.STAFF_REPORTER]
    joined_days_ago(org, 3 * 365)
    now = timezone.localtime()
    start = dt.date(now.year - 1, 1, 1)
    spring = timezone.make_aware(dt.datetime(now.year - 1, 4, 10, 9))
    autumn = timezone.make_aware(dt.datetime(now.year - 1, 10, 5, 9))

    def event(at, harm="moderate"):
        return submit_event(organization=org, reporter=staff, occurred_at=at,
                            harm_level=harm).report

    one, two, three = event(spring), event(spring + dt.timedelta(days=3)), event(autumn)
    event(spring, harm="none")  # no harm: not counted
    disclose(one, reviewer, at=one.occurred_at + dt.timedelta(days=1))
    disclose(one, reviewer, kind=FOLLOW_UP, at=one.occurred_at + dt.timedelta(days=9))
    disclose(two, reviewer, at=two.occurred_at + dt.timedelta(days=4))
    for name, answer in (("A", "accepted"), ("B", "declined"), ("C", "waiting")):
        offer = support.offer_support(organization=org, by=coordinator, report=one,
                                      staff_name=name, offered_by="Peer supporter",
                                      offered_at=one.occurred_at + dt.timedelta(days=2))
        if answer != "waiting":
            support.record_response(offer=offer, by=coordinator, response=answer,
                                    responded_at=offer.offered_at + dt.timedelta(hours=5))
    result = program_measures(org, start, dt.date(now.year - 1, 12, 31))
    by_label = {q.label: q for q in result.quarters}
    spring_q = by_label[f"{now.year - 1} Q2"]
    assert (spring_q.harm_events, spring_q.disclosed) == (2, 2)
    assert spring_q.median_days_to_first_contact == 2.5  # 1 and 4 days
    assert spring_q.share_disclosed == 1.0
    assert (spring_q.support_offered, spring_q.support_accepted,
            spring_q.support_declined) == (3, 1, 1)
    autumn_q = by_label[f"{now.year - 1} Q4"]
    assert (autumn_q.harm_events, autumn_q.disclosed, autumn_q.share_disclosed) == (1, 0, 0.0)
    assert autumn_q.median_days_to_first_contact is None
    assert by_label[f"{now.year - 1} Q1"].share_disclosed is None
    assert result.total.harm_events == 3 and result.total.disclosed == 2
    assert result.total.share_disclosed_text == "67% (2 of 3)"
    assert three.pk and SupportOffer.objects.count() == 3
    assert "not an official measure" in result.note
