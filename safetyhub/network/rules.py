"""Who may do what in a network.

Two kinds of people reach a network: its leads (NetworkLead), and the people of its current
member organizations. Leads read aggregates and published lessons and run the network
(members, shared goals); they never see an organization's events, drafts or reviews, and being
a lead gives no role in any organization. People of a member organization read the network's
library, dashboards and goals; what they may do *for* their organization (share, publish,
comment, submit data, leave) follows their role there, through the org-level permissions
below, which take (user, organization) like every other permission."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import active_memberships, has_role

from .models import NetworkLead


def is_network_lead(user, network) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return NetworkLead.objects.filter(network=network, user=user).exists()


# Acting for the organization in its networks: joining, leaving, its sharing choices.
rules.add_perm("network.manage_membership", has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD))
# Drafting a lesson reads the organization's events and reviews: those who triage them and the
# organization's leads. Approving what leaves the organization is for its leads alone.
rules.add_perm("network.draft_lessons",
               has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EVENT_REVIEWER))
rules.add_perm("network.approve_lessons", has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD))
# Commenting on a published lesson and saying "we tried this" speak for the organization.
rules.add_perm("network.contribute",
               has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EVENT_REVIEWER, Role.ASSESSOR))
# Submitting the organization's monthly shared-goal data.
rules.add_perm("network.submit_goal_data", has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD))


@rules.predicate
def administers_an_organization(user) -> bool:
    """Who may start a network: an active admin of some organization (they become its first
    lead; the network stays apart from their organization, which joins only by invitation)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(m.role == Role.ORG_ADMIN for m in active_memberships(user).values())


rules.add_perm("network.create_network", administers_an_organization)
