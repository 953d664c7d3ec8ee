"""The door to reviews: the same 404 for a review that does not exist, belongs to another
organization, or is not the person's to see (rules.py: event reviewers and patient-safety
leads only). Every opening is audited (Review is registered as sensitive).

Communication and resolution after harm goes through the event's own door
(`access_resolution_event`); support offers have their own door in support.py (support
coordinators only, refusals audited), re-exported here."""

from django.db.models import QuerySet

from safetyhub.core.access import require_permission, tenant_row
from safetyhub.core.models import Organization
from safetyhub.events.access import access_event
from safetyhub.events.models import EventReport

from .models import CausalStatement, ResolutionQuestion, Review, ReviewMember
from .rules import is_investigator
from .support import access_offer, visible_offers  # noqa: F401 (their door)


def visible_reviews(*, user, organization: Organization) -> QuerySet[Review]:
    reviews = Review.objects.filter(organization=organization)
    return reviews if is_investigator(user, organization) else reviews.none()


def access_review(*, user, organization: Organization, pk) -> Review:
    return tenant_row(Review, organization=organization, pk=pk,
                      queryset=visible_reviews(user=user, organization=organization)
                      .select_related("organization", "index_event", "index_event__taxonomy",
                                      "index_event__site", "created_by"))


def access_causal_statement(*, user, organization: Organization, review: Review,
                            pk) -> CausalStatement:
    """One causal statement of a review the person has already opened through
    access_review."""
    return tenant_row(CausalStatement, organization=organization, pk=pk,
                      queryset=CausalStatement.objects.filter(review=review))


def access_member(*, user, organization: Organization, review: Review, pk) -> ReviewMember:
    return tenant_row(ReviewMember, organization=organization, pk=pk,
                      queryset=ReviewMember.objects.filter(review=review))


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
