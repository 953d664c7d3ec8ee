"""What is measured and how (Measure), its values (DataPoint) and where its chart starts a
new phase (PhaseSplit). The tables keep the names they had when measures lived in the
improvement app (`improvement_measure` …): moving the code moved no data."""

from django.conf import settings
from django.db import models


class Measure(models.Model):
    """What is measured, how, and which way is better."""

    class Type(models.TextChoices):
        OUTCOME = "outcome", "Outcome"
        PROCESS = "process", "Process"
        BALANCING = "balancing", "Balancing"

    class Frequency(models.TextChoices):
        WEEK = "week", "Weekly"
        MONTH = "month", "Monthly"
        QUARTER = "quarter", "Quarterly"
        EVENT = "event", "Per event (rare events: G and T charts)"

    class Direction(models.TextChoices):
        INCREASE = "increase", "Higher is better"
        DECREASE = "decrease", "Lower is better"
        NEUTRAL = "neutral", "Neither"

    class Chart(models.TextChoices):
        RUN = "run", "Run chart"
        I = "i", "I chart (individuals)"  # noqa: E741 - the chart's name
        P = "p", "P chart (proportion)"
        PP = "pp", "P′ chart (Laney)"
        U = "u", "U chart (rate)"
        UP = "up", "U′ chart (Laney)"
        C = "c", "C chart (count)"
        G = "g", "G chart (cases between events)"
        T = "t", "T chart (time between events)"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="measures")
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    initiatives = models.ManyToManyField("improvement.Initiative", blank=True,
                                         related_name="measures")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=Type.choices)
    numerator = models.TextField(help_text="what is counted")
    denominator = models.TextField(blank=True, help_text="what it is counted against, if any")
    unit = models.CharField(max_length=100, blank=True)
    multiplier = models.PositiveIntegerField(default=1, help_text="e.g. 1000 for per 1,000")
    frequency = models.CharField(max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTH)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    goal = models.FloatField(null=True, blank=True, help_text="on the chart's scale")
    chart = models.CharField(max_length=5, choices=Chart.choices, default=Chart.RUN)
    screened_mr = models.BooleanField(default=True, help_text="moving-range screening")
    freeze_after = models.DateField(null=True, blank=True,
                                    help_text="last period of the baseline")
    definition_source = models.CharField(
        max_length=300, blank=True,
        help_text="where the definition comes from; empty means SafetyHub's own")
    library_key = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Spread (improvement/services_spread): the measure whose definition this one copies,
    # for an adopting unit. SET_NULL: the unit's measure and data stand on their own.
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="copies")

    class Meta:
        db_table = "improvement_measure"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DataPoint(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="points")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    period = models.DateField(help_text="start of the period, or the event's date")
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    excluded = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "improvement_datapoint"
        ordering = ["measure", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="datapoint_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.period}"


class PhaseSplit(models.Model):
    """A new phase of a measure's chart starts after `after_period`, for a stated reason."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="splits")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    after_period = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "improvement_phasesplit"
        ordering = ["after_period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "after_period"], name="split_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: new phase after {self.after_period}"


from .models_import import ImportMapping, StagedImport  # noqa: E402, F401
