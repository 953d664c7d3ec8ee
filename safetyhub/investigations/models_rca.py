"""What to investigate and how an RCA² runs: each event's Safety Assessment Code score, the
organization's rule for which scores need which review, and an RCA²'s team, timeline and
causal statements. Thin models; writes live in services.py.

Nothing here asks who is at fault. The team records roles, the timeline what happened, the
causal statements how the system let it happen (five rules of causation, services.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import sac

SEVERITIES = [(level.key, level.title) for level in sac.SEVERITIES]
PROBABILITIES = [(level.key, level.title) for level in sac.PROBABILITIES]


class SacScore(models.Model):
    """An event's risk score on the SAC matrix: who scored it and when (one per event; a
    rescore changes it, and the audit trail keeps the earlier values)."""

    class Basis(models.TextChoices):
        ACTUAL = "actual", "The actual outcome (the event reached the patient)"
        WORST_CASE = "worst_case", "The most likely worst case (a close call or unsafe condition)"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    report = models.OneToOneField("events.EventReport", on_delete=models.CASCADE,
                                  related_name="sac_score")
    scheme = models.CharField(max_length=20, default=sac.SCHEME)
    severity = models.CharField(max_length=20, choices=SEVERITIES)
    probability = models.CharField(max_length=20, choices=PROBABILITIES)
    score = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=20, choices=Basis.choices)
    rationale = models.TextField(blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)
    # When the event was first scored: the moment its need for a review was recognised, from
    # which an RCA²'s 72 hours run (a rescore does not restart the clock).
    first_scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=3),
                                   name="sac_score_1_to_3"),
        ]
        indexes = [models.Index(fields=["organization", "score"], name="sac_org_score")]

    def __str__(self) -> str:
        return f"SAC {self.score} of event report {self.report_id}"


class InvestigationSettings(models.Model):
    """The organization's rule: which review each SAC score needs (one row, made when first
    changed; without it, services.DEFAULT_RULE)."""

    REVIEWS = [("rca2", "An RCA²"), ("light", "A lighter review"),
               ("aggregate", "Aggregate review only")]

    organization = models.OneToOneField("core.Organization", on_delete=models.CASCADE,
                                        related_name="investigation_settings")
    review_for_3 = models.CharField(max_length=20, choices=REVIEWS, default="rca2")
    review_for_2 = models.CharField(max_length=20, choices=REVIEWS, default="light")
    review_for_1 = models.CharField(max_length=20, choices=REVIEWS, default="aggregate")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Investigation settings of {self.organization_id}"

    def review_for(self, score: int) -> str:
        return getattr(self, f"review_for_{score}")


class ReviewMember(models.Model):
    """A person on an RCA²'s team, or consulted by it. RCA² asks for a team of people not
    involved in the event: whoever was directly involved is recorded as consulted (their
    account is heard), never as a member (services refuse it)."""

    class Role(models.TextChoices):
        LEADER = "leader", "Team leader"
        FACILITATOR = "facilitator", "Facilitator (versed in RCA² and safety science)"
        EXPERT = "expert", "Subject-matter expert"
        FRONTLINE = "frontline", "Frontline staff from the area"
        OUTSIDER = "outsider", "Someone unfamiliar with the process"
        PATIENT_REPRESENTATIVE = "patient_representative", "Patient representative"
        CONSULTED = "consulted", "Consulted (not a team member)"

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    review = models.ForeignKey("investigations.Review", on_delete=models.CASCADE,
                               related_name="members")
    name = models.CharField(max_length=150)
    # A member of the organization, when they have an account (a patient representative
    # often has none).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=30, choices=Role.choices)
    job_title = models.CharField(max_length=150, blank=True)
    directly_involved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(directly_involved=False) | Q(role="consulted"),
                                   name="review_member_involved_only_consulted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of review {self.review_id}"

    @property
    def is_team(self) -> bool:
        return self.role != self.Role.CONSULTED


class TimelineEntry(models.Model):
    """What happened when, as the team reconstructs it (facts, not judgements)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    review = models.ForeignKey("investigations.Review", on_delete=models.CASCADE,
                               related_name="timeline")
    at = models.DateTimeField()
    what = models.TextField()
    source = models.CharField(max_length=200, blank=True,
                              help_text="where the fact comes from (record, interview, log)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Timeline entry {self.pk} of review {self.review_id}"


class CausalStatement(models.Model):
    """Cause → effect → event: "<cause> increased the likelihood of <effect>, which led to
    <event>". Saved only when every part is written and the team has checked it against
    each of the five rules of causation (services.RULES)."""

    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="+")
    review = models.ForeignKey("investigations.Review", on_delete=models.CASCADE,
                               related_name="causal_statements")
    cause = models.TextField()
    effect = models.TextField()
    event = models.TextField()
    # A key of the events taxonomy's contributing factors (blank: none fits).
    contributing_factor = models.CharField(max_length=64, blank=True)
    # The rules the team confirmed, by number (all five, or the statement is not saved).
    rules_confirmed = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(cause="") & ~Q(effect="") & ~Q(event=""),
                                   name="causal_statement_has_every_part"),
        ]

    def __str__(self) -> str:
        return f"Causal statement {self.pk} of review {self.review_id}"

    @property
    def sentence(self) -> str:
        return (f"{self.cause.rstrip('.')} increased the likelihood of "
                f"{self.effect.rstrip('.')}, which led to {self.event.rstrip('.')}.")
