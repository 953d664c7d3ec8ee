"""Who may add and change measures: the organization admins and patient-safety leads any
measure; an initiative's owner and team the measures of that initiative (in a role that may
write). Everyone in the organization reads them, as they read the plan."""

import rules

from safetyhub.core.rules import is_member
from safetyhub.improvement.rules import is_plan_lead, is_read_only_role, team_initiative_ids

from .models import Measure


def measure_initiative_ids(measure: Measure) -> frozenset[int]:
    """Ids of the initiatives the measure belongs to (prefetched ones used as they are)."""
    cache = getattr(measure, "_prefetched_objects_cache", {})
    if "initiatives" in cache:
        return frozenset(i.pk for i in cache["initiatives"])
    cached = measure.__dict__.get("_initiative_ids")
    if cached is None:
        cached = measure.__dict__["_initiative_ids"] = frozenset(
            measure.initiatives.values_list("pk", flat=True))
    return cached


@rules.predicate
def leads_measures(user, measure) -> bool:
    return is_plan_lead(user, measure.organization_id)


@rules.predicate
def works_on_measure(user, measure) -> bool:
    """Owner or team member of an initiative the measure belongs to, in a role that may
    write."""
    org = measure.organization_id
    if not is_member(user, org) or is_read_only_role(user, org):
        return False
    mine = team_initiative_ids(user, org)
    return bool(mine) and not mine.isdisjoint(measure_initiative_ids(measure))


rules.add_perm("measures.add_measure", is_plan_lead)
rules.add_perm("measures.change_measure", leads_measures | works_on_measure)
