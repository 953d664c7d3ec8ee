"""The Safety Assessment Code (SAC): severity × probability → a risk score of 1, 2 or 3 (3
the highest), as the US Department of Veterans Affairs National Center for Patient Safety
(VA NCPS) matrix does. Adapted, not quoted: the cells are those of the commonly published
VA matrix (shared reference, learning_system.md §6.1, to be checked against VHA Directive
1050.01), and the anchors are SafetyHub's paraphrase.

Pure (no Django). An event that reached the patient is scored on its actual outcome; a close
call (near miss) or an unsafe condition on its most likely worst-case outcome.

The direction matters: in the VA scheme 3 is the highest risk. The Australian and New
Zealand Severity Assessment Code runs the other way (1 = extreme); SafetyHub stores the
scheme beside each score so a score never changes meaning."""

from __future__ import annotations

from dataclasses import dataclass

SCHEME = "va-sac"
SOURCE = ("Adapted from the Safety Assessment Code matrix of the VA National Center for "
          "Patient Safety; the wording is SafetyHub's.")


@dataclass(frozen=True)
class Level:
    key: str
    title: str
    anchor: str  # paraphrased


SEVERITIES = (
    Level("catastrophic", "Catastrophic", "Death, or a major permanent loss of function not "
          "due to the natural course of the illness (sentinel events included)."),
    Level("major", "Major", "A permanent lessening of function."),
    Level("moderate", "Moderate", "A longer stay or a higher level of care."),
    Level("minor", "Minor", "No injury, no longer stay and no higher level of care."),
)
PROBABILITIES = (
    Level("frequent", "Frequent", "Likely to happen again soon (several times a year)."),
    Level("occasional", "Occasional", "Probably will happen again (several times in 1 to "
          "2 years)."),
    Level("uncommon", "Uncommon", "Possible (some time in 2 to 5 years)."),
    Level("remote", "Remote", "Unlikely (some time in 5 to 30 years)."),
)
SEVERITY_KEYS = tuple(level.key for level in SEVERITIES)
PROBABILITY_KEYS = tuple(level.key for level in PROBABILITIES)

# {probability: {severity: score}}
MATRIX: dict[str, dict[str, int]] = {
    "frequent": {"catastrophic": 3, "major": 3, "moderate": 2, "minor": 1},
    "occasional": {"catastrophic": 3, "major": 2, "moderate": 1, "minor": 1},
    "uncommon": {"catastrophic": 3, "major": 2, "moderate": 1, "minor": 1},
    "remote": {"catastrophic": 3, "major": 2, "moderate": 1, "minor": 1},
}
SCORES = (3, 2, 1)
SCORE_WORDS = {3: "highest risk", 2: "intermediate risk", 1: "lowest risk"}


def score(*, severity: str, probability: str) -> int:
    """The SAC score of a severity and a probability; ValueError naming the unknown one."""
    if severity not in SEVERITY_KEYS:
        raise ValueError(f"severity: unknown level {severity!r}")
    if probability not in PROBABILITY_KEYS:
        raise ValueError(f"probability: unknown level {probability!r}")
    return MATRIX[probability][severity]


def title(keys: tuple[Level, ...], key: str) -> str:
    return next((level.title for level in keys if level.key == key), key)


# What the harm a reviewer classified suggests for severity (the project's approximate
# crosswalk, learning_system.md §13.2): a starting point the scorer confirms, never a score.
SUGGESTED_SEVERITY = {"death": "catastrophic", "severe": "major", "moderate": "moderate",
                      "mild": "minor", "none": "minor"}
