"""What a span becomes: relative dates, "90 or older", or ``[KIND]``."""

from __future__ import annotations

import datetime

from .dates import read_date, resolve
from .spans import KINDS, Span


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def check_spans(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` sorted, after checking each is inside ``text``, of a known kind, and that
    none overlaps another; ValueError naming the span otherwise."""
    ordered = sorted(Span(*span) for span in spans)
    previous_end = 0
    for span in ordered:
        if span.kind not in KINDS:
            raise ValueError(f"span {span}: unknown kind {span.kind!r}")
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"span {span}: outside the text (length {len(text)})")
        if span.start < previous_end:
            raise ValueError(f"span {span}: overlaps the span before it")
        previous_end = span.end
    return ordered


def anchor_date(text: str, spans: list[Span]) -> datetime.date | None:
    """Day 1 when there is no reference date: the first DATE span with a full date."""
    for span in spans:
        if span.kind != "DATE":
            continue
        found = read_date(text[span.start:span.end])
        if found and found.year and found.month and found.day:
            return resolve(found, datetime.date(found.year, found.month, 1))
    return None


def date_replacement(
    piece: str, *, reference_date: datetime.date | None, anchor: datetime.date | None
) -> str:
    found = read_date(piece)
    near = reference_date or anchor
    if found is None or near is None:
        return "[DATE]"
    date = resolve(found, near)
    if date is None:
        return "[DATE]"
    days = (date - near).days
    if reference_date is not None:
        if days == 0:
            return "the day of the event"
        return f"{_days(abs(days))} {'after' if days > 0 else 'before'} the event"
    if days == 0:
        return "day 1"
    return f"{_days(abs(days))} {'later' if days > 0 else 'earlier'}"


def replace_one(
    text: str, span: Span, *, reference_date: datetime.date | None,
    anchor: datetime.date | None,
) -> str:
    if span.kind == "DATE":
        return date_replacement(
            text[span.start:span.end], reference_date=reference_date, anchor=anchor
        )
    if span.kind == "AGE":
        return "90 or older"
    return f"[{span.kind}]"
