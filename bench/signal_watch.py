"""Benchmark: the signal watch over 100 units x 30 categories x 36 months (3,000 series).

Target (issue 11, "Speed"): under 1 s. Run from the repository root:

    ./dev bench signal_watch [--units 100] [--categories 30] [--months 36] [--repeats 7]

Data are generated deterministically (seeded ``random.Random``) before timing and shaped
like event reports: each unit has its own size (patient days per month, ±10 % from month to
month), each category its own rate, from about 8 reports per 1,000 patient days for the
commonest down to about 0.01 for the rarest, counts are Poisson; 3 % of the series carry a
planted shift (twice the rate over the last 8 months) and 1 % a planted outlier in the
latest month. Both charts are measured: C (counts) and U (counts per 1,000 patient days).

For each chart, in the same process and on one core: the median wall-clock and CPU time of
``signals_in_latest_period`` over the repeats (it judges every series; the charts of the
signals are drawn on first use), the same followed by drawing every signal's chart and
explanations, and as the baseline the same answer computed
the straightforward way — ``qic`` for every series, then ``latest_signal`` and ``explain``
for the ones that signal — with the ratio of the two medians. The run checks that both give
the same signals (it stops with an error otherwise). Printed as well: how many series
signal, how many the cheap test could not clear (charted in full), and the machine's load
average (on a shared machine the wall-clock time includes waiting for the CPU).
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

from safetyhub.spc import SPCInputError, explain, qic
from safetyhub.spc.watch import latest_signal, signals_in_latest_period


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


def make_data(units: int, categories: int, months: int, seed: int = 20261206):
    """(periods, counts, patient_days): counts keyed by (unit, category), patient days by
    the same keys (one list per unit, shared by its categories, as a page would pass)."""
    rng = random.Random(seed)
    periods = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    rates = [8 * 0.8**c for c in range(categories)]  # per 1,000 patient days
    counts: dict[tuple[int, int], list[int]] = {}
    days: dict[tuple[int, int], list[int]] = {}
    for unit in range(units):
        size = rng.uniform(300, 1200)
        unit_days = [round(size * rng.uniform(0.9, 1.1)) for _ in periods]
        for category in range(categories):
            rate = rates[category] * rng.uniform(0.7, 1.3)
            planted = rng.random()
            series = []
            for m, d in enumerate(unit_days):
                lam = rate * d / 1000
                if planted < 0.03 and m >= months - 8:
                    lam *= 2  # a shift over the last 8 months
                count = _poisson(rng, lam)
                if 0.03 <= planted < 0.04 and m == months - 1:
                    count = round(4 * lam) + 3  # an outlier this month
                series.append(count)
            counts[(unit, category)] = series
            days[(unit, category)] = unit_days
    return periods, counts, days


def one_by_one(periods, counts, days, chart: str) -> list[tuple]:
    """The baseline: every series charted with the engine, one by one."""
    found = []
    for order, (key, values) in enumerate(counts.items()):
        try:
            points = qic(periods, values, None if days is None else days[key], chart=chart)
        except SPCInputError:
            continue
        latest = latest_signal(points)
        if latest is not None:
            found.append((-latest.began_at, order, key, latest.rules, tuple(explain(points))))
    found.sort(key=lambda item: item[:2])
    return [item[2:] for item in found]


def timed(fn, repeats: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU seconds of each repeat (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    result = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu, result


def _load() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return f.read().split()[0]
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--categories", type=int, default=30)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    periods, counts, days = make_data(args.units, args.categories, args.months)
    total = len(counts)
    print(f"Python {platform.python_version()} on {platform.machine()}, one core, "
          f"{args.repeats} repeats, load average {_load()}")
    print(f"series: {args.units} units x {args.categories} categories x {args.months} months "
          f"= {total:,} series")
    verdicts = []
    for chart, dens, multiply in (("c", None, 1), ("u", days, 1000)):
        def watch(dens=dens, multiply=multiply, chart=chart):
            return signals_in_latest_period(counts, periods=periods, chart=chart,
                                            denominators=dens, multiply=multiply)

        def baseline(dens=dens, chart=chart):
            return one_by_one(periods, counts, dens, chart)

        def watch_and_draw(watch=watch):
            result = watch()
            for s in result.signals:
                s.explanations  # noqa: B018 (computes the chart, then its sentences)
            return result

        watch()  # warm-up (imports, caches)
        wall, cpu, result = timed(watch, args.repeats)
        all_wall, _, _ = timed(watch_and_draw, args.repeats)
        base_wall, base_cpu, expected = timed(baseline, args.repeats)
        got = [(s.key, s.rules, s.explanations) for s in result.signals]
        if got != expected:
            raise SystemExit(f"chart {chart}: the watch and the one-by-one engine differ")
        median, base = statistics.median(wall), statistics.median(base_wall)
        rules: dict[str, int] = {}
        for s in result.signals:
            for rule in s.rules:
                rules[rule] = rules.get(rule, 0) + 1
        print(f"\n{chart.upper()} chart: {len(result.signals):,} series signal this month "
              f"({', '.join(f'{k} {v}' for k, v in sorted(rules.items()))}); "
              f"{result.charted:,} charted in full, {len(result.refused)} refused")
        print(f"  watch:    median {median:.3f} s wall, {statistics.median(cpu):.3f} s CPU "
              f"(wall runs: {', '.join(f'{t:.3f}' for t in wall)})")
        print(f"  baseline: median {base:.3f} s wall, {statistics.median(base_cpu):.3f} s CPU "
              "(qic for every series, then latest_signal and explain)")
        print(f"  ratio:    {base / median:.1f}x faster (wall medians); same signals: yes")
        everything = statistics.median(all_wall)
        print(f"  watch, then every signal's chart and explanations: median {everything:.3f} s "
              f"wall ({base / everything:.1f}x faster than the baseline; a page draws only "
              "the signals it shows)")
        verdicts.append(median * 3000 / total < 1)
        print(f"  target:   3,000 series under 1 s -> {'PASS' if verdicts[-1] else 'FAIL'} "
              "(wall)")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
