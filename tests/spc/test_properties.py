"""Properties of the SPC engine that must hold for any data (Hypothesis)."""

from __future__ import annotations

import math
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from safetyhub.spc import Point, qic

settings.register_profile("spc", database=None, deadline=None, max_examples=60)
PROFILE = settings.get_profile("spc")

CHARTS = ("run", "i", "mr", "t", "c", "g", "p", "pp", "u", "up", "ip", "xbar", "s")
RATIO = ("p", "pp", "u", "up", "ip")
SIGNALS = ("part", "baseline", "include", "sigma_signal", "runs_signal", "n_obs", "n_useful",
           "longest_run", "longest_run_max", "n_crossings", "n_crossings_min")
VALUES = ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95")


@st.composite
def series(draw, charts=CHARTS, min_size=4, max_size=40, missing=False):
    """(chart, x, y, n) with enough data for every chart; values with many ties."""
    chart = draw(st.sampled_from(charts))
    size = draw(st.integers(min_size, max_size))
    if chart in ("xbar", "s"):
        group = draw(st.integers(2, 5))
        x = [k for k in range(1, size + 1) for _ in range(group)]
        y = draw(st.lists(st.integers(0, 30).map(float), min_size=len(x), max_size=len(x)))
        return chart, x, y, None
    x = list(range(1, size + 1))
    if chart in RATIO:
        n = draw(st.lists(st.integers(1, 200), min_size=size, max_size=size))
        y = [draw(st.integers(0, k)) for k in n]
        if chart == "ip":
            y = [a / k for a, k in zip(y, n, strict=True)]
    else:
        low = 1 if chart == "t" else 0
        small = st.integers(low, 20).map(float)
        wide = st.floats(low + 0.001, 1e4, allow_nan=False, allow_infinity=False)
        y = draw(st.lists(st.one_of(small, wide), min_size=size, max_size=size))
        n = None
    if missing and chart not in ("xbar", "s"):
        holes = draw(st.sets(st.integers(0, size - 1), max_size=size // 4))
        y = [None if i in holes else v for i, v in enumerate(y)]
    return chart, x, y, n


def same(a: float | None, b: float | None, rel: float = 1e-12) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def renumbered(points: list[Point], part: int) -> list[Point]:
    return [p._replace(part=part) for p in points]


@settings(PROFILE)
@given(series(missing=True), st.sampled_from([0.001, 0.37, 7, 100, 1000, 1e6]))
def test_multiply_never_changes_signals_and_scales_every_line(data, factor):
    chart, x, y, n = data
    try:
        plain = qic(x, y, n, chart=chart)
    except ValueError:
        return  # too few points for this chart: the same input fails the same way below
    scaled = qic(x, y, n, chart=chart, multiply=factor)
    for a, b in zip(plain, scaled, strict=True):
        assert [getattr(a, f) for f in SIGNALS] == [getattr(b, f) for f in SIGNALS]
        for name in VALUES:
            va, vb = getattr(a, name), getattr(b, name)
            assert same(None if va is None else va * factor, vb), (name, va, vb)


@settings(PROFILE)
@given(series(min_size=6), st.data())
def test_parts_are_computed_independently(data, draw):
    chart, x, y, n = data
    points_per_x = len(y) // len(set(x))
    count = len(set(x))
    cut = draw.draw(st.integers(3, count - 3))
    rows = cut * points_per_x
    parted = qic(x, y, n, chart=chart, part=[cut])
    first = qic(x[:rows], y[:rows], None if n is None else n[:rows], chart=chart)
    second = qic(x[rows:], y[rows:], None if n is None else n[rows:], chart=chart)
    assert parted[:cut] == first
    assert parted[cut:] == renumbered(second, 2)


@settings(PROFILE)
@given(series(min_size=8, charts=("run", "i", "mr", "t", "c", "g", "p", "pp", "u", "up")),
       st.data())
def test_excluding_a_point_never_changes_another_part(data, draw):
    chart, x, y, n = data
    cut = draw.draw(st.integers(4, len(y) - 3))
    excluded = draw.draw(st.integers(1, cut))
    plain = qic(x, y, n, chart=chart, part=[cut])
    dropped = qic(x, y, n, chart=chart, part=[cut], exclude=[excluded])
    assert dropped[cut:] == plain[cut:]
    assert dropped[excluded - 1].include is False
    assert dropped[0].n_obs == cut - 1


@settings(PROFILE)
@given(series(charts=("run",), missing=True), st.data())
def test_run_chart_centre_line_is_the_median_of_included_points(data, draw):
    _, x, y, _ = data
    excluded = draw.draw(st.sets(st.integers(1, len(y)), max_size=len(y) // 3))
    kept = [v for i, v in enumerate(y, 1) if v is not None and i not in excluded]
    if not kept:
        return
    points = qic(x, y, chart="run", exclude=sorted(excluded) or None)
    assert all(p.cl == statistics.median(kept) for p in points)
    assert all(p.lcl is None and p.ucl is None and not p.sigma_signal for p in points)


@settings(PROFILE)
@given(series(missing=True))
def test_signals_agree_with_the_lines_they_describe(data):
    chart, x, y, n = data
    try:
        points = qic(x, y, n, chart=chart)
    except ValueError:
        return
    for p in points:
        outside = p.y is not None and (
            (p.ucl is not None and p.y > p.ucl) or (p.lcl is not None and p.y < p.lcl))
        assert p.sigma_signal is outside
        assert p.n_useful <= p.n_obs <= len(points)
        if p.n_useful:
            assert 1 <= p.longest_run <= p.n_useful
            assert 0 <= p.n_crossings <= p.n_useful - 1
            expected = p.longest_run > p.longest_run_max or p.n_crossings < p.n_crossings_min
            assert p.runs_signal is (expected and chart != "mr")
        else:
            assert p.longest_run is None and p.runs_signal is False
        if p.lcl is not None and p.ucl is not None:
            assert p.lcl <= p.lcl_95 <= p.cl <= p.ucl_95 <= p.ucl or chart in ("g", "t")


@settings(PROFILE)
@given(series(min_size=6, charts=("run", "i", "mr", "t", "c", "g", "p", "pp", "u", "up")),
       st.data())
def test_freeze_takes_lines_from_the_baseline_only(data, draw):
    chart, x, y, n = data
    freeze = draw.draw(st.integers(3, len(y)))
    frozen = qic(x, y, n, chart=chart, freeze=freeze)
    baseline = qic(x[:freeze], y[:freeze], None if n is None else n[:freeze], chart=chart)
    for a, b in zip(frozen, baseline, strict=False):
        assert (a.cl, a.lcl, a.ucl, a.lcl_95, a.ucl_95) == (b.cl, b.lcl, b.ucl, b.lcl_95,
                                                             b.ucl_95)
    assert [p.baseline for p in frozen] == [i <= freeze for i in range(1, len(y) + 1)]
    assert len({(p.cl, p.n_obs) for p in frozen}) == 1


@settings(PROFILE)
@given(st.lists(st.integers(0, 9), min_size=2, max_size=30), st.data())
def test_rows_sharing_an_x_are_one_point(labels, draw):
    values = draw.draw(st.lists(st.integers(0, 50), min_size=len(labels),
                                max_size=len(labels)))
    points = qic(labels, values, chart="c")
    order = list(dict.fromkeys(labels))
    assert [p.x for p in points] == order
    assert [p.y for p in points] == [
        sum(v for k, v in zip(labels, values, strict=True) if k == x) for x in order]
