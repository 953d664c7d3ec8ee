"""Dates in incident narratives: finding them and reading them (for relative replacements).

Times of day are not identifiers and are never matched here ("0300", "at 14:30").
"""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|"
    r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)\.?"
)
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19[0-9]{2}|20[0-9]{2})"
_SEP = r"[/\-.]"

# Each alternative names its groups so one reader handles them all.
_DATE = re.compile(
    rf"""(?ix)
    (?:(?P<wd>\b{_WEEKDAY}),?\s+)?          # an optional weekday before the date
    (?:
      \b(?P<iy>{_YEAR})(?P<is>[-/.])(?P<im>0?[1-9]|1[0-2])(?P=is)
         (?P<id>0?[1-9]|[12][0-9]|3[01])\b                             # 2025-03-14, 2025/03/14
    | \b(?P<nm>0?[1-9]|[12][0-9]|3[01])(?P<s1>{_SEP})(?P<nd>0?[1-9]|[12][0-9]|3[01])
         (?P=s1)(?P<ny>{_YEAR}|[0-9]{{2}})\b(?!{_SEP}?[0-9])                       # 3/14/25
    | \b(?P<td>{_DAY})(?:\s*|-)(?:of\s+)?(?P<tm>{_MONTH})(?![a-z])
         (?:,?(?:\s*|-)(?P<ty>{_YEAR}|[0-9]{{2}}(?![0-9:])))?\b                     # 14-Mar-2025
    | \b(?P<mm>{_MONTH})(?![a-z])\s*(?P<md>{_DAY})\b(?![:/.][0-9])
         (?:,?\s*(?P<my>{_YEAR}))?\b                                        # March 14th, 2025
    | \b(?P<ym>{_MONTH})(?![a-z]),?\s+(?P<yy>{_YEAR})\b                              # March 2024
    | \b(?P<sm>0?[1-9]|1[0-2])/(?P<sd>0?[1-9]|[12][0-9]|3[01])\b(?![/\-.]?[0-9])    # 3/4
    | (?:(?<=\bthe\s)|(?<=\bon\s))(?P<od>(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th))\b  # the 14th
    )
    """
)
# A bare month/day (3/4) is also a fraction or a ratio; it is a date only beside a word
# that says so (a weekday, "on", "since" …) or before a time.
_BARE_BEFORE = re.compile(
    r"(?i)\b(?:on|since|from|until|till|by|of|dated?|dos|dob|doi|admitted|discharged|"
    r"seen|seen well|last|next|through|thru|to|and|dated|since)\s+$"
)
_BARE_AFTER = re.compile(r"(?i)^\s*(?:@|at\s+[0-9]|[0-9]{4}\b|[0-9]{1,2}:[0-9]{2})")


# "may 2 tabs", "may 1-2 puffs": the verb before a dose, not a date
_DOSE_AFTER = re.compile(
    r"(?i)\s*(?:-|to|x\b|%|mg|mcg|ml|g\b|tab|cap|unit|puff|drop|spray|time|dose|more|or)"
)


class FoundDate(NamedTuple):
    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    if len(text) == 2:
        value += 2000 if value < 70 else 1900
    return value


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    if month is None or day is None:
        return True
    try:
        datetime.date(year or 2000, month, day)
    except ValueError:
        return False
    return True


def _read(match: re.Match[str]) -> FoundDate | None:
    g = match.groupdict()
    if g["iy"]:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
    elif g["nm"]:
        year, month, day = _year(g["ny"]), int(g["nm"]), int(g["nd"])
        if month > 12:  # 14/03/2025: day first, as written outside the US
            month, day = day, month
    elif g["td"]:
        year, month = _year(g["ty"]), MONTHS[g["tm"].rstrip(".").lower()]
        day = int(re.sub(r"\D", "", g["td"]))
    elif g["mm"]:
        year, month = _year(g["my"]), MONTHS[g["mm"].rstrip(".").lower()]
        day = int(re.sub(r"\D", "", g["md"]))
    elif g["ym"]:
        year, month, day = int(g["yy"]), MONTHS[g["ym"].rstrip(".").lower()], None
    elif g["sm"]:
        year, month, day = None, int(g["sm"]), int(g["sd"])
    else:
        year, month, day = None, None, int(re.sub(r"\D", "", g["od"]))
    if not _valid(year, month, day):
        return None
    return FoundDate(match.start(), match.end(), year, month, day)


def find_dates(text: str) -> list[FoundDate]:
    """Dates in ``text``, in order, not overlapping."""
    found = []
    for match in _DATE.finditer(text):
        if match.group("sm") and not match.group("wd"):
            before = text[max(0, match.start() - 16):match.start()]
            after = text[match.end():match.end() + 12]
            if not (_BARE_BEFORE.search(before) or _BARE_AFTER.match(after)):
                continue
        month_word = match.group("mm")
        # "may 2 ..." (the verb) and "mar" are words too: dates only with a capital or a year
        if (month_word and month_word.lower().rstrip(".") in {"may", "mar"}
                and month_word[0].islower() and not match.group("my")
                and _DOSE_AFTER.match(text, match.end())):
            continue
        date = _read(match)
        if date is not None:
            found.append(date)
    return found


def read_date(text: str) -> FoundDate | None:
    """The date ``text`` (one span's text) reads as, or None."""
    match = _DATE.search(text)
    return _read(match) if match else None


def resolve(
    date: FoundDate, near: datetime.date
) -> datetime.date | None:
    """A calendar date for ``date``, missing year (and month) taken so it falls nearest
    ``near``; None when it has no day."""
    if date.day is None:
        return None
    if date.year is not None and date.month is not None:
        try:
            return datetime.date(date.year, date.month, date.day)
        except ValueError:
            return None
    candidates = []
    if date.month is not None:
        for year in (near.year - 1, near.year, near.year + 1):
            if _valid(year, date.month, date.day):
                candidates.append(datetime.date(year, date.month, date.day))
    else:
        for shift in (-1, 0, 1):
            month = (near.month - 1 + shift) % 12 + 1
            year = near.year + (near.month - 1 + shift) // 12
            if _valid(year, month, date.day):
                candidates.append(datetime.date(year, month, date.day))
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: abs((candidate - near).days))
