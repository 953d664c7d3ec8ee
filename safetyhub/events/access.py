"""The door to event reports: the same 404 for a report that does not exist, belongs to
another organization, or is not the person's to see (rules.py: reviewers and safety leads
see every report of their organization; anyone else only the named reports they made). So
an executive or a colleague learns nothing, not even that a report exists. Every opening is
audited (the report is registered as sensitive)."""

from django.db.models import QuerySet

from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization

from .models import EventAttachment, EventReport
from .rules import is_event_reviewer


def visible_reports(*, user, organization: Organization) -> QuerySet[EventReport]:
    """The organization's reports the person may open."""
    reports = EventReport.objects.filter(organization=organization)
    if is_event_reviewer(user, organization):
        return reports
    if not getattr(user, "is_authenticated", False):
        return reports.none()
    return reports.filter(reporter=user, is_anonymous=False)


def access_event(*, user, organization: Organization, pk) -> EventReport:
    return tenant_row(
        EventReport, organization=organization, pk=pk,
        queryset=visible_reports(user=user, organization=organization)
        .select_related("organization", "site", "site__parent", "taxonomy", "reporter"),
    )


def access_attachment(*, user, organization: Organization, report: EventReport,
                      pk) -> EventAttachment:
    """One file of a report the person has already opened through access_event."""
    return tenant_row(EventAttachment, organization=organization, pk=pk,
                      queryset=EventAttachment.objects.filter(report=report))


def access_serious_event(*, user, organization: Organization, pk) -> EventReport:
    """A serious safety event of the organization, for a leader to acknowledge: the same 404
    for a report that is missing, foreign, not serious, or asked for by someone who may not
    see the serious-events list (so a colleague cannot probe which reports are serious).
    Leaders see only its minimal facts (triage_queries.SeriousRow), never its narrative or
    reporter."""
    reports = EventReport.objects.filter(triage__is_serious=True)
    if not user.has_perm("events.view_serious", organization):
        reports = reports.none()
    return tenant_row(EventReport, organization=organization, pk=pk,
                      queryset=reports.select_related("organization", "site", "taxonomy"))
