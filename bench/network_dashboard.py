"""Benchmark: a network dashboard over 500 member organizations and 10,000,000 events.

Issue 13's target: the network dashboard for 500 organizations and 10,000,000 events on
PostgreSQL under 1 s.

Sets up its own SafetyHub in a temporary data folder (real settings; the empty PostgreSQL
database named by --database-url, which it migrates and leaves filled — or an SQLite file
when none is given). It makes --organizations member hospitals, all in one network sharing
everything, and --events reports' worth of figures among them over the last 36 complete
months, in two parts:

* --sampled hospitals get real reports, --events / --organizations each on average (the
  same size as the rest; bulk INSERT … SELECT generate_series on PostgreSQL, seeded,
  categories and harm drawn as in the event benchmark) and 30 review actions each; the
  worker's rollup job is run for them and timed: it counts each hospital's monthly figures
  from its reports (event_stats: the kept months its own event dashboard reads) and writes
  its rollup rows — then once more with the kept months in place. Ten million real report
  rows take over an hour to write on the 2-CPU development machine, so the job's time for
  all hospitals is this measured time per hospital times their number (each hospital is
  counted on its own: the time grows with the hospitals, not with the network);
* the other hospitals' rollup rows (the tables the dashboard reads) are written straight
  in SQL with the same distribution (sizes skewed by hospital and category), so
  that the rollup tables hold the figures of --events reports in all, as they would after
  the nightly job;

then runs ANALYZE and:
* times, --runs times each: the dashboard query as a lead sees it (network figures only),
  as a member's safety lead sees it (with their own hospital's figures beside), the page
  (GET, rendered), the API (GET, JSON), and — the baseline — the same page for a network
  whose one member shares nothing (everything but the figures: sign-in, the door, the
  template).

It prints the median, p95 and first milliseconds of each and the machine's load average (the
machine is shared: wall-clock time includes waiting for a CPU). It asserts nothing.

    ./dev bench network_dashboard --database-url postgres://postgres@127.0.0.1:5432/bench_network
    .venv/bin/python bench/network_dashboard.py --organizations 20 --events 50000 --sampled 2
"""

import argparse
import datetime as dt
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--organizations", type=int, default=500)
parser.add_argument("--events", type=int, default=10_000_000)
parser.add_argument("--sampled", type=int, default=25,
                    help="hospitals given real reports, whose rollup job is timed")
parser.add_argument("--runs", type=int, default=11)
parser.add_argument("--reuse", action="store_true",
                    help="time again over the figures an earlier run left in --database-url")
parser.add_argument("--database-url", default="",
                    help="an empty PostgreSQL database to use instead of a new SQLite file")
ARGS = parser.parse_args()

DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-network-")
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
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from safetyhub.core.models import Membership, Organization, Role, User  # noqa: E402
from safetyhub.events.event_stats import bounds  # noqa: E402
from safetyhub.events.models import EventReport  # noqa: E402
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of  # noqa: E402
from safetyhub.investigations.models import Review, ReviewAction  # noqa: E402
from safetyhub.network import aggregates, rollups  # noqa: E402
from safetyhub.network.models import (  # noqa: E402
    EventRollup,
    Network,
    NetworkFigures,
    NetworkLead,
    NetworkMember,
)
from safetyhub.network.rollups import STREAMS  # noqa: E402

HARM = ["none"] * 45 + ["mild"] * 30 + ["moderate"] * 15 + ["unknown"] * 7 + ["severe"] * 3
TYPES = ["incident"] * 70 + ["near-miss"] * 22 + ["unsafe-condition"] * 8

# Hospitals differ in size: a hospital's share of the reports is a power of a uniform draw
# (organization k of n gets reports in proportion to its weight).
FILL_SQL = """
INSERT INTO events_eventreport (reference, kind, event_type, category, occurred_at, narrative,
  harm_level, medication_error_category, people_involved, immediate_actions,
  contributing_factors, answers, channel, reported_by, is_anonymous, status, identifier_flags,
  patient_age_band, patient_sex, patient_race_ethnicity, patient_language,
  patient_interpreter_needed, patient_disability, created_at, organization_id, site_id,
  taxonomy_id)
SELECT 'N' || lpad(g::text, 10, '0'), 'patient_safety',
  (%(types)s::text[])[1 + floor(random() * 100)::int],
  (%(categories)s::text[])[1 + floor(power(random(), 1.6) * %(n_categories)s)::int],
  occurred, 'Benchmark event.', (%(harms)s::text[])[1 + floor(random() * 100)::int], '',
  '[]', '', '[]', '{}', 'staff', '', false, 'closed', '[]', '', '', '[]', '', '', '',
  occurred + interval '2 hours',
  (%(organizations)s::bigint[])[1 + floor(power(random(), 1.5) * %(n_organizations)s)::int],
  NULL, %(pack)s
FROM (SELECT g, %(start)s::timestamptz + random() * %(span)s * interval '1 second' AS occurred
      FROM generate_series(1, %(count)s) g) AS rows
"""


ROLLUP_SQL = """
INSERT INTO network_eventrollup (organization_id, quarter, category, events, harmed)
SELECT id, quarter, key, e, floor(e * %(harmed)s + random())::int
FROM (SELECT o.id, q::date AS quarter, c.key,
             floor(%(per_org)s * o.w * c.w * qs.n / %(months)s + random())::int
             AS e
      FROM (SELECT unnest(%(organizations)s::bigint[]) AS id,
                   unnest(%(org_w)s::float8[]) AS w) o
      CROSS JOIN (SELECT unnest(%(quarters)s::date[]) AS q,
                         unnest(%(months_in)s::int[]) AS n) qs
      CROSS JOIN (SELECT unnest(%(categories)s::text[]) AS key,
                         unnest(%(cat_w)s::float8[]) AS w) c) AS cells
WHERE e > 0
"""


def fill_rollups(organizations: list[Organization], categories: list[str]) -> None:
    """The rollup rows of hospitals without real reports, as the nightly job would leave
    them: per hospital, month, category and harm band; per hospital and month, actions by
    strength; per hospital, the means of nine self-assessment areas."""
    import random

    from safetyhub.events.event_stats import months_between
    from safetyhub.network.models import ActionRollup, AreaScoreRollup, RollupState

    rng = random.Random(2613)
    last = rollups.last_complete_month()
    first = rollups._first_month(last)
    org_w = [rng.random() ** 1.5 + 0.05 for _ in organizations]
    scale = len(organizations) / sum(org_w)
    cat_w = [(k + 1) ** 1.6 - k ** 1.6 for k in range(len(categories))]  # as power(random())
    cat_w = [w / sum(cat_w) for w in cat_w][::-1]
    harmed = 0.48  # mild, moderate, severe and death: as in HARM above
    # Each quarter's complete months within the 36 (the first may hold fewer than three).
    months_in: dict[dt.date, int] = {}
    for month in months_between(first, last):
        quarter = rollups.quarter_of(month)
        months_in[quarter] = months_in.get(quarter, 0) + 1
    per_org = ARGS.events / ARGS.organizations
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.2613)")
            cursor.execute(ROLLUP_SQL, {
                "organizations": [o.pk for o in organizations],
                "org_w": [w * scale for w in org_w], "categories": categories,
                "cat_w": cat_w, "quarters": list(months_in),
                "months_in": list(months_in.values()), "months": 36, "per_org": per_org,
                "harmed": harmed})
    else:  # the same rows, written from Python (small runs)
        rows = []
        for o, w in zip(organizations, org_w, strict=True):
            for quarter, n_months in months_in.items():
                for category, cw in zip(categories, cat_w, strict=True):
                    e = int(per_org * w * scale * cw * n_months / 36 + rng.random())
                    if e:
                        rows.append(EventRollup(organization=o, quarter=quarter,
                                                category=category, events=e,
                                                harmed=int(e * harmed + rng.random())))
        EventRollup.objects.bulk_create(rows, batch_size=5000)
    months = [last]
    for _ in range(29):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    ActionRollup.objects.bulk_create([
        ActionRollup(organization=o, month=month, strength=strength, actions=1)
        for o in organizations for k, month in enumerate(months)
        for strength in [["stronger", "intermediate", "weaker", "weaker"][(o.pk + k) % 4]]],
        batch_size=5000)
    AreaScoreRollup.objects.bulk_create([
        AreaScoreRollup(organization=o, pack_id="bench-instrument", pack_title="Bench",
                        area=f"area-{a}", area_title=f"Area {a}", position=a,
                        mean=round(rng.uniform(1, 4), 2), finalized_on=last)
        for o in organizations for a in range(9)], batch_size=5000)
    now = timezone.now()
    RollupState.objects.bulk_create([RollupState(organization=o, built_at=now,
                                                 through_month=last) for o in organizations])


def fill_events(organizations: list[Organization], categories: list[str]) -> None:
    pack = active_taxonomy_pack(organization=organizations[0])
    last = rollups.last_complete_month()
    first = rollups._first_month(last)
    start, end = bounds(first, last)
    values = {"types": TYPES, "categories": categories, "n_categories": len(categories),
              "harms": HARM, "organizations": [o.pk for o in organizations],
              "n_organizations": len(organizations), "pack": pack.pk,
              "count": ARGS.events * len(organizations) // ARGS.organizations,
              "start": start, "span": int((end - start).total_seconds())}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.1313)")
            cursor.execute(FILL_SQL, values)
        return
    import random

    rng = random.Random(1313)
    batch = []
    for n in range(ARGS.events * len(organizations) // ARGS.organizations):
        occurred = start + dt.timedelta(seconds=rng.randrange(values["span"]))
        batch.append(EventReport(
            organization=organizations[int(rng.random() ** 1.5 * len(organizations))],
            reference=f"N{n:010d}", kind="patient_safety", taxonomy=pack,
            event_type=rng.choice(TYPES),
            category=categories[int(rng.random() ** 1.6 * len(categories))],
            occurred_at=occurred, narrative="Benchmark event.", harm_level=rng.choice(HARM),
            channel="staff", status="closed", created_at=occurred + dt.timedelta(hours=2)))
        if len(batch) == 10_000:
            EventReport.objects.bulk_create(batch)
            batch = []
    EventReport.objects.bulk_create(batch)


def fill_actions(organizations: list[Organization]) -> None:
    reviews = Review.objects.bulk_create([
        Review(organization=o, kind="rca2", title="Benchmark review", status="analysing")
        for o in organizations])
    last = rollups.last_complete_month()
    months = [last]
    for _ in range(29):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    tz = timezone.get_current_timezone()
    strengths = ["stronger", "intermediate", "weaker", "weaker"]
    ReviewAction.objects.bulk_create([
        ReviewAction(organization_id=r.organization_id, review=r, description="Benchmark",
                     strength=strengths[(r.pk + k) % 4], due_on=timezone.localdate(),
                     created_at=dt.datetime.combine(month, dt.time(12), tzinfo=tz))
        for r in reviews for k, month in enumerate(months)], batch_size=5000)


def timed(label: str, func, runs: int) -> float:
    times, first = [], None
    for _ in range(runs):
        started = time.perf_counter()
        func()
        took = (time.perf_counter() - started) * 1000
        first = took if first is None else first
        times.append(took)
    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{label:56} {median:>9.1f} {p95:>8.1f} {first:>9.1f}", flush=True)
    return median


def main() -> None:
    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if ARGS.reuse and Network.objects.filter(slug="bench").exists():
            print(f"{connection.vendor}: reusing {EventRollup.objects.count():,} event rollup "
                  f"rows; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            time_pages(Network.objects.get(slug="bench"),
                       Organization.objects.get(slug="bench-member-0000"),
                       User.objects.get(email="lead@example.org"),
                       User.objects.get(email="member@example.org"))
            return
        long_ago = timezone.now() - dt.timedelta(days=5 * 365)
        n = ARGS.organizations
        organizations = Organization.objects.bulk_create([
            Organization(name=f"Bench member {k:04d}", slug=f"bench-member-{k:04d}",
                         created_at=long_ago) for k in range(n)])
        network = Network.objects.create(name="Bench network", slug="bench")
        NetworkMember.objects.bulk_create([
            NetworkMember(network=network, organization=o, shares_event_counts=True,
                          shares_action_strength=True, shares_assessment_scores=True)
            for o in organizations])
        lead = User.objects.create_user("lead@example.org", "x", full_name="Bench Lead")
        NetworkLead.objects.create(network=network, user=lead)
        safety_lead = User.objects.create_user("member@example.org", "x",
                                               full_name="Bench Member")
        Membership.objects.create(organization=organizations[0], user=safety_lead,
                                  role=Role.SAFETY_LEAD)
        # The baseline: a network whose one member shares nothing.
        quiet = Organization.objects.create(name="Quiet member", slug="quiet",
                                            created_at=long_ago)
        empty = Network.objects.create(name="Empty network", slug="empty")
        NetworkMember.objects.create(network=empty, organization=quiet)
        Membership.objects.create(organization=quiet, user=safety_lead, role=Role.SAFETY_LEAD)

        taxonomy = taxonomy_of(active_taxonomy_pack(organization=organizations[0]))
        categories = [o.key for o in taxonomy.categories("patient_safety")]
        categories += [o.key for o in taxonomy.categories("workforce")]
        sampled, rest = organizations[:ARGS.sampled], organizations[ARGS.sampled:]
        started = time.perf_counter()
        fill_events(sampled, categories)
        fill_actions(sampled)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "postgresql":
                cursor.execute("VACUUM events_eventreport")
        loaded = time.perf_counter() - started
        reports = EventReport.objects.count()
        print(f"{connection.vendor}: {reports:,} real reports among {len(sampled)} hospitals "
              f"({len(categories)} categories, 36 months) and {30 * len(sampled):,} actions "
              f"written in {loaded:.0f} s; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs", flush=True)

        def refresh_sampled() -> None:
            categories_now = rollups.builtin_categories()
            for o in sampled:
                rollups.refresh_organization(organization_id=o.pk, streams=set(STREAMS),
                                             categories=categories_now)

        started = time.perf_counter()
        refresh_sampled()
        cold = time.perf_counter() - started
        print(f"rollup job from the reports (months counted): {len(sampled)} hospitals in "
              f"{cold:.1f} s, {1000 * cold / len(sampled):.0f} ms each, "
              f"{1_000_000 * cold / reports:.0f} s per million reports: for {n} hospitals "
              f"about {cold / len(sampled) * n / 60:.0f} min", flush=True)
        started = time.perf_counter()
        refresh_sampled()
        warm = time.perf_counter() - started
        print(f"the same job again (kept months in place): {1000 * warm / len(sampled):.0f} ms "
              f"each, about {warm / len(sampled) * n / 60:.1f} min for {n} hospitals",
              flush=True)
        started = time.perf_counter()
        fill_rollups(rest, categories)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        total = EventRollup.objects.aggregate(n=Sum("events"))["n"]
        print(f"rollup rows of the other {len(rest)} hospitals written in "
              f"{time.perf_counter() - started:.0f} s: {EventRollup.objects.count():,} event "
              f"rollup rows holding {total:,} reports", flush=True)

        time_pages(network, organizations[0], lead, safety_lead)
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def time_pages(network: Network, own: Organization, lead: User, safety_lead: User) -> None:
    print(f"{'what':56} {'median ms':>9} {'p95 ms':>8} {'first ms':>9}")
    runs = ARGS.runs
    # What a page pays the first time after the members' figures change: the network's sums
    # straight from the members' rollup rows (one SQL statement per table), per period.
    last = rollups.last_complete_month()
    first = rollups._first_month(last)
    for period in aggregates.PERIODS:
        months = aggregates._columns(first, last, period)
        timed(f"network sums from the members' rollups, by {period}",
              lambda months=months, period=period: aggregates._sum_afresh(
                  network, period, months, list(dict.fromkeys(months.values()))), runs)
    # The worker's step after rebuilding rollups: sum and store them for every period; pages
    # then read the stored sums (one row) while nothing changes.
    NetworkFigures.objects.filter(network=network).delete()
    timed("worker: sum and store the network's sums (both periods)",
          lambda: aggregates.store_network_sums(network=network), 1)
    timed("dashboard query, a lead (network figures)",
          lambda: aggregates.dashboard(network=network), runs)
    timed("dashboard query, a member (own figures beside)",
          lambda: aggregates.dashboard(network=network, own=own), runs)
    timed("dashboard query by quarter, a member",
          lambda: aggregates.dashboard(network=network, own=own, period="quarter"), runs)
    client = Client()
    client.force_login(safety_lead)
    url = reverse("network:dashboard", args=["bench"])
    page = timed("dashboard page (GET), a member", lambda: client.get(url), runs)
    timed("dashboard page by quarter (GET), a member",
          lambda: client.get(url + "?period=quarter"), runs)
    timed("dashboard API (GET), a member",
          lambda: client.get("/api/v1/networks/bench/dashboard"), runs)
    timed("dashboard API by quarter (GET), a member",
          lambda: client.get("/api/v1/networks/bench/dashboard?period=quarter"), runs)
    lead_client = Client()
    lead_client.force_login(lead)
    timed("dashboard page (GET), a lead", lambda: lead_client.get(url), runs)
    timed("dashboard page by quarter (GET), a lead",
          lambda: lead_client.get(url + "?period=quarter"), runs)
    timed("dashboard API by quarter (GET), a lead",
          lambda: lead_client.get("/api/v1/networks/bench/dashboard?period=quarter"), runs)

    def after_a_change() -> None:
        NetworkFigures.objects.filter(network=network).delete()
        client.get(url + "?period=quarter")

    timed("page by quarter, the first after a change (sums afresh)", after_a_change, runs)
    baseline = timed("baseline: the page of a network with no figures",
                     lambda: client.get(reverse("network:dashboard", args=["empty"])), runs)
    print(f"the figures add {page - baseline:.0f} ms to the page; "
          f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
