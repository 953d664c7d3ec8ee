"""Demo communication and resolution, and care for the caregiver, on the demo's closed harm
event (a fall with moderate harm on 4 West): a disclosure with an apology the next day, a
follow-up a week later, the family's question and its answer, the hospital bill waived, and
peer support offered to the nurse involved and accepted. Invented people and words. Loading
twice adds nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import Organization, Role
from safetyhub.events.models import EventReport

from . import resolution, support
from .models_resolution import ResolutionRecord, SupportOffer

SUPPORTED_STAFF = "Riley Chen"


def _member(organization: Organization, role: str):
    membership = (organization.memberships.filter(role=role, is_active=True)
                  .select_related("user").first())
    return membership.user if membership else None


def demo_resolution_and_support(organization: Organization,
                                report: EventReport | None) -> None:
    if report is None:
        return
    lead = _member(organization, Role.SAFETY_LEAD)
    if lead is not None and not ResolutionRecord.objects.filter(report=report).exists():
        _resolution(report, lead)
    coordinator = _member(organization, Role.SUPPORT_COORDINATOR)
    if coordinator is not None and not SupportOffer.objects.filter(report=report).exists():
        offered = report.occurred_at + dt.timedelta(hours=30)
        offer = support.offer_support(
            organization=organization, by=coordinator, report=report,
            staff_name=SUPPORTED_STAFF, staff_role="Registered nurse, night shift",
            offered_by="Peer supporter, Medical-Surgical Unit 4 West", offered_at=offered,
            note="Asked for a call after her next shift.")
        support.record_response(offer=offer, by=coordinator, response="accepted",
                                responded_at=offered + dt.timedelta(hours=20))


def _resolution(report: EventReport, lead) -> None:
    occurred = report.occurred_at
    resolution.add_contact(
        report=report, by=lead, kind="disclosure", happened_at=occurred + dt.timedelta(hours=18),
        organization_people="Attending physician and the 4 West nurse manager",
        with_whom="family",
        what_was_shared="Told the patient's daughter that her mother fell on the way to the "
                        "bathroom, that the bed alarm was off, and what was done for the "
                        "cut. Said we are sorry, that we are looking into why the alarm was "
                        "off, and that the nurse manager is her contact.",
        apology_given=True)
    resolution.add_question(
        report=report, by=lead, asked_on=timezone.localtime(occurred).date()
        + dt.timedelta(days=1), question="Why was the bed alarm switched off?",
        answer="An alarm could be switched off without anyone checking. Alarms now stay on "
               "for patients at high risk of falling unless two nurses agree.",
        answered_on=timezone.localtime(occurred).date() + dt.timedelta(days=8))
    resolution.add_contact(
        report=report, by=lead, kind="follow_up", happened_at=occurred + dt.timedelta(days=8),
        organization_people="4 West nurse manager", with_whom="family",
        what_was_shared="Shared what the review found and the change to bed alarms; answered "
                        "the daughter's question.", apology_given=False)
    resolution.set_resolution(
        report=report, by=lead, offered="bill_waiver",
        offered_on=timezone.localtime(occurred).date() + dt.timedelta(days=10),
        note="The charges for the treatment of the cut and the CT scan were waived.")
