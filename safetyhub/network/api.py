"""API for networks: the networks I lead or reach, starting one, a network with its member
organizations, invitations (leads), and an organization's own side: accepting an invitation
for it, its memberships, its sharing choices, leaving.

The same rules as the pages: a network is loaded with `access_network` (404 for anyone who
neither leads it nor belongs to a current member), leads-only operations answer 403 to
members; the organization's side is resolved with `api_organization` and
network.manage_membership. Bad input is a 422 naming the field, and changes nothing."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Id, Line, Text

from . import queries, services
from .access import access_network, access_own_membership, network_row, require_lead
from .models import Network, NetworkInvitation

router = Router(tags=["network"])

MANAGE = "network.manage_membership"
# Its own name in the OpenAPI components: Site's "Kind" is another enum.
NetworkKind = StrEnum("NetworkKind", {c.name: c.value for c in Network.Kind})


# --- schemas -------------------------------------------------------------------------------------

class NetworkRead(Schema):
    slug: str
    name: str
    kind: NetworkKind
    description: str
    member_count: int
    is_lead: bool


class NetworkCreate(Schema):
    name: Line = Field(..., min_length=1, max_length=services.MAX_NAME)
    slug: str = Field("", max_length=60, pattern=r"^[-a-zA-Z0-9_]*$",
                      description="made from the name if empty")
    kind: NetworkKind = NetworkKind.REGIONAL
    description: Text = Field("", max_length=services.MAX_DESCRIPTION)


class NetworkMemberOrganizationRead(Schema):
    organization: str = Field(..., alias="organization.slug")
    organization_name: str = Field(..., alias="organization.name")
    joined_at: dt.datetime


class NetworkDetailRead(Schema):
    slug: str
    name: str
    kind: NetworkKind
    description: str
    is_lead: bool
    your_organizations: list[str] = Field(..., description="slugs of your organizations "
                                                           "that are members")
    members: list[NetworkMemberOrganizationRead]


class NetworkInvitationCreate(Schema):
    note: Line = Field("", max_length=services.MAX_NOTE)


class NetworkInvitationRead(Schema):
    id: int
    note: str
    created_at: dt.datetime
    expires_at: dt.datetime


class NetworkInvitationMade(NetworkInvitationRead):
    url: str = Field(..., description="the one-time link; shown only in this answer")


class NetworkJoinIn(Schema):
    token: str = Field(..., min_length=1, max_length=200, description="the secret part of "
                                                                      "the invitation link")


class NetworkSharingRead(Schema):
    shares_assessment_scores: bool
    shares_event_counts: bool
    shares_action_strength: bool


class NetworkSharingUpdate(Schema):
    shares_assessment_scores: bool | None = None
    shares_event_counts: bool | None = None
    shares_action_strength: bool | None = None


class NetworkMembershipRead(NetworkSharingRead):
    network: str = Field(..., alias="network.slug")
    network_name: str = Field(..., alias="network.name")
    joined_at: dt.datetime
    left_at: dt.datetime | None
    left_reason: str


class NetworkLeaveIn(Schema):
    reason: Text = Field(..., max_length=services.MAX_REASON)


# --- networks ------------------------------------------------------------------------------------

@router.get("/networks", response=list[NetworkRead])
def network_list(request):
    led = queries.led_network_ids(user=request.user)
    return [{**_network_fields(n), "member_count": n.member_count, "is_lead": n.pk in led}
            for n in queries.networks_for(user=request.user)]


def _network_fields(network: Network) -> dict:
    return {"slug": network.slug, "name": network.name, "kind": network.kind,
            "description": network.description}


@router.post("/networks", response={201: NetworkRead})
def network_create(request, payload: NetworkCreate):
    if not request.user.has_perm("network.create_network"):
        raise ValidationError({"name": "Only an organization's admin may start a network."})
    network = services.create_network(name=payload.name, slug=payload.slug, kind=payload.kind,
                                      description=payload.description, by=request.user)
    return Status(201, {**_network_fields(network), "member_count": 0, "is_lead": True})


@router.get("/networks/{network_slug}", response=NetworkDetailRead)
def network_detail(request, network_slug: str):
    access = access_network(user=request.user, slug=network_slug)
    return {**_network_fields(access.network), "is_lead": access.is_lead,
            "your_organizations": [org.slug for org in access.organizations],
            "members": list(queries.members_of(network=access.network))}


def _led_network(request, network_slug: str) -> Network:
    access = access_network(user=request.user, slug=network_slug)
    require_lead(access)
    return access.network


@router.get("/networks/{network_slug}/invitations", response=list[NetworkInvitationRead])
def invitation_list(request, network_slug: str):
    return list(queries.open_invitations(network=_led_network(request, network_slug)))


@router.post("/networks/{network_slug}/invitations", response={201: NetworkInvitationMade})
def invitation_create(request, network_slug: str, payload: NetworkInvitationCreate):
    network = _led_network(request, network_slug)
    invitation, token = services.create_invitation(network=network, note=payload.note,
                                                   by=request.user)
    return Status(201, {"id": invitation.pk, "note": invitation.note,
                        "created_at": invitation.created_at,
                        "expires_at": invitation.expires_at,
                        "url": services.invitation_url(token)})


@router.delete("/networks/{network_slug}/invitations/{invitation_id}", response={204: None})
def invitation_revoke(request, network_slug: str, invitation_id: Id):
    network = _led_network(request, network_slug)
    invitation = network_row(NetworkInvitation, network=network, pk=invitation_id)
    services.revoke_invitation(invitation=invitation, by=request.user)
    return Status(204, None)


# --- an organization's own side --------------------------------------------------------------

@router.get("/orgs/{slug}/network", response=list[NetworkMembershipRead])
def organization_memberships(request, slug: str):
    org = api_organization(request, slug, "core.view_organization")
    return list(queries.memberships_of(organization=org))


@router.post("/orgs/{slug}/network/join", response={201: NetworkMembershipRead})
def organization_join(request, slug: str, payload: NetworkJoinIn):
    org = api_organization(request, slug, MANAGE)
    member = services.accept_invitation(token=payload.token, organization=org, by=request.user)
    return Status(201, member)


@router.get("/orgs/{slug}/network/{network_slug}/sharing", response=NetworkSharingRead)
def sharing_read(request, slug: str, network_slug: str):
    org = api_organization(request, slug, "core.view_organization")
    return access_own_membership(organization=org, network_slug=network_slug)


@router.put("/orgs/{slug}/network/{network_slug}/sharing", response=NetworkSharingRead)
def sharing_update(request, slug: str, network_slug: str, payload: NetworkSharingUpdate):
    org = api_organization(request, slug, MANAGE)
    member = access_own_membership(organization=org, network_slug=network_slug)
    choices = {name: value for name, value in payload.dict().items() if value is not None}
    return services.update_sharing(member=member, by=request.user, **choices)


@router.post("/orgs/{slug}/network/{network_slug}/leave", response=NetworkMembershipRead)
def leave(request, slug: str, network_slug: str, payload: NetworkLeaveIn):
    org = api_organization(request, slug, MANAGE)
    member = access_own_membership(organization=org, network_slug=network_slug)
    return services.leave_network(member=member, reason=payload.reason, by=request.user)
