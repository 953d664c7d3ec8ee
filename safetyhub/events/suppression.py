"""Small-cell suppression of a table of counts with its totals (pure: no Django imports).

A stratified table (e.g. reports by age band × harm level) can identify a person when a cell
holds only a few people. Every cell, row total, column total and the grand total under the
organization's threshold (default 11: the CMS cell-size rule, counts from 1 to 10 are not
shown) is suppressed — *primary* suppression. Zero is shown: it names nobody.

Suppressing a cell is not enough when a total is shown: the cell is the total minus the rest
of its row. So *complementary* cells are suppressed as well until no suppressed value can be
worked out from the shown ones:

* every row and every column (the totals row and column included) holds either no
  suppressed entry or at least two, so no single subtraction recovers one; and
* no suppressed entry is pinned by a chain of subtractions over several rows and columns.
  Seen as a graph (rows and columns are nodes, each suppressed entry an edge between its row
  and its column; the totals row and column are nodes too), the shown values fix a
  suppressed entry exactly when its edge lies on no cycle — a *bridge*. Every bridge gets a
  rectangle of further suppressions that puts it on a cycle.

Complementary cells are chosen among the smallest non-zero shown entries (a zero as the
complement would let the non-negativity of counts pin the value again), cells before totals.
This is the usual heuristic, not an optimal (fewest-cells) suppression; the result is
protected but may hide more than the minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_THRESHOLD", "SuppressedTable", "pinned_entries", "suppress"]

DEFAULT_THRESHOLD = 11

# An entry of the full grid: (row, column); row R is the totals row, column C the totals column.
Entry = tuple[int, int]


@dataclass(frozen=True)
class SuppressedTable:
    """The table as it may be shown: None wherever a count is suppressed."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None
    threshold: int
    # how many entries were suppressed because they are small, and how many to protect them
    primary: int
    complementary: int

    @property
    def suppressed(self) -> int:
        return self.primary + self.complementary


def _grid(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The counts with a totals column and a totals row added."""
    columns = len(cells[0]) if cells else 0
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(row[c] for row in grid) for c in range(columns + 1)])
    return grid


def suppress(cells: Sequence[Sequence[int]], *, threshold: int = DEFAULT_THRESHOLD
             ) -> SuppressedTable:
    """Suppress the small counts of `cells` (rows × columns of counts ≥ 0) and whatever
    else is needed so that they cannot be recovered from the totals."""
    if threshold < 1:
        raise ValueError("threshold must be 1 or more")
    widths = {len(row) for row in cells}
    if len(widths) > 1:
        raise ValueError("every row needs the same number of cells")
    for row in cells:
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"counts must be whole numbers ≥ 0 (got {value!r})")
    grid = _grid(cells)
    rows, columns = len(grid), len(grid[0])
    hidden = {(r, c) for r in range(rows) for c in range(columns)
              if 0 < grid[r][c] < threshold}
    primary = len(hidden)
    if hidden:
        _protect(grid, hidden)
    shown = [[None if (r, c) in hidden else grid[r][c] for c in range(columns)]
             for r in range(rows)]
    return SuppressedTable(
        cells=tuple(tuple(row[:-1]) for row in shown[:-1]),
        row_totals=tuple(row[-1] for row in shown[:-1]),
        column_totals=tuple(shown[-1][:-1]),
        total=shown[-1][-1],
        threshold=threshold,
        primary=primary,
        complementary=len(hidden) - primary,
    )


def _cost(grid: list[list[int]], entry: Entry) -> tuple[int, int, int]:
    """Order of preference for a complementary entry: non-zero before zero, cells before
    totals, then the smallest value."""
    r, c = entry
    value = grid[r][c]
    is_total = r == len(grid) - 1 or c == len(grid[0]) - 1
    return (value == 0, is_total, value)


def _protect(grid: list[list[int]], hidden: set[Entry]) -> None:
    rows, columns = len(grid), len(grid[0])
    lines = [[(r, c) for c in range(columns)] for r in range(rows)]
    lines += [[(r, c) for r in range(rows)] for c in range(columns)]
    while True:
        changed = False
        # 1. No row or column with exactly one suppressed entry.
        for line in lines:
            inside = [e for e in line if e in hidden]
            if len(inside) == 1:
                candidates = [e for e in line if e not in hidden]
                if candidates:
                    hidden.add(min(candidates, key=lambda e: _cost(grid, e)))
                    changed = True
        if changed:
            continue
        # 2. No suppressed entry pinned through several rows and columns.
        pinned = pinned_entries(hidden)
        if not pinned:
            return
        r, c = min(pinned)
        best = None
        for r2 in range(rows):
            for c2 in range(columns):
                if r2 == r or c2 == c:
                    continue
                corners = [e for e in ((r, c2), (r2, c), (r2, c2)) if e not in hidden]
                key = (sum(grid[a][b] == 0 for a, b in corners), len(corners),
                       sum(grid[a][b] for a, b in corners))
                if best is None or key < best[0]:
                    best = (key, corners)
        if best is None:  # a single row or column: nothing can protect it but itself
            return
        hidden.update(best[1])


def pinned_entries(hidden: set[Entry] | frozenset[Entry]) -> set[Entry]:
    """The suppressed entries whose value the shown ones fix exactly: the bridges of the
    graph whose nodes are rows and columns and whose edges are the suppressed entries.

    (An entry lies on a cycle exactly when its row and column stay connected without it:
    then adding and subtracting the same amount around the cycle keeps every total.)"""
    pinned = set()
    for entry in hidden:
        others = hidden - {entry}
        if not _connected(others, ("r", entry[0]), ("c", entry[1])):
            pinned.add(entry)
    return pinned


def _connected(edges: set[Entry], start: tuple[str, int], goal: tuple[str, int]) -> bool:
    neighbours: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for r, c in edges:
        neighbours.setdefault(("r", r), []).append(("c", c))
        neighbours.setdefault(("c", c), []).append(("r", r))
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in neighbours.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False
