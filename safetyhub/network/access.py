"""The door to networks: the same 404 for a network that does not exist and one the person
neither leads nor reaches through a current member organization. Network pages and the API
load networks through `access_network` and nothing else; leads-only pages add
`require_lead`."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from safetyhub.core.models import Organization
from safetyhub.core.rules import active_memberships

from .models import Network, NetworkMember
from .rules import is_network_lead


@dataclass(frozen=True)
class NetworkAccess:
    """A person's way into one network."""

    network: Network
    is_lead: bool
    # The person's organizations that are current members of the network (empty for a lead who
    # belongs to none of them), by name.
    organizations: tuple[Organization, ...]

    def organizations_allowed(self, user, permission: str) -> list[Organization]:
        """The person's member organizations for which their role grants `permission`."""
        return [org for org in self.organizations if user.has_perm(permission, org)]


def current_members(network: Network) -> QuerySet[NetworkMember]:
    return NetworkMember.objects.filter(network=network, left_at__isnull=True)


def member_organizations_of(user, network: Network) -> tuple[Organization, ...]:
    memberships = active_memberships(user)
    if not memberships:
        return ()
    joined = set(current_members(network).filter(organization_id__in=memberships)
                 .values_list("organization_id", flat=True))
    return tuple(sorted((memberships[pk].organization for pk in joined),
                        key=lambda org: org.name))


def access_network(*, user, slug) -> NetworkAccess:
    try:
        network = Network.objects.get(slug=str(slug))
    except Network.DoesNotExist:
        raise Http404("No such network.") from None
    organizations = member_organizations_of(user, network)
    lead = is_network_lead(user, network)
    if not (lead or organizations):
        raise Http404("No such network.")
    return NetworkAccess(network=network, is_lead=lead, organizations=organizations)


def network_row[M: models.Model](model: type[M], *, network: Network, pk,
                                 queryset: QuerySet | None = None) -> M:
    """One row of `model` in `network`: the same 404 for a missing row, a malformed id and
    another network's row (the network's counterpart of core's `tenant_row`)."""
    rows = queryset if queryset is not None else model._default_manager.all()
    try:
        return rows.get(network=network, pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(f"No such {model._meta.verbose_name}.") from None


def require_lead(access: NetworkAccess) -> None:
    if not access.is_lead:
        raise PermissionDenied("Only the network's leads may do this.")


def visible_networks(user) -> QuerySet[Network]:
    """Networks the person leads or reaches through one of their organizations."""
    memberships = active_memberships(user)
    return (Network.objects.filter(leads__user=user)
            | Network.objects.filter(members__organization_id__in=list(memberships),
                                     members__left_at__isnull=True)).distinct()


def access_own_membership(*, organization: Organization, network_slug) -> NetworkMember:
    """The organization's current membership of the network with this slug, for its own side
    of the network (/o/<org>/network/…); the same 404 for a network that does not exist and
    one the organization is not (or no longer) in."""
    member = (NetworkMember.objects.filter(organization=organization, left_at__isnull=True,
                                           network__slug=str(network_slug))
              .select_related("network", "organization").first())
    if member is None:
        raise Http404("No such network.")
    return member
