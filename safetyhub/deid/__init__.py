"""De-identification of incident narratives (HIPAA Safe Harbor identifiers).

A pure module: the standard library only, nothing of the project (ARCHITECTURE.md §4), so
the lesson review and any batch job can call it anywhere. See docs/deidentification.md.

Public API
==========

``find_identifiers(text) -> list[Span]``
    Identifiers in ``text``, sorted and not overlapping; each ``Span(start, end, kind)``
    has offsets in the original text and a kind from :data:`KINDS`.
``redact(text, spans, *, reference_date=None) -> str``
    ``text`` with each span replaced by :func:`replacement_for`'s text. The spans may be
    any the reviewer kept or added (non-overlapping, of a known kind); ValueError names a
    bad one. Without a reference date, "day 1" is the first full date among ``spans``.
``deidentify(text, *, reference_date=None) -> tuple[str, list[Span]]``
    ``(redact(text, spans), spans)`` with the spans :func:`find_identifiers` found.
``replacement_for(text, span, *, reference_date=None) -> str``
    What one span becomes, as :func:`deidentify` would replace it: dates relative to
    ``reference_date`` (the event's date: "the day of the event", "3 days after the
    event", "2 days before the event") or, without one, to the text's first full date
    ("day 1", "2 days later", "1 day earlier"); a date without a day is "[DATE]"; an age
    over 89 is "90 or older"; anything else is "[KIND]".

Times of day, ages up to 89 and clinical abbreviations are not identifiers.
"""

from __future__ import annotations

import datetime
import re

from . import names
from .dates import find_dates
from .patterns import find_patterns
from .replace import anchor_date, check_spans, replace_one
from .spans import KINDS, Span

__all__ = ["KINDS", "Span", "deidentify", "find_identifiers", "redact", "replacement_for"]

# When two finds overlap, the more specific kind wins; then the longer span.
_PRIORITY = {kind: rank for rank, kind in enumerate((
    "EMAIL", "URL", "IP", "SSN", "DATE", "PHONE", "MRN", "ACCOUNT", "LICENCE", "VEHICLE",
    "DEVICE", "AGE", "ADDRESS", "PLACE", "NAME",
))}


def _rank(kind: str) -> int:
    # a weak guess ("MRN~": an unlabelled number) yields to every other find; a labelled
    # one ("MRN!": "UR 0973840841") to none but e-mails, URLs and IPs
    if kind.endswith("!"):
        return min(_PRIORITY[kind[:-1]], _PRIORITY["SSN"])
    return _PRIORITY[kind.rstrip("~")] + (len(_PRIORITY) if kind.endswith("~") else 0)


def _resolve_overlaps(found: list[tuple[int, int, str]]) -> list[Span]:
    chosen: list[Span] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in sorted(found, key=lambda f: (_rank(f[2]), f[0] - f[1], f[0])):
        if start >= end or any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        chosen.append(Span(start, end, kind.rstrip("~!")))
        taken.append((start, end))
    return sorted(chosen)


# The town after a street address: "12 Elm St, Port Timothy", "Evibaan 743, de Lutte".
# (the rest of a unit may come first: "Apt. 563, Port X", "Canale Ivan, 24, Luckau")
_TOWN_AFTER = re.compile(
    r"(?:[^,;\n]{0,25}?)(?:,\s*[0-9][^,;\n]{0,20}?)?"
    r",\s*((?:(?!(?:and|but|or|to|the|was|is)\b)-?[^\W\d_][\w'’.\-]*\s+){0,5}"
    r"(?!(?:and|but|or|to|the|was|is)\b)-?[^\W\d_][\w'’\-]*)"
    r"(?=\s*(?:,|\.|;|\sand\s|\sbut\s|\n|$))"
)


def find_identifiers(text: str) -> list[Span]:
    """Identifiers in ``text``, sorted, not overlapping (offsets in ``text``)."""
    found: list[tuple[int, int, str]] = [(d.start, d.end, "DATE") for d in find_dates(text)]
    found.extend(find_patterns(text))
    found.extend(names.find_names(text))
    spans = _resolve_overlaps(found)
    towns = []
    for span in spans:
        if span.kind == "ADDRESS":
            town = _TOWN_AFTER.match(text, span.end)
            # "Port Natalieburgh", "thành phố Đà Nẵng": a capital somewhere in it
            if town and any(word[0].isupper() for word in town.group(1).split()):
                towns.append((town.start(1), town.end(1), "PLACE"))
    if towns:
        spans = _resolve_overlaps(
            [*towns, *((s.start, s.end, s.kind) for s in spans
                       if not any(s.start < e and b < s.end for b, e, _ in towns))]
        )
    return spans


def redact(
    text: str, spans: list[Span], *, reference_date: datetime.date | None = None
) -> str:
    """``text`` with every span replaced (see the module's documentation)."""
    ordered = check_spans(text, spans)
    anchor = None if reference_date else anchor_date(text, ordered)
    pieces = []
    position = 0
    for span in ordered:
        pieces.append(text[position:span.start])
        pieces.append(
            replace_one(text, span, reference_date=reference_date, anchor=anchor)
        )
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def deidentify(
    text: str, *, reference_date: datetime.date | None = None
) -> tuple[str, list[Span]]:
    """``(redacted text, spans found)``."""
    spans = find_identifiers(text)
    return redact(text, spans, reference_date=reference_date), spans


def replacement_for(
    text: str, span: Span, *, reference_date: datetime.date | None = None
) -> str:
    """What ``span`` becomes when ``text`` is de-identified with the spans found in it
    (plus this one)."""
    (span,) = check_spans(text, [span])
    anchor = None
    if reference_date is None:
        spans = [s for s in find_identifiers(text) if s.end <= span.start or s.start >= span.end]
        anchor = anchor_date(text, sorted([*spans, span]))
    return replace_one(text, span, reference_date=reference_date, anchor=anchor)
