"""API for the people and places of an organization, and its audit log."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import EmailStr

from . import notifications, queries, search, services
from .access import (
    access_membership,
    access_notification,
    access_organization,
    access_site,
    require_permission,
)
from .inputs import Day, Id, Line, Pagination
from .models import Organization, Role, Site

router = Router(tags=["organizations"])


def api_organization(request: HttpRequest, slug: str, permission: str) -> Organization:
    """The API twin of `org_view`: 404 for outsiders, 403 for a role without `permission`,
    and a second factor where the organization requires one: a session must have passed
    it, a token must have been made in a session that had."""
    org = access_organization(user=request.user, slug=slug)
    if org.require_two_factor:
        token = getattr(request, "api_token", None)
        if token is not None and not token.second_factor:
            raise PermissionDenied(
                f"{org.name} requires two-factor authentication, and this token was made "
                "without it. Turn two-factor authentication on, then make a new token on "
                "your account page.")
        if token is None and not request.user.is_verified():
            raise PermissionDenied(
                f"{org.name} requires two-factor authentication: enter a code from your "
                "authenticator app for this session.")
    require_permission(user=request.user, permission=permission, organization=org)
    return org


class ErrorDetail(Schema):
    field: str = Field(..., description="the field, parameter or header at fault ('body' for "
                                        "the request as a whole)")
    reason: str


class ErrorRead(Schema):
    """Every error answer of the API (safetyhub/api.py documents it on each operation)."""

    detail: list[ErrorDetail]


class MembershipRead(Schema):
    organization: str = Field(..., alias="organization.slug")
    organization_name: str = Field(..., alias="organization.name")
    role: Role


class MeRead(Schema):
    id: int
    email: str
    full_name: str
    memberships: list[MembershipRead]


class OrganizationRead(Schema):
    slug: str
    name: str
    health_system: str | None = Field(None, alias="health_system.name")
    require_two_factor: bool


class MemberRead(Schema):
    id: int
    email: str = Field(..., alias="user.email")
    full_name: str = Field(..., alias="user.full_name")
    role: Role
    is_active: bool
    created_at: dt.datetime


class MemberUpdate(Schema):
    role: Role
    is_active: bool


class InvitationCreate(Schema):
    email: EmailStr = Field(..., max_length=254)
    role: Role


class InvitationRead(Schema):
    id: int
    email: str
    role: Role
    expires_at: dt.datetime


class SiteRead(Schema):
    id: int
    name: str
    kind: Site.Kind
    parent_id: int | None
    is_active: bool


class SiteCreate(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: Site.Kind = Site.Kind.HOSPITAL
    parent_id: Id | None = None


class AuditEntryRead(Schema):
    at: dt.datetime
    actor: str = Field(..., alias="actor_label")
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    chain: str
    seq: int
    hash: str


class AuditFilter(Schema):
    action: str = ""
    object_type: str = ""
    actor: str = ""
    since: Day | None = None
    until: Day | None = None


@router.get("/me", response=MeRead)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "memberships": queries.memberships_for_switcher(user=user),
    }


@router.get("/orgs", response=list[OrganizationRead])
def organizations(request):
    return [m.organization for m in queries.memberships_for_switcher(user=request.user)]


@router.get("/orgs/{slug}", response=OrganizationRead)
def organization(request, slug: str):
    return api_organization(request, slug, "core.view_organization")


@router.get("/orgs/{slug}/members", response=list[MemberRead])
def members(request, slug: str):
    org = api_organization(request, slug, "core.manage_members")
    return queries.members_of(organization=org)


@router.put("/orgs/{slug}/members/{member_id}", response=MemberRead)
def member_update(request, slug: str, member_id: int, payload: MemberUpdate):
    org = api_organization(request, slug, "core.manage_members")
    membership = access_membership(user=request.user, organization=org, pk=member_id)
    return services.change_member(
        membership=membership, role=payload.role, is_active=payload.is_active
    )


@router.post("/orgs/{slug}/invitations", response={201: InvitationRead})
def invitation_create(request, slug: str, payload: InvitationCreate):
    org = api_organization(request, slug, "core.manage_members")
    invitation, _token = services.invite_member(
        organization=org, email=payload.email, role=payload.role, invited_by=request.user
    )
    return Status(201, invitation)


@router.get("/orgs/{slug}/sites", response=list[SiteRead])
def sites(request, slug: str):
    org = api_organization(request, slug, "core.view_organization")
    return [site for site, _depth in queries.site_tree(organization=org)]


@router.post("/orgs/{slug}/sites", response={201: SiteRead})
def site_create(request, slug: str, payload: SiteCreate):
    org = api_organization(request, slug, "core.manage_sites")
    parent = None
    if payload.parent_id is not None:
        try:
            parent = access_site(user=request.user, organization=org, pk=payload.parent_id)
        except Http404:
            raise ValidationError({"parent_id": "No such site in this organization."}) from None
    site = services.add_site(organization=org, name=payload.name, kind=payload.kind,
                             parent=parent)
    return Status(201, site)


@router.get("/orgs/{slug}/audit", response=list[AuditEntryRead])
@paginate(Pagination)
def audit_log(request, slug: str, filters: Query[AuditFilter]):
    org = api_organization(request, slug, "core.view_audit")
    return queries.audit_entries(organization=org, **filters.dict())


class SearchFilter(Schema):
    q: Line = Field(..., min_length=1, max_length=200, description="the words to find")
    kind: str = Field("", description="only hits of this kind (see `counts` for the kinds)")


class SearchHitRead(Schema):
    kind: str
    label: str
    title: str = Field(..., alias="plain_title")
    title_html: str = Field(..., alias="title",
                            description="escaped HTML; the matched words in <mark>")
    snippet_html: str = Field(..., alias="snippet",
                              description="escaped HTML; the matched words in <mark>")
    url: str


class SearchRead(Schema):
    query: str
    total: int
    counts: dict[str, int] = Field(..., description="hits per kind, over every kind")
    hits: list[SearchHitRead] = Field(..., description=f"the best {search.PAGE} at most")


@router.get("/orgs/{slug}/search/all", response=SearchRead)
def search_records(request, slug: str, filters: Query[SearchFilter]):
    """The organization's records the caller may open whose words hold every word of `q`
    (stemmed), best first: the search page's results. (`/orgs/{slug}/search`, older,
    searches the framework texts only.)"""
    org = api_organization(request, slug, "core.view_organization")
    kinds = {s.key for s in search.sources()}
    if filters.kind and filters.kind not in kinds:
        raise ValidationError({"kind": f"Not a kind of record that can be searched "
                                       f"(one of: {', '.join(sorted(kinds))})."})
    return search.search(user=request.user, organization=org, query=filters.q,
                         kinds=[filters.kind] if filters.kind else None)


class NotificationRead(Schema):
    id: int
    kind: str = Field(..., description="what happened (see `GET /me/notification-kinds`)")
    title: str
    link: str = Field(..., description="the page, on this site, where the person can act")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationFilter(Schema):
    unread: bool = Field(False, description="only those not yet marked read")


class NotificationKindRead(Schema):
    key: str
    label: str
    description: str
    email: bool = Field(..., description="whether the caller is emailed this kind "
                                         "(in the app, always)")


class NotificationsMarked(Schema):
    marked: int = Field(..., description="how many were unread and are now read")


@router.get("/orgs/{slug}/notifications", response=list[NotificationRead])
@paginate(Pagination)
def notification_list(request, slug: str, filters: Query[NotificationFilter]):
    """The caller's own notifications in this organization, newest first."""
    org = api_organization(request, slug, "core.view_organization")
    items = notifications.notifications_for(user=request.user, organization=org)
    return items.filter(read_at=None) if filters.unread else items


@router.post("/orgs/{slug}/notifications/read", response=NotificationsMarked)
def notifications_read_all(request, slug: str):
    org = api_organization(request, slug, "core.view_organization")
    return {"marked": notifications.mark_read(user=request.user, organization=org)}


@router.post("/orgs/{slug}/notifications/{notification_id}/read", response=NotificationRead)
def notification_read(request, slug: str, notification_id: Id):
    org = api_organization(request, slug, "core.view_organization")
    item = access_notification(user=request.user, organization=org, pk=notification_id)
    notifications.mark_read(user=request.user, organization=org, pk=item.pk)
    item.refresh_from_db(fields=["read_at"])
    return item


def _kinds_read(user) -> list[dict]:
    wanted = notifications.email_choices(user=user)
    return [{"key": k.key, "label": k.label, "description": k.description,
             "email": wanted[k.key]} for k in notifications.kinds()]


@router.get("/me/notification-kinds", response=list[NotificationKindRead])
def notification_kinds(request):
    """Every kind of notification, and whether the caller is emailed it (the account
    page's choices)."""
    return _kinds_read(request.user)


@router.put("/me/notification-kinds", response=list[NotificationKindRead])
def notification_kinds_update(request, payload: Body[dict[str, bool]]):
    """Choose email per kind: `{"<kind key>": true|false, …}`; kinds left out keep their
    choice. In the app, every kind is always shown."""
    known = {k.key for k in notifications.kinds()}
    unknown = sorted(set(payload) - known)
    if unknown:
        raise ValidationError({key: "Not a kind of notification (see GET "
                                    "/me/notification-kinds)." for key in unknown})
    notifications.set_email_choices(user=request.user, choices=payload)
    return _kinds_read(request.user)
