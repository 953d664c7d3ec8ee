"""Reads for spread: the sites and units an initiative may still spread to, and "where this
spread" — each adopting unit's initiative with, per copied measure, that unit's chart beside
the original's. A fixed number of queries whatever the number of adopting units (the tests
count them at 1 and 3)."""

from __future__ import annotations

from dataclasses import dataclass

from safetyhub.core.models import Site
from safetyhub.core.queries import site_tree
from safetyhub.measures.queries import MeasureChart, chart_for, measures_for

from .models import Initiative
from .services_spread import family_site_ids

__all__ = ["Adopter", "MeasurePair", "spread_candidates", "spread_origin", "where_spread"]


def spread_candidates(*, initiative: Initiative) -> list[tuple[Site, int]]:
    """Open sites and units in tree order (with their depth) that may adopt the initiative:
    not its own, and none that already runs it (adopted it, or was spread to or from the same
    original)."""
    taken = family_site_ids(initiative) | {initiative.site_id}
    return [(site, depth) for site, depth in site_tree(organization=initiative.organization)
            if site.is_active and site.pk not in taken]


@dataclass
class MeasurePair:
    """One of the original's measures and the adopting unit's copy of it (None when the
    unit unlinked or never had it)."""

    original: MeasureChart
    copy: MeasureChart | None


@dataclass
class Adopter:
    initiative: Initiative
    pairs: list[MeasurePair]


def where_spread(*, initiative: Initiative) -> list[Adopter]:
    """The initiatives that adopted this one, by site name, each with its measure pairs in
    the original measures' order. Five queries for the adopters and the measures with all
    that their charts need, whatever their number."""
    adopters = list(Initiative.objects.filter(spread_from=initiative)
                    .select_related("site", "owner").order_by("site__name", "pk"))
    if not adopters:
        return []
    org = initiative.organization
    originals = [chart_for(m) for m in measures_for(organization=org)
                 .filter(initiatives=initiative).order_by("name", "pk")]
    copies: dict[tuple[int, int], MeasureChart] = {}
    if originals:
        adopter_ids = {a.pk for a in adopters}
        found = (measures_for(organization=org)
                 .filter(copied_from__in=[c.measure.pk for c in originals],
                         initiatives__in=adopter_ids).distinct())
        for measure in found:
            for linked in measure.initiatives.all():  # prefetched by measures_for
                if linked.pk in adopter_ids:
                    copies[(linked.pk, measure.copied_from_id)] = chart_for(measure)
    return [Adopter(initiative=a, pairs=[
        MeasurePair(original=o, copy=copies.get((a.pk, o.measure.pk))) for o in originals])
        for a in adopters]


def spread_origin(initiative: Initiative) -> Initiative | None:
    """The initiative this one was spread from, with its site (one query, none if it was
    not spread)."""
    if initiative.spread_from_id is None:
        return None
    return (Initiative.objects.select_related("site")
            .filter(pk=initiative.spread_from_id, organization_id=initiative.organization_id)
            .first())
