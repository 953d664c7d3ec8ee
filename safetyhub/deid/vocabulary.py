"""The word lists the name detector reads (files under data/, see data/PROVENANCE.md)."""

from __future__ import annotations

import functools
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _words(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        words.update(line.lower().split())
    return frozenset(words)


@functools.cache
def _ranks() -> dict[str, int]:
    ranks: dict[str, int] = {}
    for line in (DATA / "safe_words.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ranks.setdefault(line.strip(), len(ranks) + 1)
    return ranks


def rank(word: str) -> int:
    """How common an English word is: 1 for "the", larger for rarer (an inflection ranks
    as its stem), and a large number for a word not in the safe list."""
    ranks = _ranks()
    if word in ranks:
        return ranks[word]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if stem in ranks:
                return ranks[stem]
    return NOT_RANKED


@functools.cache
def rarer_words() -> frozenset[str]:
    """Rarer English words: safe when written in lower case."""
    return _words("rarer_words.txt")


@functools.cache
def safe_words() -> frozenset[str]:
    """Words that are not identifiers on their own: common English and clinical words."""
    return _words("safe_words.txt") | _words("clinical_terms.txt")


@functools.cache
def given_names() -> frozenset[str]:
    """Given names (lower case)."""
    return _words("given_names.txt")


@functools.cache
def person_names() -> frozenset[str]:
    """Given names and surnames (lower case)."""
    return given_names() | _words("surnames.txt")


@functools.cache
def clinical_terms() -> frozenset[str]:
    """The project's clinical words and abbreviations (never names, even beside one)."""
    return _words("clinical_terms.txt")


NOT_RANKED = 1_000_000  # rank() of a word the safe list does not hold
_SUFFIXES = ("s", "es", "ed", "d", "ing", "ly", "er", "ers", "'s")


@functools.lru_cache(maxsize=65536)
def is_safe(word: str) -> bool:
    """Whether ``word`` (lower case) is known to be safe: in the vocabulary, an inflection
    of a word in it, or one letter away from a long word in it (a misspelling)."""
    safe = safe_words()
    if word in safe:
        return True
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            if stem in safe or stem + "e" in safe:
                return True
    if 6 <= len(word) <= 20 and word not in person_names():
        return any(candidate in safe for candidate in _one_edit(word))
    if 4 <= len(word) <= 5 and word.isalpha() and word not in person_names():
        # a short word with a letter dropped or two swapped ("whle", "doctr", "nver") is
        # a slip when it comes back as a common word; a name rarely does
        ranks = _ranks()
        return any(ranks.get(candidate, NOT_RANKED) <= 3000
                   for candidate in _dropped_or_swapped(word))
    return False


def _dropped_or_swapped(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(swaps + inserts)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    # Norvig's single edits: deletions, swaps, replacements, insertions
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + swaps + replaces + inserts)
