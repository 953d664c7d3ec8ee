"""Actions that come out of a review, rated on the action hierarchy (hierarchy.py), each with
one accountable owner, a due date and the improvement measure whose chart shows whether it
worked; and what an aggregate review gathered its events by. Thin models: writes live in
services_actions.py and aggregate.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .hierarchy import LEVELS


class ReviewAction(models.Model):
    class Strength(models.TextChoices):
        STRONGER = LEVELS[0].key, LEVELS[0].label
        INTERMEDIATE = LEVELS[1].key, LEVELS[1].label
        WEAKER = LEVELS[2].key, LEVELS[2].label

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    review = models.ForeignKey("investigations.Review", on_delete=models.CASCADE,
                               related_name="actions")
    description = models.TextField(help_text="what will change in the system")
    strength = models.CharField(max_length=20, choices=Strength.choices)
    # One accountable person (RCA²: a person, not a committee). Kept when they leave the
    # organization until someone names a new owner; NULL only if the account is deleted.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    cancel_reason = models.TextField(blank=True)
    # The improvement measure (process or outcome) whose run/control chart shows whether the
    # action worked, and what the team expects to see on it.
    measure = models.ForeignKey("measures.Measure", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="review_actions")
    expected_effect = models.TextField(blank=True)
    # The initiative made from this action on the action plan (both ways: the initiative's
    # `review_action`).
    initiative = models.OneToOneField("improvement.Initiative", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="review_action")
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                                   name="review_action_cancelled_has_reason"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_on"],
                         name="review_action_org_status_due"),
            models.Index(fields=["organization", "owner", "status"],
                         name="review_action_org_owner"),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}: {self.description[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)


class AggregateScope(models.Model):
    """What an aggregate review gathered: similar low-harm events and near misses of one
    category (and unit, contributing factors) over a date range. Kept so the review can say
    how its events were chosen and gather again later."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    review = models.OneToOneField("investigations.Review", on_delete=models.CASCADE,
                                  related_name="aggregate_scope")
    category = models.CharField(max_length=64)
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    contributing_factors = models.JSONField(default=list, blank=True,
                                            help_text="keys; an event matches with any")
    first_day = models.DateField()
    last_day = models.DateField()
    gathered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"What aggregate review {self.review_id} gathered"
