"""Benchmark: search over 10,000 records of one organization.

Sets up its own SafetyHub in a temporary data folder (real settings, an SQLite file it
creates and migrates; or the empty PostgreSQL database named by --database-url, e.g.
postgres://postgres@127.0.0.1:5432/safetyhub_bench_search, which it migrates and leaves
filled). Then it makes one organization with 10,000 searchable records (initiatives, PDSA
cycles and measures, written from a safety vocabulary so that common words match thousands
of records and rare ones a handful) plus a second organization with the same records that
must never be found, rebuilds the index (timed), and runs each query of QUERIES `--runs`
times as a safety lead of the first organization through `core.search.search`, the
function behind the page and the API (counts per kind, the best 50 hits, highlights and the
records behind them). It prints the median and p95 milliseconds of each query, and the
median over all. It prints; it asserts nothing.

    ./dev bench search                    (or .venv/bin/python bench/search.py)
    .venv/bin/python bench/search.py --records 10000 --runs 21
    .venv/bin/python bench/search.py --database-url postgres://…/safetyhub_bench_search
"""

import argparse
import datetime as dt
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
parser.add_argument("--records", type=int, default=10_000)
parser.add_argument("--runs", type=int, default=21)
parser.add_argument("--database-url", default="",
                    help="an empty PostgreSQL database to use instead of a new SQLite file")
ARGS = parser.parse_args()

DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-search-")
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

from safetyhub.core import search  # noqa: E402
from safetyhub.core.models import Membership, Organization, Role, User  # noqa: E402
from safetyhub.improvement.models import Initiative, PdsaCycle  # noqa: E402
from safetyhub.measures.models import Measure  # noqa: E402

COMMON = ["falls", "medication", "handover", "sepsis", "pressure", "injuries", "hygiene",
          "hand", "discharge", "safety", "huddle", "ward", "night", "staffing", "rounds",
          "screening", "escalation", "deterioration", "delirium", "infection"]
RARE = ["quokka", "zeppelin", "marmalade", "tessellate", "obsidian"]
QUERIES = ["falls", "fall", "hand hygiene", "sepsis screening escalation", "medication errors",
           "quokka", "zeppelin marmalade", "nothingmatchesthis"]


def sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(COMMON) for _ in range(words)]
    if rng.random() < 0.002:
        chosen.append(rng.choice(RARE))
    return " ".join(chosen).capitalize()


def fill(org: Organization, by: User, rng: random.Random, records: int) -> None:
    """records/10 * 4 initiatives, 3 cycles and 3 measures per 10, bulk-written (no signals)."""
    n_init = records * 4 // 10
    n_cycle = records * 3 // 10
    n_measure = records - n_init - n_cycle
    initiatives = Initiative.objects.bulk_create(
        Initiative(organization=org, title=sentence(rng, 5), description=sentence(rng, 40),
                   created_by=by) for _ in range(n_init))
    PdsaCycle.objects.bulk_create(
        PdsaCycle(initiative=initiatives[i % n_init], organization=org, number=i // n_init + 1,
                  change=sentence(rng, 8), prediction=sentence(rng, 20),
                  observations=sentence(rng, 40), study=sentence(rng, 30),
                  started_on=dt.date(2026, 1, 1)) for i in range(n_cycle))
    Measure.objects.bulk_create(
        Measure(organization=org, name=sentence(rng, 4), type="outcome",
                numerator=sentence(rng, 12), denominator=sentence(rng, 6),
                direction="decrease") for _ in range(n_measure))


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(10)
        lead = User.objects.create_user("lead@example.org", "x", full_name="Bench Lead")
        org = Organization.objects.create(name="Bench General", slug="bench")
        Membership.objects.create(organization=org, user=lead, role=Role.SAFETY_LEAD)
        other = Organization.objects.create(name="Elsewhere", slug="elsewhere")
        fill(org, lead, rng, ARGS.records)
        fill(other, lead, rng, ARGS.records)
        started = time.perf_counter()
        counts = search.reindex()
        took = time.perf_counter() - started
        # Fresh statistics, as PostgreSQL's autovacuum keeps them after a bulk load (without,
        # the planner takes 10,000 rows for 2 and joins by nested loops).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"{connection.vendor}: indexed {sum(counts.values())} records "
              f"({', '.join(f'{k} {v}' for k, v in counts.items())}) in {took:.1f} s")
        lead = User.objects.get(pk=lead.pk)
        medians = []
        print(f"{'query':32} {'hits':>6} {'median ms':>10} {'p95 ms':>8}")
        for query in QUERIES:
            times = []
            for _ in range(ARGS.runs):
                started = time.perf_counter()
                results = search.search(user=lead, organization=org, query=query)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            median = statistics.median(times)
            medians.append(median)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(f"{query:32} {results.total:>6} {median:>10.1f} {p95:>8.1f}")
        print(f"median over all queries: {statistics.median(medians):.1f} ms "
              f"({ARGS.records} records of the organization, {ARGS.records} of another)")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
