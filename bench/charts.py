"""Benchmark: rendering 100 charts with safetyhub.core.charts (vl-convert to SVG).

Prints the one-off start-up of vl-convert's JavaScript runtime, then the seconds for 100
charts of each kind the product draws (an area bar chart, a 10 x 5 heat map, a 4-series
trend) and a 40 x 13 heat map, the largest a report draws. It prints; it asserts nothing.

    ./dev bench charts      (or .venv/bin/python bench/charts.py)
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetyhub.settings")

from safetyhub.core import charts

LEVELS = [("0", "Not started"), ("1", "Beginning"), ("2", "Making progress"),
          ("3", "Significant impact"), ("4", "Exemplary"), ("unsure", "Unsure"),
          ("na", "Not applicable")]
VALUES = ["0", "1", "2", "3", "4", "unsure", "na", None]


def heatmap(rng: random.Random, rows: int, columns: int) -> str:
    names = [f"{r // 8 + 1}.{r % 8 + 1} Element {r + 1}: a practice in place" for r in range(rows)]
    people = [f"Member {c + 1}" for c in range(columns - 1)] + ["Consensus"]
    return charts.heatmap_svg(rows=names, columns=people, levels=LEVELS,
                              values={(r, c): rng.choice(VALUES) for r in names for c in people})


def area(rng: random.Random) -> str:
    return charts.area_means_svg(sections=[(f"Area {i}: a foundational area", rng.uniform(0, 4))
                                           for i in range(1, 5)], max_value=4)


def trend(rng: random.Random) -> str:
    days = [dt.date(2023 + i, 3, 1) for i in range(4)]
    return charts.trend_svg(series={f"Area {i}": [(d, rng.uniform(0, 4)) for d in days]
                                    for i in range(1, 5)}, max_value=4)


def run(name: str, draw, n: int) -> None:
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        draw()
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    print(f"{name:<22} {n:>3} charts in {total:6.2f} s   "
          f"median {statistics.median(times) * 1000:6.0f} ms   max {max(times) * 1000:6.0f} ms")


def main() -> None:
    rng = random.Random(7)
    start = time.perf_counter()
    area(rng)
    print(f"vl-convert start-up (first chart in a process): {time.perf_counter() - start:.2f} s")
    run("area bar chart", lambda: area(rng), 100)
    run("heat map 10 x 5", lambda: heatmap(rng, 10, 5), 100)
    run("trend, 4 series", lambda: trend(rng), 100)
    run("heat map 40 x 13", lambda: heatmap(rng, 40, 13), 10)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
