"""Charts that read themselves: the signals of a chart's latest phase in plain words, judged
against the way the measure is better; where a sustained shift began (so a new phase can
start there); and the change between the last two phases, with the goal.

Pure functions over the records of `safetyhub.spc.qic` and the points' labels: no Django,
no database, so every sentence is tested directly (tests/measures/test_reading.py).

Words: a signal on the better side of the centre line is "an improvement", on the worse side
"a deterioration"; for a measure with no better direction it is just "a change". The
sentences are SafetyHub's own wording of the Anhøj runs rules and Shewhart's limits (see
shared/reference/spc.md), not a quotation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "Signal", "better_words", "change_statement", "format_values", "phase_positions",
    "read_signals", "shift_start", "suggested_split", "verdict",
]

BETTER = {"increase": "higher is better", "decrease": "lower is better"}


class _Point(Protocol):  # the fields of safetyhub.spc.Point used here
    y: float | None
    cl: float | None
    lcl: float | None
    ucl: float | None
    part: int
    include: bool
    sigma_signal: bool
    runs_signal: bool
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None


@dataclass(frozen=True)
class Signal:
    """One special-cause signal of the latest phase: `kind` is "shift" (a run longer than
    chance explains), "crossings" (too few crossings of the centre line) or "limit" (a
    point outside a control limit); `verdict` "improvement", "deterioration" or "change";
    `start` the 1-based position where it begins."""

    kind: str
    sentence: str
    verdict: str
    start: int


def better_words(direction: str) -> str:
    """"lower is better", "higher is better", or "" for a measure with no direction."""
    return BETTER.get(direction, "")


def verdict(side: str, direction: str) -> str:
    """What a move to `side` ("high" or "low") of the centre line means for the measure."""
    if direction not in BETTER:
        return "change"
    return "improvement" if (side == "high") == (direction == "increase") else "deterioration"


def _judged(side: str, direction: str) -> tuple[str, str]:
    said = verdict(side, direction)
    if said == "change":
        return said, "a change"
    return said, f"{'an' if said == 'improvement' else 'a'} {said} ({better_words(direction)})"


def phase_positions(points: Sequence[_Point]) -> list[int]:
    """1-based positions of the chart's latest phase."""
    if not points:
        return []
    latest = points[-1].part
    return [k for k, p in enumerate(points, 1) if p.part == latest]


def _side(p: _Point) -> str | None:
    """"high"/"low" of the centre line for a useful point; None for a point that neither
    breaks nor extends a run (excluded, missing, on the line)."""
    if not p.include or p.y is None or p.cl is None or p.y == p.cl:
        return None
    return "high" if p.y > p.cl else "low"


def _runs(points: Sequence[_Point], positions: list[int]) -> list[tuple[str, list[int]]]:
    """The runs of useful points of the phase: (side, positions), in chart order."""
    runs: list[tuple[str, list[int]]] = []
    for k in positions:
        side = _side(points[k - 1])
        if side is None:
            continue
        if runs and runs[-1][0] == side:
            runs[-1][1].append(k)
        else:
            runs.append((side, [k]))
    return runs


def _shift(points: Sequence[_Point]) -> tuple[str, list[int]] | None:
    """The latest run of the latest phase longer than chance explains, if any."""
    positions = phase_positions(points)
    if not positions:
        return None
    first = points[positions[0] - 1]
    limit = first.longest_run_max
    if not first.runs_signal or limit is None:
        return None
    long_runs = [run for run in _runs(points, positions) if len(run[1]) > limit]
    return long_runs[-1] if long_runs else None


def shift_start(points: Sequence[_Point]) -> int | None:
    """1-based position of the first point of the latest phase's sustained shift."""
    shift = _shift(points)
    return shift[1][0] if shift else None


def suggested_split(points: Sequence[_Point]) -> int | None:
    """The position after which a new phase would start where the shift began (the point
    before its first point), or None: no shift, or the shift already starts the phase."""
    start = shift_start(points)
    positions = phase_positions(points)
    if start is None or start - 1 < positions[0]:
        return None
    return start - 1


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def read_signals(points: Sequence[_Point], labels: Sequence[str],
                 direction: str) -> list[Signal]:
    """Every signal of the latest phase, in plain words with its meaning:
    "6 points in a row below the centre line since Mar 2026: an improvement (lower is
    better)"."""
    if len(labels) != len(points):
        raise ValueError(f"{len(labels)} labels for {len(points)} points")
    positions = phase_positions(points)
    if not positions:
        return []
    first = points[positions[0] - 1]
    signals: list[Signal] = []
    shift = _shift(points)
    if shift:
        side, run = shift
        said, meaning = _judged(side, direction)
        where = "above" if side == "high" else "below"
        span = (f"since {labels[run[0] - 1]}" if run[-1] == _last_useful(points, positions)
                else f"from {labels[run[0] - 1]} to {labels[run[-1] - 1]}")
        signals.append(Signal(
            "shift", f"{len(run)} points in a row {where} the centre line {span} (more than "
                     f"the {first.longest_run_max} expected by chance): {meaning}",
            said, run[0]))
    if (first.runs_signal and first.n_crossings is not None
            and first.n_crossings_min is not None
            and first.n_crossings < first.n_crossings_min):
        runs = _runs(points, positions)
        side, run = runs[-1]
        said, meaning = _judged(side, direction)
        crossings = ("no crossing" if first.n_crossings == 0
                     else "only " + _plural(first.n_crossings, "crossing"))
        where = "above" if side == "high" else "below"
        signals.append(Signal(
            "crossings", f"{crossings} of the centre line (at least {first.n_crossings_min} "
                         f"expected by chance), the latest points {where} it since "
                         f"{labels[run[0] - 1]}: {meaning}", said, run[0]))
    for k in positions:
        p = points[k - 1]
        if not p.sigma_signal or p.y is None:
            continue
        above = p.ucl is not None and p.y > p.ucl
        said, meaning = _judged("high" if above else "low", direction)
        limit = "above the upper" if above else "below the lower"
        excluded = " (excluded from the calculations)" if not p.include else ""
        signals.append(Signal("limit", f"{labels[k - 1]} is {limit} control limit{excluded}: "
                                       f"{meaning}", said, k))
    return signals


def _last_useful(points: Sequence[_Point], positions: list[int]) -> int | None:
    useful = [k for k in positions if _side(points[k - 1]) is not None]
    return useful[-1] if useful else None


def format_values(*values: float) -> list[str]:
    """The values with 1 decimal, or as many more (up to 4) as it takes for a non-zero value
    not to read as 0 and for different values not to read the same; thousands grouped."""
    finite = [v for v in values if math.isfinite(v)]
    places = 1
    while places < 4:
        shown = [round(v, places) for v in finite]
        hidden = any(v != 0 and s == 0 for v, s in zip(finite, shown, strict=True))
        merged = len(set(shown)) < len(set(finite))
        if not hidden and not merged:
            break
        places += 1
    return [f"{v:,.{places}f}".replace("-", "\u2212") for v in values]


def goal_met(value: float, goal: float, direction: str) -> bool | None:
    """Whether `value` reaches `goal` on the measure's better side; None when no side is
    better."""
    if direction == "decrease":
        return value <= goal
    if direction == "increase":
        return value >= goal
    return None


def change_statement(*, before: float, after: float, unit: str = "", goal: float | None = None,
                     direction: str = "neutral") -> str:
    """The change between two phases' centre lines, in the measure's unit, with the goal:
    "from 3.0 to 1.5 per 1,000 patient days; goal 2.0 met" (or "not yet met"; a measure
    with no better direction has its goal named, not judged)."""
    shown = format_values(before, after, *(() if goal is None else (goal,)))
    unit = " ".join(unit.split())
    tail = ("" if not unit else unit if unit.startswith("%") else f" {unit}")
    text = f"from {shown[0]} to {shown[1]}{tail}"
    if goal is None:
        return text
    met = goal_met(after, goal, direction)
    if met is None:
        return f"{text}; goal {shown[2]} (no better direction set, so not judged)"
    return f"{text}; goal {shown[2]} {'met' if met else 'not yet met'}"
