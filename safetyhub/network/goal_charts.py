"""A shared goal's run or control chart, drawn by the SPC engine and the measures' renderer
(`safetyhub.spc.qic`, measures/chart.py `spc_svg`): the network's chart from its
monthly sums (suppressed months are missing points, never drawn), and an organization's own
chart from its values, on the same scale and chart type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from safetyhub import spc
from safetyhub.measures.chart import CHART_NAMES, spc_svg

from .goal_queries import MonthRow
from .goals import has_denominator
from .models_goals import SharedGoal

__all__ = ["GoalChart", "chart_of"]


@dataclass
class GoalChart:
    title: str
    chart_name: str
    rows: list[MonthRow]
    records: list[spc.Point] | None = None
    svg: SafeString | None = None
    error: str = ""
    explanations: list[str] = field(default_factory=list)

    @property
    def drawn(self) -> int:
        return sum(1 for row in self.rows if row.numerator is not None)

    @property
    def suppressed(self) -> list[MonthRow]:
        return [row for row in self.rows if row.suppressed]

    @property
    def table(self) -> list[tuple[MonthRow, spc.Point | None]]:
        records = self.records or [None] * len(self.rows)
        return list(zip(self.rows, records, strict=True))


def chart_of(goal: SharedGoal, rows: Sequence[MonthRow], *, title: str) -> GoalChart:
    """The chart of `rows` (a network's or one organization's series). Months without a
    value are gaps; with no value at all there is no chart."""
    chart = GoalChart(title=title, chart_name=CHART_NAMES.get(goal.chart, goal.chart),
                      rows=list(rows))
    if not chart.drawn:
        return chart
    labels = [row.label for row in rows]
    ys = [row.numerator for row in rows]
    ns = [row.denominator for row in rows] if has_denominator(goal) else None
    try:
        records = spc.qic(labels, ys, ns, chart=goal.chart, multiply=goal.multiplier or 1)
    except spc.SPCInputError as exc:
        chart.error = str(exc)
        return chart
    chart.records = records
    chart.explanations = spc.explain(records)
    chart.svg = spc_svg(title=title, chart=goal.chart, labels=labels, points=records,
                        explanations=chart.explanations, unit=goal.unit, goal=goal.target)
    return chart
