"""Reads for core pages and the API: plain querysets and data, tenant-scoped by argument."""

import datetime as dt

from django.db.models import Count, Q, QuerySet

from .models import AuditEntry, Invitation, Membership, Organization, Role, Site
from .rules import active_memberships


def memberships_for_switcher(*, user) -> list[Membership]:
    """The user's active memberships by organization name (no query of its own: the
    memberships the permission rules read)."""
    return sorted(active_memberships(user).values(), key=lambda m: m.organization.name)


# How much a role may do in an organization, most first: with no organization opened yet,
# signing in lands where the person's role is highest.
ROLE_RANK = [Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EVENT_REVIEWER, Role.ASSESSOR,
             Role.EXECUTIVE_VIEWER, Role.SUPPORT_COORDINATOR, Role.PATIENT_FAMILY_ADVISOR,
             Role.STAFF_REPORTER]


def landing_membership(*, user) -> Membership | None:
    """Where signing in lands: the organization the person last opened, else the one where
    their role is highest (then by name). No query of its own."""
    memberships = memberships_for_switcher(user=user)
    opened = [m for m in memberships if m.last_opened_at is not None]
    if opened:
        return max(opened, key=lambda m: m.last_opened_at)
    ranked = sorted(memberships, key=lambda m: ROLE_RANK.index(m.role)
                    if m.role in ROLE_RANK else len(ROLE_RANK))
    return ranked[0] if ranked else None


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organization=organization, accepted_at=None, revoked_at=None,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def site_tree(*, organization: Organization) -> list[tuple[Site, int]]:
    """Every site of the organization in tree order, with its depth."""
    sites = list(Site.objects.filter(organization=organization).order_by("name"))
    children: dict[int | None, list[Site]] = {}
    for site in sites:
        children.setdefault(site.parent_id, []).append(site)
    ordered: list[tuple[Site, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for site in children.get(parent_id, []):
            ordered.append((site, depth))
            walk(site.pk, depth + 1)

    walk(None, 0)
    return ordered


def organization_overview(*, organization: Organization) -> dict:
    counts = Membership.objects.filter(organization=organization).aggregate(
        members=Count("pk", filter=Q(is_active=True))
    )
    return {
        "members": counts["members"],
        "sites": Site.objects.filter(organization=organization).count(),
    }


def audit_entries(
    *,
    organization: Organization,
    action: str = "",
    object_type: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.filter(organization_id=organization.pk).order_by("-at", "-seq")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def audit_object_types(*, organization: Organization) -> list[str]:
    return list(
        AuditEntry.objects.filter(organization_id=organization.pk)
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
