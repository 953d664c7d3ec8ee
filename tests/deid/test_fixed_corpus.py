"""A small hand-written corpus (tests/deid/data/narratives.txt, not from the benchmark's
generator): every marked identifier is found, with its kind, and little else is."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from safetyhub.deid import KINDS, deidentify, find_identifiers

CORPUS = Path(__file__).parent / "data" / "narratives.txt"
MARK = re.compile(r"\[\[([A-Z]+)\|(.+?)\]\]")


def _narratives() -> list[tuple[str, list[tuple[int, int, str]]]]:
    body = "\n".join(
        line for line in CORPUS.read_text().splitlines() if not line.startswith("#")
    )
    items = []
    for paragraph in body.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        text, spans, position = [], [], 0
        for piece in re.split(r"(\[\[[A-Z]+\|.+?\]\])", paragraph):
            mark = MARK.fullmatch(piece)
            if mark:
                kind, value = mark.groups()
                assert kind in KINDS, kind
                spans.append((position, position + len(value), kind))
                piece = value
            text.append(piece)
            position += len(piece)
        items.append(("".join(text), spans))
    return items


NARRATIVES = _narratives()


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_the_corpus_has_every_kind_but_few_per_kind():
    kinds = Counter(kind for _, spans in NARRATIVES for *_, kind in spans)
    assert len(NARRATIVES) >= 15
    assert set(kinds) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_marked_identifier_of_a_kind_is_found(kind):
    missed = []
    for text, gold in NARRATIVES:
        found = find_identifiers(text)
        for start, end, gold_kind in gold:
            if gold_kind == kind and not any(
                s.kind == kind and _overlaps((start, end), (s.start, s.end)) for s in found
            ):
                missed.append(text[start:end])
    assert missed == []


def test_few_words_outside_the_marks_are_taken():
    wrong, total = [], 0
    for text, gold in NARRATIVES:
        for span in find_identifiers(text):
            total += 1
            if not any(_overlaps((a, b), (span.start, span.end)) for a, b, _ in gold):
                wrong.append(text[span.start:span.end])
    assert len(wrong) / total <= 0.10, wrong


def test_no_marked_identifier_is_left_in_the_redacted_text():
    for text, gold in NARRATIVES:
        redacted, _ = deidentify(text)
        for start, end, kind in gold:
            if kind != "AGE":
                assert text[start:end] not in redacted, (text[start:end], redacted)
