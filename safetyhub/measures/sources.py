"""Measures whose data another app computes: the registry of *point sources*.

A measure usually holds its own data points (entered or imported). A point source lets an
app that the improvement app must not import (ARCHITECTURE.md §4: `events` → `improvement`,
never the reverse) supply a measure's points instead — e.g. "falls with harm on 4 West per
month", counted from event reports whenever the chart is read, so the chart keeps itself up
to date.

A source is attached to a measure by a one-to-one row of the other app's (its
`related_name` on Measure); `measures_for` selects it along with the measure, so listing
many measures costs no extra query per measure to find out which are computed.
A computed measure refuses entered and imported data (`source_of` tells the services).

Each app registers its source in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

__all__ = ["PointSource", "computed", "derived_points", "register_source", "related_names",
           "source_of"]


@dataclass(frozen=True)
class PointSource:
    """`related_name`: the reverse one-to-one accessor on Measure of the row that defines the
    source. `points(row, measure)`: the measure's points in period order, unsaved DataPoint
    objects (period, numerator, denominator). `describe(row)`: what is counted, in words.
    `edit_url(row, organization)`: where to change what is counted (or "")."""

    related_name: str
    points: Callable[[Any, Any], list]
    describe: Callable[[Any], str]
    edit_url: Callable[[Any, Any], str]


_SOURCES: dict[str, PointSource] = {}


def register_source(source: PointSource) -> None:
    _SOURCES[source.related_name] = source


def related_names() -> list[str]:
    return list(_SOURCES)


def source_of(measure) -> tuple[PointSource, Any] | None:
    """The point source of `measure` and the row defining it, or None for a measure that
    holds its own data."""
    for name, source in _SOURCES.items():
        try:
            row = getattr(measure, name)
        except ObjectDoesNotExist:
            continue
        if row is not None:
            return source, row
    return None


def derived_points(measure) -> list | None:
    """The measure's computed points, or None when it holds its own data."""
    found = source_of(measure)
    if found is None:
        return None
    source, row = found
    return source.points(row, measure)


def computed() -> Q:
    """Matches the measures whose points are computed (they have no data to be due)."""
    q = Q(pk__in=[])
    for name in _SOURCES:
        q |= Q(**{f"{name}__isnull": False})
    return q
