"""Plain-word explanations of a chart's signals, for people who do not read SPC charts daily.

``explain(points)`` takes the records returned by :func:`safetyhub.spc.qic` and returns one
sentence per signal, in chart order: for each part, the runs signals (a run too long, too
few crossings) and then each point outside the control limits. An empty list means no
signal. Points are numbered 1, 2, … along the whole chart; the x label is added in
brackets when it is not simply that number. Parts are named only when there are several.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from .engine import Point

__all__ = ["explain"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _label(position: int, x) -> str:
    if x is None or str(x) == str(position):  # x is just the position (1, 2, … or "1", …)
        return f"point {position}"
    return f"point {position} ({x})"


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
            useful = f"{first.n_useful} useful points"
            if first.longest_run is not None and first.longest_run > first.longest_run_max:
                side = _longest_side([p for _, p in group]) or "on one side of"
                messages.append(
                    f"{prefix}{first.longest_run} points in a row {side} the centre line "
                    f"(more than the {first.longest_run_max} expected for {useful})")
            if first.n_crossings is not None and first.n_crossings < first.n_crossings_min:
                crossings = ("no crossing" if first.n_crossings == 0
                             else "only " + _plural(first.n_crossings, "crossing"))
                messages.append(
                    f"{prefix}{crossings} of the centre line "
                    f"(at least {first.n_crossings_min} expected for {useful})")
        for position, p in group:
            if not p.sigma_signal:
                continue
            where = ("above the upper control limit"
                     if p.ucl is not None and p.y > p.ucl else "below the lower control limit")
            note = " (excluded from the calculations)" if not p.include else ""
            messages.append(f"{prefix}{_label(position, p.x)} is {where}{note}")
    return messages
