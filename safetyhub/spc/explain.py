"""Plain-word explanations of a chart's signals, for people who do not read SPC charts daily.

``explain(points)`` takes the records returned by :func:`safetyhub.spc.qic` and returns one
sentence per signal, in chart order: for each part, the runs signals (a run too long, too
few crossings) and then each point outside the control limits. An empty list means no
signal. Points are numbered 1, 2, … along the whole chart; the x label is added in
brackets when it is not simply that number. Parts are named only when there are several.

The sentence builders (``long_run_sentence``, ``crossings_sentence``, ``limit_sentence``) are
shared with the signal watch (:mod:`safetyhub.spc.watch`), so a signal reads the same on a
chart page and in the watch's list.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from .engine import Point

__all__ = [
    "crossings_sentence", "explain", "limit_sentence", "long_run_sentence", "point_label",
]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def point_label(position: int, x: Any) -> str:
    """"point 7", or "point 7 (Jul 2026)" when the x label says more than the position."""
    if x is None or str(x) == str(position):  # x is just the position (1, 2, … or "1", …)
        return f"point {position}"
    return f"point {position} ({x})"


def long_run_sentence(length: int, side: str, longest_run_max: int, n_useful: int, *,
                      prefix: str = "", span: str = "") -> str:
    """"12 points in a row above the centre line (more than the 8 expected for 36 useful
    points)"; ``span`` (e.g. ", from point 25 (Jan 2026) to the latest point") goes after
    the centre line."""
    return (f"{prefix}{length} points in a row {side} the centre line{span} "
            f"(more than the {longest_run_max} expected for {n_useful} useful points)")


def crossings_sentence(n_crossings: int, n_crossings_min: int, n_useful: int, *,
                       prefix: str = "") -> str:
    """"only 3 crossings of the centre line (at least 11 expected for 36 useful points)"."""
    crossings = ("no crossing" if n_crossings == 0
                 else "only " + _plural(n_crossings, "crossing"))
    return (f"{prefix}{crossings} of the centre line "
            f"(at least {n_crossings_min} expected for {n_useful} useful points)")


def limit_sentence(position: int, x: Any, *, above: bool, excluded: bool = False,
                   prefix: str = "") -> str:
    """"point 36 (Dec 2026) is above the upper control limit" (``above`` False: below the
    lower one) for a point with ``sigma_signal``."""
    where = "above the upper control limit" if above else "below the lower control limit"
    note = " (excluded from the calculations)" if excluded else ""
    return f"{prefix}{point_label(position, x)} is {where}{note}"


def _longest_side(points: list[Point]) -> str | None:
    """The side of the centre line of the part's longest run ("above"/"below")."""
    best = 0
    side = None
    current = 0
    last = None
    for p in points:
        if not p.include or p.y is None or p.cl is None or p.y == p.cl:
            continue
        s = "above" if p.y > p.cl else "below"
        current = current + 1 if s == last else 1
        last = s
        if current > best:
            best = current
            side = s
    return side


def explain(points: Sequence[Point]) -> list[str]:
    """One plain-word sentence per signal in ``points`` (records from ``qic``)."""
    messages: list[str] = []
    numbered = list(enumerate(points, 1))
    parts = [list(group) for _, group in groupby(numbered, key=lambda item: item[1].part)]
    for group in parts:
        first = group[0][1]
        prefix = f"part {first.part}: " if len(parts) > 1 else ""
        if first.runs_signal:
            if first.longest_run is not None and first.longest_run > first.longest_run_max:
                side = _longest_side([p for _, p in group]) or "on one side of"
                messages.append(long_run_sentence(first.longest_run, side,
                                                  first.longest_run_max, first.n_useful,
                                                  prefix=prefix))
            if first.n_crossings is not None and first.n_crossings < first.n_crossings_min:
                messages.append(crossings_sentence(first.n_crossings, first.n_crossings_min,
                                                   first.n_useful, prefix=prefix))
        for position, p in group:
            if p.sigma_signal:
                messages.append(limit_sentence(
                    position, p.x, above=p.ucl is not None and p.y > p.ucl,
                    excluded=not p.include, prefix=prefix))
    return messages
