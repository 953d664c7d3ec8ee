"""Who may do what with reviews and SAC scores.

A review is about an event and reads like one (its timeline, its causes): the event
reviewers and patient-safety leads who triage events run reviews and score events, and
nobody else opens them, whatever their other powers (organization admins and executives
included; the board view shows them aggregates). The organization's rule for which score
needs which review is set by those who run its safety programme."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role
from safetyhub.events.rules import REVIEWER_ROLES

is_investigator = has_role(*REVIEWER_ROLES)

rules.add_perm("investigations.view_reviews", is_investigator)
rules.add_perm("investigations.manage_reviews", is_investigator)
rules.add_perm("investigations.score_events", is_investigator)
rules.add_perm("investigations.manage_settings", has_role(Role.SAFETY_LEAD, Role.ORG_ADMIN))
