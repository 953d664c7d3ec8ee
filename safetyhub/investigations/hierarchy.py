"""The action hierarchy as data: how strong an action is, by how little it relies on people
remembering and being vigilant, with example actions at each level.

Adapted from the VA National Center for Patient Safety action hierarchy as adopted in RCA²
(National Patient Safety Foundation, 2015); paraphrased and labelled, not the official
text (shared/reference/learning_system.md §6.3). Pure data and logic: no Django imports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["LEVELS", "SOURCE", "STRENGTHS", "Level", "level", "only_weaker", "strength_mix"]

SOURCE = ("Adapted from the VA NCPS action hierarchy in RCA² (NPSF, 2015); paraphrased by "
          "SafetyHub, not the official text.")

STRONGER, INTERMEDIATE, WEAKER = "stronger", "intermediate", "weaker"


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    meaning: str
    examples: tuple[str, ...]


LEVELS: tuple[Level, ...] = (
    Level(STRONGER, "Stronger",
          "Changes the system so that the safe way is the easy way; relies little on memory "
          "or vigilance.",
          ("Change the building or physical layout",
           "Buy new equipment only after testing how people use it",
           "Engineering controls: a forcing function or interlock that stops the error",
           "Simplify the process and remove steps that are not needed",
           "Standardise equipment or a process across units",
           "Leaders take visible, tangible action")),
    Level(INTERMEDIATE, "Intermediate",
          "Makes errors less likely or catches them, but still leans on people.",
          ("Build in redundancy",
           "Add staff or reduce workload",
           "Improve software",
           "Remove or reduce distractions",
           "Checklists and cognitive aids",
           "Remove look-alike and sound-alike items",
           "Read-back of orders and results",
           "Better documentation and communication")),
    Level(WEAKER, "Weaker",
          "Depends on people remembering, reading or being careful every time.",
          ("Double checks",
           "Warnings and labels",
           "A new procedure, memo or policy",
           "Training",
           "More study or analysis")),
)
STRENGTHS: tuple[str, ...] = tuple(lv.key for lv in LEVELS)
_BY_KEY = {lv.key: lv for lv in LEVELS}


def level(key: str) -> Level:
    """The level named `key`; KeyError for anything else."""
    return _BY_KEY[key]


def strength_mix(strengths: Iterable[str]) -> dict[str, int]:
    """{strength: count} over every level, strongest first (levels with none count 0)."""
    mix = dict.fromkeys(STRENGTHS, 0)
    for key in strengths:
        if key in mix:
            mix[key] += 1
    return mix


def only_weaker(strengths: Iterable[str]) -> bool:
    """True when there is at least one action and every one is weaker: the plan relies on
    people alone, so RCA² asks for stronger actions or a stated reason."""
    keys = list(strengths)
    return bool(keys) and all(k == WEAKER for k in keys)
