"""Evidence from the platform's own records: figures that apps add for the PSSM readiness view
(and anything else that wants to show what SafetyHub's records say about a programme).

Domain apps register a provider from their `apps.py` `ready()` (core never imports a domain
app):

    platform_evidence.register_evidence("events.serious_acknowledged", serious_figures,
                                        order=10)

`provider(organization=…, today=…)` returns a list of `Figure`s: each a plain-word label, the
value, the period it covers, and a link to the records behind it. A provider returns [] when
it has nothing to say (for instance an organization with no event reports). It is called
once per page and must cost a fixed number of queries.

Which figure bears on which PSSM statement is data, not code:
assessments/pssm_evidence.yaml maps each figure's `key` to the statements. A figure is the
records' account only: whether a statement is met stays the organization's judgement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .models import Organization


@dataclass(frozen=True)
class Figure:
    """One figure from the organization's records."""

    key: str  # stable: the mapping to statements (pssm_evidence.yaml) names it
    label: str  # what is counted, in plain words
    value: str  # the figure as read: "4 of 5 (80%)"
    period: str  # the time it covers: "8 Dec 2025 to 7 Dec 2026"
    link: str  # the page of the records behind the figure
    link_text: str = "See the records"
    note: str = ""  # one plain-word line on how to read it, or why there is no figure


Provider = Callable[..., list[Figure]]


@dataclass(frozen=True)
class Registration:
    key: str
    provider: Provider
    order: int


_providers: dict[str, Registration] = {}


def register_evidence(key: str, provider: Provider, *, order: int = 100) -> None:
    """Add a provider of figures (a key again replaces it: apps' `ready()` may run more than
    once in tests)."""
    _providers[key] = Registration(key=key, provider=provider, order=order)


def providers() -> list[Registration]:
    return sorted(_providers.values(), key=lambda r: (r.order, r.key))


def figures(*, organization: Organization, today: dt.date) -> list[Figure]:
    """Every registered provider's figures for the organization, in the providers' order."""
    out: list[Figure] = []
    for registration in providers():
        out.extend(registration.provider(organization=organization, today=today))
    return out


# --- helpers the providers share, so every figure reads the same way ----------------------

def year_before(today: dt.date) -> dt.date:
    """The first day of the 12 months that end today (29 February falls back a day)."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + dt.timedelta(days=1)


def period_words(start: dt.date, end: dt.date) -> str:
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


def share_words(part: int, whole: int) -> str:
    """"4 of 5 (80%)"; "none yet" when there is nothing to share out."""
    if not whole:
        return "none yet"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"
