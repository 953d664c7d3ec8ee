"""Triage services: moving a report through review, assigning it, reclassifying it, linking
duplicates, serious safety events and their acknowledgement, and closing with a message to
the reporter. Each is a keyword-only function, one transaction, every change audited.

* Transitions are data (`TRANSITIONS`): from each status, the statuses it may go to and
  whether the step needs a reason. Going back, skipping a step or reopening needs one;
  closing always needs the closing message the reporter reads.
* Concurrency: every change locks the report's triage row and, with `expected_version` (the
  version the caller loaded), refuses when someone changed the report in between (422 on
  `version`) instead of overwriting their change.
* Serious safety events: a report whose harm reaches the organization's threshold
  (severity.py) at submit (a post_save receiver connected in apps.py, so every way of
  submitting is covered) or on reclassification is flagged once: executives and
  patient-safety leads are notified at once (kind `events.serious`, once per report) and a
  3-business-day clock (business_days.py) runs until a leader acknowledges it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safetyhub.core import audit, notifications
from safetyhub.core.inputs import text_problem
from safetyhub.core.models import Membership, Organization, Role, User

from . import business_days, severity
from .models import EventReport
from .models_triage import EventSettings, EventStatusChange, EventTriage
from .taxonomy import MEDICATION_SCALE, taxonomy_of

S = EventReport.Status
SERIOUS_KIND = "events.serious"
SERIOUS_OVERDUE_KIND = "events.serious_overdue"
ASSIGNED_KIND = "events.assigned"
CLOSED_KIND = "events.closed"
SERIOUS_DAYS = 3
MAX_REASON = 2000
MAX_CLOSING_MESSAGE = 5000
TRIAGE_ROLES = (Role.EVENT_REVIEWER, Role.SAFETY_LEAD)
LEADER_ROLES = (Role.EXECUTIVE_VIEWER, Role.SAFETY_LEAD)
# A refused triage step (bad input, a stale page, closing without a message) is audited.
refusals_audited = audit.refusals_audited("events.Refused", ("report",))
STALE = ("Someone else changed this report's triage after you opened it. Reload the page to "
         "see their change, then make yours again.")


@dataclass(frozen=True)
class Step:
    reason_required: bool = False
    label: str = ""


# The workflow as data: {from: {to: Step}}. Closing is allowed from every open status (a
# report that needs no investigation is closed from review; a duplicate or a report that is
# not a safety event may be closed at once, with a reason).
TRANSITIONS: dict[str, dict[str, Step]] = {
    S.NEW: {S.IN_REVIEW: Step(False, "Start the review"),
            S.CLOSED: Step(True, "Close without review")},
    S.IN_REVIEW: {S.INVESTIGATING: Step(False, "Investigate"),
                  S.ACTIONS: Step(True, "Go straight to actions"),
                  S.CLOSED: Step(False, "Close"),
                  S.NEW: Step(True, "Send back to new")},
    S.INVESTIGATING: {S.ACTIONS: Step(False, "Actions under way"),
                      S.CLOSED: Step(True, "Close without actions"),
                      S.IN_REVIEW: Step(True, "Back to review")},
    S.ACTIONS: {S.CLOSED: Step(False, "Close"),
                S.INVESTIGATING: Step(True, "Back to investigating")},
    S.CLOSED: {S.IN_REVIEW: Step(True, "Reopen")},
}


def allowed_steps(status: str) -> dict[str, Step]:
    return TRANSITIONS.get(status, {})


# --- settings ------------------------------------------------------------------------------

def serious_threshold(organization: Organization) -> str:
    value = (EventSettings.objects.filter(organization=organization)
             .values_list("serious_harm_threshold", flat=True).first())
    return value or severity.DEFAULT_THRESHOLD


@transaction.atomic
def set_serious_threshold(*, organization: Organization, by: User, threshold: str) -> EventSettings:
    """Change the harm level from which a report is a serious safety event. Reports already
    flagged stay flagged; new reports and reclassifications use the new level."""
    if threshold not in dict(severity.THRESHOLDS):
        raise ValidationError({"serious_harm_threshold": "Choose one of: "
                               + ", ".join(dict(severity.THRESHOLDS)) + "."})
    with audit.acting_as(by):
        settings, _ = EventSettings.objects.get_or_create(organization=organization)
        settings.serious_harm_threshold = threshold
        settings.save()
    return settings


# --- the triage row ------------------------------------------------------------------------

def triage_of(report: EventReport) -> EventTriage:
    """The report's triage row, made on first need with the reporter's answers copied. Read
    from the database every time (not cached on the report): a row made in a transaction
    that was then rolled back must not linger on the object."""
    triage = EventTriage.objects.filter(report_id=report.pk).first()
    if triage is not None:
        return triage
    try:
        with transaction.atomic():  # a savepoint: a concurrent creation spoils nothing
            return EventTriage.objects.create(
                organization_id=report.organization_id, report=report,
                original_event_type=report.event_type, original_category=report.category,
                original_harm_level=report.harm_level,
                original_medication_error_category=report.medication_error_category)
    except IntegrityError:
        return EventTriage.objects.get(report_id=report.pk)


def _locked(report: EventReport, expected_version: int | None) -> tuple[EventReport,
                                                                          EventTriage]:
    """The report and its triage row, locked for this transaction, after checking that the
    caller saw the latest version."""
    triage_of(report)
    triage = EventTriage.objects.select_for_update().get(report_id=report.pk)
    locked = EventReport.objects.select_for_update().get(pk=report.pk)
    if expected_version is not None and triage.version != expected_version:
        raise ValidationError({"version": STALE})
    locked.triage = triage
    return locked, triage


def _bump(triage: EventTriage) -> None:
    triage.version += 1
    triage.save()


def _text(value: str, *, field: str, limit: int, required: bool, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Write {what}."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters (this has {len(value)})."})
    problem = text_problem(value, single_line=False)
    if problem:
        raise ValidationError({field: problem})
    return value


def _require_triager(by: User, organization_id: int) -> None:
    if not Membership.objects.filter(organization_id=organization_id, user=by, is_active=True,
                                     role__in=TRIAGE_ROLES).exists():
        raise PermissionDenied("Only event reviewers and patient-safety leads triage reports.")


def _link(report: EventReport, name: str = "events:triage") -> str:
    return reverse(name, args=[report.organization.slug, report.pk])


# --- status --------------------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def change_status(*, report: EventReport, by: User, to: str, reason: str = "",
                  closing_message: str = "", expected_version: int | None = None
                  ) -> EventReport:
    """Move the report to `to` if the workflow allows it from where it is. Closing needs the
    closing message the reporter reads (what was learned and done)."""
    _require_triager(by, report.organization_id)
    locked, triage = _locked(report, expected_version)
    if to not in S.values:
        raise ValidationError({"to": f"Unknown status {str(to)[:40]!r} (choose from: "
                               f"{', '.join(S.values)})."})
    step = allowed_steps(locked.status).get(to)
    if step is None:
        allowed = ", ".join(allowed_steps(locked.status)) or "none"
        raise ValidationError({"to": f"A report that is {locked.get_status_display().lower()} "
                                     f"cannot move to {S(to).label.lower()} (allowed: "
                                     f"{allowed})."})
    reason = _text(reason, field="reason", limit=MAX_REASON, required=step.reason_required,
                   what="why (this step needs a reason)")
    if to == S.CLOSED:
        closing_message = _text(closing_message, field="closing_message",
                                limit=MAX_CLOSING_MESSAGE, required=True,
                                what="the closing message: what was learned and done, for "
                                     "the person who reported it")
    elif closing_message:
        raise ValidationError({"closing_message": "Only closing takes a closing message."})
    now = timezone.now()
    before = locked.status
    with audit.acting_as(by):
        locked.status = to
        locked.save()
        EventStatusChange.objects.create(organization_id=locked.organization_id, report=locked,
                                         from_status=before, to_status=to, reason=reason,
                                         by=by, at=now)
        if before == S.NEW and triage.triaged_at is None:
            triage.triaged_at = now
        if to == S.CLOSED:
            triage.closing_message = closing_message
            triage.closed_at, triage.closed_by = now, by
        elif before == S.CLOSED:  # reopened: the old message stays in the trail
            triage.closed_at = None
        _bump(triage)
    if to == S.CLOSED:
        _tell_reporter_closed(locked, by=by)
    return locked


def close_report(*, report: EventReport, by: User, closing_message: str, reason: str = "",
                 expected_version: int | None = None) -> EventReport:
    """Close the report with its message to the reporter."""
    return change_status(report=report, by=by, to=S.CLOSED, reason=reason,
                         closing_message=closing_message, expected_version=expected_version)


def _tell_reporter_closed(report: EventReport, *, by: User) -> None:
    """A named reporter hears that their report is closed (an anonymous one reads it with
    the follow-up code: there is nobody to notify)."""
    if report.is_anonymous or report.reporter_id is None:
        return
    notifications.notify(
        recipients=[report.reporter], kind=CLOSED_KIND, organization=report.organization,
        title=f"Your event report {report.reference} is closed: read what was learned and "
              "done", link=reverse("events:mine", args=[report.organization.slug]),
        dedupe_key=f"events.closed:{report.pk}:{report.triage.closed_at:%Y%m%d%H%M%S%f}",
        actor=by)


# --- assignment ----------------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def assign(*, report: EventReport, by: User, assignee: User | None,
           due_on: dt.date | None = None, expected_version: int | None = None
           ) -> EventTriage:
    """Give the report to a reviewer (an event reviewer or patient-safety lead of the
    organization), with a date the triage is due; None takes it back."""
    _require_triager(by, report.organization_id)
    locked, triage = _locked(report, expected_version)
    errors = {}
    if assignee is not None and not Membership.objects.filter(
            organization_id=locked.organization_id, user=assignee, is_active=True,
            user__is_active=True, role__in=TRIAGE_ROLES).exists():
        errors["assignee"] = ("Choose an active event reviewer or patient-safety lead of this "
                              "organization.")
    if due_on is not None and due_on < timezone.localdate() and due_on != triage.due_on:
        errors["due_on"] = "The due date cannot be in the past."
    if due_on is not None and assignee is None:
        errors["due_on"] = "Assign the report to someone to give it a due date."
    if errors:
        raise ValidationError(errors)
    before = triage.assignee_id
    with audit.acting_as(by):
        triage.assignee, triage.due_on = assignee, due_on
        _bump(triage)
    if assignee is not None and assignee.pk != before:
        due = f", due {due_on:%d %b %Y}" if due_on else ""
        notifications.notify(
            recipients=[assignee], kind=ASSIGNED_KIND, organization=locked.organization,
            title=f"Event report {locked.reference} is yours to triage{due}",
            link=_link(locked), actor=by)
    return triage


# --- reclassification ----------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def reclassify(*, report: EventReport, by: User, event_type: str, category: str,
               harm_level: str, medication_error_category: str = "", reason: str,
               expected_version: int | None = None) -> EventReport:
    """Set the reviewers' classification (type, category, harm, NCC MERP for medication
    events) against the report's taxonomy pack. The reporter's answers stay in the triage
    row's original_* fields. A classification that reaches the serious-event threshold
    flags the report (once)."""
    _require_triager(by, report.organization_id)
    locked, triage = _locked(report, expected_version)
    taxonomy = taxonomy_of(locked.taxonomy)
    errors: dict[str, str] = {}
    if event_type not in taxonomy.keys("event-types"):
        errors["event_type"] = _unknown("event type", event_type, taxonomy.keys("event-types"))
    categories = {option.key for option in taxonomy.categories(locked.kind)}
    if category not in categories:
        errors["category"] = _unknown("category", category, categories)
    harm_keys = {option.key for option in taxonomy.harm_levels(locked.kind)}
    if harm_level and harm_level not in harm_keys:
        errors["harm_level"] = _unknown("harm level", harm_level, harm_keys)
    elif not harm_level and event_type == "incident":
        errors["harm_level"] = "An incident needs a harm level ('unknown' if not known yet)."
    asks_merp = any(q.choices_from == MEDICATION_SCALE
                    for q in taxonomy.questions_for(category))
    if medication_error_category:
        if not asks_merp:
            errors["medication_error_category"] = ("Only a medication event has an NCC MERP "
                                                   "category.")
        elif medication_error_category not in taxonomy.keys(MEDICATION_SCALE):
            errors["medication_error_category"] = _unknown(
                "NCC MERP category", medication_error_category,
                taxonomy.keys(MEDICATION_SCALE))
    try:
        reason = _text(reason, field="reason", limit=MAX_REASON, required=True,
                       what="why the report is classified this way")
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    new = {"event_type": event_type, "category": category, "harm_level": harm_level,
           "medication_error_category": medication_error_category}
    if all(getattr(locked, name) == value for name, value in new.items()):
        raise ValidationError({"category": "This is already the report's classification."})
    with audit.acting_as(by):
        for name, value in new.items():
            setattr(locked, name, value)
        locked.save()
        triage.reclassified_at, triage.reclassified_by = timezone.now(), by
        # The reason joins the trail as a status-neutral step, so the history reads whole.
        EventStatusChange.objects.create(organization_id=locked.organization_id, report=locked,
                                         from_status=locked.status, to_status=locked.status,
                                         reason=f"Reclassified: {reason}", by=by)
        _bump(triage)
        _evaluate_serious(locked, triage)
    return locked


def _unknown(what: str, value, allowed) -> str:
    return f"Unknown {what} {str(value)[:60]!r} (choose from: {', '.join(sorted(allowed))})."


# --- duplicates ----------------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def link_duplicate(*, report: EventReport, primary: EventReport, by: User,
                   expected_version: int | None = None) -> EventTriage:
    """Mark `report` as a duplicate of `primary` (same organization). Nothing is deleted. No
    chains: when `primary` is itself a duplicate, the link goes to its primary; a report
    that others duplicate cannot become a duplicate itself (link them the other way)."""
    _require_triager(by, report.organization_id)
    if primary.organization_id != report.organization_id:
        raise ValidationError({"duplicate_of": "No such report in this organization."})
    # Make both rows first, in one order, so two links made at once cannot deadlock.
    first, second = sorted([report, primary], key=lambda r: r.pk)
    triage_of(first)
    triage_of(second)
    target = primary
    primary_triage = triage_of(primary)
    if primary_triage.duplicate_of_id is not None:
        target = EventReport.objects.get(pk=primary_triage.duplicate_of_id)
    if target.pk == report.pk:
        raise ValidationError({"duplicate_of": "A report cannot be a duplicate of itself."})
    triage_of(target)
    # Lock both rows in one order, so two reviewers linking A→B and B→A cannot both win.
    rows = {t.report_id: t for t in EventTriage.objects.select_for_update()
            .filter(report_id__in=[report.pk, target.pk]).order_by("pk")}
    locked, triage = _locked(report, expected_version)
    if rows[target.pk].duplicate_of_id is not None:  # changed since we looked
        raise ValidationError({"duplicate_of": STALE})
    if EventTriage.objects.filter(duplicate_of=report).exists():
        raise ValidationError({"duplicate_of": (
            f"{report.reference} already has duplicates of its own: mark "
            f"{target.reference} as a duplicate of {report.reference} instead.")})
    if triage.duplicate_of_id == target.pk:
        raise ValidationError({"duplicate_of": f"Already a duplicate of {target.reference}."})
    with audit.acting_as(by):
        triage.duplicate_of = target
        EventStatusChange.objects.create(
            organization_id=locked.organization_id, report=locked, from_status=locked.status,
            to_status=locked.status, reason=f"Linked as a duplicate of {target.reference}",
            by=by)
        _bump(triage)
    return triage


@transaction.atomic
def unlink_duplicate(*, report: EventReport, by: User,
                     expected_version: int | None = None) -> EventTriage:
    _require_triager(by, report.organization_id)
    locked, triage = _locked(report, expected_version)
    if triage.duplicate_of_id is None:
        raise ValidationError({"duplicate_of": "This report is not linked as a duplicate."})
    with audit.acting_as(by):
        EventStatusChange.objects.create(
            organization_id=locked.organization_id, report=locked, from_status=locked.status,
            to_status=locked.status, reason="No longer a duplicate", by=by)
        triage.duplicate_of = None
        _bump(triage)
    return triage


# --- serious safety events -----------------------------------------------------------------

def leaders(organization: Organization) -> list[User]:
    """Who hears of a serious safety event at once: executives and patient-safety leads."""
    return [m.user for m in Membership.objects.filter(
        organization=organization, role__in=LEADER_ROLES, is_active=True,
        user__is_active=True).select_related("user")]


def _evaluate_serious(report: EventReport, triage: EventTriage | None = None) -> bool:
    """Flag the report serious if its harm reaches the threshold; unflag it if a reviewer
    classified it below (the first flag's time and notice stay: they are once-only)."""
    if severity.rank(harm_level=report.harm_level,
                     medication_error_category=report.medication_error_category
                     ) < severity.HARM_RANK["mild"] and (triage is None or not triage.is_serious):
        return False  # below every possible threshold: no need to read the setting
    serious = severity.is_serious(harm_level=report.harm_level,
                                  medication_error_category=report.medication_error_category,
                                  threshold=serious_threshold(report.organization))
    if triage is None:
        if not serious:
            return False
        triage = triage_of(report)
    if serious == triage.is_serious:
        return serious
    triage.is_serious = serious
    first = serious and triage.serious_since is None
    if first:
        now = timezone.now()
        triage.serious_since = now
        triage.serious_due_at = business_days.add_business_days(timezone.localtime(now),
                                                                SERIOUS_DAYS)
    triage.save()
    if first:
        _tell_leaders(report)
    return serious


def flag_if_serious(*, report: EventReport) -> bool:
    """Check a newly stored report against the threshold (apps.py calls it for every new
    report; demo data and imports that bulk-create call it themselves)."""
    with transaction.atomic():
        return _evaluate_serious(report)


def _tell_leaders(report: EventReport) -> None:
    """Executives and safety leads are told at once: the category, the harm and the
    reference (no narrative and no reporter: those stay with the reviewers)."""
    taxonomy = taxonomy_of(report.taxonomy)
    harm = (taxonomy.harm_title(report.kind, report.harm_level) if report.harm_level
            else "harm not stated")
    title = (f"Serious safety event {report.reference}: "
             f"{taxonomy.category_title(report.kind, report.category)}, {harm}"
             f" — acknowledge within {SERIOUS_DAYS} business days")
    notifications.notify(
        recipients=leaders(report.organization), kind=SERIOUS_KIND,
        organization=report.organization, title=title,
        link=reverse("events:serious", args=[report.organization.slug]) + f"#{report.reference}",
        dedupe_key=f"events.serious:{report.pk}")


@transaction.atomic
def acknowledge_serious(*, report: EventReport, by: User) -> EventTriage:
    """A leader (executive or patient-safety lead) acknowledges a serious safety event; the
    clock stops. Once only: a second acknowledgement is refused, naming the first."""
    if not Membership.objects.filter(organization_id=report.organization_id, user=by,
                                     is_active=True, role__in=LEADER_ROLES).exists():
        raise PermissionDenied("Only executives and patient-safety leads acknowledge serious "
                               "safety events.")
    _locked_report, triage = _locked(report, None)
    if not triage.is_serious:
        raise ValidationError({"report": "This report is not a serious safety event."})
    if triage.acknowledged_at is not None:
        who = triage.acknowledged_by or "a former member"
        when = timezone.localtime(triage.acknowledged_at)
        raise ValidationError({"report": f"Already acknowledged by {who} on "
                                         f"{when:%d %b %Y %H:%M}."})
    with audit.acting_as(by):
        triage.acknowledged_at, triage.acknowledged_by = timezone.now(), by
        _bump(triage)
    return triage


def serious_overdue(*, today: dt.date) -> int:
    """Daily job: tell the leaders, once per event, that a serious event's 3 business days
    passed without an acknowledgement (the clock's due time was before today began)."""
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    overdue = (EventTriage.objects.filter(is_serious=True, acknowledged_at=None,
                                          serious_due_at__lt=start_of_today)
               .select_related("report", "report__organization").order_by("pk"))
    told = 0
    for triage in overdue:
        report = triage.report
        told += len(notifications.notify(
            recipients=leaders(report.organization), kind=SERIOUS_OVERDUE_KIND,
            organization=report.organization,
            title=f"Serious safety event {report.reference} is past its {SERIOUS_DAYS} "
                  "business days without an acknowledgement",
            link=reverse("events:serious", args=[report.organization.slug])
            + f"#{report.reference}",
            dedupe_key=f"events.serious_overdue:{report.pk}"))
    return told


def serious_clock(triage: EventTriage, *, now: dt.datetime | None = None
                  ) -> business_days.Clock | None:
    """Where the 3-business-day clock stands (None when it does not run)."""
    if triage.serious_since is None:
        return None
    return business_days.clock(started_at=timezone.localtime(triage.serious_since),
                               now=timezone.localtime(now or timezone.now()),
                               days=SERIOUS_DAYS)
