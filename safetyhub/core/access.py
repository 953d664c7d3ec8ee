"""The only door to tenant rows.

Every helper answers the same 404 for a row that does not exist, belongs to another
organization, or was asked for with a malformed id, so a caller learns nothing from the
difference. Views and the API load tenant data through these helpers and nothing else.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

from . import audit
from .models import BoardPack, Invitation, Membership, Notification, Organization, Site
from .rules import active_memberships


def access_organization(*, user, slug: str) -> Organization:
    """The organization with this slug, if the user is an active member of it."""
    for membership in active_memberships(user).values():
        if membership.organization.slug == str(slug):
            return membership.organization
    raise Http404("No such organization.")


def require_permission(*, user, permission: str, organization: Organization) -> None:
    """Refuse a member whose role lacks `permission` (outsiders never get this far)."""
    if not user.has_perm(permission, organization):
        raise PermissionDenied("Your role in this organization does not allow this.")


def tenant_row[M: models.Model](
    model: type[M], *, organization: Organization, pk, queryset=None
) -> M:
    """Load one row of `model` owned by `organization`; 404 for anything else."""
    qs = queryset if queryset is not None else model._default_manager.all()
    try:
        row = qs.get(organization=organization, pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(f"No such {model._meta.verbose_name}.") from None
    audit.record_view(row)
    return row


def access_membership(*, user, organization: Organization, pk) -> Membership:
    return tenant_row(
        Membership, organization=organization, pk=pk,
        queryset=Membership.objects.select_related("user"),
    )


def access_site(*, user, organization: Organization, pk) -> Site:
    return tenant_row(Site, organization=organization, pk=pk)


def access_invitation(*, user, organization: Organization, pk) -> Invitation:
    return tenant_row(Invitation, organization=organization, pk=pk)


def access_notification(*, user, organization: Organization, pk) -> Notification:
    """One of the user's own notifications in this organization (another person's is as
    missing as one that never existed)."""
    return tenant_row(Notification, organization=organization, pk=pk,
                      queryset=Notification.objects.filter(recipient=user))


def access_board_pack(*, user, organization: Organization, pk) -> BoardPack:
    return tenant_row(BoardPack, organization=organization, pk=pk)
