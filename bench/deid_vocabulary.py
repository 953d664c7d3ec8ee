"""Build the de-identifier's word lists (run once, by hand; the results are committed).

    python -m venv /tmp/deid-build && /tmp/deid-build/bin/pip install wordfreq names \
        english-words
    /tmp/deid-build/bin/python bench/deid_vocabulary.py

Writes, under safetyhub/deid/data/:

``safe_words.txt``
    English words that are safe to keep: wordfreq's 40,000 most frequent English words
    (wordfreq 3.1.1, data CC BY-SA 4.0), keeping only words of letters (and ' or -), minus
    every US Census 1990 given name and surname and every word Webster's Second
    (english-words 2.0.2, "web2", public domain) spells only with a capital (proper
    nouns), except words web2 also has in lower case ("will", "rose", "hope", "mark",
    "brown": common words that are also names; the detector finds those from context).
``rarer_words.txt``
    The same for wordfreq's words ranked 40,001 to 200,000 (medical words such as
    "extravasation" are there, and so are some foreign surnames): the detector trusts
    them only when written in lower case.
``given_names.txt``, ``surnames.txt``
    US Census 1990 given names (all) and surnames (the 40,000 most frequent), lower case,
    public domain (names 0.3.0 ships the Census files).

None of these sources is used by the benchmark corpus (bench/deid_corpus.py, Faker).
"""

from __future__ import annotations

import re
from pathlib import Path

import names
import wordfreq
from english_words import get_english_words_set

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "safetyhub" / "deid" / "data"
TOP_WORDS = 40_000
RARER_WORDS = 200_000
SURNAMES = 40_000
WORD = re.compile(r"^[a-z][a-z'\-]*[a-z]$|^[a-z]$")


def _census(file: str, limit: int | None = None) -> list[str]:
    path = Path(names.__file__).parent / file
    rows = path.read_text().splitlines()[:limit]
    return [row.split()[0].lower() for row in rows]


def main() -> None:
    given = set(_census("dist.male.first")) | set(_census("dist.female.first"))
    surnames = set(_census("dist.all.last", SURNAMES))
    everyone = given | set(_census("dist.all.last"))
    web2 = get_english_words_set(["web2"], lower=False, alpha=True)
    lower_web2 = {w for w in web2 if w.islower()}
    proper_only = {w.lower() for w in web2 if w[0].isupper()} - lower_web2
    safe, rarer = [], []
    for number, word in enumerate(wordfreq.top_n_list("en", RARER_WORDS)):
        if not WORD.match(word):
            continue
        bare = word.replace("'", "")  # the Census writes O'Brien as OBRIEN
        if word in lower_web2 or (bare not in everyone and word not in proper_only):
            (safe if number < TOP_WORDS else rarer).append(word)
    header = (
        "# Safe English words (see bench/deid_vocabulary.py). Derived from wordfreq 3.1.1's\n"
        "# English list (CC BY-SA 4.0, https://github.com/rspeer/wordfreq) minus US Census\n"
        "# 1990 names and web2 proper nouns, most frequent first; this list is shared under\n"
        "# CC BY-SA 4.0.\n"
    )
    # most frequent first: the detector reads a word's rank from its line
    (DATA / "safe_words.txt").write_text(header + "\n".join(dict.fromkeys(safe)) + "\n")
    (DATA / "rarer_words.txt").write_text(
        "# Rarer English words, safe only when written in lower case (see\n"
        "# bench/deid_vocabulary.py): wordfreq 3.1.1's English words ranked 40,001 to\n"
        "# 200,000 less the same names; CC BY-SA 4.0 like safe_words.txt.\n"
        + "\n".join(dict.fromkeys(rarer)) + "\n"
    )
    (DATA / "given_names.txt").write_text(
        "# US Census 1990 given names, lower case (public domain; see\n"
        "# bench/deid_vocabulary.py).\n" + "\n".join(sorted(given)) + "\n"
    )
    (DATA / "surnames.txt").write_text(
        "# The 40,000 most frequent US Census 1990 surnames, lower case (public domain; see\n"
        "# bench/deid_vocabulary.py).\n" + "\n".join(sorted(surnames)) + "\n"
    )
    print(f"safe words: {len(set(safe))}, given names: {len(given)}, surnames: {len(surnames)}")


if __name__ == "__main__":
    main()
