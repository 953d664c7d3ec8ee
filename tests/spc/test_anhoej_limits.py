"""Anhøj runs limits (spc.md §4): exact match with anhoej_limits_n1_100.csv for n = 1..100,
and the runs analysis itself on small hand-checked series."""

from __future__ import annotations

import csv
import math

import pytest

from safetyhub.spc import qic
from safetyhub.spc.runs import crossings_min, longest_run_max, runs_analysis

from .reference import REFERENCE

TABLE = REFERENCE / "anhoej_limits_n1_100.csv"


def test_limits_match_the_reference_table_for_n_1_to_100():
    assert TABLE.is_file(), f"{TABLE} not found"
    with open(TABLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["n_useful"]) for r in rows] == list(range(1, 101))
    wrong = [
        (int(r["n_useful"]), (longest_run_max(int(r["n_useful"])),
                              crossings_min(int(r["n_useful"]))),
         (int(r["longest_run_max"]), int(r["n_crossings_min"])))
        for r in rows
        if (longest_run_max(int(r["n_useful"])), crossings_min(int(r["n_useful"])))
        != (int(r["longest_run_max"]), int(r["n_crossings_min"]))
    ]
    assert not wrong, f"(n, ours, reference): {wrong}"


@pytest.mark.parametrize(("n", "l_max", "c_min"), [
    (10, 6, 2), (12, 7, 3), (20, 7, 6), (23, 8, 7), (30, 8, 10), (40, 8, 14),
    (45, 8, 17), (50, 9, 19), (60, 9, 23), (70, 9, 28), (80, 9, 32), (90, 9, 37),
    (100, 10, 41),
])
def test_limits_match_the_table_in_spc_md(n, l_max, c_min):
    assert (longest_run_max(n), crossings_min(n)) == (l_max, c_min)


def test_limits_beyond_the_table_are_exact_binomial_percentiles():
    # 5th percentile of Binomial(n - 1, ½) by exact integer sums, checked independently.
    for n in (101, 150, 257, 1000):
        m = n - 1
        c = next(c for c in range(n) if 20 * sum(math.comb(m, k) for k in range(c + 1)) >= 2**m)
        assert crossings_min(n) == c
        assert longest_run_max(n) == round(math.log2(n)) + 3


def test_limits_need_at_least_one_useful_point():
    with pytest.raises(ValueError):
        longest_run_max(0)
    with pytest.raises(ValueError):
        crossings_min(0)


def test_points_on_the_centre_line_neither_break_nor_extend_a_run():
    # spc.md §4: y = 1,2,3,3,3,4,5: median 3, n.obs 7, n.useful 4.
    points = qic(None, [1, 2, 3, 3, 3, 4, 5], chart="run")
    p = points[0]
    assert p.cl == 3
    assert (p.n_obs, p.n_useful, p.longest_run, p.n_crossings) == (7, 4, 2, 1)


def test_runs_analysis_counts_missing_in_n_obs_only():
    result = runs_analysis([1.0, None, 3.0, 4.0, None, 0.0], 2.0)
    assert (result.n_obs, result.n_useful, result.longest_run, result.n_crossings) == \
        (6, 4, 2, 2)


def test_runs_analysis_drops_excluded_points_before_counting():
    result = runs_analysis([1.0, 3.0, 1.0], 2.0, include=[True, False, True])
    assert (result.n_obs, result.n_useful, result.longest_run, result.n_crossings) == \
        (2, 2, 2, 0)


def test_runs_analysis_without_useful_points_has_no_statistics():
    result = runs_analysis([2.0, None, 2.0], 2.0)
    assert result == (3, 0, None, None, None, None, False)


def test_long_run_signals():
    # 10 points above then 10 below: longest run 10 > 7 for 20 useful points.
    y = [2.0] * 10 + [0.0] * 10
    result = runs_analysis(y, 1.0)
    assert (result.longest_run, result.longest_run_max, result.signal) == (10, 7, True)


def test_too_few_crossings_signal():
    # Runs of 5: 3 crossings < 6 for 20 useful points, longest run 5 ≤ 7.
    y = ([2.0] * 5 + [0.0] * 5) * 2
    result = runs_analysis(y, 1.0)
    assert (result.n_crossings, result.n_crossings_min, result.signal) == (3, 6, True)


def test_alternating_series_has_no_runs_signal():
    result = runs_analysis([0.0, 2.0] * 10, 1.0)
    assert (result.longest_run, result.n_crossings, result.signal) == (1, 19, False)
