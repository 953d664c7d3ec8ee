"""Who may do what with assessments. Permissions take (user, organization) like core's, or
(user, assessment) where the team matters."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role

from .models import TeamMember

is_lead_role = has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD)
is_reader_role = has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EXECUTIVE_VIEWER)


def _team_roles(user) -> dict[int, str | None]:
    cache = getattr(user, "_safetyhub_teams", None)
    if cache is None:
        cache = user._safetyhub_teams = {}
    return cache


def team_role(user, assessment) -> str | None:
    """The user's role on the assessment's team, or None (cached on the user)."""
    cache = _team_roles(user)
    if assessment.pk not in cache:
        cache[assessment.pk] = TeamMember.objects.filter(
            assessment=assessment, user=user).values_list("role", flat=True).first()
    return cache[assessment.pk]


def remember_team_role(user, assessment_id: int, role: str | None) -> None:
    """Cache a team role read with the assessment itself (saves `team_role` its query)."""
    _team_roles(user)[assessment_id] = role


@rules.predicate
def on_team(user, assessment) -> bool:
    return team_role(user, assessment) is not None


@rules.predicate
def leads_it(user, assessment) -> bool:
    return team_role(user, assessment) == TeamMember.Role.LEAD or is_lead_role(
        user, assessment.organization_id)


@rules.predicate
def reads_all(user, assessment) -> bool:
    return is_reader_role(user, assessment.organization_id)


rules.add_perm("assessments.start_assessment", is_lead_role)
rules.add_perm("assessments.view_assessment", on_team | reads_all)
rules.add_perm("assessments.answer_assessment", on_team)
rules.add_perm("assessments.lead_assessment", leads_it)
