"""Triage of event reports: where each report stands in review, who reviews it and by when,
how reviewers classified it, whether it duplicates another, whether it is a serious safety
event and whether a leader has acknowledged it, and the closing message the reporter reads.

Kept beside `EventReport` rather than on it (one row per report, made when a reviewer first
acts or when the report turns out serious) so the report itself stays what intake wrote,
apart from `status` and the classification fields:

* the report's `event_type`, `category`, `harm_level` and `medication_error_category` are the
  CURRENT classification, which measures, search and exports read; what the reporter
  answered is copied into the `original_*` fields here before a reviewer first changes them,
  so "reported as … / classified as …" can always be shown;
* `version` counts every triage change: a form or API call that sends the version it loaded
  is refused when someone else changed the report in between, never silently overwritten.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .severity import DEFAULT_THRESHOLD, THRESHOLDS


class EventTriage(models.Model):
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.OneToOneField("events.EventReport", on_delete=models.CASCADE,
                                  related_name="triage")
    version = models.PositiveIntegerField(default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    # Always the primary itself (never a duplicate): services refuse chains. SafetyHub
    # deletes no report; should one go (a whole organization removed, the shell), its
    # duplicates stay and lose the link rather than being deleted with it.
    duplicate_of = models.ForeignKey("events.EventReport", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="duplicate_links")
    # What the reporter answered, copied before the first reclassification.
    original_event_type = models.CharField(max_length=64, blank=True)
    original_category = models.CharField(max_length=64, blank=True)
    original_harm_level = models.CharField(max_length=64, blank=True)
    original_medication_error_category = models.CharField(max_length=64, blank=True)
    reclassified_at = models.DateTimeField(null=True, blank=True)
    reclassified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    # The first time the report left "new" (time to triage, for the measures).
    triaged_at = models.DateTimeField(null=True, blank=True)
    # Serious safety event: whether it is one now, since when (set once: the clock and the
    # notification are once-only), when its 3 business days end, and who acknowledged it.
    is_serious = models.BooleanField(default=False)
    serious_since = models.DateTimeField(null=True, blank=True)
    serious_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    # What was learned and done, for the reporter (named reporters and code holders).
    closing_message = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(duplicate_of=F("report")),
                                   name="event_triage_not_own_duplicate"),
        ]
        indexes = [
            models.Index(fields=["organization", "assignee"], name="event_triage_assignee"),
            models.Index(fields=["organization", "is_serious", "acknowledged_at"],
                         name="event_triage_serious"),
        ]

    def __str__(self) -> str:
        return f"Triage of event report {self.report_id}"

    @property
    def is_reclassified(self) -> bool:
        return self.reclassified_at is not None


class EventStatusChange(models.Model):
    """One step of a report through triage: from, to, who, when and why."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.ForeignKey("events.EventReport", on_delete=models.CASCADE,
                               related_name="status_changes")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.report_id})"

    @staticmethod
    def _label(status: str) -> str:
        from .models import EventReport  # models.py imports this module

        return dict(EventReport.Status.choices).get(status, status)

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class EventSettings(models.Model):
    """An organization's choices for its event reports (one row, made when first changed)."""

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="event_settings")
    serious_harm_threshold = models.CharField(
        max_length=20, choices=THRESHOLDS, default=DEFAULT_THRESHOLD,
        help_text="A report with harm at or above this level is a serious safety event: "
                  "executives and patient-safety leads are told at once, and a leader "
                  "acknowledges it within 3 business days.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Event settings of {self.organization_id}"
