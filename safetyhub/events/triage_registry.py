"""What triage adds to core's registries (called from apps.py `ready()`): audit
registrations, notification kinds, My-work sources, the board-pack section, and the receiver
that checks each new report against the serious-event threshold."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from safetyhub.core import audit, board_pack, daily_jobs, my_work, notifications
from safetyhub.core.models import Organization, User
from safetyhub.core.rules import role_in

from .models import EventReport
from .models_triage import EventSettings, EventStatusChange, EventTriage
from .triage import (
    ASSIGNED_KIND,
    CLOSED_KIND,
    LEADER_ROLES,
    SERIOUS_DAYS,
    SERIOUS_KIND,
    SERIOUS_OVERDUE_KIND,
    TRIAGE_ROLES,
    flag_if_serious,
    serious_overdue,
)
from .triage_queries import board_figures, serious_awaiting

SHOWN = 20


def register() -> None:
    # The closing message and reasons are free text written about an event: the trail says
    # that they changed, never what they say (the audit page is read by admins who may not
    # read events).
    audit.register(EventTriage, exclude=["updated_at"], redact=["closing_message"],
                   describe=lambda t: f"Triage of event report {t.report_id}")
    audit.register(EventStatusChange, redact=["reason"],
                   describe=lambda c: f"Status change of event report {c.report_id}")
    audit.register(EventSettings, exclude=["updated_at"])

    notifications.register_kind(
        SERIOUS_KIND, label="Serious safety event",
        description="A report's harm reached the organization's serious-event threshold; a "
                    f"leader acknowledges it within {SERIOUS_DAYS} business days (for "
                    "executives and patient-safety leads).", default_email=True)
    notifications.register_kind(
        SERIOUS_OVERDUE_KIND, label="Serious safety event not acknowledged in time",
        description=f"A serious safety event passed its {SERIOUS_DAYS} business days without "
                    "a leader's acknowledgement (for executives and patient-safety leads; "
                    "once per event).", default_email=True)
    daily_jobs.register_daily_job("events.serious_overdue", serious_overdue)
    notifications.register_kind(
        ASSIGNED_KIND, label="Event report assigned to you",
        description="A report was given to you to triage (event reviewers and "
                    "patient-safety leads).", default_email=True)
    notifications.register_kind(
        CLOSED_KIND, label="Your event report is closed",
        description="A report you made is closed: read what was learned and done.",
        default_email=True)

    my_work.register_source("events.serious", "Serious events awaiting your acknowledgement",
                            serious_items, order=5)
    my_work.register_source("events.assigned", "Reports to triage", assigned_items, order=16)

    board_pack.register_section("events", title="Safety events", order=45,
                                build=board_section, template="events/board_pack/events.html")

    post_save.connect(_new_report, sender=EventReport, dispatch_uid="events.triage.serious")


def _new_report(sender, instance: EventReport, created: bool, raw: bool = False,
                **kwargs) -> None:
    if created and not raw:
        flag_if_serious(report=instance)


def serious_items(user: User, organization: Organization) -> list[my_work.WorkItem]:
    """For executives and patient-safety leads: serious events no leader has acknowledged
    (the minimal facts only; the oldest, most urgent, first)."""
    if role_in(user, organization) not in LEADER_ROLES:
        return []
    link = reverse("events:serious", args=[organization.slug])
    return [my_work.WorkItem(
        title=f"{row.reference}: {row.category}, {row.harm}", link=f"{link}#{row.reference}",
        kind="Serious event to acknowledge", due_on=timezone.localtime(row.due_at).date(),
        overdue=bool(row.clock and row.clock.overdue),
        detail=f"{row.unit}; {row.clock.words if row.clock else ''}")
        for row in serious_awaiting(organization)[:SHOWN]]


def assigned_items(user: User, organization: Organization) -> list[my_work.WorkItem]:
    """For reviewers: the open reports assigned to them, overdue and soonest due first."""
    if role_in(user, organization) not in TRIAGE_ROLES:
        return []
    from .taxonomy import taxonomy_of

    today = timezone.localdate()
    triages = (EventTriage.objects.filter(organization=organization, assignee=user)
               .exclude(report__status=EventReport.Status.CLOSED)
               .select_related("report", "report__taxonomy").order_by("due_on", "pk")[:SHOWN])
    items = []
    for triage in sorted(triages, key=lambda t: (t.due_on is None, t.due_on or today)):
        report = triage.report
        category = taxonomy_of(report.taxonomy).category_title(report.kind, report.category)
        items.append(my_work.WorkItem(
            title=f"{report.reference}: {category}",
            link=reverse("events:triage", args=[organization.slug, report.pk]),
            kind="Report assigned to you", due_on=triage.due_on,
            overdue=triage.due_on is not None and triage.due_on < today,
            detail=report.get_status_display()))
    return items


def board_section(*, organization: Organization, period: board_pack.Period,
                  options: board_pack.Options) -> dict | None:
    """Counts for the period and the serious events acknowledged within 3 business days;
    left out for an organization that has no event reports at all."""
    if not EventReport.objects.filter(organization=organization).exists():
        return None
    figures = board_figures(organization, start=period.start, end=period.end)
    serious = figures["serious"]
    headline = (f"{figures['serious_on_time']} of {serious}" if serious else "None in period")
    return {**figures, "days": SERIOUS_DAYS,
            "headlines": [("Serious safety events acknowledged within "
                           f"{SERIOUS_DAYS} business days", headline)],
            "appendix": [("Safety events: serious-event clock", (
                f"A serious safety event is a report whose harm reaches the organization's "
                f"threshold (by default severe harm or death on the AHRQ Common Formats Harm "
                f"Scale). A leader acknowledges it within {SERIOUS_DAYS} business days, "
                "counted Monday to Friday; public holidays are not skipped. Report counts "
                "reflect how readily people report, not how safe care is: they are not "
                "compared between organizations."))]}
