"""Small-cell suppression for everything a network shows in aggregate: a cell drawn from fewer
than MIN_ORGANIZATIONS organizations or fewer than MIN_EVENTS events is never shown, nor one
that could be recovered by subtracting shown cells from a shown total (complementary
suppression). Pure: no Django.

A table is its cells (row, column) with, for each row, each column and the whole table, a
total. Every total is an equation: total = the sum of its parts. Primary suppression hides
every cell and every total under the thresholds (a count of 0 is under them too). Then, in
any equation where exactly one member is hidden, the value could be worked out by
subtraction (or, for a hidden total, by addition), so the smallest shown member of that
equation is hidden too ("complementary"); this repeats until no equation has exactly one
hidden member. Counts of organizations are not additive (one organization reports in many
categories), so they only decide primary suppression; the events are what add up.

What this does not promise: that a hidden value cannot be bounded (it lies between 0 and the
total less the shown parts), or recovered by solving several equations together (an audit
by linear programming would; tables here are small and two-way, where hiding two cells per
row and column, as the fixed point does, is the usual rule)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum

MIN_ORGANIZATIONS = 5
MIN_EVENTS = 11  # the CMS cell-size rule

__all__ = [
    "MIN_EVENTS",
    "MIN_ORGANIZATIONS",
    "TOTAL",
    "Count",
    "Reason",
    "Verdict",
    "cell_key",
    "column_key",
    "primary_reason",
    "row_key",
    "suppress_table",
]


class Reason(StrEnum):
    ORGANIZATIONS = "organizations"
    EVENTS = "events"
    COMPLEMENTARY = "complementary"

    @property
    def words(self) -> str:
        return REASON_WORDS[self]


REASON_WORDS = {
    Reason.ORGANIZATIONS: f"fewer than {MIN_ORGANIZATIONS} organizations",
    Reason.EVENTS: f"fewer than {MIN_EVENTS} events",
    Reason.COMPLEMENTARY: "hidden so another cell cannot be worked out",
}


@dataclass(frozen=True)
class Count:
    """What one cell (or total) counts: how many organizations contributed, how many events
    (or actions: whatever the table adds up)."""

    organizations: int
    events: int


@dataclass(frozen=True)
class Verdict:
    count: Count
    reason: Reason | None  # None: shown

    @property
    def shown(self) -> bool:
        return self.reason is None

    @property
    def events(self) -> int | None:
        """The events when shown, None when hidden (what a page or the API may print)."""
        return self.count.events if self.reason is None else None


TOTAL = ("total",)


def cell_key(row: Hashable, column: Hashable) -> tuple:
    return ("cell", row, column)


def row_key(row: Hashable) -> tuple:
    return ("row", row)


def column_key(column: Hashable) -> tuple:
    return ("column", column)


def primary_reason(count: Count, *, min_organizations: int = MIN_ORGANIZATIONS,
                   min_events: int = MIN_EVENTS) -> Reason | None:
    if count.organizations < min_organizations:
        return Reason.ORGANIZATIONS
    if count.events < min_events:
        return Reason.EVENTS
    return None


def suppress_table(
    cells: Mapping[tuple[Hashable, Hashable], Count], *,
    rows: Mapping[Hashable, Count], columns: Mapping[Hashable, Count],
    total: Count | None = None,
    min_organizations: int = MIN_ORGANIZATIONS, min_events: int = MIN_EVENTS,
) -> dict[tuple, Verdict]:
    """Which cells and totals are shown and which hidden, and why. `cells` maps (row,
    column) → Count for every cell of the table (give empty cells as Count(0, 0): leaving one
    out would take it out of its row's and column's equations); `rows` and `columns` the
    totals of each row and column; `total` the whole table's, if it is shown at all.
    Returns {cell_key(r, c) | row_key(r) | column_key(c) | TOTAL: Verdict}."""
    counts: dict[tuple, Count] = {cell_key(r, c): n for (r, c), n in cells.items()}
    counts.update({row_key(r): n for r, n in rows.items()})
    counts.update({column_key(c): n for c, n in columns.items()})
    if total is not None:
        counts[TOTAL] = total
    reasons: dict[tuple, Reason | None] = {
        key: primary_reason(n, min_organizations=min_organizations, min_events=min_events)
        for key, n in counts.items()}

    # Each equation: (its total's key, its parts' keys).
    equations: list[tuple[tuple, list[tuple]]] = []
    for r in rows:
        equations.append((row_key(r), [cell_key(r, c) for (r2, c) in cells if r2 == r]))
    for c in columns:
        equations.append((column_key(c), [cell_key(r, c) for (r, c2) in cells if c2 == c]))
    if total is not None:
        equations.append((TOTAL, [row_key(r) for r in rows]))
        equations.append((TOTAL, [column_key(c) for c in columns]))

    def order(key: tuple) -> tuple:
        # The smallest first; among equals, a cell before a total (a total says more), then
        # a stable order so the same table always hides the same cells.
        return (counts[key].events, counts[key].organizations, key[0] != "cell", repr(key))

    changed = True
    while changed:
        changed = False
        for total_key, parts in equations:
            members = [total_key, *parts]
            hidden = [k for k in members if reasons[k] is not None]
            if len(hidden) != 1:
                continue
            shown = sorted((k for k in members if reasons[k] is None), key=order)
            if shown:
                reasons[shown[0]] = Reason.COMPLEMENTARY
                changed = True
    return {key: Verdict(count=counts[key], reason=reasons[key]) for key in counts}
