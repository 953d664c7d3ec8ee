"""The scoring rules (safetyhub/assessments/scoring.py), tested directly: properties over
generated packs and answers, then a few worked examples."""

from itertools import pairwise, permutations
from statistics import fmean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetyhub.assessments import scoring
from safetyhub.assessments.scoring import ScaleLevel, Section

SCALE = [
    ScaleLevel("0", "Not started", 0),
    ScaleLevel("1", "Beginning", 1),
    ScaleLevel("2", "Making progress", 2),
    ScaleLevel("3", "Significant impact", 3),
    ScaleLevel("4", "Exemplary", 4),
    ScaleLevel("unsure", "Unsure", None),
    ScaleLevel("na", "Not applicable", None),
]
NUMBERS = scoring.numeric_of(SCALE)
VALUES = [level.value for level in SCALE]
ANSWER = st.sampled_from([*VALUES, ""])  # "" = unanswered


@st.composite
def packs(draw, min_items: int = 0):
    """Sections with unique item keys, in pack order."""
    sizes = draw(st.lists(st.integers(min_value=min_items, max_value=6), min_size=1,
                          max_size=5))
    sections, n = [], 0
    for s, size in enumerate(sizes):
        keys = tuple(f"I{n + i}" for i in range(size))
        n += size
        sections.append(Section(key=f"S{s}", title=f"Section {s}", items=keys))
    return sections


@st.composite
def packs_and_answers(draw, answer=ANSWER, min_items: int = 0):
    sections = draw(packs(min_items=min_items))
    keys = [k for s in sections for k in s.items]
    answers = {k: draw(answer) for k in keys}
    # Missing keys are unanswered too.
    dropped = draw(st.sets(st.sampled_from(keys))) if keys else set()
    return sections, {k: v for k, v in answers.items() if k not in dropped}


def numeric_values(section: Section, answers: dict[str, str]) -> list[int]:
    return [NUMBERS[answers[k]] for k in section.items if answers.get(k, "") in NUMBERS]


# --- means ------------------------------------------------------------------------------

@given(packs_and_answers())
def test_means_ignore_non_numeric_answers_and_equal_the_plain_mean(data):
    sections, answers = data
    result = scoring.score_means(sections=sections, scale=SCALE, answers=answers)
    for section, score in zip(sections, result.sections, strict=True):
        numbers = numeric_values(section, answers)
        assert score.numeric == len(numbers)
        assert score.mean == (fmean(numbers) if numbers else None)
    everything = [n for s in sections for n in numeric_values(s, answers)]
    assert result.numeric_answers == len(everything)
    assert result.overall_mean == (fmean(everything) if everything else None)


@given(packs_and_answers())
def test_a_section_mean_lies_between_its_lowest_and_highest_answer(data):
    sections, answers = data
    result = scoring.score_means(sections=sections, scale=SCALE, answers=answers)
    for section, score in zip(sections, result.sections, strict=True):
        numbers = numeric_values(section, answers)
        if numbers:
            assert min(numbers) <= score.mean <= max(numbers)
        else:
            assert score.mean is None
    if result.overall_mean is not None:
        means = [s.mean for s in result.sections if s.mean is not None]
        assert min(means) - 1e-9 <= result.overall_mean <= max(means) + 1e-9


@given(packs_and_answers())
def test_counts_add_up_to_the_number_of_items(data):
    sections, answers = data
    result = scoring.score_means(sections=sections, scale=SCALE, answers=answers)
    for section, score in zip(sections, result.sections, strict=True):
        assert score.numeric + sum(score.non_numeric.values()) + score.unanswered == len(
            section.items)
        assert score.answered == len(section.items) - score.unanswered
        assert sum(score.distribution.values()) == score.answered
        assert set(score.non_numeric) == {"unsure", "na"}
    assert result.numeric_answers + sum(result.non_numeric.values()) + result.unanswered == sum(
        len(s.items) for s in sections)
    for value in ("unsure", "na"):
        assert result.non_numeric[value] == sum(s.non_numeric[value] for s in result.sections)


@given(packs_and_answers(), st.data())
def test_adding_an_unsure_answer_never_changes_a_mean(data, draw):
    sections, answers = data
    before = scoring.score_means(sections=sections, scale=SCALE, answers=answers)
    # Either an unanswered item becomes Unsure, or a new item answered Unsure joins a section.
    unanswered = [k for s in sections for k in s.items if not answers.get(k)]
    if unanswered and draw.draw(st.booleans()):
        key = draw.draw(st.sampled_from(unanswered))
        grown = sections
    else:
        at = draw.draw(st.integers(min_value=0, max_value=len(sections) - 1))
        key = "NEW"
        grown = [Section(s.key, s.title, (*s.items, key)) if i == at else s
                 for i, s in enumerate(sections)]
    after = scoring.score_means(sections=grown, scale=SCALE, answers={**answers, key: "unsure"})
    assert [s.mean for s in after.sections] == [s.mean for s in before.sections]
    assert after.overall_mean == before.overall_mean
    assert after.non_numeric["unsure"] == before.non_numeric["unsure"] + 1


def test_an_answer_off_the_scale_is_refused():
    with pytest.raises(ValueError, match="not on the scale"):
        scoring.score_means(sections=[Section("S", "S", ("a",))], scale=SCALE,
                            answers={"a": "7"})


def test_means_worked_example():
    sections = [Section("A", "Area A", ("a1", "a2", "a3", "a4")),
                Section("B", "Area B", ("b1", "b2"))]
    answers = {"a1": "0", "a2": "3", "a3": "unsure", "a4": "na", "b1": "4"}
    result = scoring.score_means(sections=sections, scale=SCALE, answers=answers)
    a, b = result.sections
    assert (a.mean, a.numeric, a.non_numeric, a.unanswered) == (1.5, 2, {"unsure": 1, "na": 1}, 0)
    assert a.distribution == {"0": 1, "1": 0, "2": 0, "3": 1, "4": 0, "unsure": 1, "na": 1}
    assert (b.mean, b.unanswered) == (4, 1)
    # Each element weighs the same: (0 + 3 + 4) / 3, not the mean of the area means.
    assert result.overall_mean == pytest.approx(7 / 3)


# --- all or nothing ---------------------------------------------------------------------

@given(packs_and_answers(answer=st.sampled_from(["yes", "no", ""])))
def test_a_domain_is_met_only_when_all_its_statements_are_met(data):
    sections, answers = data
    result = scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes")
    for section, domain in zip(sections, result.sections, strict=True):
        assert domain.met == (bool(section.items)
                              and all(answers.get(k) == "yes" for k in section.items))
        assert domain.blocking == [k for k in section.items if answers.get(k) != "yes"]
    assert result.score == sum(d.met for d in result.sections)
    assert result.possible == len(sections)
    assert 0 <= result.score <= result.possible


@given(packs_and_answers(answer=st.sampled_from(["yes", "no", ""]), min_items=1), st.data())
def test_affirming_a_blocking_statement_never_lowers_the_score(data, draw):
    sections, answers = data
    before = scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes")
    blocking = [k for d in before.sections for k in d.blocking]
    if not blocking:
        return
    key = draw.draw(st.sampled_from(blocking))
    after = scoring.score_all_or_nothing(sections=sections, answers={**answers, key: "yes"},
                                         met="yes")
    assert after.score >= before.score
    assert sum(map(len, (d.blocking for d in after.sections))) == len(blocking) - 1


def test_all_or_nothing_worked_example():
    sections = [Section("D1", "One", ("1A", "1B")), Section("D2", "Two", ("2A", "2B", "2C")),
                Section("D3", "Empty", ())]
    result = scoring.score_all_or_nothing(
        sections=sections, answers={"1A": "yes", "1B": "yes", "2A": "yes", "2B": "no"},
        met="yes")
    assert [(d.key, d.met, d.blocking) for d in result.sections] == [
        ("D1", True, []), ("D2", False, ["2B", "2C"]), ("D3", False, [])]
    assert (result.score, result.possible) == (1, 3)


# --- disagreement -----------------------------------------------------------------------

@given(st.lists(ANSWER, max_size=6), st.integers(min_value=1, max_value=4), st.data())
def test_disagreement_does_not_depend_on_the_order_of_members(values, threshold, draw):
    shuffled = draw.draw(st.permutations(values))
    assert scoring.disagrees(values, scale=SCALE, threshold=threshold) == scoring.disagrees(
        shuffled, scale=SCALE, threshold=threshold)


@given(ANSWER, ANSWER, st.integers(min_value=1, max_value=4))
def test_disagreement_is_symmetric(a, b, threshold):
    assert scoring.disagrees([a, b], scale=SCALE, threshold=threshold) == scoring.disagrees(
        [b, a], scale=SCALE, threshold=threshold)


@given(st.lists(st.sampled_from(["0", "1", "2", "3", "4", ""]), max_size=6),
       st.integers(min_value=1, max_value=4))
def test_numeric_answers_disagree_exactly_when_their_spread_reaches_the_threshold(values,
                                                                                  threshold):
    numbers = [int(v) for v in values if v]
    expected = len(numbers) >= 2 and max(numbers) - min(numbers) >= threshold
    assert scoring.disagrees(values, scale=SCALE, threshold=threshold) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "3"], True),          # two levels apart
        (["1", "2"], False),         # one level apart
        (["0", "4", "2"], True),
        (["2", "2", ""], False),     # unanswered ignored
        (["unsure", "2"], True),     # some unsure, some not
        (["unsure", "unsure"], False),
        (["na", "na"], False),
        (["3"], False),
        ([], False),
    ],
)
def test_disagreement_examples(values, expected):
    assert scoring.disagrees(values, scale=SCALE, threshold=2) is expected
    for order in permutations(values):
        assert scoring.disagrees(list(order), scale=SCALE, threshold=2) is expected


# --- priorities -------------------------------------------------------------------------

@given(packs_and_answers(), st.data())
def test_priorities_rank_by_numeric_value_and_leave_not_applicable_out(data, draw):
    sections, answers = data
    keys = [k for s in sections for k in s.items]
    disagreements = draw.draw(st.sets(st.sampled_from(keys))) if keys else set()
    ranked, discuss = scoring.rank_priorities(sections=sections, scale=SCALE, answers=answers,
                                              disagreements=disagreements)
    numerics = [p.numeric for p in ranked]
    assert numerics == sorted(numerics)
    assert {p.item for p in ranked} == {k for k in keys if answers.get(k, "") in NUMBERS}
    assert all(p.numeric == NUMBERS[answers[p.item]] for p in ranked)
    # Not applicable is in neither list.
    not_applicable = {k for k in keys if answers.get(k) == "na"}
    assert not not_applicable & {p.item for p in ranked + discuss}
    # Ties keep the pack's order.
    order = {k: i for i, k in enumerate(keys)}
    for a, b in pairwise(ranked):
        if a.numeric == b.numeric:
            assert order[a.item] < order[b.item]
    # Needs discussion: Unsure, unanswered, or disagreed (and not N/A), in the pack's order.
    expected = [k for k in keys if k not in not_applicable
                and (answers.get(k, "") in ("unsure", "") or k in disagreements)]
    assert [p.item for p in discuss] == expected
    assert all(p.needs_discussion for p in discuss)


def test_priorities_worked_example():
    sections = [Section("A", "A", ("a1", "a2", "a3")), Section("B", "B", ("b1", "b2", "b3"))]
    answers = {"a1": "3", "a2": "1", "a3": "unsure", "b1": "1", "b2": "na", "b3": "0"}
    ranked, discuss = scoring.rank_priorities(sections=sections, scale=SCALE, answers=answers,
                                              disagreements={"a1"})
    assert [p.item for p in ranked] == ["b3", "a2", "b1", "a1"]
    assert [(p.item, p.needs_discussion) for p in discuss] == [
        ("a1", ["members disagreed"]), ("a3", ["answered Unsure"])]


# --- statements whose wording is not confirmed (issue 9, item 16) ---------------------------

def test_a_pending_statement_earns_its_domain_nothing_even_when_answered_yes():
    sections = [Section("D1", "One", ("1A", "1B")), Section("D5", "Five", ("5A", "5D"))]
    answers = {"1A": "yes", "1B": "yes", "5A": "yes", "5D": "yes"}
    result = scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes",
                                          pending={"5D"})
    one, five = result.sections
    assert (one.met, one.state, one.pending) == (True, "met", [])
    assert (five.met, five.state, five.pending, five.blocking) == (
        False, "cannot-score", ["5D"], [])
    assert (result.score, result.unscorable) == (1, 1)
    # Without pending statements the same answers meet both domains.
    assert scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes").score == 2


@given(packs(min_items=1), st.data())
def test_pending_statements_never_raise_a_score(sections, data):
    keys = [k for s in sections for k in s.items]
    answers = {k: data.draw(st.sampled_from(["yes", "no", ""])) for k in keys}
    pending = set(data.draw(st.lists(st.sampled_from(keys), max_size=len(keys))))
    with_pending = scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes",
                                                pending=pending)
    without = scoring.score_all_or_nothing(sections=sections, answers=answers, met="yes")
    assert with_pending.score <= without.score
    for section, scored in zip(sections, with_pending.sections, strict=True):
        assert (scored.state == "cannot-score") == bool(set(section.items) & pending)
        assert not (scored.met and scored.pending)
