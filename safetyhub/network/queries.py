"""Reads for networks: the list a person sees, a network's members and leads, recent
membership changes, an organization's own networks, open invitations."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from safetyhub.core.models import Organization

from .access import current_members, visible_networks
from .models import Network, NetworkInvitation, NetworkLead, NetworkMember

RECENT_CHANGES_DAYS = 90


def networks_for(*, user) -> QuerySet[Network]:
    """The networks the person leads or reaches, each with its count of current members."""
    return (Network.objects.filter(pk__in=visible_networks(user).values("pk"))
            .annotate(member_count=Count("members", filter=Q(members__left_at__isnull=True)))
            .order_by("name"))


def led_network_ids(*, user) -> set[int]:
    return set(NetworkLead.objects.filter(user=user).values_list("network_id", flat=True))


def members_of(*, network: Network) -> QuerySet[NetworkMember]:
    """Current member organizations by name (members are not secret within a network)."""
    return (current_members(network).select_related("organization")
            .order_by("organization__name"))


def leads_of(*, network: Network) -> QuerySet[NetworkLead]:
    return NetworkLead.objects.filter(network=network).select_related("user").order_by(
        "user__email")


def open_invitations(*, network: Network) -> QuerySet[NetworkInvitation]:
    return NetworkInvitation.objects.filter(
        network=network, accepted_at=None, revoked_at=None, declined_at=None,
        expires_at__gt=timezone.now()).select_related("invited_by")


@dataclass(frozen=True)
class MembershipChange:
    at: dt.datetime
    organization: str
    joined: bool
    reason: str


def recent_changes(*, network: Network, days: int = RECENT_CHANGES_DAYS
                   ) -> list[MembershipChange]:
    """Joins and leaves of the last `days` days, newest first: how leads without an
    organization (so without in-app notifications) see who came and went."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (NetworkMember.objects.filter(network=network)
            .filter(Q(joined_at__gte=since) | Q(left_at__gte=since))
            .select_related("organization"))
    changes = []
    for row in rows:
        if row.joined_at >= since:
            changes.append(MembershipChange(at=row.joined_at, organization=row.organization.name,
                                            joined=True, reason=""))
        if row.left_at and row.left_at >= since:
            changes.append(MembershipChange(at=row.left_at, organization=row.organization.name,
                                            joined=False, reason=row.left_reason))
    return sorted(changes, key=lambda change: change.at, reverse=True)


def memberships_of(*, organization: Organization) -> QuerySet[NetworkMember]:
    """The organization's memberships, current first, then the ones it left (newest first)."""
    return (NetworkMember.objects.filter(organization=organization).select_related("network")
            .order_by(F("left_at").desc(nulls_first=True), "network__name"))
