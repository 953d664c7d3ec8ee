"""Benchmark: the SPC engine computes 10,000 charts of 104 points (mixed types) on one core.

Target (issue): under 3 s. Run from the repository root:

    .venv/bin/python bench/spc_engine.py [--charts 10000] [--repeats 5]

Data are generated deterministically (seeded ``random.Random``) before timing: an even mix
of run, I, P, U, C, G, T and Xbar charts (Xbar: 104 subgroups of 5 values = 520 rows), a
quarter of them with a freeze, a fifth with two parts and a seventh with an excluded point.
Each repeat computes every chart once, in this process, on one core (no multiprocessing,
no threads). Printed: the median wall-clock and CPU time of the repeats, charts per second,
as a baseline from the same run the time of a trivial pass over the same data (the median
of each series), the CPU time per chart type, and the machine's load average (on a shared
machine the wall-clock time includes waiting for the CPU; compare with the baseline).
BLAS thread settings (OPENBLAS_NUM_THREADS …) are left as the environment sets them; the
engine does not use NumPy.
"""

from __future__ import annotations

import argparse
import math
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safetyhub.spc import qic

POINTS = 104
TYPES = ("run", "i", "p", "u", "c", "g", "t", "xbar")


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is fine for the small means used here; normal approximation above.
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def make_specs(count: int, seed: int = 20250905) -> list[dict]:
    rng = random.Random(seed)
    specs = []
    for c in range(count):
        chart = TYPES[c % len(TYPES)]
        x = list(range(1, POINTS + 1))
        n = None
        if chart in ("run", "i"):
            level = rng.uniform(10, 100)
            y = [rng.gauss(level, level / 10) for _ in x]
        elif chart == "p":
            n = [rng.randint(50, 500) for _ in x]
            rate = rng.uniform(0.05, 0.9)
            y = [min(k, max(0, round(rng.gauss(k * rate, math.sqrt(k * rate * (1 - rate))))))
                 for k in n]
        elif chart == "u":
            n = [rng.uniform(1000, 5000) for _ in x]
            rate = rng.uniform(0.001, 0.01)
            y = [_poisson(rng, k * rate) for k in n]
        elif chart == "c":
            lam = rng.uniform(2, 25)
            y = [_poisson(rng, lam) for _ in x]
        elif chart == "g":
            q = rng.uniform(0.01, 0.1)
            y = [int(math.log(1 - rng.random()) / math.log(1 - q)) for _ in x]
        elif chart == "t":
            mean = rng.uniform(5, 200)
            y = [rng.expovariate(1 / mean) + 0.01 for _ in x]
        else:  # xbar: 5 values per subgroup
            level = rng.uniform(50, 100)
            x = [k for k in range(1, POINTS + 1) for _ in range(5)]
            y = [rng.gauss(level, 1) for _ in x]
        spec = {"x": x, "y": y, "n": n, "chart": chart}
        if c % 4 == 0:
            spec["freeze"] = 52
        elif c % 5 == 0:
            spec["part"] = [52]
        if c % 7 == 0:
            spec["exclude"] = [10]
        if chart in ("p", "u") and c % 3 == 0:
            spec["multiply"] = 1000
        specs.append(spec)
    return specs


def run_engine(specs: list[dict]) -> int:
    total = 0
    for spec in specs:
        total += len(qic(**spec))
    return total


def run_trivial(specs: list[dict]) -> float:
    total = 0.0
    for spec in specs:
        values = sorted(spec["y"])
        total += values[len(values) // 2]
    return total


def timed(fn, specs, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each repeat (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(specs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def _load() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    specs = make_specs(args.charts)
    run_engine(specs[:50])  # warm-up (imports, caches)
    wall, cpu = timed(run_engine, specs, args.repeats)
    trivial_wall, trivial_cpu = timed(run_trivial, specs, args.repeats)
    points = run_engine(specs)
    median = statistics.median(wall)
    print(f"Python {platform.python_version()} on {platform.machine()}, one core, "
          f"{args.repeats} repeats, load average {_load()}")
    print(f"charts: {args.charts} x {POINTS} points ({', '.join(TYPES)}), {points} records")
    print(f"engine:   median {median:.3f} s wall, {statistics.median(cpu):.3f} s CPU "
          f"(wall runs: {', '.join(f'{t:.3f}' for t in wall)})")
    print(f"          {args.charts / median:,.0f} charts/s, {median / args.charts * 1e6:.0f} "
          "us/chart")
    print(f"baseline: median {statistics.median(trivial_wall):.3f} s wall, "
          f"{statistics.median(trivial_cpu):.3f} s CPU (median of each series only)")
    per_type = []
    for chart in TYPES:
        subset = [s for s in specs if s["chart"] == chart]
        _, cpu_type = timed(run_engine, subset, 1)
        per_type.append(f"{chart} {cpu_type[0] / len(subset) * 1e6:.0f}")
    print(f"per chart type (us CPU per chart): {', '.join(per_type)}")
    print(f"target:   10,000 charts under 3 s -> "
          f"{'PASS' if median * 10_000 / args.charts < 3 else 'FAIL'} (wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
