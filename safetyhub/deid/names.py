"""Names of people: after a title or a role, and words that are not known to be safe."""

from __future__ import annotations

import re
from collections.abc import Iterator

Found = tuple[int, int, str]

_TITLE = (
    r"dr|doctor|mr|mrs|ms|miss|mx|prof|rev|sr|sister|nurse|rn|lpn|cna|np|pa|md|do|pt|"
    r"patient|pharmacist|tech|technician|resident|intern|attending|surgeon|therapist|"
    r"daughter|son|wife|husband|mother|father|mom|dad|sister|brother|partner|spouse|"
    r"friend|caregiver|visitor|family member|niece|nephew|grandson|granddaughter|aunt|uncle|"
    r"named|called|pt's|charge nurse|supervisor|manager|officer|paramedic|emt|aide|student|"
    r"rep|representative|vendor|engineer|chaplain|interpreter|pcp|hospitalist"
)
_NAME_AFTER_TITLE = re.compile(
    rf"(?i)(?<![\w])(?:{_TITLE})\.?,?\s+"
    r"(?P<n>(?-i:[A-Z])[a-z'\-]+(?:[ \-](?-i:[A-Z])[a-z'\-]+)?"
    r"|(?-i:[A-Z])\.\s?(?-i:[A-Z])[a-z'\-]+)"
)


def find_names(text: str) -> Iterator[Found]:
    """Names in ``text`` (may overlap other finds; the caller resolves)."""
    for match in _NAME_AFTER_TITLE.finditer(text):
        yield match.start("n"), match.end("n"), "NAME"
