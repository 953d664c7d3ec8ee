"""Charts that read themselves (measures/reading.py): signals of the latest phase judged
against the better direction, where a sustained shift began, and the change statement."""

import pytest

from safetyhub.measures.reading import (
    change_statement,
    format_values,
    read_signals,
    shift_start,
    suggested_split,
    verdict,
)
from safetyhub.spc import qic

# 12 points around 5, then 8 in a row clearly lower (longest run limit for 20 points: 7)
DROP = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 3, 3.5, 3, 2.5, 3, 3.5, 3, 2.5]
LABELS = [f"M{k}" for k in range(1, len(DROP) + 1)]


def run_chart(values=DROP, **kwargs):
    return qic(LABELS[:len(values)], values, chart="run", **kwargs)


def test_a_run_below_the_centre_line_reads_as_an_improvement_when_lower_is_better():
    signals = read_signals(run_chart(), LABELS, "decrease")
    shift = [s for s in signals if s.kind == "shift"]
    assert len(shift) == 1
    assert shift[0].verdict == "improvement"
    assert shift[0].start == 13
    assert shift[0].sentence.startswith("8 points in a row below the centre line since M13")
    assert shift[0].sentence.endswith(": an improvement (lower is better)")


def test_the_same_run_reads_as_a_deterioration_when_higher_is_better():
    signals = read_signals(run_chart(), LABELS, "increase")
    assert {s.verdict for s in signals} == {"deterioration"}
    assert signals[0].sentence.endswith(": a deterioration (higher is better)")


def test_a_measure_with_no_direction_just_reads_a_change():
    signals = read_signals(run_chart(), LABELS, "neutral")
    assert signals and all(s.verdict == "change" for s in signals)
    assert signals[0].sentence.endswith(": a change")
    assert "better" not in signals[0].sentence


def test_a_point_beyond_the_limits_is_judged_by_its_side():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 30]
    signals = read_signals(qic(LABELS[:15], values, chart="i"), LABELS[:15], "decrease")
    limit = [s for s in signals if s.kind == "limit"]
    assert [(s.start, s.verdict) for s in limit] == [(15, "deterioration")]
    assert limit[0].sentence == ("M15 is above the upper control limit: a deterioration "
                                 "(lower is better)")


def test_no_signal_reads_nothing_and_suggests_no_split():
    values = [5, 6, 5, 6, 5, 6, 5, 6, 5, 6]
    points = run_chart(values)
    assert read_signals(points, LABELS[:10], "decrease") == []
    assert shift_start(points) is None
    assert suggested_split(points) is None


def test_the_shift_start_is_the_first_point_of_the_long_run_and_the_split_the_point_before():
    points = run_chart()
    assert shift_start(points) == 13
    assert suggested_split(points) == 12


def test_only_the_latest_phase_is_read_and_a_split_at_the_shift_suggests_no_other():
    points = run_chart(part=[12])
    assert points[-1].part == 2
    assert suggested_split(points) is None
    assert all(s.kind != "shift" for s in read_signals(points, LABELS, "decrease"))


def test_labels_must_match_points():
    with pytest.raises(ValueError, match="3 labels for 20 points"):
        read_signals(run_chart(), LABELS[:3], "decrease")


def test_verdict_words():
    assert verdict("high", "increase") == "improvement"
    assert verdict("low", "increase") == "deterioration"
    assert verdict("low", "decrease") == "improvement"
    assert verdict("high", "neutral") == "change"


def test_statement_with_a_goal_met_when_lower_is_better():
    assert change_statement(before=3.0, after=1.5, unit="per 1,000 patient days", goal=2.0,
                            direction="decrease") == (
        "from 3.0 to 1.5 per 1,000 patient days; goal 2.0 met")


def test_statement_with_a_goal_not_yet_met_when_higher_is_better():
    assert change_statement(before=60, after=75, unit="%", goal=90, direction="increase") == (
        "from 60.0 to 75.0%; goal 90.0 not yet met")


def test_statement_without_a_goal_or_direction():
    assert change_statement(before=3, after=1.5, unit="falls") == "from 3.0 to 1.5 falls"
    assert change_statement(before=3, after=1.5, goal=2, direction="neutral") == (
        "from 3.0 to 1.5; goal 2.0 (no better direction set, so not judged)")


def test_numbers_get_more_decimals_only_when_they_need_them():
    assert format_values(3, 1.5) == ["3.0", "1.5"]
    assert format_values(0.031, 0.012) == ["0.03", "0.01"]
    assert format_values(0.0042, 0.0031) == ["0.004", "0.003"]
    assert format_values(2.04, 2.01) == ["2.04", "2.01"]
    assert format_values(1234.5, 987.0) == ["1,234.5", "987.0"]
