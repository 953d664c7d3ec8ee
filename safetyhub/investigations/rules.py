"""Who may do what with investigations' records (imported from apps.py).

* `investigations.view_resolution`: communication and resolution after harm is recorded
  and read by the event reviewers and patient-safety leads (events.rules.REVIEWER_ROLES),
  the people who see the events themselves.
* `investigations.view_program_measures`: the program's aggregate measures (time to first
  contact, share of harm events disclosed, support offered and accepted) are read by those
  who read the event aggregates, and by support coordinators.
* `investigations.coordinate_support`: support coordinators, who alone see who was offered
  peer support. It only decides whether the menu shows the support pages: support.py is
  the records' one door, and it answers everyone else the same 404 as for a record that
  does not exist (never a 403, which would say there is something to refuse), audited.
"""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role
from safetyhub.events.rules import AGGREGATE_ROLES, REVIEWER_ROLES

rules.add_perm("investigations.view_resolution", has_role(*REVIEWER_ROLES))
rules.add_perm("investigations.view_program_measures",
               has_role(*AGGREGATE_ROLES, Role.SUPPORT_COORDINATOR))

# Not has_role() again: the very predicate support.py's door uses.
from .support import is_support_coordinator  # noqa: E402

rules.add_perm("investigations.coordinate_support", is_support_coordinator)
