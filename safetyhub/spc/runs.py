"""Anhøj runs analysis: longest run and number of crossings of the centre line.

Per part, over included points, against the part's centre line (reference: spc.md §4):

* useful observations n: included, non-missing points not exactly on the centre line (a
  point on the line neither breaks nor extends a run);
* longest run L: the longest sequence of consecutive useful points on one side;
* crossings C: number of runs - 1;
* L_max = round(log₂ n) + 3 (Schilling 2012) and C_min = the 5th percentile of
  Binomial(n - 1, ½) (Chen 2010), computed exactly with integers;
* signal: L > L_max or C < C_min.
"""

from __future__ import annotations

import math
from itertools import compress, islice, repeat
from operator import gt, ne, sub
from typing import NamedTuple

__all__ = ["RunsResult", "crossings_min", "longest_run_max", "runs_analysis"]

_LONGEST: list[int] = [0]
_CROSSINGS: list[int] = [0]


def _extend_tables(n: int) -> None:
    """Grow the cached limit tables to cover n useful observations."""
    for k in range(len(_LONGEST), n + 1):
        # log2(k) + 3 is never a half-integer for whole k, so rounding is unambiguous.
        _LONGEST.append(round(math.log2(k)) + 3)
        # Smallest c with P(X ≤ c) ≥ 0.05 for X ~ Binomial(k - 1, ½), i.e.
        # 20 · Σ_{j ≤ c} C(k - 1, j) ≥ 2^(k - 1), exactly in integers.
        m = k - 1
        total = 1 << m
        cumulative = 0
        c = 0
        term = 1  # C(m, 0)
        while True:
            cumulative += term
            if 20 * cumulative >= total:
                break
            term = term * (m - c) // (c + 1)
            c += 1
        _CROSSINGS.append(c)


def longest_run_max(n_useful: int) -> int:
    """Upper limit for the longest run among ``n_useful`` useful observations (n ≥ 1)."""
    if n_useful < 1:
        raise ValueError("n_useful must be at least 1")
    if n_useful >= len(_LONGEST):
        _extend_tables(n_useful)
    return _LONGEST[n_useful]


def crossings_min(n_useful: int) -> int:
    """Lower limit for the number of crossings among ``n_useful`` useful observations."""
    if n_useful < 1:
        raise ValueError("n_useful must be at least 1")
    if n_useful >= len(_CROSSINGS):
        _extend_tables(n_useful)
    return _CROSSINGS[n_useful]


_extend_tables(200)


class RunsResult(NamedTuple):
    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool


def runs_analysis(ys, cl, include=None, complete: bool = False) -> RunsResult:
    """Runs analysis of the values ``ys`` (floats or None) against the constant ``cl``.

    ``include`` (booleans, same length) drops excluded points first; missing values count
    in ``n_obs`` but are not useful observations. ``complete=True`` promises that ``ys``
    holds no None (a shortcut).
    """
    values = ys if include is None else list(compress(ys, include))
    n_obs = len(values)
    if cl is None:
        return RunsResult(n_obs, 0, None, None, None, None, False)
    if complete:
        if cl in values:
            sides = [y > cl for y in values if y != cl]
        else:
            sides = list(map(gt, values, repeat(cl)))
    else:
        sides = [y > cl for y in values if y is not None and y != cl]
    n_useful = len(sides)
    if not n_useful:
        return RunsResult(n_obs, 0, None, None, None, None, False)
    # Positions where the side changes; run lengths are the gaps between them.
    changes = list(compress(range(1, n_useful), map(ne, sides, islice(sides, 1, None))))
    crossings = len(changes)
    if crossings:
        edges = [0, *changes, n_useful]
        longest = max(map(sub, islice(edges, 1, None), edges))
    else:
        longest = n_useful
    if n_useful >= len(_LONGEST):
        _extend_tables(n_useful)
    l_max = _LONGEST[n_useful]
    c_min = _CROSSINGS[n_useful]
    return RunsResult(n_obs, n_useful, longest, l_max, crossings, c_min,
                      longest > l_max or crossings < c_min)
