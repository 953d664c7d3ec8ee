"""Who may do what inside an organization: predicates on the person's role there.

Every permission takes (user, organization). Memberships, with their organizations, are read
once per request and cached on the user object, so opening an organization and checking
several permissions costs one query.
"""

import rules

from .models import Membership, Role


def active_memberships(user) -> dict[int, Membership]:
    """{organization id: membership} for the user's active memberships, with their
    organizations, read in one query and cached on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_safetyhub_memberships", None)
    if cached is None:
        memberships = (Membership.objects.filter(user=user, is_active=True)
                       .select_related("organization").order_by())
        cached = user._safetyhub_memberships = {m.organization_id: m for m in memberships}
    return cached


def forget_roles(user) -> None:
    user.__dict__.pop("_safetyhub_memberships", None)


def role_in(user, organization) -> str | None:
    membership = active_memberships(user).get(getattr(organization, "pk", organization))
    return membership.role if membership else None


def has_role(*roles: str) -> rules.Predicate:
    allowed = frozenset(roles)

    @rules.predicate(name=f"has_role({', '.join(sorted(allowed))})")
    def predicate(user, organization) -> bool:
        return role_in(user, organization) in allowed

    return predicate


is_member = rules.predicate(lambda user, org: role_in(user, org) is not None, name="is_member")
is_org_admin = has_role(Role.ORG_ADMIN)
is_safety_lead = has_role(Role.SAFETY_LEAD)

rules.add_perm("core.view_organization", is_member)
rules.add_perm("core.manage_organization", is_org_admin)
rules.add_perm("core.manage_members", is_org_admin)
rules.add_perm("core.manage_sites", is_org_admin | is_safety_lead)
rules.add_perm("core.view_audit", is_org_admin)

# The board pack holds the organization's whole picture: its leads write and generate it,
# executives read it (they are who it is for); other roles see their own work elsewhere.
rules.add_perm("core.view_board_pack",
               has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EXECUTIVE_VIEWER))
rules.add_perm("core.change_board_pack", has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD))
