"""The signal watch (safetyhub/spc/watch.py): the same signals as charting every series with
the engine one by one — on random data (Hypothesis) and on hand-checked cases — and the
inputs it refuses."""

from __future__ import annotations

import math
from itertools import takewhile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetyhub.spc import Point, SPCInputError, explain, qic
from safetyhub.spc.charts import u_chart, u_chart_latest
from safetyhub.spc.watch import latest_signal, signals_in_latest_period

PROFILE = settings(database=None, deadline=None, max_examples=150)
PERIODS = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(36)]  # 2024-01 … 2026-12


def reference(points: list[Point]) -> tuple[tuple[str, ...], int] | None:
    """What the watch must say about one chart, written independently of watch.py from the
    engine's records: (rules, position where the newest evidence begins) or None."""
    last = points[-1]
    count = len(points)
    useful = [(k, p.y > p.cl) for k, p in enumerate(points, 1)
              if p.part == last.part and p.include and p.y is not None and p.cl is not None
              and p.y != p.cl]
    rules, starts = [], []
    if last.runs_signal and useful and useful[-1][0] == count:
        side = useful[-1][1]
        run = list(takewhile(lambda u: u[1] == side, reversed(useful)))
        if len(run) > last.longest_run_max:
            rules.append("long-run")
            starts.append(run[-1][0])
        if last.n_crossings < last.n_crossings_min:
            rules.append("few-crossings")
            starts.append(useful[0][0])
    if last.sigma_signal:
        rules.append("above-limit" if last.y > last.ucl else "below-limit")
        starts.append(count)
    return (tuple(rules), max(starts)) if rules else None


def one_by_one(counts, periods, chart="c", denominators=None):
    """The baseline: every series charted with qic; (signals newest first, refused)."""
    found, refused = [], {}
    for order, (key, values) in enumerate(counts.items()):
        dens = None if denominators is None else denominators.get(key)
        try:
            points = qic(periods, values, dens, chart=chart)
        except SPCInputError as exc:
            refused[key] = str(exc)
            continue
        judged = reference(points)
        if judged is not None:
            found.append((-judged[1], order, key, *judged))
    found.sort(key=lambda item: item[:2])
    return [item[2:] for item in found], refused


def summary(watch) -> list[tuple]:
    return [(s.key, s.rules, s.began_at) for s in watch.signals]


def watch_c(*rows, periods=None, **options):
    periods = periods or PERIODS[-len(rows[0]):]
    return signals_in_latest_period(dict(enumerate(rows)), periods=periods, **options)


# --- random data: the watch equals the engine one by one --------------------------------


@st.composite
def counts_series(draw, length: int, messy: bool):
    """Counts with the shapes that make signals: a level, sometimes a shift at the end,
    sometimes an outlier in the latest month, many zeros and ties; ``messy`` adds missing
    months and values the engine refuses."""
    level = draw(st.sampled_from([0, 0.2, 1, 3, 8, 20]))
    values: list = [draw(st.integers(0, max(1, round(level * 2)))) for _ in range(length)]
    if length > 2 and draw(st.booleans()):
        start = draw(st.integers(1, length - 1))
        step = draw(st.integers(1, 10))
        values[start:] = [v + step for v in values[start:]]
    if draw(st.booleans()):
        values[-1] += draw(st.integers(0, 30))
    if draw(st.integers(0, 4)) == 0:
        values = [v + draw(st.sampled_from([0.0, 0.5, 0.25])) for v in values]
    if messy:
        kind = draw(st.sampled_from(
            ["none"] * 6 + ["missing", "last missing", "nan", "negative", "text", "short",
                           "tuple"]))
        spot = draw(st.integers(0, length - 1))
        if kind == "missing":
            values[spot] = None
        elif kind == "last missing":
            values[-1] = None
        elif kind == "nan":
            values[spot] = math.nan
        elif kind == "negative":
            values[spot] = -1
        elif kind == "text":
            values[spot] = "3"
        elif kind == "short":
            values = values[:-1]
        elif kind == "tuple":
            values = tuple(values)
    return values


@st.composite
def grids(draw, chart: str):
    length = draw(st.integers(1, 40))
    periods = [f"m{k:02d}" for k in range(1, length + 1)]
    keys = range(draw(st.integers(1, 6)))
    counts = {k: draw(counts_series(length, messy=True)) for k in keys}
    if chart == "c":
        return periods, counts, None
    # Patient days: steady (so shifts in counts show as shifts in rates) or anything.
    steady = st.lists(st.integers(500, 700), min_size=length, max_size=length)
    wild = st.lists(st.one_of(st.integers(1, 2000), st.floats(0.5, 3000.0)),
                    min_size=length, max_size=length)
    shared = draw(steady)  # one unit's days, shared by its categories
    denominators = {}
    for k in keys:
        dens = draw(st.sampled_from([shared, draw(steady), draw(wild)]))
        kind = draw(st.sampled_from(["none"] * 12 + ["zero", "missing", "absent"]))
        spot = draw(st.integers(0, length - 1))
        if kind == "zero":
            dens = [*dens[:spot], 0, *dens[spot + 1:]]
        elif kind == "missing":
            dens = [*dens[:spot], None, *dens[spot + 1:]]
        if kind != "absent":
            denominators[k] = dens
    return periods, counts, denominators


@PROFILE
@given(grids("c"))
def test_c_watch_gives_the_signals_of_the_engine_one_by_one(grid):
    periods, counts, _ = grid
    watch = signals_in_latest_period(counts, periods=periods)
    expected, refused = one_by_one(counts, periods)
    assert summary(watch) == [(key, rules, began) for key, rules, began in expected]
    assert watch.refused == refused
    assert watch.checked == len(counts)


@PROFILE
@given(grids("u"), st.sampled_from([1, 1000]))
def test_u_watch_gives_the_signals_of_the_engine_one_by_one(grid, multiply):
    periods, counts, denominators = grid
    watch = signals_in_latest_period(counts, periods=periods, chart="u",
                                     denominators=denominators, multiply=multiply)
    expected, refused = one_by_one(counts, periods, "u", denominators)
    assert summary(watch) == [(key, rules, began) for key, rules, began in expected]
    assert watch.refused == refused
    for signal in watch.signals:  # the chart a page draws is the engine's, with multiply
        chart = qic(periods, counts[signal.key], denominators[signal.key], chart="u",
                    multiply=multiply)
        assert list(signal.points) == chart
        assert list(signal.explanations) == explain(chart)
        assert signal.began == periods[signal.began_at - 1]


@PROFILE
@given(st.lists(st.integers(0, 50), min_size=1, max_size=40),
       st.lists(st.one_of(st.integers(1, 5000), st.floats(0.01, 1e5)), min_size=40,
                max_size=40))
def test_u_chart_latest_gives_the_last_limits_of_the_u_chart(nums, dens):
    nums = [float(v) for v in nums]
    dens = [float(d) for d in dens[:len(nums)]]
    full = u_chart(nums, dens, None, True)
    latest = u_chart_latest(nums, dens)
    assert (latest.cl, latest.lcl[0], latest.ucl[0]) == (full.cl, full.lcl[-1], full.ucl[-1])


# --- hand-checked cases -------------------------------------------------------------------

CALM = [4, 6, 5, 5, 6, 4, 5, 6, 4, 5, 6, 5, 4, 6, 5, 5, 6, 4, 5, 6, 4, 5, 6, 5]  # 24 months


def test_a_planted_shift_is_a_long_run_that_began_with_the_shift():
    shifted = CALM + [9, 10] * 6  # the last 12 months above a centre line of 6.5
    watch = watch_c(shifted)
    (signal,) = watch.signals
    assert signal.rules == ("long-run", "few-crossings")
    assert (signal.began_at, signal.began, signal.side) == (25, "2026-01", "above")
    assert signal.sentences == (
        "12 points in a row above the centre line, from point 25 (2026-01) to the latest "
        "point (more than the 8 expected for 36 useful points)",
        "only 1 crossing of the centre line (at least 13 expected for 36 useful points)")
    # The chart's own explanation names its longest run, the calm months below the line.
    assert signal.explanations == (
        "24 points in a row below the centre line (more than the 8 expected for 36 useful "
        "points)",
        "only 1 crossing of the centre line (at least 13 expected for 36 useful points)")
    assert watch.charted == 0  # judged without drawing a chart


def test_a_point_on_the_centre_line_neither_breaks_nor_extends_the_run():
    shifted = [4, 6] * 12 + [8, 8, 8, 8, 8, 6, 8, 8, 8, 8, 9, 9]  # centre line exactly 6
    (signal,) = watch_c(shifted).signals
    assert signal.points[0].cl == 6.0
    assert signal.rules == ("long-run", "few-crossings")
    assert signal.sentences[0] == (
        "11 points in a row above the centre line, from point 25 (2026-01) to the latest "
        "point (more than the 8 expected for 23 useful points)")


def test_a_single_outlier_in_the_latest_month_signals_alone():
    watch = watch_c([3, 5] * 17 + [4, 20])
    (signal,) = watch.signals
    assert signal.rules == ("above-limit",)
    assert (signal.began_at, signal.side) == (36, "above")
    assert signal.sentences == ("point 36 (2026-12) is above the upper control limit",)


def test_an_outlier_in_an_earlier_month_is_history_not_this_months_signal():
    series = [3, 5] * 17 + [20, 4]
    assert "point 35 (2026-11) is above the upper control limit" in explain(
        qic(PERIODS, series, chart="c"))
    assert watch_c(series).signals == []


def test_a_long_run_that_ended_before_the_latest_month_is_not_reported():
    series = [6, 9] * 6 + [12] * 10 + [6, 9] * 7  # a run of 11 in the middle, then crossing
    points = qic(PERIODS, series, chart="c")
    assert points[-1].runs_signal and points[-1].longest_run == 11
    assert points[-1].n_crossings >= points[-1].n_crossings_min
    assert watch_c(series).signals == []


def test_no_signal_and_all_zero_series_are_cleared_without_a_chart():
    calm = [3, 5] * 18
    zeros = [0] * 36
    watch = watch_c(calm, zeros)
    assert (watch.signals, watch.refused, watch.charted, watch.checked) == ([], {}, 0, 2)


def test_one_event_in_a_sparse_series_signals_and_says_the_series_is_sparse():
    watch = watch_c([0] * 35 + [1])
    (signal,) = watch.signals
    # 35 months below a centre line of 1/36, then one above: too few crossings, and the
    # latest point above an upper limit of 0.53 — what a C chart says of rare events.
    assert signal.rules == ("few-crossings", "above-limit")
    assert signal.began_at == 36
    assert signal.mean_count == pytest.approx(1 / 36)


def test_a_point_exactly_on_the_upper_limit_does_not_signal():
    series = [0, 0, 0] + [1] * 32 + [4]  # centre line 1, upper limit 1 + 3·1 = 4
    points = qic(PERIODS, series, chart="c")
    assert (points[-1].cl, points[-1].ucl, points[-1].sigma_signal) == (1.0, 4.0, False)
    assert watch_c(series).signals == []
    assert "above-limit" in watch_c([*series[:-1], 5]).signals[0].rules


def test_missing_months_are_charted_by_the_engine_and_never_signal_themselves():
    shifted = CALM + [9, 10] * 6
    gap = shifted[:]
    gap[5] = None
    last_missing = [*shifted[:-1], None]
    watch = watch_c(shifted, gap, last_missing)
    assert summary(watch) == [(0, ("long-run", "few-crossings"), 25),
                              (1, ("long-run", "few-crossings"), 25)]
    assert watch.charted == 2  # the two series with a missing month
    assert watch.signals[1].sentences[0].endswith("(more than the 8 expected for 35 useful "
                                                  "points)")


def test_short_series_work_from_one_month():
    assert watch_c([3], [0]).signals == []
    (signal,) = watch_c([1, 1, 1, 12], [2, 3, 2, 3]).signals
    assert (signal.key, signal.rules) == (0, ("above-limit",))
    assert one_by_one({0: [1, 1, 1, 12], 1: [2, 3, 2, 3]}, PERIODS[:4])[0] == [
        (0, ("above-limit",), 4)]


def test_newest_first_by_where_the_evidence_begins_ties_in_input_order():
    outlier = [3, 5] * 17 + [4, 20]
    shift_from_25 = CALM + [9, 10] * 6
    shift_from_28 = CALM + [5, 4, 5] + [10, 11] * 4 + [10]
    counts = {"early shift": shift_from_25, "outlier": outlier, "late shift": shift_from_28,
              "outlier again": outlier, "quiet": [3, 5] * 18}
    watch = signals_in_latest_period(counts, periods=PERIODS)
    assert [(s.key, s.began_at) for s in watch.signals] == [
        ("outlier", 36), ("outlier again", 36), ("late shift", 28), ("early shift", 25)]


def test_u_charts_judge_rates_and_draw_them_per_thousand():
    days = [600, 650, 620, 610] * 9
    falls = [3, 3, 4, 3] * 8 + [3, 3, 3, 14]
    watch = signals_in_latest_period({"ward 1": falls}, periods=PERIODS, chart="u",
                                     denominators={"ward 1": days}, multiply=1000)
    (signal,) = watch.signals
    assert signal.rules == ("above-limit",)
    last = signal.points[-1]
    assert last.y == pytest.approx(14 / 610 * 1000)
    assert last.ucl > 3 / 610 * 1000  # the drawn chart is per 1,000 patient days


def test_u_chart_months_without_patient_days():
    days = [600] * 36
    closed = days[:]
    closed[10] = 0  # no patient days and no events that month: a missing point
    events = [3, 4] * 18
    events_when_closed = events[:]
    events_when_closed[10] = 0
    not_entered = days[:]
    not_entered[4] = None  # events but no patient days: nothing to divide by
    counts = {"closed a month": events_when_closed, "days not entered": events,
              "no days at all": events}
    watch = signals_in_latest_period(
        counts, periods=PERIODS, chart="u",
        denominators={"closed a month": closed, "days not entered": not_entered})
    assert watch.refused == {"days not entered": "missing denominator at point 5",
                             "no days at all": "chart 'u' needs a denominator n"}
    assert (watch.signals, watch.charted) == ([], 3)


def test_series_the_engine_refuses_are_listed_with_its_reason_and_the_rest_are_watched():
    good = CALM + [9, 10] * 6
    watch = watch_c(good, [*good[:5], -1, *good[6:]], good[:-1], [*good[:3], "x", *good[4:]])
    assert summary(watch) == [(0, ("long-run", "few-crossings"), 25)]
    assert watch.refused == {
        1: "point 6: C charts need counts of 0 or more (got -1)",
        2: "x has 36 values but y has 35",
        3: "point 4: y value 'x' is not a number",
    }


def test_series_given_as_iterators_are_read_once_and_still_drawn():
    shifted = CALM + [9, 10] * 6
    watch = signals_in_latest_period({"a": iter(shifted), "b": (v for v in shifted)},
                                     periods=PERIODS)
    assert [s.key for s in watch.signals] == ["a", "b"]
    assert [p.y for p in watch.signals[1].points] == [float(v) for v in shifted]


@pytest.mark.parametrize(("options", "message"), [
    ({"chart": "p"}, "the signal watch draws C or U charts, not 'p'"),
    ({"chart": "u"}, "chart 'u' needs denominators (e.g. patient days) for each series"),
    ({"denominators": {}}, "chart 'c' does not use denominators"),
    ({"periods": []}, "no periods: the watch needs at least one month"),
    ({"periods": "2026-01"}, "periods must be a list of labels, one per month"),
    ({"periods": ["2026-01", "2026-02", "2026-01"]}, "period '2026-01' is given twice"),
    ({"periods": [["2026-01"]]}, "periods must be hashable"),
    ({"multiply": 0}, "multiply must be a positive number (got 0)"),
    ({"multiply": math.inf}, "multiply must be a positive number (got inf)"),
    ({"multiply": True}, "multiply must be a positive number (got True)"),
])
def test_options_that_fit_no_series_are_refused_with_a_reason(options, message):
    arguments = {"periods": ["2026-01", "2026-02", "2026-03"], **options}
    with pytest.raises(SPCInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        signals_in_latest_period({"a": [1, 2, 3]}, **arguments)


# --- latest_signal on any chart -------------------------------------------------------------


def test_latest_signal_reads_only_the_latest_part_and_names_it():
    before = [20, 22] * 12  # a high first part: its level is not this month's news
    after = [3, 7] * 5 + [4, 21]
    points = qic(PERIODS, before + after, chart="c", part=[24])
    judged = latest_signal(points)
    assert judged.rules == ("above-limit",)
    assert judged.sentences == ("part 2: point 36 (2026-12) is above the upper control limit",)


def test_latest_signal_names_an_excluded_latest_point_as_the_chart_does():
    points = qic(PERIODS, [3, 5] * 17 + [4, 20], chart="c", exclude=[36])
    judged = latest_signal(points)
    assert judged.rules == ("above-limit",)
    assert judged.sentences == (
        "point 36 (2026-12) is above the upper control limit (excluded from the "
        "calculations)",)
    assert judged.sentences[0] in explain(points)


def test_latest_signal_of_nothing_is_none():
    assert latest_signal([]) is None
