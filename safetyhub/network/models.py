"""Networks, their leads and their member organizations. Thin models: writes live in
services.py, reads in queries.py, the door in access.py.

A network is not a tenant and owns no organization's data: what crosses into it is what a
member chose to share (sharing choices below, lessons published one by one, shared-goal data),
and nothing crosses without an approved de-identification (lessons.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Network(models.Model):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", "Hospital association"
        PSO = "pso", "Patient Safety Organization"
        REGIONAL = "regional", "Regional collaborative"
        SYSTEM = "system", "Health system"
        OTHER = "other", "Other network"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGIONAL)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NetworkLead(models.Model):
    """A person who leads a network: invites members, sets shared goals, reads aggregates and
    published lessons. Being a lead makes nobody a member of any organization."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="leads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="network_leads")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "user"],
                                               name="network_lead_unique")]

    def __str__(self) -> str:
        return f"{self.user} leads {self.network}"


class NetworkMember(models.Model):
    """An organization's membership of a network, kept after it leaves (left_at) so history
    reads true. What it shares is its choice, item by item: the aggregate streams below, each
    lesson when it publishes it, and each shared goal it takes part in."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    organization = models.ForeignKey("core.Organization", on_delete=models.CASCADE,
                                     related_name="network_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    left_reason = models.TextField(blank=True)
    # Sharing choices (off until the member turns each on).
    shares_assessment_scores = models.BooleanField(default=False)
    shares_event_counts = models.BooleanField(default=False)
    shares_action_strength = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network__name", "organization__name"]
        constraints = [
            # One current membership per organization and network; past ones are kept.
            models.UniqueConstraint(fields=["network", "organization"],
                                    condition=Q(left_at__isnull=True),
                                    name="network_member_one_current"),
        ]
        indexes = [models.Index(fields=["organization", "left_at"],
                                name="network_member_org")]

    def __str__(self) -> str:
        return f"{self.organization} in {self.network}"

    @property
    def is_current(self) -> bool:
        return self.left_at is None


class NetworkInvitation(models.Model):
    """An invitation for an organization to join a network: a one-time link (only its hash is
    kept) that a lead sends to someone who administers the organization; they choose which of
    their organizations joins."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    note = models.CharField(max_length=200, blank=True,
                            help_text="who the invitation is for, as the lead wrote it")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey("core.Organization", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     help_text="the organization that joined with it")
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Someone who may act for an organization said no: the link is used up, nobody joined.
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.network}"

    @property
    def is_open(self) -> bool:
        return (self.accepted_at is None and self.revoked_at is None
                and self.declined_at is None and self.expires_at > timezone.now())


# Each part's models, in their own modules (Django finds models through this one).
from .models_goals import GoalParticipation, GoalValue, SharedGoal  # noqa: E402, F401
from .models_lessons import (  # noqa: E402, F401
    LessonComment,
    LessonDraft,
    LessonTerm,
    PublishedLesson,
)
from .models_rollups import (  # noqa: E402, F401
    ActionRollup,
    AreaScoreRollup,
    EventRollup,
    NetworkFigures,
    RollupState,
)
