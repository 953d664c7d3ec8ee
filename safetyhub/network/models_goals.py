"""Shared goals: a measure a network's leads set for all its members ("falls with injury per
1,000 patient days"), the member organizations that chose to take part, and the monthly
values each sends. Thin models: writes live in goals.py, reads in goal_queries.py.

A value belongs to the organization that sent it; the network sees only sums over at least
MIN_ORGANIZATIONS organizations (goal_queries.py), never one organization's value."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SharedGoal(models.Model):
    class Chart(models.TextChoices):
        # The SPC engine's charts that make sense for one value a month summed over members
        # (G and T charts count cases or days between single events: not monthly sums).
        RUN = "run", "Run chart"
        I = "i", "I chart (individuals)"  # noqa: E741 - the chart's name
        P = "p", "P chart (proportion)"
        PP = "pp", "P′ chart (Laney)"
        U = "u", "U chart (rate)"
        UP = "up", "U′ chart (Laney)"
        C = "c", "C chart (count)"

    class Direction(models.TextChoices):
        INCREASE = "increase", "Higher is better"
        DECREASE = "decrease", "Lower is better"

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE,
                                related_name="goals")
    title = models.CharField(max_length=200)
    why = models.TextField(blank=True, help_text="why the network chose this goal")
    numerator = models.TextField(help_text="what is counted")
    denominator = models.TextField(blank=True, help_text="what it is counted against, if any")
    unit = models.CharField(max_length=100, blank=True)
    multiplier = models.PositiveIntegerField(default=1, help_text="e.g. 1000 for per 1,000")
    chart = models.CharField(max_length=5, choices=Chart.choices, default=Chart.RUN)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    target = models.FloatField(null=True, blank=True, help_text="on the chart's scale")
    start_month = models.DateField(help_text="the first month counted (its first day)")
    # Optional: the same goal as counted from event reports, so a member can let one of its
    # own event-derived measures feed it (the member chooses the measure; this says what it
    # should count).
    event_category = models.CharField(max_length=64, blank=True,
                                      help_text="the event category counted, if any")
    event_harm_at_least = models.CharField(max_length=64, blank=True,
                                           help_text="the least harm counted, if any")
    per_patient_days = models.BooleanField(default=False,
                                           help_text="patient days as the denominator")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [models.CheckConstraint(condition=Q(start_month__day=1),
                                              name="shared_goal_starts_on_first")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_event_derived(self) -> bool:
        return bool(self.event_category or self.event_harm_at_least or self.per_patient_days)


class GoalParticipation(models.Model):
    """An organization's choice to take part in a shared goal, and how its data comes."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered, uploaded or sent by API"
        MEASURE = "measure", "From one of our event-derived measures"

    goal = models.ForeignKey(SharedGoal, on_delete=models.CASCADE,
                             related_name="participations")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    measure = models.ForeignKey("measures.Measure", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                help_text="the organization's measure its values come from")
    joined_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["goal", "organization_id"]
        constraints = [models.UniqueConstraint(fields=["goal", "organization"],
                                               name="goal_participation_once")]

    def __str__(self) -> str:
        return f"{self.organization_id} in goal {self.goal_id}"

    @property
    def is_current(self) -> bool:
        return self.stopped_at is None


class GoalValue(models.Model):
    """One organization's value of one shared goal for one month. A second value for the
    month corrects the first: the row changes, the audit log keeps what it was."""

    class Via(models.TextChoices):
        FORM = "form", "Entered"
        FILE = "file", "Uploaded"
        API = "api", "Sent by API"
        MEASURE = "measure", "From a measure"

    goal = models.ForeignKey(SharedGoal, on_delete=models.CASCADE, related_name="values")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    month = models.DateField(help_text="the month's first day")
    numerator = models.FloatField()
    denominator = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.FORM)
    corrections = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["goal", "organization_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "organization", "month"],
                                    name="goal_value_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="goal_value_first_of_month"),
        ]
        indexes = [models.Index(fields=["goal", "month"], name="goal_value_goal_month")]

    def __str__(self) -> str:
        return f"Value of goal {self.goal_id} for {self.month:%b %Y}"
