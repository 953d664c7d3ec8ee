"""Reviews of safety events: an RCA² (root cause analysis and action) of one serious event, a
lighter review of one event, or an aggregate review of many similar low-harm events and near
misses. Thin models: fields and constraints; writes live in services.py.

Which events a review covers is one representation for every kind: `events` lists them all
(an RCA² or light review exactly its one `index_event`, an aggregate review each gathered
event), so "the reviews of this event" is always `event.reviews`. `index_event` names the
event an RCA² or light review is about (NULL for an aggregate review).

`version` counts every change to a review: a form or API call that sends the version it
loaded is refused when someone else changed the review in between, never silently
overwritten (as events' triage does)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Review(models.Model):
    class Kind(models.TextChoices):
        RCA2 = "rca2", "RCA² (root cause analysis and action)"
        LIGHT = "light", "Lighter review"
        AGGREGATE = "aggregate", "Aggregate review"

    class Status(models.TextChoices):
        # Started: the team is being formed and the charter written (the 72-hour clock runs).
        FORMING = "forming", "Forming the team"
        CHARTERED = "chartered", "Chartered"
        ANALYSING = "analysing", "Analysing"
        ACTIONS = "actions", "Actions under way"
        DONE = "done", "Done"
        # Stopped before its end (a duplicate review, an event reclassified): with a reason.
        STOPPED = "stopped", "Stopped"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="reviews")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FORMING)
    status_reason = models.TextField(blank=True, help_text="why it was stopped or reopened")
    # SafetyHub deletes no report; should one go (a whole organization removed), the review
    # stays and loses the link rather than being deleted with it.
    index_event = models.ForeignKey("events.EventReport", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="indexed_reviews")
    events = models.ManyToManyField("events.EventReport", related_name="reviews", blank=True)
    # The charter: what the review looks at, the questions it answers, by when.
    scope = models.TextField(blank=True)
    questions = models.TextField(blank=True)
    target_completion_on = models.DateField(null=True, blank=True)
    # The 72-hour clock of an RCA²: from when it runs (clock_started_at, see services) to
    # when the review should be chartered (start_due_at); chartered_at is when it was.
    clock_started_at = models.DateTimeField(null=True, blank=True)
    start_due_at = models.DateTimeField(null=True, blank=True)
    chartered_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Contributing factors found (keys of the events taxonomy's contributing factors).
    contributing_factors = models.JSONField(default=list, blank=True)
    # A lesson the organization chooses to share (the learning network publishes it).
    share_lesson = models.BooleanField(default=False)
    lesson = models.TextField(blank=True)
    # Why the action plan holds only weaker actions, when it does (services_actions: the
    # review cannot move on to actions or done without it).
    weaker_only_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An aggregate review has no index event; an RCA² or light review may lose its
            # index event only through SET_NULL, never be made without one (services).
            models.CheckConstraint(condition=~Q(kind="aggregate") | Q(index_event__isnull=True),
                                   name="review_aggregate_has_no_index_event"),
            models.CheckConstraint(condition=Q(share_lesson=False) | ~Q(lesson=""),
                                   name="review_shared_lesson_has_text"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="review_org_status"),
            models.Index(fields=["organization", "kind", "-created_at"],
                         name="review_org_kind_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.STOPPED)


# The SAC score and the organization's rule (what to investigate), an RCA²'s team, timeline
# and causal statements (models_rca), and actions and what aggregate reviews gather
# (models_actions) live in their own modules; imported here so Django finds their models.
from .models_actions import AggregateScope, ReviewAction  # noqa: E402, F401
from .models_rca import (  # noqa: E402, F401
    CausalStatement,
    InvestigationSettings,
    ReviewMember,
    SacScore,
    TimelineEntry,
)

# Communication and resolution after harm, and care for the caregiver: their own module,
# imported here so Django finds their models.
from .models_resolution import (  # noqa: E402, F401
    ResolutionContact,
    ResolutionQuestion,
    ResolutionRecord,
    SupportOffer,
)
