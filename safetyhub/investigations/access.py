"""The doors to investigations' rows: the same 404 for a row that does not exist, belongs to
another organization, or is not the person's to see. Support offers have their own door in
support.py (coordinators only, refusals audited)."""

from safetyhub.core.access import require_permission, tenant_row
from safetyhub.core.models import Organization
from safetyhub.events.access import access_event
from safetyhub.events.models import EventReport

from .models_resolution import ResolutionQuestion
from .support import access_offer, visible_offers

__all__ = ["access_offer", "access_question", "access_resolution_event", "visible_offers"]


def access_resolution_event(*, user, organization: Organization, pk) -> EventReport:
    """An event whose communication and resolution the person may read and record: the
    event's own door first (404 for anyone who may not see it), then the role (403: its
    named reporter may read the report, not its resolution)."""
    report = access_event(user=user, organization=organization, pk=pk)
    require_permission(user=user, permission="investigations.view_resolution",
                       organization=organization)
    return report


def access_question(*, user, organization: Organization, report: EventReport,
                    pk) -> ResolutionQuestion:
    """One question of an event already opened through access_resolution_event."""
    return tenant_row(ResolutionQuestion, organization=organization, pk=pk,
                      queryset=ResolutionQuestion.objects.filter(record__report=report)
                      .select_related("record__report"))
