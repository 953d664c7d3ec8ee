"""Who reads the board view (imported from apps.py for the permission).

The board view is aggregates only — counts, shares, the strength mix, the units and
categories where the signal watch sees something — never a narrative, a reporter, a person
involved or a team member's name. It is for those who govern and run the safety programme:
executives, patient-safety leads, organization admins, and the event reviewers who produce
the figures. Assessors, staff reporters and patient/family advisors are refused (403)."""

import rules

from safetyhub.core.models import Role
from safetyhub.core.rules import has_role

BOARD_ROLES = (Role.EXECUTIVE_VIEWER, Role.SAFETY_LEAD, Role.ORG_ADMIN, Role.EVENT_REVIEWER)

rules.add_perm("investigations.view_board", has_role(*BOARD_ROLES))
