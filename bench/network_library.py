"""Benchmark: the network library's search and "similar lessons" over a few thousand lessons.

Sets up its own SafetyHub in a temporary data folder (real settings, an SQLite file it
creates and migrates; or the empty PostgreSQL database named by --database-url, which it
migrates and leaves filled). Then it makes one network with `--lessons` published lessons
(words drawn with Zipf frequencies: a safety vocabulary first, then a long tail, so common
words match thousands of lessons and rare ones a handful), indexed through
`library.index_lesson` (timed), plus a second network with the same number that must never
be found, and times:

- search: each query of QUERIES through `lesson_queries.library_lessons` (what the page and
  the API call), the first page of 20 and the total count (as the paginator asks);
- similar: `library.similar` for `--runs` lessons picked at random.

It prints the median and p95 milliseconds of each. It prints; it asserts nothing.

    .venv/bin/python bench/network_library.py [--lessons 3000] [--runs 21]
    .venv/bin/python bench/network_library.py --database-url postgres://…/safetyhub_bench_lib
"""

import argparse
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--lessons", type=int, default=3_000)
parser.add_argument("--runs", type=int, default=21)
parser.add_argument("--database-url", default="",
                    help="an empty PostgreSQL database to use instead of a new SQLite file")
ARGS = parser.parse_args()

DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-library-")
os.environ["SAFETYHUB_DATA_DIR"] = DATA_DIR
if ARGS.database_url:
    os.environ["DATABASE_URL"] = ARGS.database_url
else:
    os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "safetyhub.settings"

import django  # noqa: E402

django.setup()
logging.getLogger("safetyhub.request").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from safetyhub.core.models import Organization  # noqa: E402
from safetyhub.network import library  # noqa: E402
from safetyhub.network.lesson_queries import LibraryFilters, library_lessons  # noqa: E402
from safetyhub.network.models import Network  # noqa: E402
from safetyhub.network.models_lessons import LessonTerm, PublishedLesson  # noqa: E402

COMMON = ["falls", "medication", "handover", "sepsis", "pressure", "injuries", "hygiene",
          "hand", "discharge", "alarm", "sedative", "night", "staffing", "rounds", "insulin",
          "screening", "escalation", "deterioration", "delirium", "infection", "barcode",
          "checklist", "pump", "labels", "drawer", "bed", "bathroom", "transfer", "ulcer"]
RARE = ["quokka", "zeppelin", "marmalade", "tessellate", "obsidian"]
CATEGORIES = ["fall", "medication", "infection", "pressure-injury", "other"]
STRENGTHS = ["stronger", "intermediate", "weaker"]
QUERIES = ["falls", "bed alarm night", "insulin pump labels", "sepsis screening escalation",
           "quokka", "zeppelin marmalade", "nothingmatchesthis"]


# Word frequencies fall off as in real text (Zipf): the safety words first, then a long tail
# of 3,000 rarer words.
VOCABULARY = COMMON + [f"w{k:04d}" for k in range(3_000)]
WEIGHTS = [1 / rank for rank in range(1, len(VOCABULARY) + 1)]


def sentence(rng: random.Random, words: int) -> str:
    chosen = rng.choices(VOCABULARY, weights=WEIGHTS, k=words)
    if rng.random() < 0.002:
        chosen.append(rng.choice(RARE))
    return " ".join(chosen).capitalize() + "."


def fill(network: Network, owner: Organization, rng: random.Random, count: int) -> float:
    """`count` lessons (bulk-written), then each indexed as publishing does; the seconds the
    indexing took."""
    rows = PublishedLesson.objects.bulk_create([PublishedLesson(
        network=network, owner=owner, title=sentence(rng, 5),
        what_happened=" ".join(sentence(rng, 12) for _ in range(4)),
        contributing_factors=sentence(rng, 8), results=sentence(rng, 10),
        actions=[{"description": sentence(rng, 8), "strength": rng.choice(STRENGTHS)}],
        category=rng.choice(CATEGORIES), strength_keys=f"|{rng.choice(STRENGTHS)}|")
        for _ in range(count)])
    started = time.perf_counter()
    for row in rows:
        library.index_lesson(row)
    return time.perf_counter() - started


def timed(call, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    org = Organization.objects.create(name="Bench member", slug="bench-member")
    other = Organization.objects.create(name="Other member", slug="other-member")
    network = Network.objects.create(name="Bench network", slug="bench")
    elsewhere = Network.objects.create(name="Other network", slug="other")
    seconds = fill(network, org, rng, ARGS.lessons)
    fill(elsewhere, other, rng, ARGS.lessons)
    terms = LessonTerm.objects.filter(network=network).count()
    print(f"engine {connection.vendor}; {ARGS.lessons} lessons per network, two networks; "
          f"{terms} index rows in the network; indexing {seconds * 1000 / ARGS.lessons:.2f} "
          "ms a lesson")
    print(f"{'search':<34}{'hits':>7}{'median ms':>11}{'p95 ms':>9}")
    for query in QUERIES:
        def run(q=query):
            qs = library_lessons(network=network, filters=LibraryFilters(q=q))
            return qs.count(), list(qs[:20])
        hits = run()[0]
        median, p95 = timed(run, ARGS.runs)
        print(f"{query:<34}{hits:>7}{median:>11.1f}{p95:>9.1f}")
    picks = rng.sample(list(PublishedLesson.objects.filter(network=network)
                            .values_list("pk", flat=True)), ARGS.runs)
    lessons = [PublishedLesson.objects.select_related("network").get(pk=pk) for pk in picks]
    times = []
    for lesson in lessons:
        started = time.perf_counter()
        found = library.similar(lesson)
        times.append((time.perf_counter() - started) * 1000)
        assert all(o.network_id == network.pk for o in found)
    times.sort()
    print(f"{'similar (5 best)':<34}{'':>7}{statistics.median(times):>11.1f}"
          f"{times[min(len(times) - 1, int(len(times) * 0.95))]:>9.1f}")


try:
    main()
finally:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
