"""The serious-event clock: three business days, Monday to Friday, in local time.

Pure arithmetic (no Django): the caller passes aware datetimes already converted to the
organization's time zone, and "now" explicitly, so tests can fake it.

What counts (the project's choice; documented in docs/events/serious-events.md):

* business days are Monday to Friday; Saturday and Sunday do not count;
* public holidays are not known to SafetyHub and do count as business days (a holiday
  calendar per organization is out of scope for now: the clock errs on the early side);
* a clock that starts on a weekend starts on the following Monday at 00:00;
* "3 business days" ends at the same time of day three business days later: an event
  flagged on Friday at 15:00 is due on Wednesday at 15:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SATURDAY = 5  # date.weekday(): Monday is 0
DAY = dt.timedelta(days=1)
BUSINESS_DAY_SECONDS = 24 * 60 * 60


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def clock_start(moment: dt.datetime) -> dt.datetime:
    """When the clock really starts: `moment`, or the next Monday 00:00 on a weekend."""
    if is_business_day(moment.date()):
        return moment
    day = moment.date()
    while not is_business_day(day):
        day += DAY
    return moment.replace(year=day.year, month=day.month, day=day.day, hour=0, minute=0,
                          second=0, microsecond=0)


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """`moment` plus `days` business days, at the same time of day."""
    if days < 0:
        raise ValueError("days must not be negative")
    start = clock_start(moment)
    result = start
    left = days
    while left:
        result += DAY
        if is_business_day(result.date()):
            left -= 1
    return result


def business_seconds_between(start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of weekday time from `start` to `end` (negative when `end` is earlier)."""
    if end < start:
        return -business_seconds_between(end, start)
    total = dt.timedelta(0)  # summed exactly; floats would drift by microseconds
    cursor = start
    while cursor < end:
        midnight = (cursor + DAY).replace(hour=0, minute=0, second=0, microsecond=0)
        step_end = min(midnight, end)
        if is_business_day(cursor.date()):
            total += step_end - cursor
        cursor = step_end
    return total.total_seconds()


@dataclass(frozen=True)
class Clock:
    """Where a serious event's clock stands at `now`."""

    due_at: dt.datetime
    seconds_left: float  # business seconds; negative once overdue

    @property
    def overdue(self) -> bool:
        return self.seconds_left < 0

    @property
    def words(self) -> str:
        """"2 business days 5 hours left", "3 hours left", "overdue by 1 business day"."""
        seconds = abs(self.seconds_left)
        days, rest = divmod(int(seconds), BUSINESS_DAY_SECONDS)
        hours = rest // 3600
        parts = []
        if days:
            parts.append(f"{days} business day{'s' if days != 1 else ''}")
        if hours or not days:
            if not days and not hours:
                minutes = max(1, rest // 60) if seconds else 0
                parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
            else:
                parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
        text = " ".join(parts)
        return f"overdue by {text}" if self.overdue else f"{text} left"


def clock(*, started_at: dt.datetime, now: dt.datetime, days: int = 3) -> Clock:
    """The clock of an event flagged serious at `started_at`, read at `now`."""
    due = add_business_days(started_at, days)
    return Clock(due_at=due, seconds_left=business_seconds_between(now, due))
