"""The registry of figures from the platform's own records (core/platform_evidence.py): apps
add providers, figures come back in the providers' order, and the shared wording helpers."""

import datetime as dt

import pytest

from safetyhub.core import platform_evidence
from safetyhub.core.platform_evidence import Figure, period_words, share_words, year_before


@pytest.fixture
def registry():
    """The registry as the apps left it, restored after the test."""
    saved = dict(platform_evidence._providers)
    yield platform_evidence
    platform_evidence._providers.clear()
    platform_evidence._providers.update(saved)


def figure(key: str) -> Figure:
    return Figure(key=key, label=key, value="1", period="p", link="/x/")


def test_the_apps_register_their_providers_when_they_start():
    keys = [r.key for r in platform_evidence.providers()]
    assert keys[:2] == ["events", "assessments"]


def test_figures_come_in_the_providers_order_and_a_key_again_replaces_it(registry, org):
    registry._providers.clear()
    calls = []

    def late(*, organization, today):
        calls.append((organization, today))
        return [figure("late")]

    registry.register_evidence("b", late, order=50)
    registry.register_evidence("a", lambda *, organization, today: [figure("first")], order=5)
    registry.register_evidence("c", lambda *, organization, today: [], order=1)
    today = dt.date(2026, 12, 7)
    assert [f.key for f in registry.figures(organization=org, today=today)] == ["first", "late"]
    assert calls == [(org, today)]
    registry.register_evidence("a", lambda *, organization, today: [figure("again")], order=5)
    assert [f.key for f in registry.figures(organization=org, today=today)] == ["again", "late"]


def test_the_twelve_months_end_today_and_a_leap_day_falls_back():
    assert year_before(dt.date(2026, 12, 7)) == dt.date(2025, 12, 8)
    assert year_before(dt.date(2028, 2, 29)) == dt.date(2027, 3, 1)
    assert period_words(dt.date(2025, 12, 8), dt.date(2026, 12, 7)) == "8 Dec 2025 to 7 Dec 2026"


def test_a_share_reads_as_part_of_whole_with_a_percentage_and_nothing_as_none_yet():
    assert share_words(4, 5) == "4 of 5 (80%)"
    assert share_words(0, 3) == "0 of 3 (0%)"
    assert share_words(0, 0) == "none yet"
