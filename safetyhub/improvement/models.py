"""The action plan: initiatives, progress notes and PDSA cycles. The measures that judge it
live in safetyhub.measures."""

from django.conf import settings
from django.db import models


class Initiative(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="initiatives")
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    recommendation = models.ForeignKey("frameworks.PackItem", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    tactic = models.ForeignKey("frameworks.PackItem", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    source_assessment = models.ForeignKey("assessments.Assessment", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="initiatives")
    source_item = models.ForeignKey("frameworks.PackItem", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="the assessment element this answers")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    start_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Spread (services_spread): the initiative another unit adopted this one from. SET_NULL:
    # the adopting unit's work stands on its own if the original ever goes.
    spread_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="adopters")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # One adoption per site: two people spreading to the same unit at once make one.
            models.UniqueConstraint(fields=["spread_from", "site"],
                                    name="initiative_spread_once_per_site"),
        ]

    def __str__(self) -> str:
        return self.title


class ProgressNote(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="notes")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]


class PdsaCycle(models.Model):
    """Plan–Do–Study–Act: one test of a change, shown as a marker on its measures' charts."""

    class Act(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADAPT = "adapt", "Adapt"
        ABANDON = "abandon", "Abandon"

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="cycles")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    number = models.PositiveIntegerField()
    change = models.CharField(max_length=300, help_text="Plan: the change to test")
    prediction = models.TextField(blank=True, help_text="Plan: what we expect to happen")
    plan_details = models.TextField(blank=True, help_text="Plan: who, when, where")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    observations = models.TextField(blank=True, help_text="Do: what happened")
    study = models.TextField(blank=True, help_text="Study: results against the prediction")
    act = models.CharField(max_length=10, choices=Act.choices, blank=True)
    act_notes = models.TextField(blank=True, help_text="Act: what next")
    measures = models.ManyToManyField("measures.Measure", blank=True, related_name="cycles")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["initiative", "number"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "number"], name="pdsa_number_unique"),
        ]

    def __str__(self) -> str:
        return f"PDSA {self.number}: {self.change}"


# The aim statement, the driver diagram and the progress ratings live in their own modules;
# imported here so Django finds their models.
from .models_aims import Aim  # noqa: E402, F401
from .models_drivers import DriverNode  # noqa: E402, F401
from .models_ratings import ProgressRating  # noqa: E402, F401
