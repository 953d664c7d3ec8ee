"""My work for event reviewers and patient-safety leads: the RCA²s still forming their team,
the soonest 72-hour clock first (overdue ones flagged)."""

from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import WorkItem

from . import services
from .models import Review
from .rules import is_investigator

SHOWN = 20


def reviews_to_charter(user: User, organization: Organization) -> list[WorkItem]:
    if not is_investigator(user, organization):
        return []
    reviews = (Review.objects.filter(organization=organization, kind=Review.Kind.RCA2,
                                     status=Review.Status.FORMING)
               .exclude(start_due_at=None).order_by("start_due_at", "pk")[:SHOWN])
    items = []
    for review in reviews:
        clock = services.start_clock(review)
        items.append(WorkItem(
            title=review.title,
            link=reverse("investigations:review", args=[organization.slug, review.pk]),
            kind="RCA² to charter", due_on=timezone.localtime(review.start_due_at).date(),
            overdue=bool(clock and clock.overdue), detail=clock.words if clock else ""))
    return items
