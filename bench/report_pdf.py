"""Benchmark: the assessment report as PDF (and as HTML, the baseline), rendered in-request.

Sets up its own SafetyHub in a temporary data folder (real settings, an SQLite file it
creates and migrates), uploads a generated 40-element instrument as an organization's own
pack, and answers it with a team of 12 members on their own plus the team's consensus, in
three earlier finalized cycles and the current one. Then it requests the PDF 7 times and the
HTML report 7 times, and prints the median, min and max seconds of each. Target: the PDF in
under 3 s. It prints; it asserts nothing.

    ./dev bench report_pdf            (or .venv/bin/python bench/report_pdf.py)
    .venv/bin/python bench/report_pdf.py --profile    also prints where one PDF's time goes
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
DATA_DIR = tempfile.mkdtemp(prefix="safetyhub-bench-report-")
os.environ["SAFETYHUB_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "safetyhub.settings"

import django  # noqa: E402

django.setup()
# Quiet: one log line per request and WeasyPrint's progress would drown the figures.
logging.getLogger("safetyhub.request").setLevel(logging.WARNING)
logging.getLogger("weasyprint").setLevel(logging.WARNING)

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from safetyhub.assessments import services  # noqa: E402
from safetyhub.assessments.models import Assessment, Response  # noqa: E402
from safetyhub.core.models import Membership, Organization, Role, User  # noqa: E402
from safetyhub.frameworks.models import PackItem  # noqa: E402
from safetyhub.frameworks.services import upload_pack  # noqa: E402

RUNS = 7
SECTIONS = 5
ELEMENTS_PER_SECTION = 8  # 40 elements
MEMBERS = 12
CYCLES = 4  # three earlier finalized cycles and the current one
LEVELS = ["0", "1", "2", "3", "4"]
RECOMMENDATIONS = [f"R{n:02d}" for n in range(1, 18)]


def pack_yaml() -> str:
    lines = [
        "id: bench-instrument",
        "version: 1",
        "kind: instrument",
        'title: {text: "Benchmark readiness instrument", provenance: project}',
        "publisher: Benchmark Hospital",
        "year: 2026",
        'licence: "Internal use"',
        'notice: "Generated for the report benchmark."',
        "defaults: {provenance: project}",
        "scale:",
        "  levels:",
        '    - {value: "0", label: Not started, numeric: 0, definition: "Nothing yet."}',
        '    - {value: "1", label: Beginning, numeric: 1, definition: "Started."}',
        '    - {value: "2", label: Making progress, numeric: 2, definition: "Partly."}',
        '    - {value: "3", label: Significant impact, numeric: 3, definition: "Mostly."}',
        '    - {value: "4", label: Exemplary, numeric: 4, definition: "Everywhere."}',
        '    - {value: unsure, label: Unsure, definition: "Not enough information."}',
        '    - {value: na, label: Not applicable, definition: "Does not apply."}',
        "scoring: {method: mean, disagreement_levels: 2}",
        "sections:",
    ]
    for s in range(1, SECTIONS + 1):
        lines += [f"  - id: S{s}", f'    number: "{s}"',
                  f'    title: "Area {s}: a foundational area of safety work"', "    items:"]
        for e in range(1, ELEMENTS_PER_SECTION + 1):
            lines += [
                f"      - id: S{s}-E{e}", f'        number: "{s}.{e}"',
                f'        title: "Element {s}.{e}: a practice that is in place, measured '
                f'and sustained across the organization"',
                "        criteria:",
                '          - {id: a, text: "A written policy names the practice and its owner."}',
                '          - {id: b, text: "Audits show the practice is followed."}',
            ]
    lines.append("links:")
    for s in range(1, SECTIONS + 1):
        for e in range(1, ELEMENTS_PER_SECTION + 1):
            rec = RECOMMENDATIONS[(s * ELEMENTS_PER_SECTION + e) % len(RECOMMENDATIONS)]
            lines.append(f'  - {{from: "bench-instrument:S{s}-E{e}", to: "nap-2020:{rec}", '
                         f"relation: supports}}")
    return "\n".join(lines) + "\n"


def build() -> tuple[User, Assessment]:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    org = Organization.objects.create(name="Benchmark General Hospital", slug="bench")
    lead = User.objects.create_user("lead@bench.example.org", "not-used-password-1",
                                    full_name="Lee Lead")
    Membership.objects.create(organization=org, user=lead, role=Role.SAFETY_LEAD)
    members = []
    for n in range(1, MEMBERS):
        user = User.objects.create_user(f"member{n}@bench.example.org", "not-used-password-1",
                                        full_name=f"Member {n:02d} Example")
        Membership.objects.create(organization=org, user=user, role=Role.ASSESSOR)
        members.append(user)
    pack = upload_pack(organization=org, file_name="bench.yaml", text=pack_yaml(), by=lead)
    items = list(PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM).order_by(
        "position"))
    team = [lead, *members]  # 12 people answer on their own
    rng = random.Random(2026)
    current = None
    for cycle in range(CYCLES):
        assessment = services.start_assessment(
            organization=org, pack=pack, title=f"Cycle {cycle + 1}",
            mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=lead, team=members, by=lead,
            opens_on=dt.date(2023 + cycle, 3, 1))
        rows = []
        for item in items:
            base = min(4, max(0, rng.randint(0, 3) + cycle // 2))
            for person in team:
                value = rng.choice(["unsure", "na"]) if rng.random() < 0.05 else str(
                    min(4, max(0, base + rng.choice([-2, -1, 0, 0, 1]))))
                rows.append(Response(assessment=assessment, organization=org, item=item,
                                     respondent=person, value=value, version=1,
                                     updated_by=person, note=rng.choice(["", "", "See minutes."])))
            rows.append(Response(assessment=assessment, organization=org, item=item,
                                 respondent=None, value=str(base), version=1, updated_by=lead,
                                 rationale="Agreed after discussion."))
        Response.objects.bulk_create(rows)
        current = services.finalize(assessment=assessment, by=lead)
    return lead, current


def timed(client: Client, path: str) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (all its threads) and response size."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return elapsed, cpu, len(response.content)


def figures(name: str, runs: list[tuple[float, float, int]], note: str) -> None:
    wall = [w for w, _, _ in runs]
    cpu = [c for _, c, _ in runs]
    print(f"{name} ({len(runs)} runs, {runs[-1][2] / 1024:.0f} KiB): median "
          f"{statistics.median(wall):.2f} s, min {min(wall):.2f} s, max {max(wall):.2f} s; "
          f"CPU median {statistics.median(cpu):.2f} s   {note}")


def main() -> None:
    try:
        print(f"Setting up in {DATA_DIR}: 40 elements, {MEMBERS} members, {CYCLES} cycles…")
        start = time.perf_counter()
        lead, assessment = build()
        print(f"  set up in {time.perf_counter() - start:.1f} s")
        client = Client()
        client.force_login(lead)
        args = [assessment.organization.slug, assessment.pk]
        pdf_path = reverse("assessments:report_pdf", args=args)
        html_path = reverse("assessments:report", args=args)

        load = os.getloadavg()[0]
        first = timed(client, pdf_path)
        print(f"first PDF in this process (includes vl-convert's start-up): {first[0]:.2f} s")
        figures("PDF ", [timed(client, pdf_path) for _ in range(RUNS)], "(target: under 3 s)")
        figures("HTML", [timed(client, html_path) for _ in range(RUNS)],
                "(baseline: the same report without WeasyPrint)")
        print(f"load average before / after: {load:.1f} / {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs (wall times stretch when other work shares the CPUs)")

        if "--profile" in sys.argv:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            timed(client, pdf_path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
