"""Who may do what with reviews and SAC scores.

A review is about an event and reads like one (its timeline, its causes): the event
reviewers and patient-safety leads who triage events run reviews and score events, and
nobody else opens them, whatever their other powers (organization admins and executives
included; the board view shows them aggregates). The organization's rule for which score
needs which review is set by those who run its safety programme.

Communication and resolution after harm, and care for the caregiver:

* `investigations.view_resolution`: communication and resolution after harm is recorded
  and read by the event reviewers and patient-safety leads, who see the events themselves.
* `investigations.view_program_measures`: the program's aggregate measures (time to first
  contact, share of harm events disclosed, support offered and accepted) are read by those
  who read the event aggregates, and by support coordinators.
* `investigations.coordinate_support`: support coordinators, who alone see who was offered
  peer support. It only decides whether the menu shows the support pages: support.py is
  the records' one door, and it answers everyone else the same 404 as for a record that
  does not exist (never a 403, which would say there is something to refuse), audited."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role
from safetyhub.events.rules import AGGREGATE_ROLES, REVIEWER_ROLES

is_investigator = has_role(*REVIEWER_ROLES)

rules.add_perm("investigations.view_reviews", is_investigator)
rules.add_perm("investigations.manage_reviews", is_investigator)
rules.add_perm("investigations.score_events", is_investigator)
rules.add_perm("investigations.manage_settings", has_role(Role.SAFETY_LEAD, Role.ORG_ADMIN))

rules.add_perm("investigations.view_resolution", has_role(*REVIEWER_ROLES))
rules.add_perm("investigations.view_program_measures",
               has_role(*AGGREGATE_ROLES, Role.SUPPORT_COORDINATOR))

# Not has_role() again: the very predicate support.py's door uses.
from .support import is_support_coordinator  # noqa: E402

rules.add_perm("investigations.coordinate_support", is_support_coordinator)
