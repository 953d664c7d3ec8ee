"""Who may do what with assessments. Permissions take (user, organization) like core's, or
(user, assessment) where the team matters.

Privacy inside the organization (the one statement of it; pages, reports, the spreadsheet,
the API and evidence downloads all ask these predicates):

- A member's own answers, notes and evidence files are seen by that member and by the
  assessment's lead (the team lead) until the lead opens consensus; from then on (and once
  the assessment is finalized) by the whole team. Nobody outside the team sees them, whatever
  their role in the organization: admins, patient-safety leads and executive viewers see the
  agreed answers and the scores worked out from them. What is derived from members' own
  answers (disagreement flags, how many members gave each answer) follows the same rule.
- Agreed (consensus) answers are written by the assessment's lead and the organization's
  patient-safety leads on the team (`Assessment.AgreedBy.LEADS`, the default), or by anyone
  on the team when the assessment says so (`AgreedBy.TEAM`).
"""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role

from .models import Assessment, TeamMember

is_lead_role = has_role(Role.ORG_ADMIN, Role.SAFETY_LEAD)
is_safety_lead = has_role(Role.SAFETY_LEAD)
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


def consensus_is_open(assessment: Assessment) -> bool:
    """Whether the team sees each member's own answers: the lead opened consensus, or the
    assessment is finalized, or the team answers together only (no own answers to hide)."""
    return (assessment.consensus_opened_at is not None or not assessment.is_open
            or assessment.mode == Assessment.Mode.CONSENSUS_ONLY)


@rules.predicate
def sees_member_answers(user, assessment) -> bool:
    """Every member's own answers, notes and evidence: the team's lead always, the rest of
    the team once consensus is open, nobody outside the team (each member always sees their
    own: `sees_answer_of`)."""
    role = team_role(user, assessment)
    return role == TeamMember.Role.LEAD or (role is not None and consensus_is_open(assessment))


def sees_answer_of(user, assessment, respondent_id: int | None) -> bool:
    """Whether the user may see one answer (and its notes and files): an agreed answer
    (`respondent_id` None) by anyone who may see the assessment, a member's own answer by
    that member and by those who `sees_member_answers`."""
    return (respondent_id is None or respondent_id == user.pk
            or sees_member_answers(user, assessment))


@rules.predicate
def writes_agreed_answers(user, assessment) -> bool:
    role = team_role(user, assessment)
    if role is None:
        return False
    if assessment.agreed_by == Assessment.AgreedBy.TEAM:
        return True
    return role == TeamMember.Role.LEAD or is_safety_lead(user, assessment.organization_id)


def agreed_by_rule(assessment: Assessment) -> str:
    """Who writes the agreed answers, in one sentence for the pages and for a refusal."""
    if assessment.agreed_by == Assessment.AgreedBy.TEAM:
        return "Agreed answers are written by anyone on the assessment's team."
    lead = (TeamMember.objects.filter(assessment=assessment, role=TeamMember.Role.LEAD)
            .select_related("user").first())
    named = f" ({lead.user})" if lead is not None else ""
    return (f"Agreed answers are written by the assessment's lead{named} and the "
            "organization's patient-safety leads on the team.")


rules.add_perm("assessments.start_assessment", is_lead_role)
rules.add_perm("assessments.view_assessment", on_team | reads_all)
rules.add_perm("assessments.answer_assessment", on_team)
rules.add_perm("assessments.lead_assessment", leads_it)
rules.add_perm("assessments.see_member_answers", sees_member_answers)
rules.add_perm("assessments.write_agreed_answers", writes_agreed_answers)
