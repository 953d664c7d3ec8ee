"""De-identification quality and speed on the synthetic corpus (bench/deid_corpus.py).

    ./dev bench deid_quality [--corpus main|alt|both] [--seeds 7 11 13] [--count 2000]
                             [--repeats 5] [--show-misses 0]

Two generators written apart: ``main`` (bench/deid_corpus.py, round 1's incident reports)
and ``alt`` (bench/deid_corpus_alt.py: triage notes, portal complaints, staff injuries,
SBAR, lists, capitals). A table per corpus and seed.

Span level: a gold span is found (recall) when a found span of the same kind overlaps it;
a found span is right (precision) when it overlaps a gold span of the same kind. Character
level: the characters inside gold spans that are inside found spans of any kind (recall,
what a reader could still see) and the found characters that are inside gold spans
(precision). Throughput: narratives per second of ``find_identifiers`` on one core, the
median of ``--repeats`` runs. Targets: recall >= 0.99 for every kind, precision >= 0.90,
>= 200 narratives/s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import deid_corpus
import deid_corpus_alt

from safetyhub.deid import KINDS, find_identifiers
from safetyhub.deid import names as deid_names
from safetyhub.deid.vocabulary import clinical_terms, given_names, is_safe, person_names

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _philter_names(text: str):
    # philter's approach alone: every word not on the safe list (which, like philter's,
    # leaves out every word that is also a name) is a name; no context
    people, clinical = person_names(), clinical_terms()
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if any(c.isdigit() for c in word) or word in clinical:
            continue
        if word in people or not is_safe(word):
            yield match.start(), match.end(), "NAME"


def _list_names(text: str):
    # name lists and titles alone: a capitalised word on the given-name or surname list,
    # or any capitalised word after a title; words no list knows are kept
    people, given = person_names(), given_names()
    previous = ""
    for match in _WORD.finditer(text):
        word = match.group()
        lower = word.lower()
        if word[0].isupper() and (
            lower in given or (lower in people and not is_safe(lower))
            or previous in ("dr", "mr", "mrs", "ms")
        ) and lower not in clinical_terms():
            yield match.start(), match.end(), "NAME"
        previous = lower


DETECTORS = {"combined": None, "philter": _philter_names, "lists": _list_names}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(corpus: list[dict], found: list[list]) -> dict:
    gold_n, gold_hit, found_n, found_hit = Counter(), Counter(), Counter(), Counter()
    chars_gold = chars_gold_hit = chars_found = chars_found_hit = 0
    misses, wrong = [], []
    for item, spans in zip(corpus, found, strict=True):
        gold = [tuple(span) for span in item["spans"]]
        for start, end, kind in gold:
            gold_n[kind] += 1
            if any(s.kind == kind and _overlaps((start, end), s[:2]) for s in spans):
                gold_hit[kind] += 1
            else:
                misses.append((kind, item["text"][start:end], item["text"]))
        for span in spans:
            found_n[span.kind] += 1
            if any(kind == span.kind and _overlaps((start, end), span[:2])
                   for start, end, kind in gold):
                found_hit[span.kind] += 1
            else:
                wrong.append((span.kind, item["text"][span.start:span.end], item["text"]))
        gold_chars = set().union(*[set(range(a, b)) for a, b, _ in gold]) if gold else set()
        found_chars = set().union(*[set(range(s.start, s.end)) for s in spans]) if spans else set()
        chars_gold += len(gold_chars)
        chars_gold_hit += len(gold_chars & found_chars)
        chars_found += len(found_chars)
        chars_found_hit += len(found_chars & gold_chars)
    return {
        "gold": gold_n, "gold_hit": gold_hit, "found": found_n, "found_hit": found_hit,
        "char_recall": chars_gold_hit / max(chars_gold, 1),
        "char_precision": chars_found_hit / max(chars_found, 1),
        "misses": misses, "wrong": wrong,
    }


GENERATORS = {"main": deid_corpus.generate, "alt": deid_corpus_alt.generate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--corpus", choices=[*GENERATORS, "both"], default="main")
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--seed", type=int, default=7, help="one seed (--seeds for several)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--names", choices=sorted(DETECTORS), default="combined",
                        help="how names are found: the product's way (combined), or for "
                             "comparison every unknown word (philter) or name lists only")
    parser.add_argument("--show-misses", type=int, default=0,
                        help="print this many missed and wrongly found spans")
    args = parser.parse_args()
    if DETECTORS[args.names] is not None:
        deid_names.find_names = DETECTORS[args.names]  # the comparison's name finder
    corpora = list(GENERATORS) if args.corpus == "both" else [args.corpus]
    failed_runs = []
    for corpus_name in corpora:
        for seed in args.seeds or [args.seed]:
            if not run(corpus_name, seed, args):
                failed_runs.append(f"{corpus_name} seed {seed}")
    if len(corpora) > 1 or (args.seeds and len(args.seeds) > 1):
        print("all targets met" if not failed_runs
              else f"targets missed in: {', '.join(failed_runs)}")


def run(corpus_name: str, seed: int, args: argparse.Namespace) -> bool:
    corpus = GENERATORS[corpus_name](args.count, seed)
    texts = [item["text"] for item in corpus]
    times = []
    found: list[list] = []
    for _ in range(args.repeats):
        began = time.process_time()
        found = [find_identifiers(text) for text in texts]
        times.append(time.process_time() - began)
    result = score(corpus, found)
    print(f"\n{corpus_name} corpus: {len(corpus)} narratives (seed {seed}), "
          f"{sum(result['gold'].values())} gold spans")
    print(f"{'kind':<8} {'gold':>6} {'recall':>7} {'found':>6} {'precision':>9}")
    failed = []
    for kind in KINDS:
        gold, hit = result["gold"][kind], result["gold_hit"][kind]
        found_n, right = result["found"][kind], result["found_hit"][kind]
        recall = hit / gold if gold else float("nan")
        precision = right / found_n if found_n else float("nan")
        print(f"{kind:<8} {gold:>6} {recall:>7.3f} {found_n:>6} {precision:>9.3f}")
        if gold and recall < 0.99:
            failed.append(f"{kind} recall")
        if found_n >= 20 and precision < 0.90:
            failed.append(f"{kind} precision")
    all_found = sum(result["found"].values())
    precision = sum(result["found_hit"].values()) / max(all_found, 1)
    recall = sum(result["gold_hit"].values()) / max(sum(result["gold"].values()), 1)
    print(f"{'all':<8} {sum(result['gold'].values()):>6} {recall:>7.3f} {all_found:>6} "
          f"{precision:>9.3f}")
    print(f"characters: recall {result['char_recall']:.3f}, "
          f"precision {result['char_precision']:.3f}")
    cpu = statistics.median(times)
    rate = len(texts) / cpu
    print(f"throughput: {rate:,.0f} narratives/s on one core "
          f"(median CPU time of {args.repeats} runs: {cpu:.3f} s)")
    if precision < 0.90:
        failed.append("precision")
    if rate < 200:
        failed.append("throughput")
    print("targets met" if not failed else f"targets missed: {', '.join(failed)}")
    for label, rows in (("missed", result["misses"]), ("wrongly found", result["wrong"])):
        for kind, piece, text in rows[:args.show_misses]:
            print(f"{label} {kind}: {piece!r} in {text!r}")
    return not failed


if __name__ == "__main__":
    main()
