"""The doors to review actions and to the reviews whose action plans they are: the same 404
for a row that does not exist, belongs to another organization, or is not the person's to
see (reviewers see every action of their organization; anyone else only the actions they
own, never the review behind them)."""

from django.db.models import QuerySet

from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization
from safetyhub.events.rules import is_event_reviewer

from .models import Review
from .models_actions import ReviewAction


def visible_actions(*, user, organization: Organization) -> QuerySet[ReviewAction]:
    actions = ReviewAction.objects.filter(organization=organization)
    if is_event_reviewer(user, organization):
        return actions
    if not getattr(user, "is_authenticated", False):
        return actions.none()
    return actions.filter(owner=user)


def access_action(*, user, organization: Organization, pk) -> ReviewAction:
    return tenant_row(
        ReviewAction, organization=organization, pk=pk,
        # Both the action's and its review's organization must match.
        queryset=visible_actions(user=user, organization=organization)
        .filter(review__organization=organization)
        .select_related("organization", "review", "owner", "measure", "initiative",
                        "created_by"),
    )


def access_review_plan(*, user, organization: Organization, pk) -> Review:
    """A review, for its action plan or its aggregate view: reviewers only."""
    reviews = Review.objects.all() if is_event_reviewer(user, organization) else \
        Review.objects.none()
    return tenant_row(Review, organization=organization, pk=pk,
                      queryset=reviews.select_related("organization", "index_event"))
