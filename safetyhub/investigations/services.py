"""Writes for what to investigate and for RCA² reviews: scoring an event on the Safety
Assessment Code matrix, the organization's rule for which score needs which review, starting
a review, its team, charter, timeline, causal statements, contributing factors, status and
shared lesson. Keyword-only functions, one transaction each, every change audited; bad input
raises ValidationError({field: reason}) and changes nothing.

* The 72-hour clock of an RCA² runs from the event's first SAC score: RCA² (NPSF, 2015) asks
  that a review start within 72 hours of recognising that one is needed, and scoring is
  where SafetyHub recognises it (the organization's rule turns the score into "needs an
  RCA²"). A rescore does not restart it. The review has started when it is chartered: its
  team formed (4 to 6 people with a leader and a facilitator) and its scope written.
* Concurrency: every change locks the review and, with `expected_version` (the version the
  caller loaded), refuses when someone changed it in between (422 on `version`).
* The review is about the system. The team holds no one directly involved in the event
  (they are consulted); causal statements are checked against the five rules of causation,
  which keep blame words and "human error" out of a cause.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.inputs import text_problem
from safetyhub.core.models import Membership, Organization, User
from safetyhub.events.models import EventReport
from safetyhub.events.rules import REVIEWER_ROLES
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of

from . import sac
from .models import (
    CausalStatement,
    InvestigationSettings,
    Review,
    ReviewMember,
    SacScore,
    TimelineEntry,
)

R = Review.Status
START_HOURS = 72
TEAM_MIN, TEAM_MAX = 4, 6
# RCA² commonly aims to finish in 30 to 45 days (not confirmed as a rule): the default
# target a charter proposes.
DEFAULT_TARGET_DAYS = 45
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_NAME = 150
DEFAULT_RULE = {3: Review.Kind.RCA2, 2: Review.Kind.LIGHT, 1: Review.Kind.AGGREGATE}
STALE = ("Someone else changed this review after you opened it. Reload the page to see "
         "their change, then make yours again.")
RULES_SOURCE = "Adapted from RCA² (NPSF, 2015) and the VA National Center for Patient Safety."


@dataclass(frozen=True)
class CausationRule:
    number: int
    title: str
    question: str


# The five rules of causation, paraphrased (RULES_SOURCE), each with the question the guided
# form asks the team.
RULES = (
    CausationRule(1, "Show cause and effect",
                  "Does the statement say plainly how the cause led to the effect and the "
                  "effect to the event?"),
    CausationRule(2, "Be specific, not negative or vague",
                  "Does it describe what happened in precise words, without judgements "
                  "such as “poor”, “careless” or “inadequate”?"),
    CausationRule(3, "Look behind a human error",
                  "If a person's slip or mistake is part of it, does the cause name what in "
                  "the system led to that error, rather than the error itself?"),
    CausationRule(4, "Look behind a departure from a procedure",
                  "If a procedure was not followed, does the cause name why (the procedure "
                  "itself, the workload, the equipment…), rather than the departure?"),
    CausationRule(5, "A failure to act needs a duty to act",
                  "If the cause is something not done, was there a clear duty (a policy or "
                  "standard of care) to do it before the event?"),
)
RULE_NUMBERS = tuple(rule.number for rule in RULES)

# Words that judge rather than describe (rule 2), and causes that stop at a person (rule 3).
VAGUE = re.compile(r"\b(poor(ly)?|inadequate(ly)?|improper(ly)?|careless(ly|ness)?|"
                   r"negligen(t|ce)|sloppy|lazy|incompeten(t|ce)|insufficient(ly)?)\b", re.I)
HUMAN_ERROR = re.compile(r"\b(human error|(nurse|doctor|staff|physician|pharmacist)'?s? "
                         r"(error|mistake)|forgot|not paying attention|inattenti(ve|on))\b",
                         re.I)
PARTS = {"cause": "the cause (what in the system set things up)",
         "effect": "the effect (what the cause made more likely)",
         "event": "the event (the harm or close call it led to)"}
MISSING_PART = ("A causal statement has three parts: cause → effect → event. This part is "
                "missing: write {what}.")


# --- helpers ---------------------------------------------------------------------------------

REFUSED = "investigations.Refused"


# Each refused attempt (bad input, a stale version) is audited: who tried which service on
# which review, report or action, and which fields — never what was typed (core.audit).
refusals_audited = audit.refusals_audited(REFUSED, ("review", "report", "action"))


def _text(value, *, field: str, limit: int, required: bool, what: str,
          single_line: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Write {what}."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters (this has {len(value)})."})
    problem = text_problem(value, single_line=single_line)
    if problem:
        raise ValidationError({field: problem})
    return value


def _collect(errors: dict[str, str], field: str, check) -> object:
    """Run one check, keeping its error with the others, so a form shows every problem."""
    try:
        return check()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages[0])
        return None


def _require_investigator(by: User, organization_id: int) -> None:
    if not Membership.objects.filter(organization_id=organization_id, user=by, is_active=True,
                                     role__in=REVIEWER_ROLES).exists():
        raise PermissionDenied("Only event reviewers and patient-safety leads run reviews.")


def _locked(review: Review, expected_version: int | None) -> Review:
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError({"version": STALE})
    return locked


def _bump(review: Review) -> None:
    review.version += 1
    review.save()


def _open(review: Review) -> None:
    if not review.is_open:
        raise ValidationError({"status": f"This review is {review.get_status_display().lower()}"
                                         ": reopen it to change it."})


# --- the organization's rule -------------------------------------------------------------------

def review_rule(organization: Organization) -> dict[int, str]:
    """Which review each SAC score needs: {3: "rca2", 2: "light", 1: "aggregate"}."""
    settings = InvestigationSettings.objects.filter(organization=organization).first()
    if settings is None:
        return {score: str(kind) for score, kind in DEFAULT_RULE.items()}
    return {score: settings.review_for(score) for score in sac.SCORES}


@refusals_audited
@transaction.atomic
def set_review_rule(*, organization: Organization, by: User, review_for_3: str,
                    review_for_2: str, review_for_1: str) -> InvestigationSettings:
    """Set which review each score needs. A score of 3 (the highest risk) always needs an
    RCA²: RCA² asks that every highest-risk event and close call be analysed."""
    allowed = dict(InvestigationSettings.REVIEWS)
    values = {"review_for_3": review_for_3, "review_for_2": review_for_2,
              "review_for_1": review_for_1}
    errors = {name: f"Choose one of: {', '.join(allowed)}." for name, value in values.items()
              if value not in allowed}
    if not errors and review_for_3 != Review.Kind.RCA2:
        errors["review_for_3"] = ("A SAC score of 3 is the highest risk: it always needs an "
                                  "RCA².")
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        settings, _ = InvestigationSettings.objects.select_for_update().get_or_create(
            organization=organization)
        for name, value in values.items():
            setattr(settings, name, value)
        settings.save()
    return settings


# --- scoring an event --------------------------------------------------------------------------

def basis_for(report: EventReport) -> str:
    """An event that reached the patient is scored on its actual outcome; a close call or an
    unsafe condition on its most likely worst case."""
    return (SacScore.Basis.ACTUAL if report.event_type == "incident"
            else SacScore.Basis.WORST_CASE)


@refusals_audited
@transaction.atomic
def score_event(*, report: EventReport, by: User, severity: str, probability: str,
                rationale: str = "") -> SacScore:
    """Score (or rescore) the event on the SAC matrix. The first score's time stays: it
    starts the RCA²'s 72-hour clock."""
    _require_investigator(by, report.organization_id)
    errors: dict[str, str] = {}
    if severity not in sac.SEVERITY_KEYS:
        errors["severity"] = (f"Choose a severity: {', '.join(sac.SEVERITY_KEYS)}"
                              f" (not {str(severity)[:40]!r}).")
    if probability not in sac.PROBABILITY_KEYS:
        errors["probability"] = (f"Choose a probability: {', '.join(sac.PROBABILITY_KEYS)}"
                                 f" (not {str(probability)[:40]!r}).")
    rationale = _collect(errors, "rationale", lambda: _text(
        rationale, field="rationale", limit=MAX_TEXT, required=False, what="why")) or ""
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with audit.acting_as(by):
        row = SacScore.objects.select_for_update().filter(report=report).first()
        if row is None:
            row = SacScore(organization_id=report.organization_id, report=report,
                           first_scored_at=now)
        row.severity, row.probability = severity, probability
        row.score = sac.score(severity=severity, probability=probability)
        row.basis = basis_for(report)
        row.rationale, row.scored_by, row.scored_at = rationale, by, now
        row.save()
    return row


@dataclass(frozen=True)
class NextStep:
    """What the event needs next, for its triage page and the API."""

    score: SacScore | None
    needs: str  # a Review.Kind value, or "" before the event is scored
    needs_label: str
    reviews: list[Review]
    can_start: bool  # the review it needs is not started yet (and can be, here)


def next_step(report: EventReport) -> NextStep:
    score = SacScore.objects.filter(report=report).select_related("scored_by").first()
    reviews = list(report.reviews.order_by("created_at", "pk"))
    if score is None:
        return NextStep(score=None, needs="", needs_label="Score the event first",
                        reviews=reviews, can_start=False)
    needs = review_rule(report.organization)[score.score]
    label = dict(InvestigationSettings.REVIEWS)[needs]
    # A review once started (open or done) is the event's: a done one is reopened, not
    # started again; only a stopped one may be started afresh.
    startable = needs in (Review.Kind.RCA2, Review.Kind.LIGHT) and not any(
        r.kind == needs and r.status != R.STOPPED for r in reviews)
    return NextStep(score=score, needs=needs, needs_label=label, reviews=reviews,
                    can_start=startable)


# --- starting a review -------------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def start_review(*, report: EventReport, by: User, kind: str = "", title: str = "") -> Review:
    """Start an RCA² or a lighter review of one event (aggregate reviews gather many events
    and are made elsewhere). Without `kind`, the one the organization's rule gives the
    event's score. An RCA²'s 72-hour clock runs from the event's first score."""
    _require_investigator(by, report.organization_id)
    score = SacScore.objects.filter(report=report).first()
    if score is None:
        raise ValidationError({"kind": "Score the event on the SAC matrix first: the score "
                                       "decides which review it needs."})
    kind = kind or review_rule(report.organization)[score.score]
    if kind not in (Review.Kind.RCA2, Review.Kind.LIGHT):
        raise ValidationError({"kind": "Start an RCA² (“rca2”) or a lighter review (“light”) "
                                       "of one event; an aggregate review gathers similar "
                                       "events instead."})
    title = _text(title or f"{Review.Kind(kind).label.split(' (')[0]} of event "
                  f"{report.reference}", field="title", limit=MAX_TITLE, required=True,
                  what="a title", single_line=True)
    EventReport.objects.select_for_update().filter(pk=report.pk).first()  # one start at once
    if report.reviews.filter(kind=kind).exclude(status=R.STOPPED).exists():
        raise ValidationError({"kind": f"This event already has an "
                                       f"{Review.Kind(kind).label.split(' (')[0]}: open it "
                                       "(and reopen it if it is done) rather than start "
                                       "another."})
    now = timezone.now()
    clock = {}
    if kind == Review.Kind.RCA2:
        clock = {"clock_started_at": score.first_scored_at,
                 "start_due_at": score.first_scored_at + dt.timedelta(hours=START_HOURS)}
    with audit.acting_as(by):
        review = Review.objects.create(
            organization_id=report.organization_id, kind=kind, title=title,
            index_event=report, created_by=by, created_at=now,
            target_completion_on=timezone.localdate() + dt.timedelta(days=DEFAULT_TARGET_DAYS),
            **clock)
        review.events.add(report)
    return review


@dataclass(frozen=True)
class StartClock:
    due_at: dt.datetime
    hours_left: float
    overdue: bool
    met: bool | None  # chartered in time (None while it runs)
    words: str


def start_clock(review: Review, *, now: dt.datetime | None = None) -> StartClock | None:
    """Where the 72-hour clock of an RCA² stands (None for reviews without one)."""
    if review.start_due_at is None:
        return None
    now = now or timezone.now()
    if review.chartered_at is not None:
        met = review.chartered_at <= review.start_due_at
        words = ("Chartered within 72 hours" if met else "Chartered after its 72 hours")
        return StartClock(review.start_due_at, 0.0, False, met, words)
    left = (review.start_due_at - now).total_seconds() / 3600
    if left < 0:
        late = -left
        words = (f"{int(late)} hours late" if late < 48 else f"{int(late // 24)} days late")
        return StartClock(review.start_due_at, left, True, None, f"Not chartered: {words}")
    words = f"{int(left)} hours left" if left >= 1 else f"{int(left * 60)} minutes left"
    return StartClock(review.start_due_at, left, False, None, f"{words} to charter the review")


# --- the team --------------------------------------------------------------------------------

def _team(review: Review) -> list[ReviewMember]:
    return [m for m in review.members.all() if m.is_team]


@refusals_audited
@transaction.atomic
def add_member(*, review: Review, by: User, name: str, role: str, job_title: str = "",
               user: User | None = None, directly_involved: bool = False,
               expected_version: int | None = None) -> ReviewMember:
    """Add a team member or a person consulted. Whoever was directly involved in the event
    (its named reporter included) is consulted, never a member: RCA² asks for a team that
    was not involved, so the review looks at the system rather than at a colleague."""
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    _open(locked)
    errors: dict[str, str] = {}
    name = _collect(errors, "name", lambda: _text(
        name, field="name", limit=MAX_NAME, required=True, what="the person's name",
        single_line=True)) or ""
    job_title = _collect(errors, "job_title", lambda: _text(
        job_title, field="job_title", limit=MAX_NAME, required=False, what="",
        single_line=True)) or ""
    if role not in ReviewMember.Role.values:
        errors["role"] = f"Choose a role: {', '.join(ReviewMember.Role.values)}."
    elif role != ReviewMember.Role.CONSULTED:
        event = locked.index_event
        if directly_involved:
            errors["role"] = ("Someone directly involved in the event is consulted, not a "
                              "team member: the team looks at the system from outside it.")
        elif user is not None and event is not None and event.reporter_id == user.pk:
            errors["role"] = ("The person who reported the event was involved in it: record "
                              "them as consulted, not as a team member.")
        else:
            team = _team(locked)
            if len(team) >= TEAM_MAX:
                errors["role"] = (f"The team has {TEAM_MAX} members already (RCA² suggests "
                                  f"{TEAM_MIN} to {TEAM_MAX}); record further people as "
                                  "consulted.")
            elif role == ReviewMember.Role.LEADER and any(
                    m.role == ReviewMember.Role.LEADER for m in team):
                errors["role"] = "The team has a leader already: one person leads."
    if user is not None and not Membership.objects.filter(
            organization_id=locked.organization_id, user=user, is_active=True).exists():
        errors["user"] = "Choose an active member of this organization (or leave it empty)."
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        member = ReviewMember.objects.create(
            organization_id=locked.organization_id, review=locked, name=name, user=user,
            role=role, job_title=job_title, directly_involved=directly_involved)
        _bump(locked)
    return member


@refusals_audited
@transaction.atomic
def remove_member(*, review: Review, member: ReviewMember, by: User,
                  expected_version: int | None = None) -> None:
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    _open(locked)
    if member.review_id != locked.pk:
        raise ValidationError({"member": "No such person on this review."})
    if (locked.status != R.FORMING and locked.kind == Review.Kind.RCA2 and member.is_team
            and len(_team(locked)) <= TEAM_MIN):
        raise ValidationError({"member": f"A chartered RCA² keeps at least {TEAM_MIN} team "
                                         "members: add someone before removing this person."})
    with audit.acting_as(by):
        member.delete()
        _bump(locked)


# --- the charter ------------------------------------------------------------------------------

def team_problem(review: Review) -> str | None:
    team = _team(review)
    roles = [m.role for m in team]
    if review.kind == Review.Kind.RCA2:
        if not TEAM_MIN <= len(team) <= TEAM_MAX:
            return (f"An RCA² team has {TEAM_MIN} to {TEAM_MAX} members (this one has "
                    f"{len(team)}); people consulted do not count.")
        if ReviewMember.Role.FACILITATOR not in roles:
            return "Name a facilitator versed in RCA² and safety science."
    if ReviewMember.Role.LEADER not in roles:
        return "Name the team's leader."
    return None


@refusals_audited
@transaction.atomic
def charter(*, review: Review, by: User, scope: str, questions: str,
            target_completion_on: dt.date | None, expected_version: int | None = None
            ) -> Review:
    """Charter the review: its scope, the questions it answers and its target date, with its
    team formed. For an RCA², this is the start its 72-hour clock asks for."""
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    errors: dict[str, str] = {}
    if locked.status != R.FORMING:
        errors["status"] = "This review is chartered already: change its charter instead."
    scope = _collect(errors, "scope", lambda: _text(
        scope, field="scope", limit=MAX_TEXT, required=True,
        what="the scope: which part of care and which time the review looks at")) or ""
    questions = _collect(errors, "questions", lambda: _text(
        questions, field="questions", limit=MAX_TEXT, required=True,
        what="the questions the review answers (what happened, why, what would prevent it)"
    )) or ""
    if target_completion_on is None:
        errors["target_completion_on"] = "Give the date the review aims to finish by."
    elif target_completion_on < timezone.localdate():
        errors["target_completion_on"] = "The target date cannot be in the past."
    problem = team_problem(locked)
    if problem:
        errors["team"] = problem
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        locked.scope, locked.questions = scope, questions
        locked.target_completion_on = target_completion_on
        locked.status, locked.chartered_at = R.CHARTERED, timezone.now()
        _bump(locked)
    return locked


@refusals_audited
@transaction.atomic
def update_review(*, review: Review, by: User, expected_version: int | None = None,
                  title: str | None = None, scope: str | None = None,
                  questions: str | None = None, target_completion_on: dt.date | None = None,
                  contributing_factors: list[str] | None = None,
                  share_lesson: bool | None = None, lesson: str | None = None) -> Review:
    """Change what is given (None leaves a field as it is). A lesson marked for sharing needs
    its text: the learning network publishes it (de-identified there)."""
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    errors: dict[str, str] = {}
    lesson_only = all(v is None for v in (title, scope, questions, target_completion_on,
                                          contributing_factors))
    if not lesson_only:
        _collect(errors, "status", lambda: _open(locked))
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = _collect(errors, "title", lambda: _text(
            title, field="title", limit=MAX_TITLE, required=True, what="a title",
            single_line=True))
    for name, value in (("scope", scope), ("questions", questions)):
        if value is not None:
            changes[name] = _collect(errors, name, lambda n=name, v=value: _text(
                v, field=n, limit=MAX_TEXT, required=locked.status != R.FORMING,
                what=f"the {n}"))
    if target_completion_on is not None:
        if (target_completion_on < timezone.localdate()
                and target_completion_on != locked.target_completion_on):
            errors["target_completion_on"] = "The target date cannot be in the past."
        changes["target_completion_on"] = target_completion_on
    if contributing_factors is not None:
        known = contributing_factor_keys(locked)
        unknown = [str(k)[:40] for k in contributing_factors if k not in known]
        if unknown:
            errors["contributing_factors"] = (f"Unknown contributing factor {unknown[0]!r} "
                                              f"(choose from: {', '.join(sorted(known))}).")
        changes["contributing_factors"] = list(dict.fromkeys(contributing_factors))
    if lesson is not None:
        changes["lesson"] = _collect(errors, "lesson", lambda: _text(
            lesson, field="lesson", limit=MAX_TEXT, required=False, what="the lesson"))
    if share_lesson is not None:
        changes["share_lesson"] = bool(share_lesson)
    sharing = changes.get("share_lesson", locked.share_lesson)
    if sharing and not changes.get("lesson", locked.lesson) and "lesson" not in errors:
        errors["lesson"] = ("Write the lesson to share: what others could learn, without "
                            "names, dates or places.")
    if errors:
        raise ValidationError(errors)
    if not changes:
        raise ValidationError({"body": "Nothing to change."})
    with audit.acting_as(by):
        for name, value in changes.items():
            setattr(locked, name, value)
        _bump(locked)
    return locked


def contributing_factors(review: Review) -> list[tuple[str, str]]:
    """The events taxonomy's contributing factors, (key, title): those of the index event's
    pack, or the organization's current pack."""
    pack = (review.index_event.taxonomy if review.index_event_id
            else active_taxonomy_pack(organization=review.organization))
    if pack is None:
        return []
    return [(o.key, o.title) for o in taxonomy_of(pack).options("contributing-factors")]


def contributing_factor_keys(review: Review) -> set[str]:
    return {key for key, _title in contributing_factors(review)}


# --- the timeline ------------------------------------------------------------------------------

@refusals_audited
@transaction.atomic
def add_timeline_entry(*, review: Review, by: User, at: dt.datetime | None, what: str,
                       source: str = "", expected_version: int | None = None
                       ) -> TimelineEntry:
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    _open(locked)
    errors: dict[str, str] = {}
    if at is None:
        errors["at"] = "Give the date and time it happened."
    elif at > timezone.now():
        errors["at"] = "A timeline entry cannot be in the future."
    what = _collect(errors, "what", lambda: _text(
        what, field="what", limit=MAX_TEXT, required=True, what="what happened")) or ""
    source = _collect(errors, "source", lambda: _text(
        source, field="source", limit=200, required=False, what="", single_line=True)) or ""
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        entry = TimelineEntry.objects.create(organization_id=locked.organization_id,
                                             review=locked, at=at, what=what, source=source,
                                             created_by=by)
        _bump(locked)
    return entry


# --- causal statements -----------------------------------------------------------------------

def causation_problems(*, cause: str, effect: str, event: str,
                       rules_confirmed) -> dict[str, str]:
    """Each problem of a causal statement, by field: a missing part, words that judge rather
    than describe (rule 2), a cause that stops at a person's error (rule 3), and any rule the
    team has not confirmed."""
    errors: dict[str, str] = {}
    parts = {"cause": cause, "effect": effect, "event": event}
    for name, value in parts.items():
        if not (value or "").strip():
            errors[name] = MISSING_PART.format(what=PARTS[name])
            continue
        match = VAGUE.search(value)
        if match:
            errors[name] = (f"Rule 2: “{match.group()}” judges rather than describes. Say "
                            "precisely what happened or what was missing.")
    if "cause" not in errors and HUMAN_ERROR.search(cause or ""):
        errors["cause"] = ("Rule 3: a person's error is not a cause to stop at. Say what in "
                           "the system (design, workload, equipment, information) led to it.")
    try:
        confirmed = {int(n) for n in rules_confirmed or ()}
    except (TypeError, ValueError):
        confirmed = set()
    missing = [n for n in RULE_NUMBERS if n not in confirmed]
    if missing or not confirmed <= set(RULE_NUMBERS):
        errors["rules_confirmed"] = ("Check the statement against every rule of causation; "
                                     "not yet confirmed: "
                                     + ", ".join(f"rule {n}" for n in missing or RULE_NUMBERS)
                                     + ".")
    return errors


@refusals_audited
@transaction.atomic
def save_causal_statement(*, review: Review, by: User, cause: str, effect: str, event: str,
                          rules_confirmed, contributing_factor: str = "",
                          statement: CausalStatement | None = None,
                          expected_version: int | None = None) -> CausalStatement:
    """Write a new causal statement (or change `statement`). Every part is needed and each
    of the five rules confirmed; the statement's contributing factor, if any, is one of the
    events taxonomy's."""
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    errors: dict[str, str] = {}
    if locked.status == R.FORMING:
        errors["status"] = "Charter the review first: form the team and write its scope."
    else:
        _collect(errors, "status", lambda: _open(locked))
    if statement is not None and statement.review_id != locked.pk:
        raise ValidationError({"statement": "No such causal statement in this review."})
    cleaned = {}
    for name, value in (("cause", cause), ("effect", effect), ("event", event)):
        cleaned[name] = _collect(errors, name, lambda n=name, v=value: _text(
            v, field=n, limit=MAX_TEXT, required=False, what="")) or ""
    for name, problem in causation_problems(rules_confirmed=rules_confirmed,
                                            **cleaned).items():
        errors.setdefault(name, problem)
    if contributing_factor and contributing_factor not in contributing_factor_keys(locked):
        errors["contributing_factor"] = (
            f"Unknown contributing factor {str(contributing_factor)[:40]!r} (choose from: "
            f"{', '.join(sorted(contributing_factor_keys(locked)))}).")
    if errors:
        raise ValidationError(errors)
    with audit.acting_as(by):
        row = statement or CausalStatement(organization_id=locked.organization_id,
                                           review=locked, created_by=by)
        row.cause, row.effect, row.event = cleaned["cause"], cleaned["effect"], cleaned["event"]
        row.contributing_factor = contributing_factor
        row.rules_confirmed = list(RULE_NUMBERS)
        row.save()
        if contributing_factor and contributing_factor not in locked.contributing_factors:
            locked.contributing_factors = [*locked.contributing_factors, contributing_factor]
        if locked.status == R.CHARTERED:  # the first statement: the analysis is under way
            locked.status = R.ANALYSING
        _bump(locked)
    return row


# --- status ----------------------------------------------------------------------------------

# {from: {to: reason required}}; chartering is its own step (charter()).
TRANSITIONS: dict[str, dict[str, bool]] = {
    R.FORMING: {R.STOPPED: True},
    R.CHARTERED: {R.ANALYSING: False, R.STOPPED: True},
    R.ANALYSING: {R.ACTIONS: False, R.DONE: False, R.STOPPED: True},
    R.ACTIONS: {R.DONE: False, R.ANALYSING: True, R.STOPPED: True},
    R.DONE: {R.ANALYSING: True},
    R.STOPPED: {R.ANALYSING: True},
}


@refusals_audited
@transaction.atomic
def change_review_status(*, review: Review, by: User, to: str, reason: str = "",
                         expected_version: int | None = None) -> Review:
    """Move the review on. Done needs at least one causal statement (an RCA² or lighter
    review that found no cause says so in one); stopping, going back and reopening need a
    reason."""
    _require_investigator(by, review.organization_id)
    locked = _locked(review, expected_version)
    if to not in R.values:
        raise ValidationError({"to": f"Unknown status {str(to)[:40]!r} (choose from: "
                                     f"{', '.join(R.values)})."})
    steps = TRANSITIONS.get(locked.status, {})
    if to not in steps:
        allowed = ", ".join(steps) or "none"
        raise ValidationError({"to": f"A review that is {locked.get_status_display().lower()} "
                                     f"cannot move to {R(to).label.lower()} (allowed: "
                                     f"{allowed})."})
    reason = _text(reason, field="reason", limit=MAX_TEXT, required=steps[to],
                   what="why (this step needs a reason)")
    from .services_actions import check_plan_for_status  # it builds on this module

    check_plan_for_status(locked, to)
    if to == R.DONE and not locked.causal_statements.exists():
        raise ValidationError({"to": "Write at least one causal statement before marking the "
                                     "review done."})
    with audit.acting_as(by):
        locked.status = to
        locked.status_reason = reason
        locked.done_at = timezone.now() if to == R.DONE else None
        _bump(locked)
    return locked
