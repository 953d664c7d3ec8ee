"""Benchmark: the event dashboard, a measure counted from events, the equity table and the
signal watch over 1,000,000 event reports of one organization.

Issue 11's targets: dashboard and measure pages under 300 ms each over 1,000,000 events; the
signal watch over 100 units × 30 categories × 36 months (3,000 series) under 1 s.

Sets up its own SafetyHub in a temporary data folder (real settings; the empty PostgreSQL
database named by --database-url, e.g. postgres://postgres@127.0.0.1:5432/safetyhub_bench_
events, which it migrates and leaves filled — or an SQLite file when none is given). It
writes --events reports (bulk insert, seeded; each triaged and closed) spread over 100
units, 30 categories (the taxonomy's 17 and 13 an organization might add) and the last 36
complete months, a tenth of them on units with patient days, plus 1,000 reports of a second
organization; runs ANALYZE and VACUUM (as autovacuum would after a bulk load: the visibility
map lets the GROUP BYs read the index alone). Then it times, --runs times each, as a safety
lead:

* the nightly job that counts the dashboard's monthly figures (event_stats.py), once;
* the dashboard query (12 months, every unit) and its page (GET, rendered); the query when
  a change in the last month made it count that month again; the query for one unit;
* a measure counting falls with harm on one unit per month (U chart per 1,000 patient
  days): the chart's query and the measure page (GET; its SVG is cached after the first
  render, so the first run is printed too);
* the equity table (age band × harm, suppressed) page;
* the signal watch: its query path (one GROUP BY + the engine), its first reading (which
  counts three years to make its snapshot) and its page (charts drawn for the signals
  shown).

It prints the median and p95 milliseconds of each, and the machine's load average (the
machine is shared: wall-clock time includes waiting for a CPU). It asserts nothing.

    ./dev bench event_dashboard --database-url postgres://postgres@127.0.0.1:5432/safetyhub_bench_events
    .venv/bin/python bench/event_dashboard.py --events 100000 --runs 11     (SQLite, smaller)
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
parser.add_argument("--events", type=int, default=1_000_000)
parser.add_argument("--runs", type=int, default=11)
parser.add_argument("--database-url", default="",
                    help="an empty PostgreSQL database to use instead of a new SQLite file")
parser.add_argument("--reuse", action="store_true",
                    help="time again over the reports an earlier run left in --database-url")
ARGS = parser.parse_args()

DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-events-")
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
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from safetyhub.core.models import Membership, Organization, Role, Site, User  # noqa: E402
from safetyhub.events.dashboard import dashboard, month_range, months_between  # noqa: E402
from safetyhub.events.event_measures import create_event_measure  # noqa: E402
from safetyhub.events.event_stats import forget_months, remake_kept_months  # noqa: E402
from safetyhub.events.models import (  # noqa: E402
    EventReport,
    EventTriage,
    PatientDays,
    SignalWatchSnapshot,
)
from safetyhub.events.signal_watch import watch  # noqa: E402
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of  # noqa: E402
from safetyhub.measures.queries import chart_for, measures_for  # noqa: E402

UNITS = 100
MONTHS = 36
HARM = ["none"] * 45 + ["mild"] * 30 + ["moderate"] * 15 + ["unknown"] * 7 + ["severe"] * 3
TYPES = ["incident"] * 70 + ["near-miss"] * 22 + ["unsafe-condition"] * 8
AGE = ["", "", "18-44", "45-64", "65-84", "85+", "0-17"]


FILL_SQL = """
INSERT INTO events_eventreport (reference, kind, event_type, category, occurred_at, narrative,
  harm_level, medication_error_category, people_involved, immediate_actions,
  contributing_factors, answers, channel, reported_by, is_anonymous, status, identifier_flags,
  patient_age_band, patient_sex, patient_race_ethnicity, patient_language,
  patient_interpreter_needed, patient_disability, created_at, organization_id, site_id,
  taxonomy_id)
SELECT %(prefix)s || lpad(g::text, 9, '0'), 'patient_safety',
  (%(types)s::text[])[1 + floor(random() * 100)::int],
  (%(categories)s::text[])[1 + floor(power(random(), 1.6) * %(n_categories)s)::int],
  occurred, 'Benchmark event.', (%(harms)s::text[])[1 + floor(random() * 100)::int], '',
  '[]', '', '[]', '{}', 'staff', '', false, 'closed', '[]',
  (%(ages)s::text[])[1 + floor(random() * 7)::int], '', '[]', '', '', '',
  occurred + interval '2 hours', %(organization)s,
  (%(sites)s::bigint[])[1 + floor(power(random(), 1.3) * %(n_sites)s)::int], %(pack)s
FROM (SELECT g, %(start)s::timestamptz + random() * %(span)s * interval '1 second' AS occurred
      FROM generate_series(1, %(count)s) g) AS rows
"""

# Every report triaged within three days and closed within a month, nine in ten answered:
# the dashboard's medians read them all.
TRIAGE_SQL = """
INSERT INTO events_eventtriage (organization_id, report_id, version, original_event_type,
  original_category, original_harm_level, original_medication_error_category, triaged_at,
  is_serious, closing_message, closed_at, updated_at)
SELECT r.organization_id, r.id, 1, '', '', '', '', r.created_at + random() * interval '3 days',
  false, CASE WHEN random() < 0.9 THEN 'Thank you for reporting.' ELSE '' END,
  r.created_at + interval '3 days' + random() * interval '30 days', now()
FROM events_eventreport r WHERE r.organization_id = %(organization)s
"""


def fill(org: Organization, units: list[Site], categories: list[str], count: int,
         rng: random.Random, prefix: str) -> None:
    pack = active_taxonomy_pack(organization=org)
    if connection.vendor == "postgresql":
        # A bulk insert made by the server itself (a million Django objects take many
        # minutes on a busy machine); seeded, so every run writes the same reports.
        # Units and categories are skewed (a power of a uniform draw), as real ones are.
        first, last = month_range(MONTHS)
        tz = timezone.get_current_timezone()
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.2026)")
            cursor.execute(FILL_SQL, {
                "prefix": prefix, "types": TYPES, "categories": categories,
                "n_categories": len(categories), "harms": HARM, "ages": AGE,
                "organization": org.pk, "sites": [u.pk for u in units],
                "n_sites": len(units), "pack": pack.pk, "count": count,
                "start": dt.datetime.combine(first, dt.time.min, tzinfo=tz),
                "span": ((last + dt.timedelta(days=32)).replace(day=1) - first).days * 86400,
            })
            cursor.execute(TRIAGE_SQL, {"organization": org.pk})
        return
    tz = timezone.get_current_timezone()
    first, last = month_range(MONTHS)
    span = ((last + dt.timedelta(days=32)).replace(day=1) - first).days
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    # unit and category weights, so series differ in size as real ones do
    unit_w = [rng.uniform(0.2, 2.0) for _ in units]
    cat_w = [rng.uniform(0.1, 3.0) for _ in categories]
    batch = []
    for n in range(count):
        occurred = start + dt.timedelta(seconds=rng.randrange(span * 86400))
        kind = "patient_safety"
        batch.append(EventReport(
            organization=org, reference=f"{prefix}{n:09d}", kind=kind, taxonomy=pack,
            event_type=rng.choice(TYPES), category=rng.choices(categories, cat_w)[0],
            occurred_at=occurred, site=rng.choices(units, unit_w)[0],
            narrative="Benchmark event.", harm_level=rng.choice(HARM), channel="staff",
            status="closed", patient_age_band=rng.choice(AGE),
            created_at=occurred + dt.timedelta(hours=2)))
        if len(batch) == 10_000:
            EventReport.objects.bulk_create(batch)
            batch = []
    if batch:
        EventReport.objects.bulk_create(batch)
    EventTriage.objects.bulk_create(
        EventTriage(organization=org, report_id=pk,
                    triaged_at=created + dt.timedelta(hours=rng.uniform(0, 72)),
                    closed_at=created + dt.timedelta(days=rng.uniform(3, 33)),
                    closing_message="Thank you for reporting." if rng.random() < 0.9 else "")
        for pk, created in EventReport.objects.filter(organization=org)
        .values_list("pk", "created_at").iterator())


def timed(label: str, func, runs: int) -> float:
    times = []
    first = None
    for _ in range(runs):
        started = time.perf_counter()
        func()
        took = (time.perf_counter() - started) * 1000
        first = took if first is None else first
        times.append(took)
    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{label:52} {median:>9.1f} {p95:>8.1f} {first:>9.1f}")
    return median


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)  # pages are rendered
        rng = random.Random(20261206)
        if ARGS.reuse and Organization.objects.filter(slug="bench").exists():
            org = Organization.objects.get(slug="bench")
            lead = User.objects.get(email="lead@example.org")
            taxonomy = taxonomy_of(active_taxonomy_pack(organization=org))
            count = EventReport.objects.filter(organization=org).count()
            print(f"{connection.vendor}: reusing {count:,} reports; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            time_pages(org, lead, taxonomy, list(Site.objects.filter(organization=org)
                                              .order_by("name")))
            return
        lead = User.objects.create_user("lead@example.org", "x", full_name="Bench Lead")
        org = Organization.objects.create(name="Bench General", slug="bench")
        Organization.objects.filter(pk=org.pk).update(
            created_at=timezone.now() - dt.timedelta(days=5 * 365))
        org.refresh_from_db()
        Membership.objects.create(organization=org, user=lead, role=Role.SAFETY_LEAD)
        other = Organization.objects.create(name="Elsewhere", slug="elsewhere")
        units = Site.objects.bulk_create(Site(organization=org, name=f"Unit {k:03d}",
                                              kind="unit") for k in range(UNITS))
        taxonomy = taxonomy_of(active_taxonomy_pack(organization=org))
        categories = [o.key for o in taxonomy.categories("patient_safety")]
        categories += [o.key for o in taxonomy.categories("workforce")]
        categories += [f"local-{k}" for k in range(30 - len(categories))]
        started = time.perf_counter()
        fill(org, units, categories, ARGS.events, rng, "B")
        fill(other, [Site.objects.create(organization=other, name="Elsewhere unit")],
             categories, 1000, rng, "O")
        first, last = month_range(MONTHS)
        PatientDays.objects.bulk_create(
            PatientDays(organization=org, site=u, month=m, days=rng.randint(600, 1200))
            for u in units[:UNITS // 10] for m in months_between(first, last))
        loaded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM events_eventreport")
        print(f"{connection.vendor}: {ARGS.events:,} reports over {UNITS} units × "
              f"{len(categories)} categories × {MONTHS} months written in {loaded:.0f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        time_pages(org, lead, taxonomy, units)
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def time_pages(org: Organization, lead: User, taxonomy, units: list[Site]) -> None:
    """Time the pages and queries (see the module's note)."""
    measure = create_event_measure(organization=org, by=lead, name="Falls with harm",
                                   category="fall", harm_at_least="mild", site=units[0],
                                   chart="u", since=month_range(24)[0])
    client = Client()
    client.force_login(lead)
    d_first, d_last = month_range(12)
    slug = org.slug
    started = time.perf_counter()
    months = remake_kept_months()
    print(f"the nightly job counted {months} months of figures in "
          f"{time.perf_counter() - started:.1f} s (a first visit without them pays that)")
    print(f"{'what':52} {'median ms':>9} {'p95 ms':>8} {'first ms':>9}")
    results = {}
    results["dashboard query"] = timed(
        "dashboard query (12 months, every unit)",
        lambda: dashboard(organization=org, first=d_first, last=d_last, taxonomy=taxonomy),
        ARGS.runs)
    timed("dashboard query after a change in a past month",
          lambda: (forget_months(org.pk, [d_last]),
                   dashboard(organization=org, first=d_first, last=d_last,
                             taxonomy=taxonomy)), ARGS.runs)
    timed("dashboard query, one unit (counted at each visit)",
          lambda: dashboard(organization=org, first=d_first, last=d_last, taxonomy=taxonomy,
                            site=units[0]), ARGS.runs)
    url = reverse("events:dashboard", args=[slug])
    client.get(url)
    results["dashboard page"] = timed("dashboard page (GET)", lambda: client.get(url),
                                      ARGS.runs)
    results["measure chart"] = timed(
        "measure from events: chart (query + SPC)",
        lambda: chart_for(measures_for(organization=org).get(pk=measure.pk)), ARGS.runs)
    murl = reverse("measures:measure", args=[slug, measure.pk])
    results["measure page"] = timed("measure from events: page (GET)",
                                    lambda: client.get(murl), ARGS.runs)
    eurl = reverse("events:equity", args=[slug]) + "?stratum=age"
    results["equity page"] = timed("equity page (age band × harm, GET)",
                                   lambda: client.get(eurl), ARGS.runs)
    found = []
    results["watch"] = timed(
        "signal watch: query + engine (3,000 series)",
        lambda: found.append(watch(organization=org, taxonomy=taxonomy)), ARGS.runs)
    timed("signal watch: first reading (builds the snapshot)",
          lambda: (SignalWatchSnapshot.objects.filter(organization=org).delete(),
                   watch(organization=org, taxonomy=taxonomy)), max(3, ARGS.runs // 3))
    wurl = reverse("events:signals", args=[slug])
    results["watch page"] = timed("signal watch page (GET, charts drawn)",
                                  lambda: client.get(wurl), max(3, ARGS.runs // 3))
    last_watch = found[-1]
    print(f"signal watch: {last_watch.series} series, {len(last_watch.signals)} signals "
          "this month")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
