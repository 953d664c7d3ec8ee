"""Who may do what with a review's actions (imported from apps.py for the permissions).

Reviews are about events, so their action plans are the event reviewers' and the
patient-safety leads' (events.rules.REVIEWER_ROLES): they add actions, rate them, name
owners and dates, give the reason for a plan of weaker actions only, and gather aggregate
reviews. An action's owner, whatever their role (but executive viewers, who only read),
sees that one action and moves it along (its status); they do not read the review.
Making an initiative of an action puts it on the action plan, so it also takes the right
to add initiatives there (improvement.add_initiative)."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role, is_member
from safetyhub.events.rules import is_event_reviewer
from safetyhub.improvement.rules import is_plan_lead

is_read_only_role = has_role(Role.EXECUTIVE_VIEWER)


@rules.predicate
def reviews_actions_of(user, action) -> bool:
    return is_event_reviewer(user, action.organization_id)


@rules.predicate
def owns_action(user, action) -> bool:
    """The action's owner, still an active member in a role that may write."""
    org = action.organization_id
    return (action.owner_id is not None and action.owner_id == user.pk
            and is_member(user, org) and not is_read_only_role(user, org))


@rules.predicate
def may_make_initiative(user, action) -> bool:
    return (is_event_reviewer(user, action.organization_id)
            and is_plan_lead(user, action.organization_id))


rules.add_perm("investigations.manage_actions", is_event_reviewer)
rules.add_perm("investigations.change_action", reviews_actions_of)
rules.add_perm("investigations.progress_action", reviews_actions_of | owns_action)
rules.add_perm("investigations.make_initiative", may_make_initiative)
rules.add_perm("investigations.gather_aggregate", is_event_reviewer)
