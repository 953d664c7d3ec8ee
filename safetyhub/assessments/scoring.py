"""Scoring rules, pure (no Django): means for instruments, all-or-nothing for attestations,
disagreement, and the ranking of priorities. Stated in words on the results page:

- An answer counts in a mean only if its scale level has a number (0–4). Unsure and Not
  applicable are counted apart and never enter a mean; unanswered items are counted apart too.
- A section's mean is the mean of its items' numeric answers; the overall mean is the mean of
  all numeric answers (each item weighs the same).
- Independent answers to one item disagree when their numeric values differ by the pack's
  `disagreement_levels` (2 by default) or more, or when some members are Unsure and others not.
  On a scale with no numbers (yes/no attestations) any two different answers disagree.
- Attestations: an item is met only when answered with the `met` value; a section is met only
  when all its items are met; the score is the number of sections met. An item whose wording
  is not confirmed cannot earn its section anything until the organization has entered its
  official text (`pending`): its section "cannot be scored yet", whatever the answers.
"""

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from statistics import fmean

UNSURE = "unsure"  # the scale value every pack uses for "not sure"


@dataclass(frozen=True)
class ScaleLevel:
    value: str
    label: str
    numeric: int | None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[str, ...]


@dataclass
class SectionScore:
    key: str
    title: str
    mean: float | None
    answered: int
    numeric: int
    non_numeric: dict[str, int]
    unanswered: int
    distribution: dict[str, int]


@dataclass
class MeanResult:
    sections: list[SectionScore]
    overall_mean: float | None
    numeric_answers: int
    non_numeric: dict[str, int]
    unanswered: int


def numeric_of(scale: Sequence[ScaleLevel]) -> dict[str, int]:
    return {level.value: level.numeric for level in scale if level.numeric is not None}


def score_means(
    *, sections: Sequence[Section], scale: Sequence[ScaleLevel], answers: Mapping[str, str]
) -> MeanResult:
    """Means per section and overall. `answers` maps item key → scale value (missing or ""
    = unanswered). Values not on the scale are an error: the caller validates first."""
    numbers = numeric_of(scale)
    known = {level.value for level in scale}
    all_numeric: list[int] = []
    totals: Counter[str] = Counter()
    unanswered_total = 0
    out = []
    for section in sections:
        values = [answers.get(item, "") for item in section.items]
        unknown = [v for v in values if v and v not in known]
        if unknown:
            raise ValueError(f"answers not on the scale: {sorted(set(unknown))}")
        numeric = [numbers[v] for v in values if v in numbers]
        non_numeric = Counter(v for v in values if v and v not in numbers)
        unanswered = sum(1 for v in values if not v)
        all_numeric += numeric
        totals.update(non_numeric)
        unanswered_total += unanswered
        out.append(SectionScore(
            key=section.key, title=section.title,
            mean=fmean(numeric) if numeric else None,
            answered=len(values) - unanswered, numeric=len(numeric),
            non_numeric={level.value: non_numeric.get(level.value, 0)
                         for level in scale if level.numeric is None},
            unanswered=unanswered,
            distribution={level.value: values.count(level.value) for level in scale},
        ))
    return MeanResult(
        sections=out,
        overall_mean=fmean(all_numeric) if all_numeric else None,
        numeric_answers=len(all_numeric),
        non_numeric={level.value: totals.get(level.value, 0)
                     for level in scale if level.numeric is None},
        unanswered=unanswered_total,
    )


def disagrees(values: Sequence[str], *, scale: Sequence[ScaleLevel], threshold: int) -> bool:
    """Do these independent answers to one item disagree? Unanswered ones are ignored."""
    numbers = numeric_of(scale)
    given = [v for v in values if v]
    if not numbers:
        return len(set(given)) > 1
    numeric = [numbers[v] for v in given if v in numbers]
    if len(numeric) >= 2 and max(numeric) - min(numeric) >= threshold:
        return True
    # Some members unsure while others gave an answer: the team should talk.
    return UNSURE in given and len(set(given)) > 1


@dataclass
class SectionAttestation:
    key: str
    title: str
    met: bool
    blocking: list[str]  # item keys not (yet) answered with the met value
    pending: list[str] = field(default_factory=list)  # items still without their official text

    @property
    def scorable(self) -> bool:
        return not self.pending

    @property
    def state(self) -> str:
        """"met", "not-met", or "cannot-score" (an item's official text is missing)."""
        return "cannot-score" if self.pending else "met" if self.met else "not-met"


@dataclass
class AttestationResult:
    sections: list[SectionAttestation]
    score: int
    possible: int

    @property
    def unscorable(self) -> int:
        return sum(1 for s in self.sections if not s.scorable)


def score_all_or_nothing(
    *, sections: Sequence[Section], answers: Mapping[str, str], met: str,
    pending: Set[str] = frozenset(),
) -> AttestationResult:
    """`pending`: keys of items whose wording is not confirmed and whose official text the
    organization has not entered; a "yes" to one of them counts for nothing."""
    out = []
    for section in sections:
        blocking = [item for item in section.items if answers.get(item, "") != met]
        waiting = [item for item in section.items if item in pending]
        out.append(SectionAttestation(key=section.key, title=section.title,
                                      met=not blocking and not waiting and bool(section.items),
                                      blocking=blocking, pending=waiting))
    return AttestationResult(sections=out, score=sum(s.met for s in out), possible=len(out))


@dataclass
class Priority:
    item: str
    section: str
    value: str
    numeric: int | None
    needs_discussion: list[str] = field(default_factory=list)


def rank_priorities(
    *,
    sections: Sequence[Section],
    scale: Sequence[ScaleLevel],
    answers: Mapping[str, str],
    disagreements: set[str] = frozenset(),
    not_applicable: str = "na",
) -> tuple[list[Priority], list[Priority]]:
    """(ranked, needs_discussion). Ranked: items with a numeric answer, lowest maturity
    first (ties keep the pack's order). Needs discussion: items answered Unsure, items the
    team disagreed on, and unanswered items. Not applicable is left out of both."""
    numbers = numeric_of(scale)
    ranked, discuss = [], []
    for section in sections:
        for item in section.items:
            value = answers.get(item, "")
            if value == not_applicable:
                continue
            reasons = []
            if item in disagreements:
                reasons.append("members disagreed")
            if value == UNSURE:
                reasons.append("answered Unsure")
            if not value:
                reasons.append("not answered")
            priority = Priority(item=item, section=section.key, value=value,
                                numeric=numbers.get(value), needs_discussion=reasons)
            if value in numbers:
                ranked.append(priority)
            if reasons:
                discuss.append(priority)
    ranked.sort(key=lambda p: p.numeric)  # stable: pack order within a level
    return ranked, discuss
