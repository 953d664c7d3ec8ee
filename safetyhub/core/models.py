"""Organizations (tenants), their sites and units, people, roles, invitations, API tokens and
the audit trail. Thin models: fields and constraints; writes live in services.py."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("email: required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractUser):
    """A person. Signs in with an email address; may belong to several organizations."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class HealthSystem(models.Model):
    """A group of organizations under one parent (for example a health system of hospitals).
    It is not a tenant: each organization keeps its own data."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """The tenant. Every tenant-owned row elsewhere carries a foreign key to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    health_system = models.ForeignKey(
        HealthSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    require_two_factor = models.BooleanField(
        default=False, help_text="Every member must use a second factor to open this organization."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place inside an organization: a hospital, a clinic, or a unit within one."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", "Hospital"
        CLINIC = "clinic", "Clinic or ambulatory site"
        UNIT = "unit", "Unit or department"
        OTHER = "other", "Other site"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sites")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOSPITAL)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "parent", "name"], name="site_unique_name_in_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "Organization admin"
    SAFETY_LEAD = "safety_lead", "Patient-safety lead"
    ASSESSOR = "assessor", "Assessor"
    EVENT_REVIEWER = "event_reviewer", "Event reviewer"
    STAFF_REPORTER = "staff_reporter", "Staff reporter"
    EXECUTIVE_VIEWER = "executive_viewer", "Executive viewer"
    PATIENT_FAMILY_ADVISOR = "patient_family_advisor", "Patient/family advisor"
    # Care for the caregiver: the one role that sees who was offered peer support after a
    # harm event (investigations/support.py); everyone else sees counts only.
    SUPPORT_COORDINATOR = "support_coordinator", "Support coordinator"


class Membership(models.Model):
    """A person's place in one organization, with one role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # When the person last opened this organization's pages: signing in lands there.
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"


class Invitation(models.Model):
    """An emailed invitation to join an organization. Only a hash of the token is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"


def api_token_expiry() -> dt.datetime:
    """When a token made now stops working (settings.API_TOKEN_DAYS)."""
    return timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A personal API token. The secret is shown once; only its hash is kept. It works until
    it expires or is revoked (by its owner, or when their password changes or their account
    is deactivated)."""

    class EndReason(models.TextChoices):
        REVOKED = "revoked", "revoked by its owner"
        PASSWORD_CHANGED = "password_changed", "revoked: the password changed"
        DEACTIVATED = "deactivated", "revoked: the account was deactivated"
        EXPIRED = "expired", "expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Made in a session that had passed the second factor: only such tokens open the data
    # of an organization that requires two-factor authentication (as such sessions do).
    second_factor = models.BooleanField(default=False)
    expires_at = models.DateTimeField(default=api_token_expiry)
    # Why it stopped working (set when it was revoked, or first refused as expired).
    end_reason = models.CharField(max_length=20, choices=EndReason, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app at the second step of signing
    in. The code is shown once; only its SHA-256 is kept (it carries 80 random bits, so the
    hash cannot be reversed by trying codes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"


class AuditTrailManager(models.Manager):
    """Reads of the trail first append the entries the open transaction has collected and
    not yet appended (they wait for its commit, see core/backends), so a transaction sees
    its own entries, as it would if they had been written at once."""

    def get_queryset(self) -> models.QuerySet:
        from django.db import connections

        connection = connections[self.db]
        if getattr(connection, "audit_pending", None):
            connection.flush_audit()
        return super().get_queryset()


class AuditChain(models.Model):
    """The head of one hash chain: one per organization, plus "platform" for the rest.
    Appending locks this row, so entries of one chain are strictly ordered; entries are
    appended just before their transaction commits, so the lock is held only briefly."""

    key = models.CharField(max_length=40, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    objects = AuditTrailManager()

    def __str__(self) -> str:
        return f"{self.key} #{self.last_seq}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be changed")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEntry(models.Model):
    """One append-only, hash-chained record of a change to, or a view of, a record."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        VIEW = "view", "Viewed"
        EVENT = "event", "Event"

    chain = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Which of settings.AUDIT_KEYS signed the entry (keys rotate; old entries keep theirs).
    key_id = models.CharField(max_length=40, default="")

    objects = AuditTrailManager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        ordering = ["-at", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")


class Notification(models.Model):
    """Something a person should know about in one organization: shown in the app always,
    emailed when their preference for its kind says so (core/notifications.py). `link` is a
    path on this site, where the person can act on it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True)
    # Set by jobs that may run again (daily checks): one notification per person and key.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                name="notification_once_per_key",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "organization", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.title[:60]}"


class NotificationPreference(models.Model):
    """A person's choice to get (or not) email for one kind of notification. No row means
    the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} email={'on' if self.email else 'off'}"


class DailyJobRun(models.Model):
    """One registered daily job's run on one day (core/daily_jobs.py). The unique (key, day)
    row is the claim: whichever worker inserts it runs the job; the others skip it."""

    key = models.CharField(max_length=60)
    day = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    failed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day", "key"]
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="daily_job_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.day}"


class BoardPack(models.Model):
    """A report for the board over one period, made of the sections apps register
    (core/board_pack.py): the lead writes the summary ("what we ask of the board") and picks
    the key measures; the PDF is generated in the background and kept here."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Not generated yet"
        QUEUED = "queued", "Waiting to be generated"
        RUNNING = "running", "Being generated"
        READY = "ready", "Ready"
        FAILED = "failed", "Generation failed"

    class Schedule(models.TextChoices):
        NONE = "", "Not scheduled"
        MONTHLY = "month", "Monthly"
        QUARTERLY = "quarter", "Quarterly"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="board_packs")
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    summary = models.TextField(blank=True, help_text="what we ask of the board")
    # Ids of the organization's measures the lead picked (improvement.Measure: core does not
    # import a domain app, and the measures section checks each id against the organization).
    key_measures = models.JSONField(default=list, blank=True)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, blank=True,
                                default=Schedule.NONE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    pdf = models.FileField(upload_to="board-packs/%Y/%m/", blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A pack "waiting" or "being made" for longer than this lost its worker (a restart, a
    # crash): it may be queued again.
    STALE_AFTER = dt.timedelta(minutes=10)

    class Meta:
        ordering = ["-period_end", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_start__lte=models.F("period_end")),
                                   name="board_pack_period_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_waiting(self) -> bool:
        """Queued or being made, and not given up on (see STALE_AFTER)."""
        return (self.status in (self.Status.QUEUED, self.Status.RUNNING)
                and self.updated_at is not None
                and timezone.now() - self.updated_at < self.STALE_AFTER)


class SearchEntry(models.Model):
    """One searchable record's words, kept up to date by core/search.py (signals, or
    `safetyhub search_reindex`). `organization` empty: a shared text (a shipped framework
    pack's), open in every organization. The matching itself is the database's: SQLite's
    FTS5 table `core_searchentry_fts` (porter stemmer) or PostgreSQL's generated `document`
    tsvector column (english), both made by migration 0009 and absent from this model."""

    kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    title = models.TextField()
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once"),
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="search_entry_org_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
