"""Demo actions that work (called from demo.load_investigations_demo): a completed RCA² of the
demo's closed fall with harm on 4 West, with a stronger and an intermediate action, the
stronger one followed by its outcome measure — falls with injury per 1,000 patient days on
4 West, week by week — whose chart shows the drop after the action; and an aggregate review
of the medication near misses and no-harm errors of the last twelve months.

Everything goes through the services, as a person would do it; then the review's and the
actions' dates are placed back in time to when they happened (the event was five months
ago), which the services cannot do. The measure's data are invented for the demo: the
measure says so. Loading twice adds nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import Organization, Role
from safetyhub.measures import services as measure_services
from safetyhub.measures.models import Measure

from . import aggregate, services
from . import services_actions as actions
from .models import Review, ReviewMember, SacScore
from .models_actions import ReviewAction

TITLE = "RCA² of the fall with a head wound on 4 West"
AGGREGATE_TITLE = "Medication near misses and no-harm errors, last 12 months"
MEASURE_NAME = "Falls with injury per 1,000 patient days on 4 West"
TEAM = [
    ("Dana Whitfield", "Director of patient safety", ReviewMember.Role.LEADER),
    ("Sam Okafor", "Quality improvement advisor", ReviewMember.Role.FACILITATOR),
    ("Priya Raman", "Physiotherapist, falls prevention", ReviewMember.Role.EXPERT),
    ("Tom Becker", "Night charge nurse, surgical unit", ReviewMember.Role.OUTSIDER),
    ("Jordan Blake", "Patient and family advisor", ReviewMember.Role.PATIENT_REPRESENTATIVE),
]
BASELINE_WEEKS = 52
# Falls with injury each week of the year before the action (about one a week) and after
# it (rare): invented, the same in every demo.
BEFORE = [1, 0, 2, 1, 1, 0, 1, 2, 1, 0, 1, 1, 2, 0, 1, 1, 0, 2, 1, 1, 1, 0, 2, 1, 0, 1,
          1, 2, 1, 0, 1, 1, 1, 2, 0, 1, 1, 0, 1, 2, 1, 1, 0, 1, 2, 1, 1, 0, 1, 1, 2, 1]
PATIENT_DAYS = [208, 212, 205, 210, 214, 209, 207, 211]


def _people(organization: Organization):
    memberships = organization.memberships.filter(is_active=True).select_related("user")
    lead = memberships.filter(role=Role.SAFETY_LEAD).first()
    other = (memberships.exclude(role__in=[Role.EXECUTIVE_VIEWER, Role.SAFETY_LEAD])
             .order_by("role", "pk").first())
    return (lead.user if lead else None), (other.user if other else None)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _falls_measure(organization: Organization, by, action_week: dt.date) -> Measure:
    """Weekly: five months after the event are too few months for a chart to show a shift,
    and enough weeks."""
    measure = measure_services.create_measure(
        organization=organization, by=by, name=MEASURE_NAME, type=Measure.Type.OUTCOME,
        numerator="Falls with any injury on 4 West (demo data, invented)",
        denominator="Patient days on 4 West", unit="falls per 1,000 patient days",
        multiplier=1000, frequency=Measure.Frequency.WEEK,
        direction=Measure.Direction.DECREASE, chart=Measure.Chart.U,
        freeze_after=action_week - dt.timedelta(days=7))
    last_week = _monday(timezone.localdate()) - dt.timedelta(days=7)
    week = action_week - dt.timedelta(weeks=BASELINE_WEEKS)
    k = 0
    while week <= last_week:
        after = week >= action_week
        # after the action: one fall with injury in three months, none otherwise
        falls = BEFORE[k % len(BEFORE)] if not after else int(k == BASELINE_WEEKS + 12)
        measure_services.save_data_point(
            measure=measure, period=week, numerator=falls,
            denominator=PATIENT_DAYS[k % len(PATIENT_DAYS)], by=by)
        week += dt.timedelta(days=7)
        k += 1
    return measure


def demo_completed_rca(organization: Organization, event) -> Review | None:
    """The closed fall's RCA², done, with its actions. Made once."""
    lead, owner = _people(organization)
    if event is None or lead is None:
        return None
    existing = event.reviews.filter(kind=Review.Kind.RCA2).first()
    if existing is not None:
        return existing
    occurred = event.occurred_at
    services.score_event(
        report=event, by=lead, severity="moderate", probability="frequent",
        rationale="The fall needed sutures and a CT scan (more care); falls at night on the "
                  "unit happen several times a year.")
    review = services.start_review(report=event, by=lead, kind=Review.Kind.RCA2, title=TITLE)
    for name, job, role in TEAM:
        services.add_member(review=review, by=lead, name=name, job_title=job, role=role)
    services.charter(
        review=review, by=lead,
        scope="Night-time care of patients at high risk of falling on 4 West: bed alarms, "
              "sedatives at night and help to the bathroom.",
        questions="Why was the bed alarm off? What made the walk to the bathroom unsafe? "
                  "What would stop it happening again?",
        target_completion_on=timezone.localdate() + dt.timedelta(days=30))
    services.save_causal_statement(
        review=review, by=lead,
        cause="The bed alarm could be switched off at the bedside with one button and no "
              "second check",
        effect="a patient at high risk of falling being left without an alarm at night",
        event="the fall and the cut to the forehead", contributing_factor="equipment",
        rules_confirmed=list(services.RULE_NUMBERS))
    due = timezone.localdate() - dt.timedelta(days=100)
    stronger = actions.create_action(
        review=review, by=lead, strength=ReviewAction.Strength.STRONGER, owner=owner or lead,
        due_on=due,
        description="Bed alarms of patients at high risk of falling cannot be switched off "
                    "at the bedside without a second nurse's badge (an interlock on the "
                    "alarm panel).",
        expected_effect="Falls with injury on 4 West drop from about one a week to rare, "
                        "within three months.")
    actions.create_action(
        review=review, by=lead, strength=ReviewAction.Strength.INTERMEDIATE, owner=lead,
        due_on=due + dt.timedelta(days=14),
        description="Pharmacy reviews every night-time sedative ordered for a patient at "
                    "high risk of falling, with a checklist in the order screen.",
        expected_effect="Every such order reviewed before the first dose.")
    action_week = _monday(occurred.date() + dt.timedelta(days=35))
    measure = _falls_measure(organization, lead, action_week)
    actions.update_action(action=stronger, by=lead, measure=measure)
    for action in review.actions.all():
        actions.update_action(action=action, by=lead, status=ReviewAction.Status.DONE)
    actions.make_initiative(action=stronger, by=lead)
    services.change_review_status(review=review, by=lead, to=Review.Status.ACTIONS)
    services.change_review_status(review=review, by=lead, to=Review.Status.DONE)
    _into_the_past(review, occurred, action_week)
    return Review.objects.get(pk=review.pk)


def _into_the_past(review: Review, occurred: dt.datetime, action_week: dt.date) -> None:
    """Place the review's steps when they happened: scored the day after the event,
    chartered the day after that (within its 72 hours), actions planned a month later and
    done by the week the measure's new phase starts, the review done soon after."""
    tz = timezone.get_current_timezone()
    scored = occurred + dt.timedelta(days=1)
    done = dt.datetime.combine(action_week, dt.time(16), tzinfo=tz)
    SacScore.objects.filter(report_id=review.index_event_id).update(
        first_scored_at=scored, scored_at=scored)
    Review.objects.filter(pk=review.pk).update(
        created_at=scored + dt.timedelta(hours=2), clock_started_at=scored,
        start_due_at=scored + dt.timedelta(hours=services.START_HOURS),
        chartered_at=scored + dt.timedelta(days=1), done_at=done + dt.timedelta(days=10))
    review.actions.update(created_at=scored + dt.timedelta(days=25), done_at=done)


def demo_aggregate_review(organization: Organization) -> Review | None:
    """Medication near misses and no-harm errors of the last 12 months, gathered. Once."""
    lead, _owner = _people(organization)
    if lead is None:
        return None
    existing = Review.objects.filter(organization=organization, kind=Review.Kind.AGGREGATE,
                                     title=AGGREGATE_TITLE).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    return aggregate.gather_aggregate_review(
        organization=organization, by=lead, title=AGGREGATE_TITLE, category="medication",
        first_day=(today.replace(day=1) - dt.timedelta(days=365)).replace(day=1),
        last_day=today.replace(day=1) - dt.timedelta(days=1))


def load_actions_demo(organization: Organization, closed_event) -> None:
    demo_completed_rca(organization, closed_event)
    demo_aggregate_review(organization)
