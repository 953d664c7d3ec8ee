"""Rollups: each sharing member organization's figures, kept small so that a network
dashboard adds up a few thousand rows instead of reading millions of reports. Built by
rollups.py (the worker's daily job, and at once when a member turns a sharing choice on), one
set per organization whatever networks it belongs to; a network reads the rows of its current
members that share that stream (aggregates.py). An organization that shares nothing with any
network has no rows here.

Nothing in these rows names a patient, a reporter or a unit: counts by quarter and category
(with those that caused harm); actions by month and strength; one mean per area of a
finalised self-assessment."""

from django.db import models


class HarmBand(models.TextChoices):
    """Harm bands across the scales events use (events/severity.py's ranks)."""

    NONE = "none", "No harm"
    HARM = "harm", "Mild or moderate harm"
    SEVERE = "severe", "Severe harm or death"
    UNKNOWN = "unknown", "Not known"


class EventRollup(models.Model):
    """Reports of one category that occurred in one quarter's complete months, and how many
    of them caused harm (mild, moderate, severe or death). A quarter, not a month: the
    dashboard shows years and quarters, and a third of the rows is a third of its work (a
    month's figures stay in the event dashboard's kept months, events/event_stats.py)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    quarter = models.DateField()  # first day of the quarter
    category = models.CharField(max_length=60)
    events = models.PositiveIntegerField()
    harmed = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["organization", "quarter", "category"], name="network_event_rollup_one")]

    def __str__(self) -> str:
        return f"{self.events} {self.category} of {self.organization_id}, {self.quarter}"


class ActionRollup(models.Model):
    """Review actions planned in one month (not cancelled), by strength."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    month = models.DateField()
    strength = models.CharField(max_length=20)
    actions = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month", "strength"],
                                               name="network_action_rollup_one")]

    def __str__(self) -> str:
        return f"{self.actions} {self.strength} actions of {self.organization_id}"


class AreaScoreRollup(models.Model):
    """One area's (section's) mean in the organization's latest finalised assessment with a
    pack shipped with SafetyHub (an organization's own pack is not comparable, and its name
    could say whose it is)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    pack_id = models.CharField(max_length=60)
    pack_title = models.CharField(max_length=300)
    area = models.CharField(max_length=60)
    area_title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    mean = models.FloatField()
    finalized_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "pack_id", "area"],
                                               name="network_area_rollup_one")]

    def __str__(self) -> str:
        return f"{self.pack_id} {self.area}: {self.mean:.2f} of {self.organization_id}"


class RollupState(models.Model):
    """When an organization's rollups were last built (one row per organization with any)."""

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="+")
    built_at = models.DateTimeField()
    # The last complete month the event and action rows cover.
    through_month = models.DateField()

    def __str__(self) -> str:
        return f"Rollups of {self.organization_id} built {self.built_at:%Y-%m-%d %H:%M}"


class NetworkFigures(models.Model):
    """A network's dashboard sums for one period ("year" or "quarter"): per table (events,
    harmed, actions), each cell's, row's, column's and the whole's total with the number of
    organizations counting it — what suppression needs, a few hundred figures, summed once
    from the members' rollups instead of at every page. `stamp` fingerprints what they were
    summed from (the current members, their sharing choices and when each one's rollups were
    built); a page whose stamp differs sums afresh and stores the result."""

    network = models.ForeignKey("network.Network", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    through_month = models.DateField()
    stamp = models.CharField(max_length=64)
    built_at = models.DateTimeField()
    figures = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "period"],
                                               name="network_figures_one_per_period")]

    def __str__(self) -> str:
        return f"Figures of network {self.network_id} by {self.period}"
