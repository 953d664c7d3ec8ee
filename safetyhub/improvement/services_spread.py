"""Spread: an initiative that worked on one unit is adopted by others.

`spread_initiative` gives each adopting site or unit, in one transaction, its own initiative
(`spread_from` the original) and its own copy of each of the original's measures (the
definition only, `copied_from` the original's measure; no data, no phase splits), so each
unit charts its own data against the same definition.

Other parts of the initiative (aims, driver diagrams, ...) are built in their own modules,
which this one must not import: they register a *spread copier* instead
(`register_spread_copier(fn)`), called as `fn(original, adopted)` for each adopting unit,
inside the same transaction and attributed to the person who spreads (`audit.acting_as`).
A copier that needs the measure copies (an aim tied to a measure) finds them with
`measure_copies(adopted)`.

Bad input raises ValidationError({field: reason}) and creates nothing: `units` for a site
that is missing, another organization's, closed, the initiative's own, named twice, or that
already adopted it (or runs it through another spread of the same original); `owner` for an
owner who is not an active member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry, Site, User
from safetyhub.measures.models import Measure

from . import notifications
from .models import Initiative
from .rules import forget_teams
from .services import _active_member_ids

__all__ = [
    "MEASURE_FIELDS",
    "Adoption",
    "adopted_site_ids",
    "family_site_ids",
    "measure_copies",
    "register_spread_copier",
    "spread_copiers",
    "spread_initiative",
]

# What an adopting unit's measure takes from the original's: its definition. Not its data,
# phase splits, frozen baseline or initiatives (the unit's own chart starts empty).
MEASURE_FIELDS = ("name", "type", "numerator", "denominator", "unit", "multiplier",
                  "frequency", "direction", "goal", "chart", "screened_mr",
                  # Where a published definition comes from stays said on the copy, which
                  # would otherwise present, e.g., an NQF definition as SafetyHub's own.
                  "definition_source", "library_key")
# What an adopting unit's initiative takes from the original's (the rest is the unit's own:
# owner, team, dates, status).
INITIATIVE_FIELDS = ("title", "description", "recommendation_id", "tactic_id")
# Adopters start where a new initiative starts: their own owner decides when work begins.
ADOPTED_STATUS = Initiative.Status.PROPOSED

SpreadCopier = Callable[[Initiative, Initiative], None]
_COPIERS: list[SpreadCopier] = []


def register_spread_copier(fn: SpreadCopier) -> None:
    """Have `fn(original, adopted)` copy another part's data whenever an initiative spreads
    (registered once, in an AppConfig.ready(); registering the same function again is a
    no-op). It runs inside the spread's transaction: raising refuses the whole spread."""
    if fn not in _COPIERS:
        _COPIERS.append(fn)


def spread_copiers() -> tuple[SpreadCopier, ...]:
    return tuple(_COPIERS)


@dataclass(frozen=True)
class Adoption:
    """One site or unit that adopts the initiative, and who owns it there (optional)."""

    site: Site
    owner: User | None = None


def adopted_site_ids(initiative: Initiative) -> set[int]:
    """The sites that already adopted the initiative."""
    return set(Initiative.objects.filter(spread_from=initiative, site__isnull=False)
               .values_list("site_id", flat=True))


def family_site_ids(initiative: Initiative) -> set[int]:
    """The sites that run the initiative in some form: those of the original it was spread
    from (up to the first one) and of every initiative spread from that, at any depth.
    Spreading there again would make a unit's second copy of the same work. One query per
    step of the chain (chains are short: a spread of a spread)."""
    root_id, parent_id, seen = initiative.pk, initiative.spread_from_id, {initiative.pk}
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        root_id = parent_id
        parent_id = (Initiative.objects.filter(pk=parent_id)
                     .values_list("spread_from_id", flat=True).first())
    ids, frontier = {root_id}, {root_id}
    while frontier:
        frontier = set(Initiative.objects.filter(spread_from__in=frontier)
                       .values_list("pk", flat=True)) - ids
        ids |= frontier
    return set(Initiative.objects.filter(pk__in=ids, site__isnull=False)
               .values_list("site_id", flat=True))


def measure_copies(adopted: Initiative) -> dict[int, Measure]:
    """{original measure id: its copy} of an adopted initiative (for spread copiers)."""
    return {m.copied_from_id: m for m in Measure.objects.filter(
        initiatives=adopted, copied_from__isnull=False)}


def _check(initiative: Initiative, units: Sequence[Adoption]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not units:
        return {"units": "Choose at least one site or unit to spread this initiative to."}
    taken = adopted_site_ids(initiative)
    family = family_site_ids(initiative)
    seen: set[int] = set()
    problems = []
    for unit in units:
        site = unit.site
        if site.organization_id != initiative.organization_id:
            problems.append("No such site or unit in this organization.")
        elif site.pk == initiative.site_id:
            problems.append(f"“{site.name}” is this initiative's own site or unit.")
        elif site.pk in taken:
            problems.append(f"“{site.name}” already adopted this initiative.")
        elif site.pk in family:
            problems.append(f"“{site.name}” already runs this initiative (spread from the "
                            "same original).")
        elif not site.is_active:
            problems.append(f"“{site.name}” is closed; choose an open site or unit.")
        elif site.pk in seen:
            problems.append(f"“{site.name}” is named twice.")
        seen.add(site.pk)
    if problems:
        errors["units"] = " ".join(dict.fromkeys(problems))
    owners = [u.owner for u in units if u.owner is not None]
    active = _active_member_ids(initiative.organization, owners) if owners else set()
    strangers = sorted({o.email for o in owners if o.pk not in active})
    if strangers:
        errors["owner"] = f"Not active members of this organization: {', '.join(strangers)}."
    return errors


def spread_initiative(*, initiative: Initiative, by: User, units: Sequence[Adoption]
                      ) -> list[Initiative]:
    """Spread the initiative to each of `units`; the new initiatives, in the order given.
    All or nothing: one bad unit refuses every one of them."""
    try:
        return _spread(initiative=initiative, by=by, units=list(units))
    except IntegrityError:
        # Someone spread it to one of these units at the same moment: the unique
        # (spread_from, site) constraint kept it to one, and this attempt changed nothing.
        raise ValidationError({"units": "Someone else spread this initiative to one of these "
                                        "units just now; reload to see where it spread."}
                              ) from None


@transaction.atomic
def _spread(*, initiative: Initiative, by: User, units: list[Adoption]) -> list[Initiative]:
    # The original's row is locked while the adopters are checked and made, so two people
    # spreading it at once are taken one after the other (PostgreSQL; SQLite writes one at a
    # time anyway, and the unique constraint is the last word on both).
    original = (Initiative.objects.select_for_update(of=("self",))
                .select_related("organization", "site").get(pk=initiative.pk))
    errors = _check(original, units)
    if errors:
        raise ValidationError(errors)
    measures = list(Measure.objects.filter(initiatives=original).order_by("name", "pk"))
    adopted_list = []
    with audit.acting_as(by):
        for unit in units:
            adopted = Initiative.objects.create(
                organization_id=original.organization_id, site=unit.site, owner=unit.owner,
                status=ADOPTED_STATUS, spread_from=original, created_by=by,
                **{name: getattr(original, name) for name in INITIATIVE_FIELDS})
            copies = [Measure.objects.create(
                organization_id=original.organization_id, site=unit.site, copied_from=m,
                created_by=by, **{name: getattr(m, name) for name in MEASURE_FIELDS})
                for m in measures]
            for copy in copies:
                copy.initiatives.add(adopted)
            for copier in _COPIERS:
                copier(original, adopted)
            audit.record(action=AuditEntry.Action.UPDATE, obj=original, changes={
                "spread_to": {"site": unit.site.name, "initiative": adopted.pk,
                              "measures": [c.pk for c in copies]}})
            adopted_list.append(adopted)
    for adopted in adopted_list:
        if adopted.owner is not None:
            notifications.owner_made(initiative=adopted, by=by)
    forget_teams(by)
    return adopted_list
