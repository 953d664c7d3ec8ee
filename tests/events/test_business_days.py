"""The serious-event clock: three business days, weekends skipped, read at a fake "now"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetyhub.events.business_days import (
    add_business_days,
    business_seconds_between,
    clock,
    clock_start,
)

TZ = ZoneInfo("UTC")


def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in December 2026: the 7th is a Monday, the 12th and 13th a weekend."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def test_a_tuesday_event_is_due_on_friday_at_the_same_time():
    assert at(8).weekday() == 1
    assert add_business_days(at(8, 14), 3) == at(11, 14)


def test_a_friday_event_skips_the_weekend():
    assert at(11).weekday() == 4
    assert add_business_days(at(11, 15), 3) == at(16, 15)  # Wednesday


def test_an_event_flagged_on_saturday_starts_its_clock_on_monday_morning():
    assert clock_start(at(12, 22)) == at(14, 0)
    assert add_business_days(at(12, 22), 3) == at(17, 0)  # Thursday 00:00


def test_weekend_hours_do_not_count_as_time_left():
    # Friday 17:00 to Monday 09:00 is 64 hours of clock time but 16 business hours.
    assert business_seconds_between(at(11, 17), at(14, 9)) == 16 * 3600
    assert business_seconds_between(at(14, 9), at(11, 17)) == -16 * 3600


def test_the_clock_reads_time_left_and_overdue_in_words():
    flagged = at(11, 15)  # Friday
    on_saturday = clock(started_at=flagged, now=at(12, 10))
    assert not on_saturday.overdue
    # Friday 15:00–24:00 has passed (9 h); 2 days 15 hours of weekday time remain.
    assert on_saturday.words == "2 business days 15 hours left"
    late = clock(started_at=flagged, now=at(17, 15))  # Thursday 15:00
    assert late.overdue
    assert late.words == "overdue by 1 business day"
    assert clock(started_at=flagged, now=at(16, 14, 30)).words == "30 minutes left"


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_business_days(at(8), -1)


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
       st.integers(min_value=0, max_value=20))
def test_n_business_days_always_hold_n_days_of_weekday_time(moment, days):
    start = moment.replace(tzinfo=TZ)
    due = add_business_days(start, days)
    assert due.weekday() < 5  # a clock never ends on a weekend
    assert business_seconds_between(clock_start(start), due) == days * 24 * 3600
