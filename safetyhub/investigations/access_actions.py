"""The door to review actions (reviews themselves open through access.access_review): the
same 404 for a row that does not exist, belongs to another organization, or is not the person's to
see (reviewers see every action of their organization; anyone else only the actions they
own, never the review behind them)."""

from django.db.models import QuerySet

from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization
from safetyhub.events.rules import is_event_reviewer

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
