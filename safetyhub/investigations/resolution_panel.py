"""What communication and resolution adds to an event's triage page (events.triage_panels):
for an event that reached a patient with harm, whether the disclosure conversation has
happened, and a link to the event's record. Nothing about caregiver support: who was
offered it is for support coordinators only."""

from __future__ import annotations

from django.db.models import Min, Q

from safetyhub.events.models import EventReport
from safetyhub.events.triage_panels import register_panel

from .models_resolution import ResolutionContact, ResolutionRecord
from .resolution import needs_resolution


def build(*, report: EventReport, user) -> dict | None:
    if not needs_resolution(report) or not user.has_perm("investigations.view_resolution",
                                                         report.organization):
        return None
    figures = (ResolutionRecord.objects.filter(report_id=report.pk)
               .aggregate(first=Min("contacts__happened_at", filter=Q(
                   contacts__kind=ResolutionContact.Kind.DISCLOSURE))))
    return {"report": report, "first_disclosure": figures["first"]}


def register() -> None:
    register_panel("investigations.resolution", template="investigations/_resolution_panel.html",
                   build=build, order=30)
