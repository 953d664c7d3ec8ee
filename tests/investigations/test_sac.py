"""The SAC matrix (pure): every cell, unknown levels refused, and 3 the highest risk."""

import pytest

from safetyhub.investigations import sac


def test_catastrophic_is_always_3_and_minor_never_above_1():
    for probability in sac.PROBABILITY_KEYS:
        assert sac.score(severity="catastrophic", probability=probability) == 3
        assert sac.score(severity="minor", probability=probability) == 1


def test_major_is_3_only_when_frequent_and_moderate_2_only_when_frequent():
    assert sac.score(severity="major", probability="frequent") == 3
    assert sac.score(severity="major", probability="remote") == 2
    assert sac.score(severity="moderate", probability="frequent") == 2
    assert sac.score(severity="moderate", probability="occasional") == 1


def test_unknown_levels_name_the_axis():
    with pytest.raises(ValueError, match="severity"):
        sac.score(severity="huge", probability="frequent")
    with pytest.raises(ValueError, match="probability"):
        sac.score(severity="major", probability="always")


def test_the_source_says_adapted():
    assert "Adapted" in sac.SOURCE and "VA" in sac.SOURCE
