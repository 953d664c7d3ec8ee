"""Assessment cycles: a team answers an instrument or attestation pack for the organization
(or one site), alone and then together, and the lead finalizes it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Assessment(models.Model):
    class Mode(models.TextChoices):
        INDEPENDENT_THEN_CONSENSUS = "independent", "Each member scores alone, then consensus"
        CONSENSUS_ONLY = "consensus", "The team enters agreed answers directly"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FINALIZED = "finalized", "Finalized"

    class AgreedBy(models.TextChoices):
        LEADS = "leads", "The lead and the patient-safety leads on the team"
        TEAM = "team", "Anyone on the team"

    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, related_name="assessments"
    )
    site = models.ForeignKey(
        "core.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="empty: the whole organization",
    )
    pack = models.ForeignKey("frameworks.Pack", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opens_on = models.DateField()
    closes_on = models.DateField()
    due_on = models.DateField()
    reminder_days = models.JSONField(default=list, help_text="days of the window to remind on")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_notified_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.CharField(
        max_length=10, choices=AgreedBy.choices, default=AgreedBy.LEADS,
        help_text="who may write the team's agreed answers",
    )
    consensus_opened_at = models.DateTimeField(
        null=True, blank=True,
        help_text="when the lead opened consensus: from then on the whole team sees each "
                  "member's own answers (before, only the member and the lead do)",
    )
    consensus_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="when the member said their own scoring is done"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="team_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.assessment}"


class Response(models.Model):
    """One answer to one item: a member's own (`respondent` set) or the team's consensus
    (`respondent` empty). `version` counts saves, so concurrent edits are detected."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="responses")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    item = models.ForeignKey("frameworks.PackItem", on_delete=models.PROTECT, related_name="+")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="empty for the team's consensus answer",
    )
    value = models.CharField(max_length=20, blank=True, help_text="a value of the pack's scale")
    criteria_met = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)
    rationale = models.TextField(blank=True, help_text="why the team agreed (consensus)")
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "item", "respondent"],
                condition=Q(respondent__isnull=False), name="response_one_per_member",
            ),
            models.UniqueConstraint(
                fields=["assessment", "item"], condition=Q(respondent__isnull=True),
                name="response_one_consensus",
            ),
        ]

    def __str__(self) -> str:
        who = self.respondent or "consensus"
        return f"{self.item.key}: {self.value or '—'} ({who})"

    @property
    def is_consensus(self) -> bool:
        return self.respondent_id is None


class Evidence(models.Model):
    """A file attached to an answer (PDF, image, office document)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="evidence")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class OfficialText(models.Model):
    """The official wording of an attestation statement that the pack does not have (its
    wording is not confirmed: a partial or unconfirmed item), as the organization entered it
    from the official specification, with where it was taken from. It is kept with the
    assessment in which the statement is attested: until it is entered, a "yes" to the
    statement earns its domain nothing (scoring.score_all_or_nothing)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="official_texts")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    item = models.ForeignKey("frameworks.PackItem", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    source = models.CharField(
        max_length=300, help_text="where the text was taken from: document, version, page")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="official_text_once"),
        ]

    def __str__(self) -> str:
        return f"official text of {self.item.key}"


class Reminder(models.Model):
    """A reminder sent, so none is sent twice."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.PositiveIntegerField(help_text="day of the window")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user", "day"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"day {self.day} reminder to {self.user}"


class Attestation(models.Model):
    """The attestation side of an attestation-pack assessment (the PSSM): the reporting
    period it prepares (a calendar year) and the date the attestation is to be, or was,
    submitted. At most one per assessment; made when a lead first states either."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE,
                                      related_name="attestation")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    reporting_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="the calendar year the attestation reports on")
    submission_date = models.DateField(
        null=True, blank=True, help_text="when the attestation is due to be (or was) submitted")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"attestation of {self.assessment}"


class StatementFollowUp(models.Model):
    """What the organization does about one attestation statement: for a gap (not yet
    affirmed) who owns closing it and by when; for a "yes" without evidence, why none is
    attached. One per statement and assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="follow_ups")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    item = models.ForeignKey("frameworks.PackItem", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    target_date = models.DateField(null=True, blank=True)
    no_evidence_reason = models.TextField(
        blank=True, help_text="why a yes has no evidence attached")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="follow_up_once"),
        ]

    def __str__(self) -> str:
        return f"follow-up of {self.item.key}"


class ChosenPriority(models.Model):
    """An element (or statement) the team chose to work on from "Where to start", with why
    and its judgement of effort and impact. A cycle holds at most `MAX_CHOSEN` of them; the
    pages ask for at least `MIN_CHOSEN` (services.py states the rule)."""

    class Level(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="chosen_priorities")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    item = models.ForeignKey("frameworks.PackItem", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(help_text="why the team will work on it")
    effort = models.CharField(max_length=6, choices=Level.choices)
    impact = models.CharField(max_length=6, choices=Level.choices)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chosen_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"],
                                    name="chosen_priority_once"),
        ]

    def __str__(self) -> str:
        return f"priority {self.item.key}"
