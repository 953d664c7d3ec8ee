"""Safety event reports (patient safety and workforce), their attachments and the drafts that
keep a report being written. Thin models: fields and constraints; writes live in services.py.

What an anonymous report keeps: no reporter, no address, no session, no user agent, and its
follow-up code only as a SHA-256 (the code carries 100 random bits, so the hash cannot be
reversed by trying codes). The constraint `event_anonymous_has_no_reporter` holds the first
of these in the database itself."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventReport(models.Model):
    class Kind(models.TextChoices):
        PATIENT_SAFETY = "patient_safety", "Patient safety event"
        WORKFORCE = "workforce", "Workforce event"

    class Channel(models.TextChoices):
        STAFF = "staff", "Staff report"
        WORKFORCE = "workforce", "Workforce report"
        PATIENT_FAMILY = "patient_family", "Patient or family report"
        API = "api", "API"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        INVESTIGATING = "investigating", "Investigating"
        ACTIONS = "actions", "Actions under way"
        CLOSED = "closed", "Closed"

    class ReportedBy(models.TextChoices):
        """Who reports a workforce event (empty for patient safety events)."""

        INJURED_PERSON = "injured_person", "The person affected"
        MANAGER = "manager", "Their manager"
        COLLEAGUE = "colleague", "A colleague or witness"

    class AgeBand(models.TextChoices):
        UNDER_18 = "0-17", "Under 18"
        ADULT_18 = "18-44", "18 to 44"
        ADULT_45 = "45-64", "45 to 64"
        OLDER_65 = "65-84", "65 to 84"
        OLDER_85 = "85+", "85 or older"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        ANOTHER = "another", "Another sex or gender"
        UNKNOWN = "unknown", "Not known"

    class RaceEthnicity(models.TextChoices):
        """The minimum categories of the US OMB Statistical Policy Directive No. 15 (2024
        revision), quoted; a person may belong to several."""

        AIAN = "aian", "American Indian or Alaska Native"
        ASIAN = "asian", "Asian"
        BLACK = "black", "Black or African American"
        HISPANIC = "hispanic", "Hispanic or Latino"
        MENA = "mena", "Middle Eastern or North African"
        NHPI = "nhpi", "Native Hawaiian or Pacific Islander"
        WHITE = "white", "White"
        DECLINED = "declined", "Prefers not to say"
        UNKNOWN = "unknown", "Not known"

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Spanish"
        CHINESE = "zh", "Chinese"
        VIETNAMESE = "vi", "Vietnamese"
        TAGALOG = "tl", "Tagalog"
        ARABIC = "ar", "Arabic"
        FRENCH = "fr", "French"
        KOREAN = "ko", "Korean"
        RUSSIAN = "ru", "Russian"
        OTHER = "other", "Another language"
        UNKNOWN = "unknown", "Not known"

    class YesNo(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNKNOWN = "unknown", "Not known"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="event_reports")
    # Read out on the phone and shown to the reporter: random (not a count that tells how
    # many reports an organization has), unique within the organization.
    reference = models.CharField(max_length=12)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Keys of the taxonomy pack version the report was made with (locked once used).
    taxonomy = models.ForeignKey("frameworks.Pack", on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=64)
    category = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    site = models.ForeignKey("core.Site", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="event_reports", help_text="site or unit")
    narrative = models.TextField()
    harm_level = models.CharField(max_length=64, blank=True)
    medication_error_category = models.CharField(
        max_length=64, blank=True, help_text="NCC MERP index (medication events)")
    people_involved = models.JSONField(default=list, blank=True, help_text="role keys")
    immediate_actions = models.TextField(blank=True)
    contributing_factors = models.JSONField(default=list, blank=True, help_text="factor keys")
    answers = models.JSONField(default=dict, blank=True,
                               help_text="answers to the category's questions, by question id")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reported_by = models.CharField(max_length=20, choices=ReportedBy.choices, blank=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    is_anonymous = models.BooleanField(default=False)
    # NULL (not "") where there is none: the unique constraints below skip NULLs.
    follow_up_code_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # SHA-256 of the client's idempotency key: a replay finds the report it made. Hashed, so
    # a key that happens to say something about its sender is not kept.
    client_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # What in the narrative looks like an identifier (identifiers.py), for the reviewers.
    identifier_flags = models.JSONField(default=list, blank=True)
    # Optional patient characteristics, for stratifying harm (equity).
    patient_age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    patient_sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    patient_race_ethnicity = models.JSONField(default=list, blank=True)
    patient_language = models.CharField(max_length=10, choices=Language.choices, blank=True)
    patient_interpreter_needed = models.CharField(max_length=10, choices=YesNo.choices,
                                                  blank=True)
    patient_disability = models.CharField(max_length=10, choices=YesNo.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "reference"],
                                    name="event_reference_unique"),
            models.UniqueConstraint(fields=["organization", "client_key"],
                                    condition=Q(client_key__isnull=False),
                                    name="event_client_key_unique"),
            models.UniqueConstraint(fields=["follow_up_code_hash"],
                                    condition=Q(follow_up_code_hash__isnull=False),
                                    name="event_follow_up_code_unique"),
            models.CheckConstraint(condition=Q(is_anonymous=False) | Q(reporter__isnull=True),
                                   name="event_anonymous_has_no_reporter"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="event_org_newest"),
            models.Index(fields=["organization", "status"], name="event_org_status"),
            models.Index(fields=["organization", "reporter"], name="event_org_reporter"),
            # The dashboard, measures and signal watch count by occurrence. The index holds
            # what they filter and group by, so their GROUP BYs read it alone (index-only
            # scans); key columns rather than INCLUDE, which SQLite lacks.
            models.Index(fields=["organization", "occurred_at", "kind", "event_type",
                                 "category", "harm_level", "site"], name="event_org_occurred"),
            # A measure counting one category (on one unit) reads only its own entries, and
            # the signal watch streams its (category, unit, month) groups in index order.
            models.Index(fields=["organization", "category", "site", "occurred_at",
                                 "harm_level", "kind", "event_type"],
                         name="event_org_category_site"),
        ]

    def __str__(self) -> str:
        return f"Event report {self.reference}"


class EventAttachment(models.Model):
    """A file attached to a report: PDF, PNG or JPEG by content, stored under a name of
    SafetyHub's making (a photo's own name may name a person)."""

    report = models.ForeignKey(EventReport, on_delete=models.CASCADE, related_name="attachments")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    file = models.FileField(upload_to="events/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of {self.report_id}"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class EventDraft(models.Model):
    """What a staff member has typed into the report form and not yet sent, saved as they
    type so a lost connection or a closed tab loses nothing. One per person and organization;
    deleted when the report is sent. It is their own scratch pad: no one else reads it, and
    it is not audited (an audit entry would tie an anonymous report to its writer)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="event_draft_once"),
        ]

    def __str__(self) -> str:
        return f"Draft of {self.user_id} in {self.organization_id}"


# --- the public reporting page (patients, families, care partners): views_public.py ------------


class PublicReportingPage(models.Model):
    """Whether an organization's public reporting page (/report/<slug>/) is on. No row, or
    off: the page answers 404, as for an organization that does not exist."""

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="public_reporting_page")
    is_open = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        state = "on" if self.is_open else "off"
        return f"Public reporting page of {self.organization_id} ({state})"


class PublicReporter(models.Model):
    """Who made a report on the public page: their relation to the patient and, for a named
    report only, how to reach them. An anonymous report's row has no name, phone or email
    (what was typed there is dropped before anything is stored)."""

    class Relationship(models.TextChoices):
        PATIENT = "patient", "The patient"
        FAMILY = "family", "A family member"
        CARE_PARTNER = "care_partner", "A care partner"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.OneToOneField(EventReport, on_delete=models.CASCADE,
                                  related_name="public_reporter")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)

    def __str__(self) -> str:
        return f"Public reporter of {self.report_id}"


# Triage (status steps, assignment, classification, duplicates, serious events, feedback)
# and the measures made from reports (patient days, aggregate settings, event-count
# measures) live in their own modules; imported here so Django finds their models.
from .models_measures import (  # noqa: E402, F401
    AggregateSettings,
    EventCountSource,
    MonthlyEventStats,
    PatientDays,
    SignalWatchSnapshot,
)
from .models_triage import EventSettings, EventStatusChange, EventTriage  # noqa: E402, F401
