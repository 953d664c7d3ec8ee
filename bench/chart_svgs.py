"""Benchmark: rendering 100 measure chart SVGs (issue target: under 5 s).

No database: the SVG path needs none. Builds 100 charts deterministically (seeded) before
timing — an even mix of run, I, P, P′, U, U′, C, G and T charts of 24 to 104 points, a
third with two phases (a shift at the split), a quarter with a frozen baseline, an excluded
point in every fifth, one to three PDSA markers each, a goal on half — then, in this
process, on one core:

* baseline: the 100 `qic` results alone (the SPC arithmetic and the plain-word signals);
* the 100 full charts as on a measure's page and in the PDF: `qic`, `explain`, the
  Vega-Lite spec (`spc_spec`) and `core.charts.render_svg` (vl-convert), with the render
  cache off so that every chart is really drawn;
* the 100 dashboard (compact) charts, the same way;
* the same 100 full charts again with the render cache on and warm (an unchanged chart
  shown again), for scale.

Each series runs --repeats times (default 5); printed: the median wall-clock and CPU
seconds, the min and max, per-chart milliseconds, and the machine's load average (the
wall-clock time includes waiting for a CPU on a shared machine; the CPU time does not).
vl-convert's first call starts its JavaScript runtime (about a second): it is made, and
timed apart, before the runs. It prints; it asserts nothing.

    .venv/bin/python bench/chart_svgs.py [--charts 100] [--repeats 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safetyhub.core import charts
from safetyhub.measures import chart as spc_chart
from safetyhub.measures.chart import Marker, spc_svg
from safetyhub.spc import explain, qic

TYPES = ("run", "i", "p", "pp", "u", "up", "c", "g", "t")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHANGES = ("Hourly rounding", "Bed alarms for high-risk patients",
           "Teach-back at discharge", "Daily safety huddle on every unit",
           "Double check of high-alert medicines", "Chlorhexidine bathing")


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def make_charts(count: int, seed: int = 20260101) -> list[dict]:
    """Inputs of `count` charts: qic arguments and what the spec needs besides."""
    rng = random.Random(seed)
    out = []
    for c in range(count):
        chart = TYPES[c % len(TYPES)]
        points = rng.randint(24, 104)
        split = points // 2 if c % 3 == 0 else None
        shift = 1.6 if split else 1.0

        def level(k: int, split=split, shift=shift) -> float:
            return shift if split and k >= split else 1.0

        n = None
        if chart == "run" or chart == "i":
            base = rng.uniform(10, 100)
            y = [rng.gauss(base * level(k), base / 10) for k in range(points)]
        elif chart in ("p", "pp"):
            n = [rng.randint(40, 400) if chart == "p" else rng.randint(5000, 20000)
                 for _ in range(points)]
            rate = rng.uniform(0.05, 0.3)
            y = [sum(rng.random() < min(0.95, rate * level(k)) for _ in range(m)) if m < 500
                 else round(m * min(0.95, rate * level(k) * rng.uniform(0.9, 1.1)))
                 for k, m in enumerate(n)]
        elif chart in ("u", "up"):
            n = [rng.uniform(800, 1500) if chart == "u" else rng.uniform(20000, 50000)
                 for _ in range(points)]
            rate = rng.uniform(0.002, 0.01)
            y = [_poisson(rng, rate * level(k) * m) for k, m in enumerate(n)]
        elif chart == "c":
            y = [_poisson(rng, 6 * level(k)) for k in range(points)]
        elif chart == "g":
            y = [int(rng.expovariate(1 / (40 * level(k)))) for k in range(points)]
        else:  # t
            y = [rng.expovariate(1 / (20 * level(k))) + 0.5 for k in range(points)]
        start = dt.date(2017, 1, 1)
        if chart in ("g", "t"):
            days, labels = 0, []
            for value in y:
                days += max(1, int(value))
                day = start + dt.timedelta(days=days)
                labels.append(f"{day.day} {MONTHS[day.month - 1]} {day.year}")
        else:
            labels = [f"{MONTHS[k % 12]} {start.year + k // 12}" for k in range(points)]
        kwargs = {"chart": chart, "multiply": 1000 if chart in ("u", "up") else
                  100 if chart in ("p", "pp") else 1}
        if split:
            kwargs["part"] = [split]
        elif c % 4 == 1:
            kwargs["freeze"] = max(12, points // 3)
        if c % 5 == 2:
            kwargs["exclude"] = [rng.randint(1, points)]
        markers = [Marker(rng.uniform(1, points), f"PDSA {m + 1}: {rng.choice(CHANGES)}")
                   for m in range(1 + c % 3)]
        markers.sort(key=lambda m: m.position)
        out.append({"x": labels, "y": y, "n": n, "qic": kwargs, "markers": markers,
                    "goal": None if c % 2 else "median", "title": f"Measure {c + 1}",
                    "unit": "events per 1,000 patient days" if chart in ("u", "up")
                    else "% of cases" if chart in ("p", "pp") else "days" if chart == "t"
                    else "count"})
    return out


def compute(spec: dict):
    return qic(spec["x"], spec["y"], spec["n"], **spec["qic"])


def draw(spec: dict, *, compact: bool = False, cache: bool = False) -> str:
    points = compute(spec)
    goal = None
    if spec["goal"]:
        values = sorted(p.y for p in points if p.y is not None)
        goal = values[len(values) // 2] * 0.8
    return spc_svg(cache=cache, title=spec["title"], chart=spec["qic"]["chart"],
                   labels=spec["x"], points=points, explanations=explain(points),
                   unit=spec["unit"], markers=spec["markers"], goal=goal,
                   freeze=spec["qic"].get("freeze"), compact=compact)


def timed(label: str, work, repeats: int, count: int) -> float:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    median = statistics.median(walls)
    print(f"{label:44s} median {median:7.3f} s wall ({statistics.median(cpus):7.3f} s CPU)"
          f"  min {min(walls):7.3f}  max {max(walls):7.3f}  "
          f"{median / count * 1000:6.1f} ms/chart")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    specs = make_charts(args.charts)
    sizes = [len(s["y"]) for s in specs]
    print(f"{args.charts} charts, {min(sizes)}-{max(sizes)} points "
          f"(mean {statistics.mean(sizes):.0f}); types {', '.join(TYPES)}; "
          f"{sum('part' in s['qic'] for s in specs)} with two phases, "
          f"{sum('freeze' in s['qic'] for s in specs)} with a frozen baseline, "
          f"{sum(len(s['markers']) for s in specs)} PDSA markers")
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; charts rendered one after another")
    start = time.perf_counter()
    charts.render_svg({"mark": "point", "data": {"values": []}})
    print(f"vl-convert start-up (first render, not counted): "
          f"{time.perf_counter() - start:.2f} s")
    sample = draw(specs[0])
    print(f"one SVG: {len(sample):,} bytes")

    baseline = timed("baseline: 100 qic results alone".replace("100", str(args.charts)),
                     lambda: [compute(s) for s in specs], args.repeats, args.charts)
    full = timed(f"{args.charts} chart SVGs (page and PDF)",
                 lambda: [draw(s) for s in specs], args.repeats, args.charts)
    timed(f"{args.charts} compact SVGs (dashboard)",
          lambda: [draw(s, compact=True) for s in specs], args.repeats, args.charts)
    spc_chart._render_cached.cache_clear()
    [draw(s, cache=True) for s in specs]  # warm the cache
    timed(f"{args.charts} chart SVGs, render cache warm",
          lambda: [draw(s, cache=True) for s in specs], args.repeats, args.charts)
    print(f"Rendering {args.charts} chart SVGs: {full:.2f} s (target: under 5 s); "
          f"the qic results alone: {baseline:.3f} s")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
