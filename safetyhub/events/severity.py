"""When a report is a serious safety event: its harm at or above the organization's threshold.

Pure (no Django). The threshold is a level of the AHRQ Common Formats Harm Scale v1.2
(default "severe": severe harm and death). Other scales are ranked against it by the
project's own approximate crosswalk (shared reference, learning_system.md §13.2: "analytics
only — not an official mapping"):

* NCC MERP (medication events): I ≈ death; G and H ≈ severe harm; F ≈ moderate; E ≈ mild;
  A–D no harm;
* workforce harm (OSHA case classes, paraphrased in the taxonomy pack): a death ≈ death; days
  away from work ≈ moderate; job restriction and other recordable cases ≈ mild; first aid or
  no injury ≈ no harm. So with the default threshold only a workforce death is "serious";
  an organization that wants days-away injuries escalated sets its threshold to "moderate".

A level SafetyHub does not know (an organization's own taxonomy pack) and "unknown" rank
lowest: they never raise the alarm by themselves; a reviewer reclassifies.
"""

from __future__ import annotations

DEFAULT_THRESHOLD = "severe"

# The Harm Scale levels a threshold may be, highest first, with the words shown to leads.
THRESHOLDS = (
    ("death", "Death only"),
    ("severe", "Severe harm or death (the default)"),
    ("moderate", "Moderate harm or worse"),
    ("mild", "Mild harm or worse"),
)

HARM_RANK = {"death": 5, "severe": 4, "moderate": 3, "mild": 2, "none": 1, "unknown": 0}
MERP_RANK = {"I": 5, "H": 4, "G": 4, "F": 3, "E": 2, "D": 1, "C": 1, "B": 1, "A": 1}
WORKFORCE_RANK = {"wf-death": 5, "wf-days-away": 3, "wf-restricted": 2, "wf-recordable": 2,
                  "wf-first-aid": 1, "wf-none": 1, "wf-unknown": 0}


def rank(*, harm_level: str, medication_error_category: str = "") -> int:
    """The report's harm on the Harm Scale's ranks: the higher of its two scales."""
    return max(HARM_RANK.get(harm_level, WORKFORCE_RANK.get(harm_level, 0)),
               MERP_RANK.get(medication_error_category, 0))


def is_serious(*, harm_level: str, medication_error_category: str = "",
               threshold: str = DEFAULT_THRESHOLD) -> bool:
    if threshold not in HARM_RANK or HARM_RANK[threshold] < HARM_RANK["mild"]:
        raise ValueError(f"{threshold!r} is not a serious-event threshold")
    return rank(harm_level=harm_level,
                medication_error_category=medication_error_category) >= HARM_RANK[threshold]
