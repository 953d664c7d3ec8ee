"""The door to reviews: the same 404 for a review that does not exist, belongs to another
organization, or is not the person's to see (rules.py: event reviewers and patient-safety
leads only). Every opening is audited (Review is registered as sensitive)."""

from django.db.models import QuerySet

from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization

from .models import CausalStatement, Review, ReviewMember
from .rules import is_investigator


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
