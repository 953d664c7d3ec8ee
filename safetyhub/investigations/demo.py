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
    demo_closed_harm_event(organization)
