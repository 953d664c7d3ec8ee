"""Who may do what with the action plan.

Everyone in the organization reads the plan. Organization admins and patient-safety leads
create initiatives and change any of them; an initiative's owner and team change that one
(its details, status, progress notes and PDSA cycles). Who owns an initiative and who is on
its team is decided by its owner, the patient-safety leads and the organization admins only
(`assign_initiative`): a team member cannot take the initiative over or change the team.
Executive viewers only read, even when named on an initiative.

Organization-wide permissions take (user, organization); per-initiative ones take
(user, initiative), and a cycle's are its initiative's. Whose team a person is on is read
once per request per organization (cached on the user), so checking every card of the
board costs one query, not one per card.
"""

import rules
from django.db.models import Q

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role, is_member

from .models import Initiative

is_plan_lead = has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD)
# Said on the edit page and in the 403 answers of the page and the API.
ASSIGN_RULE = ("Only the initiative's owner, a patient-safety lead or an organization admin "
               "can change its owner and team.")
is_read_only_role = has_role(Role.EXECUTIVE_VIEWER)


def team_initiative_ids(user, organization_id: int) -> frozenset[int]:
    """Ids of the organization's initiatives the user owns or is on the team of."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cache = user.__dict__.setdefault("_improvement_teams", {})
    if organization_id not in cache:
        cache[organization_id] = frozenset(
            Initiative.objects.filter(Q(owner=user) | Q(team=user),
                                      organization_id=organization_id)
            .values_list("pk", flat=True).distinct())
    return cache[organization_id]


def forget_teams(user) -> None:
    """Drop the cached team ids (after a change to an initiative's owner or team)."""
    user.__dict__.pop("_improvement_teams", None)


@rules.predicate
def leads_plan(user, initiative) -> bool:
    return is_plan_lead(user, initiative.organization_id)


def _may_write(user, organization_id: int) -> bool:
    """An active member of the organization in a role that may write."""
    return is_member(user, organization_id) and not is_read_only_role(user, organization_id)


@rules.predicate
def owns(user, initiative) -> bool:
    """The initiative's owner, still an active member in a role that may write."""
    return (initiative.owner_id is not None and initiative.owner_id == user.pk
            and _may_write(user, initiative.organization_id))


@rules.predicate
def works_on(user, initiative) -> bool:
    """Owner or team member, still an active member in a role that may write."""
    if not _may_write(user, initiative.organization_id):
        return False
    if initiative.owner_id is not None and initiative.owner_id == user.pk:
        return True
    return initiative.pk in team_initiative_ids(user, initiative.organization_id)


@rules.predicate
def cycle_leads_plan(user, cycle) -> bool:
    return leads_plan(user, cycle.initiative)


@rules.predicate
def cycle_works_on(user, cycle) -> bool:
    return works_on(user, cycle.initiative)


rules.add_perm("improvement.view_plan", is_member)
rules.add_perm("improvement.add_initiative", is_plan_lead)
rules.add_perm("improvement.change_initiative", leads_plan | works_on)
rules.add_perm("improvement.assign_initiative", leads_plan | owns)
rules.add_perm("improvement.change_cycle", cycle_leads_plan | cycle_works_on)
