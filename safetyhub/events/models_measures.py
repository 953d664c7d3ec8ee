"""Models of the measures made from event reports (imported by models.py): patient days per
unit and month (the denominator of reporting rates and U charts), the organization's
aggregate settings (the minimum cell size of stratified tables), and the link that makes an
improvement measure count its numerator from event reports. Thin: writes live in
patient_days.py and event_measures.py."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class PatientDays(models.Model):
    """The patient days of one unit (or site) in one month, entered or imported."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    site = models.ForeignKey("core.Site", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    days = models.PositiveIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site_id", "month"]
        verbose_name_plural = "patient days"
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="patient_days_once"),
            models.CheckConstraint(condition=models.Q(month__day=1),
                                   name="patient_days_first_of_month"),
        ]
        indexes = [models.Index(fields=["organization", "month"], name="patient_days_org_month")]

    def __str__(self) -> str:
        return f"{self.days} patient days, {self.month:%b %Y}"


class AggregateSettings(models.Model):
    """How the organization's event aggregates are shown. Without a row, the defaults."""

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="event_aggregate_settings")
    # CMS cell-size suppression: counts from 1 to 10 are not shown.
    min_cell_size = models.PositiveSmallIntegerField(
        default=11, validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="counts below this are suppressed in stratified tables")

    def __str__(self) -> str:
        return f"Aggregate settings of {self.organization_id}"


class EventCountSource(models.Model):
    """Makes an improvement measure count its numerator from event reports: the reports of
    a category (or all), at or above a harm level (or any), on a unit (or everywhere), per
    period of the measure. Counted whenever the measure's chart is read."""

    measure = models.OneToOneField("measures.Measure", on_delete=models.CASCADE,
                                   related_name="event_source")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    kind = models.CharField(max_length=20, blank=True, help_text="empty: both kinds")
    event_type = models.CharField(max_length=64, blank=True, help_text="empty: every type")
    category = models.CharField(max_length=64, blank=True, help_text="empty: every category")
    harm_at_least = models.CharField(max_length=64, blank=True, help_text="empty: any harm")
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", help_text="empty: every unit")
    since = models.DateField(help_text="the first period counted")

    def __str__(self) -> str:
        return f"Event counts of measure {self.measure_id}"


class SignalWatchSnapshot(models.Model):
    """The signal watch's monthly counts per unit × category, up to `through_month`, as
    counted at `built_at`: the watch adds the months after it, counted live, so a page over
    a million reports reads the few latest months instead of three years (signal_watch.py).
    Rebuilt every night (a daily job) and whenever it no longer fits the watch's window."""

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="+")
    first_month = models.DateField()
    through_month = models.DateField()
    built_at = models.DateTimeField()
    # {"<site id>|<category>": [count of first_month, …, count of through_month]}
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Signal watch counts of {self.organization_id} to {self.through_month}"


class MonthlyEventStats(models.Model):
    """One complete month's figures of one kind of event on one unit (or every unit), as
    the event dashboard adds them up (event_stats.py): counts by (type, category, harm) and
    by unit, the whole hours from report to first triage and to closing, and how many closed
    reports were answered. Made when a page first needs the month, deleted when something it
    counts changes."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    month = models.DateField()  # first day of the month the events occurred
    kind = models.CharField(max_length=20)
    # a site's id (its figures alone), or 0: every unit together, reports with none included
    unit = models.PositiveBigIntegerField(default=0)
    built_at = models.DateTimeField()
    # {"classes": [[type, category, harm, n], …], "units": [[site id or null, n], …],
    #  "triage_hours": [[hours, n], …], "close_hours": [[hours, n], …],
    #  "closed": n, "answered": n}
    figures = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "month", "kind", "unit"],
                                               name="event_stats_one_per_month")]

    def __str__(self) -> str:
        return f"Event figures of {self.organization_id}, {self.kind}, {self.month:%b %Y}"
