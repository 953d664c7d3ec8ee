"""Benchmark: a board pack's PDF for the demo organization with a typical year of work.

Sets up its own SafetyHub in a temporary data folder (real settings, an SQLite file it
creates and migrates), loads the demo data (`safetyhub demo`: core/demo.py, which holds
organizations and people only), then gives Riverside General Hospital a typical year: three
finalized cycles of the shipped self-assessment, a finalized PSSM readiness assessment, 12
initiatives (some overdue) and 6 monthly measures with 24 months of data, all six picked as
key measures. Then it makes the pack's PDF 7 times as the worker does
(services.generate_board_pack) and prints the median, min and max seconds and the page
count. Target: under 3 s. It prints; it asserts nothing.

    ./dev bench board_pack            (or .venv/bin/python bench/board_pack.py)
"""

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
DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-board-pack-")
os.environ["SAFETYHUB_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "safetyhub.settings"

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("django.tasks").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402

from safetyhub.assessments import services as assessments  # noqa: E402
from safetyhub.assessments.models import Assessment, Response  # noqa: E402
from safetyhub.core import board_pack, services  # noqa: E402
from safetyhub.core.demo import load_demo_data  # noqa: E402
from safetyhub.core.models import Organization, User  # noqa: E402
from safetyhub.frameworks.models import Pack, PackItem  # noqa: E402
from safetyhub.improvement import services as plan  # noqa: E402
from safetyhub.measures import services as measures  # noqa: E402

RUNS = 7
TODAY = dt.date(2026, 11, 15)


def consensus(*, org, lead, team, pack, opens_on, title, rng, base) -> Assessment:
    assessment = assessments.start_assessment(
        organization=org, pack=pack, title=title, mode=Assessment.Mode.CONSENSUS_ONLY,
        lead=lead, team=team, by=lead, opens_on=opens_on)
    levels = [lvl["value"] for lvl in pack.scale_levels]
    numeric = [lvl["value"] for lvl in pack.scale_levels if lvl.get("numeric") is not None]
    rows = []
    for item in PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM):
        value = (rng.choice(levels) if base is None
                 else numeric[min(len(numeric) - 1, max(0, base + rng.randint(-1, 1)))])
        rows.append(Response(assessment=assessment, organization=org, item=item,
                             respondent=None, value=value, version=1, updated_by=lead,
                             rationale="Agreed after discussion."))
    Response.objects.bulk_create(rows)
    return assessments.finalize(assessment=assessment, by=lead)


def build():
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    load_demo_data()
    org = Organization.objects.get(slug="riverside-general")
    lead = User.objects.get(email="lead@riverside.example")
    team = [User.objects.get(email="assessor@riverside.example")]
    rng = random.Random(2026)
    sa = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    for year, base in [(2024, 1), (2025, 2), (2026, 2)]:
        consensus(org=org, lead=lead, team=team, pack=sa, opens_on=dt.date(year, 3, 2),
                  title=f"Self-assessment {year}", rng=rng, base=base)
    pssm = Pack.objects.filter(organization=None, pack_id="pssm").order_by("-version").first()
    consensus(org=org, lead=lead, team=team, pack=pssm, opens_on=dt.date(2026, 6, 1),
              title="PSSM readiness 2026", rng=rng, base=None)
    owners = list(User.objects.filter(memberships__organization=org,
                                      memberships__role__in=["safety_lead", "assessor"]))
    for n in range(12):
        plan.create_initiative(
            organization=org, by=lead, title=f"Initiative {n + 1}: a change the team is testing",
            owner=owners[n % len(owners)], status=["active", "proposed", "on_hold"][n % 3],
            due_on=TODAY + dt.timedelta(days=30 * (n - 3)))
    picked = []
    for n, (name, chart, direction) in enumerate([
            ("Inpatient falls per 1,000 patient days", "u", "decrease"),
            ("Pressure injuries", "c", "decrease"),
            ("Hand hygiene compliance", "p", "increase"),
            ("Sepsis bundle within 3 hours", "p", "increase"),
            ("Medication errors reaching the patient", "run", "decrease"),
            ("Staff injuries", "i", "decrease")]):
        measure = measures.create_measure(organization=org, by=lead, name=name, type="outcome",
                                          numerator="events", direction=direction, chart=chart,
                                          denominator="" if chart in ("c", "run", "i") else "n")
        for month in range(24):
            den = None
            if chart in ("u", "p"):
                den = float(rng.randint(180, 220))
                num = float(rng.randint(int(den * .6), int(den * .9))) if chart == "p" else float(
                    rng.randint(1, 8))
            else:
                num = float(rng.randint(2, 9) + (3 if n % 2 and month > 18 else 0))
            measures.save_data_point(measure=measure, period=dt.date(2024 + month // 12,
                                                                     month % 12 + 1, 1),
                                     numerator=num, denominator=den, by=lead)
        picked.append(measure.pk)
    return services.create_board_pack(
        organization=org, title="Board pack, Q3 2026", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30), key_measures=picked, by=lead,
        summary="We ask the board to approve two falls-prevention nurses and to sponsor the "
                "just-culture policy review.\n\nThe self-assessment rose in every area; three "
                "initiatives are overdue and each has a plan to recover.")


def main() -> None:
    try:
        print(f"Setting up in {DATA_DIR}: the demo data and a typical year of work…")
        start = time.perf_counter()
        pack = build()
        print(f"  set up in {time.perf_counter() - start:.1f} s")
        load = os.getloadavg()[0]
        first = time.perf_counter()
        services.generate_board_pack(board_pack_id=pack.pk)
        print(f"first PDF in this process (includes vl-convert's start-up): "
              f"{time.perf_counter() - first:.2f} s")
        runs, cpu = [], []
        for _ in range(RUNS):
            start, started_cpu = time.perf_counter(), time.process_time()
            pack = services.generate_board_pack(board_pack_id=pack.pk)
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - started_cpu)
        print(f"board pack PDF ({RUNS} runs, {pack.pdf.size / 1024:.0f} KiB, {pack.pdf_pages} "
              f"pages): median {statistics.median(runs):.2f} s, min {min(runs):.2f} s, "
              f"max {max(runs):.2f} s; CPU median {statistics.median(cpu):.2f} s   "
              "(target: under 3 s)")
        print("sections: " + ", ".join(s.title for s in board_pack.sections()))
        print(f"load average before / after: {load:.1f} / {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs (wall times stretch when other work shares the CPUs)")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
