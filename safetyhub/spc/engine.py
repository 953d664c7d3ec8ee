"""The SPC engine's entry point, :func:`qic`, modelled on qicharts2's ``qic()``.

``qic(x, y, n=None, *, chart="run", part=None, freeze=None, exclude=None, multiply=1,
screened_mr=True)`` returns one :class:`Point` per plotted point. The package docstring
(``safetyhub.spc``) describes the data semantics and every input error.

Speed: charts have about a hundred points, so the work is done with plain lists and
C-level builtins (``map``, ``zip``, ``itertools``, ``operator``) rather than NumPy, whose
per-call overhead dominates on arrays this small; records are built column-wise.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Iterable, Sequence
from functools import partial
from itertools import compress, islice, repeat
from operator import and_, gt, lt, ne, or_, truediv
from typing import Any, NamedTuple

from . import charts
from .errors import SPCInputError
from .runs import runs_analysis

__all__ = ["CHARTS", "EXPERIMENTAL_CHARTS", "Point", "qic"]

CHARTS = ("run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
EXPERIMENTAL_CHARTS = ("ip",)
_ALL_CHARTS = frozenset(CHARTS + EXPERIMENTAL_CHARTS)

# Charts that need a denominator, charts that may take one (y is divided by it); the
# others refuse one.
_NEEDS_N = frozenset({"p", "pp", "u", "up", "ip"})
_MAY_TAKE_N = frozenset({"run", "i", "mr"})
_SUBGROUPED = frozenset({"xbar", "s"})
_NUMBERS = frozenset({float, int})
_INF = math.inf


class Point(NamedTuple):
    """One plotted point with the lines and signals of its part (qicharts2's
    ``return.data = TRUE`` columns, dots written as underscores). Immutable.

    ``y``, ``cl`` and the limits are already divided by ``n`` and multiplied by
    ``multiply``. ``n`` is the (summed) denominator, the subgroup size for Xbar and S
    charts, or None. Missing values are None. ``part`` is 1-based. The runs statistics
    (``n_obs`` … ``n_crossings_min``) and ``runs_signal`` are the same on every point of a
    part; ``longest_run`` … ``n_crossings_min`` are None when the part has no useful
    observation.
    """

    x: Any
    y: float | None
    n: float | None
    cl: float | None
    lcl: float | None
    ucl: float | None
    lcl_95: float | None
    ucl_95: float | None
    part: int
    baseline: bool
    include: bool
    sigma_signal: bool
    runs_signal: bool
    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None


# tuple.__new__ straight from a zipped row: no Python-level call per record.
_new_point = partial(tuple.__new__, Point)


# --------------------------------------------------------------------------------------
# Input checking


def _describe(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def _as_list(values: Any, name: str) -> list:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise SPCInputError(f"{name} must be a list of values, not {type(values).__name__}")
    return values if isinstance(values, list) else list(values)


def _to_float(v: Any, name: str, k: int) -> float | None:
    """Convert one input value; None and NaN are missing."""
    if v is None:
        return None
    if isinstance(v, bool | str | bytes):
        raise SPCInputError(f"point {k}: {name} value {_describe(v)} is not a number")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise SPCInputError(f"point {k}: {name} value {_describe(v)} is not a number") from None
    if f != f:
        return None
    if f - f != 0:
        raise SPCInputError(f"point {k}: {name} value {_describe(v)} is not finite")
    return f


def _clean(values: list, name: str) -> tuple[list[float | None], bool]:
    """Floats (None for missing) and whether nothing is missing. Always a new list."""
    types = set(map(type, values))
    if types <= _NUMBERS:
        out = values[:] if int not in types else list(map(float, values))
        total = sum(out)
        if total - total == 0:  # every value finite (else: find the culprit below)
            return out, True
    out = [_to_float(v, name, k) for k, v in enumerate(values, 1)]
    return out, None not in out


def _check_y(chart: str, ys: list[float | None], complete: bool) -> None:
    if chart == "t":
        if complete and min(ys) > 0:
            return
        for k, y in enumerate(ys, 1):
            if y is not None and y <= 0:
                raise SPCInputError(f"point {k}: T charts need times greater than 0 (got {y:g})")
    elif chart in ("c", "g"):
        if complete and min(ys) >= 0:
            return
        for k, y in enumerate(ys, 1):
            if y is not None and y < 0:
                raise SPCInputError(
                    f"point {k}: {chart.upper()} charts need counts of 0 or more (got {y:g})")


def _check_ratio(chart: str, ys: list[float | None], ns: list[float | None],
                 complete: bool) -> bool:
    """Validate numerator/denominator pairs in place: a missing numerator, or 0 over 0,
    makes the pair missing; anything else that cannot be a rate or proportion raises.
    Returns whether no pair is missing afterwards."""
    proportion = chart in ("p", "pp")
    count = proportion or chart in ("u", "up")
    if complete and min(ns) > 0 and not (count and min(ys) < 0) \
            and not (proportion and any(map(gt, ys, ns))):
        return True
    for k, (y, d) in enumerate(zip(ys, ns, strict=True), 1):
        if d is None:
            if y is not None:
                raise SPCInputError(f"missing denominator at point {k}")
            continue
        if d < 0:
            raise SPCInputError(f"point {k}: the denominator is negative")
        if y is None:
            ns[k - 1] = None
            continue
        if count and y < 0:
            raise SPCInputError(f"point {k}: the numerator is negative")
        if d == 0:
            if y != 0:
                raise SPCInputError(f"point {k}: the denominator is 0 but the numerator is {y:g}")
            ys[k - 1] = ns[k - 1] = None  # no opportunity at all: nothing to plot
            continue
        if proportion and y > d:
            raise SPCInputError(
                f"point {k}: numerator {y:g} is larger than denominator {d:g} "
                "(proportions need y ≤ n)")
    return None not in ys


def _positions(value: Any, name: str, count: int) -> list[int]:
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) \
        else [value]
    out = []
    for v in items:
        if isinstance(v, bool):
            raise SPCInputError(f"{name} positions must be whole numbers (got {v!r})")
        try:
            p = operator.index(v)
        except TypeError:
            raise SPCInputError(
                f"{name} positions must be whole numbers (got {_describe(v)})") from None
        if not 1 <= p <= count:
            raise SPCInputError(f"{name} position {p} is outside the chart's points 1..{count}")
        out.append(p)
    return out


# --------------------------------------------------------------------------------------
# Aggregation per x


class _Data(NamedTuple):
    xs: list
    ys: list[float | None]  # plotted value before multiply
    ns: list | None  # denominators (ratio charts), subgroup sizes (Xbar/S) or None
    nums: list | None  # numerators, for ratio charts
    sds: list | None  # subgroup standard deviations (Xbar/S)
    labels: list | None  # part label per point
    complete: bool  # no missing plotted value


def _groups(xs: list) -> tuple[list[int] | None, list[tuple[int, int]]] | None:
    """None when every x is distinct; otherwise (order, bounds): rows reordered so that
    each x's rows are contiguous (None when they already are), groups in order of first
    appearance, and each group's (start, end) in that order."""
    try:
        values = set(xs)
    except TypeError:
        raise SPCInputError("x values must be hashable (numbers, strings or dates)") from None
    if None in values or (float in set(map(type, values)) and any(
            v != v for v in values if type(v) is float)):  # None or NaN
        k = next(i for i, v in enumerate(xs, 1) if v is None or v != v)
        raise SPCInputError(f"point {k}: x is missing")
    distinct = len(values)
    rows = len(xs)
    if distinct == rows:
        return None
    changes = list(compress(range(1, rows), map(ne, xs, islice(xs, 1, None))))
    if len(changes) + 1 == distinct:
        order = None
    else:
        index: dict[Any, list[int]] = {}
        for i, x in enumerate(xs):
            index.setdefault(x, []).append(i)
        order = [i for group in index.values() for i in group]
        ordered = [xs[i] for i in order]
        changes = list(compress(range(1, rows), map(ne, ordered, islice(ordered, 1, None))))
    starts = [0, *changes]
    return order, list(zip(starts, [*changes, rows], strict=True))


def _labels_per_point(labels: list | None, bounds: list[tuple[int, int]],
                      order: list[int] | None) -> list | None:
    if labels is None:
        return None
    out = []
    for a, b in bounds:
        first = labels[a]
        for r in range(a + 1, b):
            if labels[r] != first:
                row = (order[r] if order else r) + 1
                raise SPCInputError(
                    f"point {row}: part label {_describe(labels[r])} differs from "
                    f"{_describe(first)} on another row with the same x")
        out.append(first)
    return out


def _subgroups(chart: str, xs, ys, bounds, complete: bool) -> tuple:
    """Xbar and S: per x, subgroup size (non-missing values), mean and SD."""
    sizes = [b - a for a, b in bounds]
    k = sizes[0]
    if complete and k > 1 and len(ys) == k * len(sizes) and sizes.count(k) == len(sizes):
        # Equal subgroups, nothing missing: work column-wise (value j of every subgroup).
        cols = [ys[j::k] for j in range(k)]
        means = [s / k for s in map(sum, zip(*cols, strict=True))]
        devs = [list(map(operator.sub, col, means)) for col in cols]
        ss = map(sum, zip(*(map(operator.mul, d, d) for d in devs), strict=True))
        sds = [math.sqrt(v / (k - 1)) for v in ss]
        gx = xs[::k]
    else:
        means, sds, gx, sizes = [], [], [], []
        for a, b in bounds:
            vals = [v for v in ys[a:b] if v is not None]
            size = len(vals)
            gx.append(xs[a])
            sizes.append(size)
            if not size:
                means.append(None)
                sds.append(None)
                continue
            m = sum(vals) / size
            means.append(m)
            if size > 1:
                d = [v - m for v in vals]
                sds.append(math.sqrt(math.sumprod(d, d) / (size - 1)))
            else:
                sds.append(None)
    plotted = sds if chart == "s" else means
    return gx, plotted, sizes, sds


def _prepare(chart, xs, ys, ns, labels, x_given: bool, complete: bool) -> _Data:
    grouping = _groups(xs) if x_given else None
    if grouping is None:
        if chart in _SUBGROUPED:
            bounds = [(i, i + 1) for i in range(len(ys))]
            gx, plotted, sizes, sds = _subgroups(chart, xs, ys, bounds, complete)
            return _Data(gx, plotted, sizes, None, sds, labels, None not in plotted)
        if ns is None:
            return _Data(xs, ys, None, None, None, labels, complete)
        if complete:
            plotted = list(map(truediv, ys, ns))
            return _Data(xs, plotted, ns, ys, None, labels, True)
        plotted = [None if d is None else a / d for a, d in zip(ys, ns, strict=True)]
        return _Data(xs, plotted, ns, ys, None, labels, None not in plotted)
    order, bounds = grouping
    if order is not None:
        xs = [xs[i] for i in order]
        ys = [ys[i] for i in order]
        ns = None if ns is None else [ns[i] for i in order]
        labels = None if labels is None else [labels[i] for i in order]
    labels = _labels_per_point(labels, bounds, order)
    if chart in _SUBGROUPED:
        gx, plotted, sizes, sds = _subgroups(chart, xs, ys, bounds, complete)
        return _Data(gx, plotted, sizes, None, sds, labels, None not in plotted)
    gx = [xs[a] for a, _ in bounds]
    if ns is None:
        out = []
        for a, b in bounds:
            vals = ys[a:b] if complete else [v for v in ys[a:b] if v is not None]
            if not vals:
                out.append(None)
            elif chart == "c":  # counts per period are summed
                out.append(sum(vals))
            else:
                out.append(sum(vals) / len(vals))
        return _Data(gx, out, None, None, None, labels, None not in out)
    nums, dens = [], []
    for a, b in bounds:
        pairs = [(y, d) for y, d in zip(ys[a:b], ns[a:b], strict=True) if d is not None]
        if pairs:
            nums.append(sum(p[0] for p in pairs))
            dens.append(sum(p[1] for p in pairs))
        else:
            nums.append(None)
            dens.append(None)
    plotted = [None if d is None else a / d for a, d in zip(nums, dens, strict=True)]
    return _Data(gx, plotted, dens, nums, None, labels, None not in plotted)


# --------------------------------------------------------------------------------------
# Parts, limits and records


def _part_bounds(part: Any, count: int) -> list[tuple[int, int]]:
    """Parts from positions: a new part starts after each given position."""
    if part is None:
        return [(0, count)]
    cuts = sorted(set(_positions(part, "part", count)))
    if cuts and cuts[-1] == count:
        raise SPCInputError(
            f"part position {count} is the last point: a new part starts after each "
            f"given position, so use 1..{count - 1}")
    starts = [0, *cuts]
    return list(zip(starts, [*cuts, count], strict=True))


def _label_bounds(labels: list) -> list[tuple[int, int]]:
    """Parts from labels, one per point: a new part at each change of label."""
    count = len(labels)
    cuts = list(compress(range(1, count), map(ne, labels, islice(labels, 1, None))))
    return list(zip([0, *cuts], [*cuts, count], strict=True))


def _limits(chart: str, data: _Data, a: int, b: int, base, screened: bool,
            complete: bool) -> charts.Limits:
    ys = data.ys[a:b]
    if chart == "run":
        return charts.run_chart(ys, base, complete)
    if chart == "i":
        return charts.i_chart(ys, base, screened, complete)
    if chart == "c":
        return charts.c_chart(ys, base, complete)
    if chart == "u":
        return charts.u_chart(data.nums[a:b], data.ns[a:b], base, complete)
    if chart == "p":
        return charts.p_chart(data.nums[a:b], data.ns[a:b], base, complete)
    if chart == "g":
        return charts.g_chart(ys, base, complete)
    if chart == "t":
        return charts.t_chart(ys, base, screened, complete)
    if chart == "mr":
        return charts.mr_chart(ys, base, complete)
    if chart == "xbar":
        return charts.xbar_chart(ys, data.ns[a:b], data.sds[a:b], base)
    if chart == "s":
        return charts.s_chart(data.ns[a:b], data.sds[a:b], base)
    if chart == "pp":
        return charts.pp_chart(ys, data.nums[a:b], data.ns[a:b], base, screened, complete)
    if chart == "up":
        return charts.up_chart(ys, data.nums[a:b], data.ns[a:b], base, screened, complete)
    return charts.ip_chart(ys, data.ns[a:b], base, screened)


def _signals(ys, lcl, ucl, complete: bool) -> Iterable[bool]:
    """sigma_signal per point: y strictly outside the limits; missing never signals."""
    if type(lcl) is list:
        if complete and None not in ucl:
            return list(map(or_, map(gt, ys, ucl), map(lt, ys, lcl)))
        return [y is not None and hi is not None and (y > hi or y < lo)
                for y, lo, hi in zip(ys, lcl, ucl, strict=True)]
    if lcl is None and ucl is None:
        return repeat(False)
    lo = -_INF if lcl is None else lcl
    hi = _INF if ucl is None else ucl
    if complete:
        return list(map(or_, map(gt, ys, repeat(hi)), map(lt, ys, repeat(lo))))
    return [y is not None and (y > hi or y < lo) for y in ys]


def _scaled(values, m: float):
    if type(values) is not list:
        return repeat(None if values is None else values * m)
    if None in values:
        return [None if v is None else v * m for v in values]
    return [v * m for v in values]


def _column(value):
    return value if type(value) is list else repeat(value)


def qic(
    x: Sequence | None,
    y: Sequence,
    n: Sequence | float | None = None,
    *,
    chart: str = "run",
    part: Sequence | int | None = None,
    freeze: int | None = None,
    exclude: Sequence[int] | int | None = None,
    multiply: float = 1,
    screened_mr: bool = True,
) -> list[Point]:
    """Compute a run or control chart: one :class:`Point` per distinct x, in order of first
    appearance (``x=None``: one point per y, x = 1, 2, …). See ``safetyhub.spc``."""
    if chart not in _ALL_CHARTS:
        raise SPCInputError(
            f"unknown chart type {_describe(chart)} (use one of {', '.join(CHARTS)}; "
            f"experimental: {', '.join(EXPERIMENTAL_CHARTS)})")
    ys_in = _as_list(y, "y")
    rows = len(ys_in)
    if not rows:
        raise SPCInputError("no data: y is empty")
    if x is None:
        xs_in = list(range(1, rows + 1))
    else:
        xs_in = _as_list(x, "x")
        if len(xs_in) != rows:
            raise SPCInputError(f"x has {len(xs_in)} values but y has {rows}")
    if isinstance(multiply, bool) or not isinstance(multiply, numbers.Real) \
            or not 0 < multiply < _INF:
        raise SPCInputError(f"multiply must be a positive number (got {_describe(multiply)})")

    ys, complete = _clean(ys_in, "y")
    ns: list[float | None] | None = None
    if n is not None:
        if chart not in _NEEDS_N and chart not in _MAY_TAKE_N:
            hint = " (use 'u' for counts with a denominator)" if chart == "c" else ""
            raise SPCInputError(f"chart '{chart}' does not use a denominator n{hint}")
        if isinstance(n, int | float) and not isinstance(n, bool):
            n_in = [n] * rows
        else:
            n_in = _as_list(n, "n")
            if len(n_in) != rows:
                raise SPCInputError(f"n has {len(n_in)} values but y has {rows}")
        ns, n_complete = _clean(n_in, "n")
        complete = _check_ratio(chart, ys, ns, complete and n_complete)
    elif chart in _NEEDS_N:
        raise SPCInputError(f"chart '{chart}' needs a denominator n")
    _check_y(chart, ys, complete)

    # One part label per input row (a new part at each change of label); otherwise a
    # shorter list of positions after which a new part starts.
    labels = None
    if isinstance(part, Sequence) and not isinstance(part, str) and len(part) == rows > 1:
        labels = list(part)
    data = _prepare(chart, xs_in, ys, ns, labels, x is not None, complete)
    count = len(data.ys)
    complete = data.complete

    bounds = _label_bounds(data.labels) if data.labels is not None \
        else _part_bounds(part, count)
    if freeze is not None:
        if isinstance(freeze, bool | str | Iterable):
            raise SPCInputError(
                f"freeze must be one whole number, the last baseline point (got {freeze!r})")
        (freeze_at,) = _positions(freeze, "freeze", count)
    else:
        freeze_at = count
    if len(bounds) > 1:  # qicharts2 ignores freeze when parts are given (its issue #20)
        freeze_at = count
    include = None
    if exclude is not None:
        excluded = _positions(exclude, "exclude", count)
        if excluded:
            include = [True] * count
            for p in excluded:
                include[p - 1] = False

    m = float(multiply)
    scale = m != 1.0
    runs_allowed = chart != "mr"
    xs = data.xs
    ns_out = data.ns
    points: list[Point] = []
    for number, (a, b) in enumerate(bounds, 1):
        inc = None if include is None else include[a:b]
        if freeze_at < b:
            baseline = [i < freeze_at for i in range(a, b)]
            base = baseline if inc is None else list(map(and_, baseline, inc))
        else:
            baseline = None
            base = inc
        try:
            lim = _limits(chart, data, a, b, base, screened_mr, complete)
        except charts.TooFewPoints as e:
            raise SPCInputError(_too_few(chart, e, number, len(bounds), freeze, exclude)) from None
        if lim.ys is None:
            ys = data.ys[a:b]
            part_complete = complete
        else:
            ys = lim.ys
            part_complete = False
        runs = runs_analysis(ys, lim.cl, inc, part_complete)
        sigma = _signals(ys, lim.lcl, lim.ucl, part_complete)
        cl = lim.cl
        if scale:
            ys = _scaled(ys, m)
            cl = None if cl is None else cl * m
            lcl, ucl = _scaled(lim.lcl, m), _scaled(lim.ucl, m)
            lcl95, ucl95 = _scaled(lim.lcl_95, m), _scaled(lim.ucl_95, m)
        else:
            lcl, ucl = _column(lim.lcl), _column(lim.ucl)
            lcl95, ucl95 = _column(lim.lcl_95), _column(lim.ucl_95)
        points.extend(map(_new_point, zip(
            xs[a:b], ys, repeat(None) if ns_out is None else ns_out[a:b], repeat(cl),
            lcl, ucl, lcl95, ucl95, repeat(number),
            repeat(True) if baseline is None else baseline,
            repeat(True) if inc is None else inc,
            sigma, repeat(runs.signal and runs_allowed), repeat(runs.n_obs),
            repeat(runs.n_useful), repeat(runs.longest_run), repeat(runs.longest_run_max),
            repeat(runs.n_crossings), repeat(runs.n_crossings_min),
        )))
    return points


def _too_few(chart: str, e: charts.TooFewPoints, number: int, parts: int,
             freeze: Any, exclude: Any) -> str:
    where = []
    if parts > 1:
        where.append(f"part {number}")
    elif freeze is not None:
        where.append(f"the baseline (points 1..{freeze})")
    place = f" in {where[0]}" if where else ""
    if exclude is not None:
        place += " after exclusions"
    return (f"chart '{chart}' needs at least {e.need} {e.what} for {e.purpose}{place} "
            f"(got {e.got})")
