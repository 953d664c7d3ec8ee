"""Demo investigations (registered with core.demo, after the event demo): an RCA² in
progress on the demo's serious event, an aggregate review, and a closed harm event with its
disclosure, support and strong actions. Loading twice adds nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import Organization, Role, Site
from safetyhub.events.demo import ORGANIZATION
from safetyhub.events.models import EventReport
from safetyhub.events.services import submit_report
from safetyhub.events.triage import change_status, close_report

from . import services
from .models import Review, ReviewMember

CLOSED_EVENT_NARRATIVE = (
    "Patient fell on the way to the bathroom at night after a sedative; the bed alarm was "
    "off. Laceration to the forehead closed with sutures; CT showed no bleeding.")
CLOSING_MESSAGE = (
    "Thank you for reporting this fall. The review found that bed alarms could be switched "
    "off without a check. Alarms now stay on for patients at high risk of falling unless two "
    "nurses agree, and sedatives at night are reviewed by pharmacy. Falls with injury on the "
    "unit have dropped since.")


def demo_organization() -> Organization | None:
    return Organization.objects.filter(slug=ORGANIZATION).first()


def demo_serious_event(organization: Organization) -> EventReport | None:
    """The event demo's serious safety event (severe harm, awaiting acknowledgement)."""
    return (EventReport.objects.filter(organization=organization, triage__is_serious=True)
            .order_by("-occurred_at").first())


def demo_closed_harm_event(organization: Organization) -> EventReport | None:
    """A fall with moderate harm on 4 West, five months ago, reviewed and closed with its
    message to the reporter: the closed event the demo's disclosure, support and strong
    actions belong to. Made once (found by its narrative afterwards); None when the event
    demo is not loaded."""
    existing = EventReport.objects.filter(organization=organization,
                                          narrative=CLOSED_EVENT_NARRATIVE).first()
    if existing is not None:
        return existing
    lead = (organization.memberships.filter(role=Role.SAFETY_LEAD, is_active=True)
            .select_related("user").first())
    reporter = (organization.memberships.filter(role=Role.STAFF_REPORTER, is_active=True)
                .select_related("user").first())
    unit = Site.objects.filter(organization=organization, kind=Site.Kind.UNIT,
                               name="Medical-Surgical Unit 4 West").first()
    if lead is None or unit is None:
        return None
    report = submit_report(
        organization=organization, kind=EventReport.Kind.PATIENT_SAFETY,
        event_type="incident", category="fall",
        occurred_at=timezone.now() - dt.timedelta(days=150), site_id=unit.pk,
        narrative=CLOSED_EVENT_NARRATIVE, harm_level="moderate",
        channel=EventReport.Channel.STAFF, reporter=reporter.user if reporter else None,
        anonymous=reporter is None, answers={"injury": "minor", "activity": "toileting"}).report
    report = change_status(report=report, by=lead.user, to=EventReport.Status.IN_REVIEW)
    return close_report(report=report, by=lead.user, closing_message=CLOSING_MESSAGE)


def load_investigations_demo() -> None:
    organization = demo_organization()
    if organization is None or not EventReport.objects.filter(
            organization=organization).exists():
        return
    closed = demo_closed_harm_event(organization)
    demo_rca_in_progress(organization)
    from .demo_resolution import demo_resolution_and_support

    demo_resolution_and_support(organization, closed)

    from .demo_actions import load_actions_demo

    load_actions_demo(organization, closed)


# The RCA² team of the demo: invented people, by role. The nurse who programmed the pump is
# consulted (heard), never a member, and is not named.
RCA_TEAM = [
    ("Dana Whitfield", "Director of patient safety", ReviewMember.Role.LEADER),
    ("Sam Okafor", "Quality improvement advisor", ReviewMember.Role.FACILITATOR),
    ("Lee Morgan", "Critical care pharmacist", ReviewMember.Role.EXPERT),
    ("Chris Patel", "Biomedical engineer", ReviewMember.Role.EXPERT),
    ("Ruth Alvarez", "Nurse educator, surgical unit", ReviewMember.Role.OUTSIDER),
    ("Jordan Blake", "Patient and family advisor", ReviewMember.Role.PATIENT_REPRESENTATIVE),
]


def demo_rca_in_progress(organization: Organization) -> Review | None:
    """The demo's serious event (a tenfold insulin overdose from a pump) scored SAC 3 and an
    RCA² under way: chartered within its 72 hours with a team of six, a few timeline entries
    and one causal statement. Made once; None when the event demo is not loaded."""
    report = demo_serious_event(organization)
    lead = (organization.memberships.filter(role=Role.SAFETY_LEAD, is_active=True)
            .select_related("user").first())
    if report is None or lead is None:
        return None
    existing = report.reviews.filter(kind=Review.Kind.RCA2).first()
    if existing is not None:
        return existing
    by = lead.user
    services.score_event(
        report=report, by=by, severity="major", probability="frequent",
        rationale="Infusion pumps are programmed many times a day, and dose-unit mix-ups are "
                  "reported several times a year.")
    review = services.start_review(
        report=report, by=by, kind=Review.Kind.RCA2,
        title="RCA² of the tenfold insulin dose from an infusion pump")
    # Each service locks and re-reads the review by its key: the object needs no refresh.
    for name, job, role in RCA_TEAM:
        services.add_member(review=review, by=by, name=name, job_title=job, role=role)
    services.add_member(review=review, by=by, name="The nurse who set up the pump",
                        job_title="Intensive care nurse", directly_involved=True,
                        role=ReviewMember.Role.CONSULTED)
    services.charter(
        review=review, by=by,
        scope="Insulin infusions in the Intensive Care Unit: how the pump is set up and "
              "checked, from the order to the first hour of the infusion.",
        questions="What happened? Why did the pump accept a tenfold dose? What would stop a "
                  "dose-unit mix-up reaching a patient again?",
        target_completion_on=timezone.localdate() + dt.timedelta(days=45))
    occurred = report.occurred_at
    for minutes, what, source in [
            (0, "Insulin infusion ordered in units per hour.", "Medication order"),
            (20, "Pump programmed; the drug library offered units per day and units per hour "
                 "on the same screen.", "Pump log"),
            (95, "Low blood glucose found on the hourly check; infusion stopped, glucose "
                 "given.", "Nursing record")]:
        services.add_timeline_entry(review=review, by=by,
                                    at=occurred + dt.timedelta(minutes=minutes), what=what,
                                    source=source)
    services.save_causal_statement(
        review=review, by=by,
        cause="The pump's drug library lists insulin in units per hour and in units per day "
              "on one screen, with no upper dose limit",
        effect="a rate being entered in units per day without any alert",
        event="a tenfold insulin dose and the patient's severe hypoglycaemia",
        contributing_factor="equipment", rules_confirmed=list(services.RULE_NUMBERS))
    return Review.objects.get(pk=review.pk)
