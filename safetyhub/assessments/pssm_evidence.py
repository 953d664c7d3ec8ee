"""Beside each PSSM statement, what SafetyHub's own records show: the figures apps register
with core/platform_evidence.py, placed by the mapping in pssm_evidence.yaml (data: which
figure bears on which statement). The figures are the records' account; the attestation is
the organization's judgement (the page says so)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml

from safetyhub.core import platform_evidence
from safetyhub.core.models import Organization
from safetyhub.core.platform_evidence import Figure

MAPPING = Path(__file__).with_name("pssm_evidence.yaml")
JUDGEMENT = ("These figures come from this organization's own records in SafetyHub. They "
             "are not an attestation: whether a statement is met is the hospital's "
             "judgement, not SafetyHub's.")


@cache
def mapping() -> dict[str, tuple[str, ...]]:
    """{figure key: statement ids}, read once from pssm_evidence.yaml."""
    data = yaml.safe_load(MAPPING.read_text(encoding="utf-8")) or {}
    return {key: tuple(str(s) for s in statements)
            for key, statements in (data.get("figures") or {}).items()}


def by_statement(*, organization: Organization, today: dt.date) -> dict[str, list[Figure]]:
    """{statement id: the figures that bear on it}, each figure under every statement the
    mapping names (figures the mapping leaves out are not shown)."""
    placed: dict[str, list[Figure]] = {}
    statements_of = mapping()
    for figure in platform_evidence.figures(organization=organization, today=today):
        for statement in statements_of.get(figure.key, ()):
            placed.setdefault(statement, []).append(figure)
    return placed
