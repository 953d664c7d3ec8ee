"""Bad input raises SPCInputError (a ValueError) naming the point or option and the rule."""

from __future__ import annotations

import math
import re

import pytest

from safetyhub.spc import SPCInputError, qic


def raises(message: str, *args, **kwargs):
    with pytest.raises(SPCInputError, match=re.escape(message)) as info:
        qic(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_unknown_chart_lists_the_chart_types():
    text = raises("unknown chart type 'zz' (use one of run, i, mr, xbar, s, t, p, pp, c, u, "
                  "up, g; experimental: ip)", None, [1, 2, 3], chart="zz")
    assert text.startswith("unknown chart type")


def test_empty_and_malformed_series():
    raises("no data: y is empty", None, [])
    raises("y must be a list of values, not str", None, "123")
    raises("y must be a list of values, not int", None, 5)
    raises("x has 3 values but y has 2", [1, 2, 3], [1, 2])
    raises("n has 1 values but y has 2", None, [1, 2], [3], chart="p")


def test_values_that_are_not_numbers_name_the_point():
    raises("point 2: y value 'abc' is not a number", None, [1, "abc", 3])
    raises("point 1: y value True is not a number", None, [True, 2, 3])
    raises("point 3: y value inf is not finite", None, [1, 2, math.inf])
    raises("point 2: n value -inf is not finite", None, [1, 2], [5, -math.inf], chart="p")
    raises("point 2: y value [1] is not a number", None, [1, [1], 3])


def test_missing_x():
    raises("point 2: x is missing", ["a", None, "c"], [1, 2, 3])
    raises("point 3: x is missing", [1.0, 2.0, math.nan], [1, 2, 3])
    raises("x values must be hashable", [[1], [2]], [1, 2])


def test_denominators():
    raises("chart 'p' needs a denominator n", None, [1, 2], chart="p")
    raises("chart 'u' needs a denominator n", None, [1, 2], chart="u")
    raises("chart 'c' does not use a denominator n (use 'u' for counts with a denominator)",
           None, [1, 2], [3, 4], chart="c")
    raises("chart 'xbar' does not use a denominator n", None, [1, 2], [3, 4], chart="xbar")
    raises("missing denominator at point 4", None, [1, 2, 3, 4], [5, 5, 5, None], chart="u")
    raises("point 7: the denominator is negative", None, [1] * 7, [5] * 6 + [-5], chart="u")
    raises("point 2: the numerator is negative", None, [1, -1], [5, 5], chart="u")
    raises("point 2: the numerator is negative", None, [1, -1], [5, 5], chart="pp")
    raises("point 2: the denominator is 0 but the numerator is 3", None, [1, 3], [5, 0],
           chart="u")
    raises("point 3: numerator 12 is larger than denominator 10 (proportions need y ≤ n)",
           None, [1, 2, 12], [10, 10, 10], chart="p")
    raises("point 3: numerator 12 is larger than denominator 10 (proportions need y ≤ n)",
           None, [1, 2, 12], [10, 10, 10], chart="pp")


def test_chart_specific_value_rules():
    raises("point 5: T charts need times greater than 0 (got 0)", None, [3, 4, 5, 6, 0],
           chart="t")
    raises("point 2: T charts need times greater than 0 (got -1)", None, [3, -1], chart="t")
    raises("point 2: C charts need counts of 0 or more (got -1)", None, [3, -1], chart="c")
    raises("point 1: G charts need counts of 0 or more (got -2)", None, [-2, 1], chart="g")


def test_positions():
    raises("part position 40 is outside the chart's points 1..20", None, list(range(20)),
           part=[40])
    raises("part position 20 is the last point: a new part starts after each given "
           "position, so use 1..19", None, list(range(20)), part=20)
    raises("exclude position 0 is outside the chart's points 1..20", None, list(range(20)),
           exclude=[0])
    raises("freeze position 21 is outside the chart's points 1..20", None, list(range(20)),
           freeze=21)
    raises("part positions must be whole numbers (got 2.5)", None, list(range(20)),
           part=[2.5])
    raises("exclude positions must be whole numbers (got True)", None, list(range(20)),
           exclude=[True])
    raises("freeze must be one whole number, the last baseline point (got [3])", None,
           list(range(20)), freeze=[3])


def test_part_labels_must_agree_within_an_x():
    raises("point 4: part label 'after' differs from 'before' on another row with the same x",
           [1, 1, 2, 2], [1.0, 2.0, 3.0, 4.0], chart="xbar",
           part=["before", "before", "before", "after"])


def test_multiply_must_be_a_positive_number():
    raises("multiply must be a positive number (got 0)", None, [1, 2], multiply=0)
    raises("multiply must be a positive number (got -10)", None, [1, 2], multiply=-10)
    raises("multiply must be a positive number (got inf)", None, [1, 2], multiply=math.inf)
    raises("multiply must be a positive number (got '10')", None, [1, 2], multiply="10")


def test_too_few_points_for_limits_says_where():
    raises("chart 'i' needs at least 2 non-missing points for limits (got 1)", None, [1],
           chart="i")
    raises("chart 'i' needs at least 2 non-missing points for limits (got 1)", None,
           [1, None, None], chart="i")
    raises("chart 'i' needs at least 2 non-missing points for limits in part 2 (got 1)",
           None, [1, 2, 3, 4], chart="i", part=[3])
    raises("chart 'i' needs at least 2 non-missing points for limits in the baseline "
           "(points 1..1) (got 1)", None, [1, 2, 3, 4], chart="i", freeze=1)
    raises("chart 't' needs at least 2 non-missing points for limits after exclusions (got 1)",
           None, [1, 2], chart="t", exclude=[2])
    raises("chart 'run' needs at least 1 non-missing point for a centre line after "
           "exclusions (got 0)", None, [1, 2, 3], exclude=[1, 2, 3])
    raises("chart 'c' needs at least 1 non-missing point for a centre line (got 0)", None,
           [None, None], chart="c")
    raises("chart 'p' needs at least 1 non-missing point for a centre line (got 0)", None,
           [None, None], [10, 10], chart="p")
    raises("chart 'mr' needs at least 2 consecutive non-missing points for limits "
           "(got none in a row)", None, [1, None, 2, None, 3], chart="mr")
    raises("chart 'xbar' needs at least 1 subgroup with 2 or more values for limits (got 0)",
           [1, 2, 3], [1.0, 2.0, 3.0], chart="xbar")


def test_a_zero_over_zero_pair_and_a_missing_numerator_are_missing_points():
    points = qic(None, [1, 0, None, 2], [10, 0, 10, 10], chart="u")
    assert [p.y for p in points] == [0.1, None, None, 0.2]
    assert [p.n for p in points] == [10.0, None, None, 10.0]
    assert points[1].ucl is None and points[1].sigma_signal is False


def test_nan_is_missing():
    points = qic(None, [1.0, math.nan, 3.0, 6.0], chart="i")
    assert points[1].y is None
    assert points[0].n_obs == 4 and points[0].n_useful == 3
