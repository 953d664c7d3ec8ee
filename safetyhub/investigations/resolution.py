"""Communication and resolution after harm (CANDOR-style; PSSM Domain 4): services.

For an event that reached a patient with harm, reviewers record the disclosure conversation
(who spoke for the organization, with whom, when, what was shared, whether an apology was
given), the follow-up contacts, the resolution offered, and the patient's or family's
questions with the answers given. Keyword-only functions, one transaction each, every change
audited (the models are registered as sensitive in apps.py).

Which events: `needs_resolution` — a patient safety event that reached the patient
(an incident, not a near miss or unsafe condition) with harm of mild or worse on the
Harm Scale (or NCC MERP E–I), ranked by events/severity.py. Mild is the floor because the
communication-and-resolution approach expects a conversation whenever harm reached the
patient, not only after serious harm; the serious-event threshold is a different question
(how fast leaders hear), so it is not reused here.

Bad input (a date before the event happened or in the future, a missing part, an event
without harm) is refused with the field and the reason, nothing is written, and the refused
attempt is audited (services.refusals_audited, as every investigations service: the entry
names the fields at fault, never what was typed).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import Organization, User
from safetyhub.events import severity
from safetyhub.events.models import EventReport
from safetyhub.events.rules import is_event_reviewer

from .models_resolution import ResolutionContact, ResolutionQuestion, ResolutionRecord
from .services import refusals_audited

HARM_FLOOR = "mild"
MAX_PEOPLE = 300
MAX_TEXT = 5000
MERP_HARM = ("E", "F", "G", "H", "I")  # NCC MERP categories with harm (severity.MERP_RANK)


def needs_resolution(report: EventReport) -> bool:
    """Whether the event reached a patient with harm (mild or worse)."""
    return (report.kind == EventReport.Kind.PATIENT_SAFETY
            and report.event_type == "incident"
            and severity.rank(harm_level=report.harm_level,
                              medication_error_category=report.medication_error_category)
            >= severity.HARM_RANK[HARM_FLOOR])


def harm_events_q() -> Q:
    """`needs_resolution` as a query condition (for lists and measures)."""
    harmful = [level for level, rank in severity.HARM_RANK.items()
               if rank >= severity.HARM_RANK[HARM_FLOOR]]
    return (Q(kind=EventReport.Kind.PATIENT_SAFETY, event_type="incident")
            & (Q(harm_level__in=harmful) | Q(medication_error_category__in=MERP_HARM)))


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _require_reviewer(by: User, report: EventReport) -> None:
    if not is_event_reviewer(by, report.organization_id):
        raise PermissionDenied("Only event reviewers and patient-safety leads record the "
                               "communication after harm.")


def _when_problem(value: dt.datetime | dt.date | None, *, report: EventReport,
                  required: bool = True) -> str | None:
    """Why a date of the communication cannot be right: before the event, or ahead."""
    if value is None:
        return "Give the date." if required else None
    occurred = timezone.localtime(report.occurred_at)
    if isinstance(value, dt.datetime):
        if value < report.occurred_at:
            return (f"This is before the event happened ({occurred:%d %b %Y %H:%M}); "
                    "check the date.")
        if value > timezone.now() + dt.timedelta(minutes=5):
            return "This is in the future; record a conversation once it has happened."
        return None
    if value < occurred.date():
        return f"This is before the event happened ({occurred:%d %b %Y}); check the date."
    if value > timezone.localdate():
        return "This is in the future; record it once it has happened."
    return None


def _text_problems(errors: dict, **texts: tuple[str, bool, int]) -> None:
    for name, (value, required, limit) in texts.items():
        if required and not value.strip():
            errors.setdefault(name, "Write this part; it cannot be empty.")
        elif len(value) > limit:
            errors.setdefault(name, f"Keep it under {limit} characters.")


def record_of(report: EventReport) -> ResolutionRecord | None:
    return ResolutionRecord.objects.filter(report_id=report.pk).first()


def _record_for(report: EventReport, by: User) -> ResolutionRecord:
    record = ResolutionRecord.objects.select_for_update().filter(report_id=report.pk).first()
    if record is None:
        record = ResolutionRecord.objects.create(
            organization_id=report.organization_id, report=report, created_by=by)
    return record


def _eligible(errors: dict, report: EventReport) -> None:
    if not needs_resolution(report):
        errors["report"] = ("Communication and resolution records are for events that "
                            "reached a patient with harm (mild harm or worse). Reclassify "
                            "the event first if its harm was understated.")


@refusals_audited
def add_contact(*, report: EventReport, by: User, kind: str, happened_at: dt.datetime | None,
                organization_people: str, with_whom: str, what_was_shared: str,
                apology_given: bool) -> ResolutionContact:
    """Record a disclosure conversation or a follow-up contact. A follow-up needs a
    disclosure before it (the first conversation is the disclosure)."""
    _require_reviewer(by, report)
    errors: dict[str, str] = {}
    _eligible(errors, report)
    if kind not in ResolutionContact.Kind.values:
        errors["kind"] = "Choose a disclosure conversation or a follow-up contact."
    if with_whom not in ResolutionContact.With.values:
        errors["with_whom"] = "Choose the patient, a family member or a care partner."
    problem = _when_problem(happened_at, report=report)
    if problem:
        errors["happened_at"] = problem
    _text_problems(errors, organization_people=(organization_people, True, MAX_PEOPLE),
                   what_was_shared=(what_was_shared, True, MAX_TEXT))
    if kind == ResolutionContact.Kind.FOLLOW_UP and "happened_at" not in errors:
        first = (ResolutionContact.objects.filter(
            record__report_id=report.pk, kind=ResolutionContact.Kind.DISCLOSURE)
            .order_by("happened_at").values_list("happened_at", flat=True).first())
        if first is None:
            errors["kind"] = "Record the disclosure conversation before a follow-up contact."
        elif happened_at < first:
            errors["happened_at"] = ("A follow-up cannot come before the disclosure "
                                     f"({timezone.localtime(first):%d %b %Y %H:%M}).")
    _check(errors)
    return _write_contact(report=report, by=by, kind=kind, happened_at=happened_at,
                          organization_people=organization_people.strip(),
                          with_whom=with_whom, what_was_shared=what_was_shared.strip(),
                          apology_given=apology_given)


@transaction.atomic
def _write_contact(*, report: EventReport, by: User, **fields) -> ResolutionContact:
    with audit.acting_as(by):
        record = _record_for(report, by)
        return ResolutionContact.objects.create(
            organization_id=report.organization_id, record=record, recorded_by=by, **fields)


@refusals_audited
def set_resolution(*, report: EventReport, by: User, offered: str,
                   offered_on: dt.date | None, note: str) -> ResolutionRecord:
    """Record the resolution offered (or that none was), when, with a note."""
    _require_reviewer(by, report)
    errors: dict[str, str] = {}
    _eligible(errors, report)
    choices = ResolutionRecord.Offer
    if offered not in choices.values:
        errors["resolution_offered"] = "Choose one of the listed resolutions."
    decided = offered not in ("", choices.NOT_YET)
    problem = _when_problem(offered_on, report=report, required=decided
                            and offered != choices.NONE)
    if problem:
        errors["resolution_offered_on"] = problem
    _text_problems(errors, resolution_note=(note, offered == choices.OTHER, MAX_TEXT))
    _check(errors)
    return _write_resolution(report=report, by=by, offered=offered,
                             offered_on=offered_on if decided else None, note=note.strip())


@transaction.atomic
def _write_resolution(*, report: EventReport, by: User, offered: str,
                      offered_on: dt.date | None, note: str) -> ResolutionRecord:
    with audit.acting_as(by):
        record = _record_for(report, by)
        record.resolution_offered, record.resolution_offered_on = offered, offered_on
        record.resolution_note = note
        record.save()
    return record


@refusals_audited
def add_question(*, report: EventReport, by: User, asked_on: dt.date | None, question: str,
                 answer: str = "", answered_on: dt.date | None = None) -> ResolutionQuestion:
    """Record a question the patient or family asked, with the answer if given already."""
    _require_reviewer(by, report)
    errors: dict[str, str] = {}
    _eligible(errors, report)
    _question_problems(errors, report=report, asked_on=asked_on, question=question,
                       answer=answer, answered_on=answered_on)
    _check(errors)
    return _write_question(report=report, by=by, asked_on=asked_on, question=question.strip(),
                           answer=answer.strip(), answered_on=answered_on)


def _question_problems(errors: dict, *, report: EventReport, asked_on, question: str,
                       answer: str, answered_on) -> None:
    problem = _when_problem(asked_on, report=report)
    if problem:
        errors["asked_on"] = problem
    _text_problems(errors, question=(question, True, MAX_TEXT),
                   answer=(answer, answered_on is not None, MAX_TEXT))
    if answer.strip() and answered_on is None:
        errors["answered_on"] = "Give the date the answer was given."
    elif answered_on is not None:
        problem = _when_problem(answered_on, report=report)
        if problem:
            errors["answered_on"] = problem
        elif asked_on is not None and answered_on < asked_on:
            errors["answered_on"] = "The answer cannot come before the question was asked."


@transaction.atomic
def _write_question(*, report: EventReport, by: User, **fields) -> ResolutionQuestion:
    with audit.acting_as(by):
        record = _record_for(report, by)
        return ResolutionQuestion.objects.create(
            organization_id=report.organization_id, record=record, recorded_by=by, **fields)


@refusals_audited
def answer_question(*, report: EventReport, question: ResolutionQuestion, by: User,
                    answer: str, answered_on: dt.date | None) -> ResolutionQuestion:
    """Record the answer given to a question asked earlier (a question of `report`)."""
    if question.record.report_id != report.pk:
        raise ValidationError({"question_id": "No such question about this event."})
    _require_reviewer(by, report)
    errors: dict[str, str] = {}
    if not answer.strip():
        errors["answer"] = "Write the answer that was given."
    _question_problems(errors, report=report, asked_on=question.asked_on,
                       question=question.question, answer=answer,
                       answered_on=answered_on)
    if answered_on is None:
        errors.setdefault("answered_on", "Give the date the answer was given.")
    _check(errors)
    with transaction.atomic(), audit.acting_as(by):
        question.answer, question.answered_on = answer.strip(), answered_on
        question.save()
    return question


def harm_events(organization: Organization):
    """The organization's events that need communication and resolution, newest first."""
    return (EventReport.objects.filter(harm_events_q(), organization=organization)
            .order_by("-occurred_at", "-pk"))
