"""Who may triage, see serious events and acknowledge them (added to rules.py's permissions;
imported from apps.py).

* `events.triage`: event reviewers and patient-safety leads move reports through review,
  assign, reclassify, link duplicates and close with a message.
* `events.view_serious`: executives, patient-safety leads and event reviewers open the
  serious-events page. It shows each serious event's minimal facts (reference, category,
  harm, unit, date, clock) and aggregates; never the narrative or the reporter, which stay
  with the reviewers (rules.py).
* `events.acknowledge_serious`: executives and patient-safety leads ("a leader").
* `events.manage_settings`: patient-safety leads and organization admins set the
  serious-event harm threshold.
"""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role

from .triage import LEADER_ROLES, TRIAGE_ROLES

can_triage = has_role(*TRIAGE_ROLES)
is_leader = has_role(*LEADER_ROLES)

rules.add_perm("events.triage", can_triage)
rules.add_perm("events.view_serious", has_role(*LEADER_ROLES, Role.EVENT_REVIEWER))
rules.add_perm("events.acknowledge_serious", is_leader)
rules.add_perm("events.manage_settings", has_role(Role.SAFETY_LEAD, Role.ORG_ADMIN))
