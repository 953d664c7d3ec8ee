"""The span: where an identifier is in the original text, and what kind it is."""

from __future__ import annotations

from typing import NamedTuple

KINDS: tuple[str, ...] = (
    "NAME", "DATE", "AGE", "PHONE", "EMAIL", "ADDRESS", "PLACE", "SSN", "MRN", "ACCOUNT",
    "LICENCE", "VEHICLE", "DEVICE", "URL", "IP",
)


class Span(NamedTuple):
    """``text[start:end]`` is an identifier of ``kind`` (offsets in the original text)."""

    start: int
    end: int
    kind: str
