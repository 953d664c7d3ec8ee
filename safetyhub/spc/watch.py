"""Signal watch: which of many monthly count series show a special cause in the latest month.

``signals_in_latest_period(counts, *, periods, chart="c", denominators=None, multiply=1)``
charts every series (a C chart of counts, or a U chart of counts over denominators such as
patient days) and returns a :class:`SignalWatch`: the series whose **latest point is part of
a special-cause signal**, newest first, each with its chart (the records of
:func:`safetyhub.spc.qic`) and plain-word sentences; and the series no chart could be drawn
for, with the engine's reason.

What "the latest point is part of a signal" means (:func:`latest_signal`), using only the
signals the engine computes (``sigma_signal``, ``runs_signal`` and the Anhøj statistics) —
nothing new is judged here:

* ``above-limit`` / ``below-limit``: the latest point is outside the control limits;
* ``long-run``: the run of useful points ending at the latest point is longer than the
  chart's ``longest_run_max`` (the engine's runs signal, with the run reaching this month;
  a long run that ended earlier is history, not this month's signal);
* ``few-crossings``: the part has fewer crossings of the centre line than
  ``n_crossings_min`` — a property of the whole part, so it includes the latest point.

Both runs rules need the latest point to be a useful observation (present and off the
centre line): a missing month, or one exactly on the centre line, takes no part in the
runs analysis.

Order, newest first: by the position where each signal's evidence begins — the latest
point for a point outside the limits, the first point of the run for a long run, the first
useful point of the part for too few crossings; with several rules, the latest of these.
Ties keep the order of ``counts``.

Speed
=====

Charting every series one by one is correct but wasteful. A series that takes the engine's
*complete-data* path (every count and denominator a finite number, counts ≥ 0,
denominators > 0, one value per period) is judged without building its chart: the engine's
own functions (:func:`charts.c_chart`, :func:`charts.u_chart_latest`,
:func:`runs.runs_analysis`) run on the very floats ``qic`` would use, and the same judge
that :func:`latest_signal` applies to records (``_judge``) reads their results. Every other
series — a missing month, a value the engine refuses — is charted with ``qic`` and judged
by ``latest_signal``. Signals are judged on unscaled values, as the engine's own runs
analysis is (``multiply`` only scales what is drawn). The result is identical to charting
every series with ``qic`` (tests/spc/test_watch.py checks it on random data with
Hypothesis); ``bench/signal_watch.py`` measures the gain.

A signal's chart (``Signal.points``, with ``multiply``) and the sentences for every signal
on it (``Signal.explanations``) are computed on first use: a page that shows twenty
signals at a time draws twenty charts, not all of them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import truediv
from typing import Any, NamedTuple

from . import charts
from .engine import Point, qic
from .errors import SPCInputError
from .explain import (
    crossings_sentence,
    explain,
    limit_sentence,
    long_run_sentence,
    point_label,
)
from .runs import RunsResult, runs_analysis

__all__ = [
    "RULES",
    "WATCH_CHARTS",
    "LatestSignal",
    "Signal",
    "SignalWatch",
    "latest_signal",
    "signals_in_latest_period",
]

WATCH_CHARTS = ("c", "u")
ABOVE_LIMIT = "above-limit"
BELOW_LIMIT = "below-limit"
LONG_RUN = "long-run"
FEW_CROSSINGS = "few-crossings"
RULES = (LONG_RUN, FEW_CROSSINGS, ABOVE_LIMIT, BELOW_LIMIT)

_NUMBERS = frozenset({int, float})
_SEQUENCES = (list, tuple)


class LatestSignal(NamedTuple):
    """The signals a chart's latest point is part of."""

    rules: tuple[str, ...]  # in RULES order: long-run, few-crossings, above/below-limit
    began_at: int  # 1-based position where the newest of these signals' evidence begins
    side: str | None  # "above" or "below" the centre line; None for mixed or no side
    sentences: tuple[str, ...]  # one plain-word sentence per rule


class _ChartCall(NamedTuple):
    periods: list
    values: tuple
    dens: tuple | None
    chart: str
    multiply: float


@dataclass(frozen=True)
class Signal:
    """One series whose latest point is part of a special-cause signal."""

    key: Any  # the series' key in ``counts``
    rules: tuple[str, ...]
    side: str | None
    began: Hashable  # the period where the signal's evidence begins
    began_at: int  # its 1-based position
    sentences: tuple[str, ...]  # this month's signals in plain words
    mean_count: float  # mean count per month with data: below about 1, most months are 0
    call: _ChartCall = field(repr=False, compare=False)

    @cached_property
    def points(self) -> tuple[Point, ...]:
        """The chart, as ``qic`` returns it (computed on first use)."""
        c = self.call
        return tuple(qic(c.periods, c.values, c.dens, chart=c.chart, multiply=c.multiply))

    @cached_property
    def explanations(self) -> tuple[str, ...]:
        """Every signal on the chart in plain words: ``explain(points)``."""
        return tuple(explain(self.points))


@dataclass(frozen=True, slots=True)
class SignalWatch:
    """What the watch found over ``checked`` series."""

    signals: list[Signal]  # newest first
    refused: dict[Any, str]  # key → why no chart can be computed (the engine's message)
    checked: int  # series looked at
    charted: int  # series charted with ``qic`` to be judged (missing months, bad values)


def _judge(ys: Sequence[float | None], include: Sequence[bool] | None, cl: float | None,
           runs: RunsResult, sigma: bool, above_limit: bool, xs: Sequence, start: int,
           prefix: str) -> LatestSignal | None:
    """The one judge of "the latest point is part of a signal", over the latest part:
    its plotted values ``ys`` (unscaled), ``include`` flags (None: all included), centre
    line, runs analysis, the latest point's ``sigma_signal`` and side of the limits, its x
    labels and the 1-based position ``start`` of its first point along the chart."""
    count = len(ys)
    end = start + count - 1
    last = ys[-1]
    rules: list[str] = []
    starts: list[int] = []
    sides: set[str] = set()
    sentences: list[str] = []
    if runs.signal and last is not None and last != cl and (include is None or include[-1]):
        above = last > cl
        side = "above" if above else "below"
        length = 0
        first_of_run = end
        for i in range(count - 1, -1, -1):
            y = ys[i]
            if y is None or y == cl or (include is not None and not include[i]):
                continue  # not a useful observation: neither breaks nor extends a run
            if (y > cl) is not above:
                break
            length += 1
            first_of_run = start + i
        if length > runs.longest_run_max:
            rules.append(LONG_RUN)
            starts.append(first_of_run)
            sides.add(side)
            span = (f", from {point_label(first_of_run, xs[first_of_run - start])} "
                    "to the latest point")
            sentences.append(long_run_sentence(length, side, runs.longest_run_max,
                                               runs.n_useful, prefix=prefix, span=span))
        if runs.n_crossings < runs.n_crossings_min:
            rules.append(FEW_CROSSINGS)
            starts.append(next(
                start + i for i, y in enumerate(ys)
                if y is not None and y != cl and (include is None or include[i])))
            sentences.append(crossings_sentence(runs.n_crossings, runs.n_crossings_min,
                                                runs.n_useful, prefix=prefix))
    if sigma:
        rules.append(ABOVE_LIMIT if above_limit else BELOW_LIMIT)
        starts.append(end)
        sides.add("above" if above_limit else "below")
        sentences.append(limit_sentence(end, xs[-1], above=above_limit,
                                        excluded=include is not None and not include[-1],
                                        prefix=prefix))
    if not rules:
        return None
    return LatestSignal(tuple(rules), max(starts), sides.pop() if len(sides) == 1 else None,
                        tuple(sentences))


def latest_signal(points: Sequence[Point]) -> LatestSignal | None:
    """The special-cause signals the chart's latest point is part of (see the module
    docstring), or None. ``points`` are the records of one ``qic`` call; judge them
    unscaled (``multiply=1``), as the engine's runs analysis is."""
    if not points:
        return None
    last = points[-1]
    first = len(points) - 1  # 0-based index of the first point of the latest part
    while first > 0 and points[first - 1].part == last.part:
        first -= 1
    part = points[first:]
    include = [p.include for p in part]
    runs = RunsResult(last.n_obs, last.n_useful, last.longest_run, last.longest_run_max,
                      last.n_crossings, last.n_crossings_min, last.runs_signal)
    return _judge([p.y for p in part], None if all(include) else include, last.cl, runs,
                  last.sigma_signal, last.ucl is not None and last.y is not None
                  and last.y > last.ucl, [p.x for p in part], first + 1,
                  f"part {last.part}: " if last.part > 1 else "")


def _floats(values: Any, length: int) -> list[float] | None:
    """``values`` as the floats ``qic`` would compute with, when they take its
    complete-data path (a list or tuple of ``length`` finite ints and floats); else None."""
    if type(values) not in _SEQUENCES or len(values) != length:
        return None
    if not set(map(type, values)) <= _NUMBERS:  # None, bool, str, Decimal …: let qic judge
        return None
    out = list(map(float, values))
    total = sum(out)
    return out if total - total == 0 else None  # inf or NaN somewhere: let qic judge


def _reusable(values: Any) -> Any:
    """``values`` itself when it can be read twice; an iterator's values as a list. Anything
    else (None, a string, a number) is left for ``qic`` to judge."""
    if isinstance(values, Iterator):
        return list(values)
    return values


_UNKNOWN = object()


def _judge_complete(chart: str, counts: Any, dens: Any, periods: list,
                    converted: dict[int, list[float] | None]) -> LatestSignal | object | None:
    """Judge a series on the engine's complete-data path without building its chart:
    exactly what ``latest_signal(qic(periods, counts, dens, chart=chart))`` would say.
    ``_UNKNOWN`` when the series does not take that path (then chart it with ``qic``).
    ``converted`` keeps denominators already converted, by identity: a unit's patient days
    are usually one list shared by all its categories."""
    length = len(periods)
    ys = _floats(counts, length)
    if ys is None or min(ys) < 0:
        return _UNKNOWN
    if chart == "c":
        lim = charts.c_chart(ys, None, True)
        lcl, ucl = lim.lcl, lim.ucl
        plotted = ys
    else:
        ns = converted.get(id(dens), _UNKNOWN)
        if ns is _UNKNOWN:
            ns = _floats(dens, length)
            if ns is not None and min(ns) <= 0:
                ns = None
            converted[id(dens)] = ns
        if ns is None:
            return _UNKNOWN
        lim = charts.u_chart_latest(ys, ns)
        lcl, ucl = lim.lcl[0], lim.ucl[0]
        plotted = list(map(truediv, ys, ns))
    latest = plotted[-1]
    above = latest > ucl
    sigma = above or latest < lcl
    runs = runs_analysis(plotted, lim.cl, None, True)
    if not (sigma or runs.signal):
        return None  # the common case: nothing more to do
    return _judge(plotted, None, lim.cl, runs, sigma, above, periods, 1, "")


def signals_in_latest_period(
    counts: Mapping[Any, Sequence[float | None]],
    *,
    periods: Sequence[Hashable],
    chart: str = "c",
    denominators: Mapping[Any, Sequence[float | None]] | None = None,
    multiply: float = 1,
) -> SignalWatch:
    """Chart every series of ``counts`` (one value per period, oldest first; None for a
    missing month) and return those whose latest point is part of a special-cause signal.

    ``chart`` is ``"c"`` (counts) or ``"u"`` (counts over ``denominators``, keyed like
    ``counts``; ``multiply``, e.g. 1000 for "per 1,000 patient days", scales the drawn
    chart and never changes a signal). Each series is one part with no baseline or
    exclusions. Raises ``SPCInputError`` for options that fit no series (unknown chart,
    missing or needless denominators, empty or repeated periods, a bad ``multiply``); a
    series the engine cannot chart is listed in ``refused`` with the engine's reason.
    """
    if chart not in WATCH_CHARTS:
        raise SPCInputError(f"the signal watch draws C or U charts, not {chart!r}")
    if chart == "u" and denominators is None:
        raise SPCInputError("chart 'u' needs denominators (e.g. patient days) for each series")
    if chart == "c" and denominators is not None:
        raise SPCInputError(
            "chart 'c' does not use denominators (use 'u' for counts with a denominator)")
    if isinstance(periods, str | bytes) or not isinstance(periods, Sequence):
        raise SPCInputError("periods must be a list of labels, one per month")
    periods = list(periods)
    if not periods:
        raise SPCInputError("no periods: the watch needs at least one month")
    try:
        distinct = len(set(periods))
    except TypeError:
        raise SPCInputError("periods must be hashable (dates or strings)") from None
    if distinct != len(periods):
        seen: set = set()
        repeated = next(p for p in periods if p in seen or seen.add(p))
        raise SPCInputError(f"period {repeated!r} is given twice")
    if isinstance(multiply, bool) or not isinstance(multiply, int | float) \
            or not 0 < multiply < math.inf:
        raise SPCInputError(f"multiply must be a positive number (got {multiply!r})")

    found: list[tuple[int, int, Signal]] = []
    refused: dict[Any, str] = {}
    charted = 0
    # Ids stay valid: every denominator list is held by ``denominators`` during the loop.
    converted: dict[int, list[float] | None] = {}
    for order, (key, values) in enumerate(counts.items()):
        dens = None if denominators is None else denominators.get(key)
        # An iterator would be used up by qic before the signal keeps it for its chart.
        values, dens = _reusable(values), _reusable(dens)
        latest = _judge_complete(chart, values, dens, periods, converted)
        if latest is _UNKNOWN:
            charted += 1
            try:
                latest = latest_signal(qic(periods, values, dens, chart=chart))
            except SPCInputError as exc:
                refused[key] = str(exc)
                continue
        if latest is None:
            continue
        values = tuple(values)  # the signal's chart is drawn later: keep what it is drawn from
        present = [f for f in (float(v) for v in values if v is not None) if f == f]
        call = _ChartCall(periods, values, None if dens is None else tuple(dens), chart,
                          multiply)
        found.append((-latest.began_at, order, Signal(
            key=key, rules=latest.rules, side=latest.side,
            began=periods[latest.began_at - 1], began_at=latest.began_at,
            sentences=latest.sentences, mean_count=sum(present) / len(present),
            call=call)))
    found.sort(key=lambda item: item[:2])
    return SignalWatch(signals=[item[2] for item in found], refused=refused,
                       checked=len(counts), charted=charted)
