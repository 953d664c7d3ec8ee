"""My work for event reviewers: the new reports waiting for triage (newest first)."""

from django.urls import reverse

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import Hint, WorkItem

from .models import EventReport
from .rules import is_event_reviewer
from .taxonomy import LIGHT, taxonomy_of

SHOWN = 20


def reports_to_triage(user: User, organization: Organization) -> list[WorkItem]:
    if not is_event_reviewer(user, organization):
        return []
    reports = (EventReport.objects.filter(organization=organization,
                                          status=EventReport.Status.NEW)
               .select_related("taxonomy", "site").defer(*LIGHT)
               .order_by("-created_at", "-pk")[:SHOWN])
    items = []
    for report in reports:
        taxonomy = taxonomy_of(report.taxonomy)
        where = f" at {report.site.name}" if report.site else ""
        items.append(WorkItem(
            title=f"{report.reference}: {taxonomy.category_title(report.kind, report.category)}",
            link=reverse("events:detail", args=[organization.slug, report.pk]),
            kind="Report to triage",
            detail=f"Reported {report.created_at:%d %b %Y}{where}",
        ))
    return items


def triage_hint(user: User, organization: Organization) -> Hint:
    if not is_event_reviewer(user, organization):
        return Hint(text="Saw something unsafe, or a near miss? Reporting takes two minutes, "
                         "and you may stay anonymous.",
                    link=reverse("events:report", args=[organization.slug]),
                    link_text="Report a safety event")
    return Hint(text="No new event report waits for triage.",
                link=reverse("events:list", args=[organization.slug]),
                link_text="All event reports")
