"""Reads for measures: the computed chart of a measure (its data in period order through
`safetyhub.spc.qic`, phases from its splits, the frozen baseline, excluded points, PDSA
markers), the latest signal status for the dashboard, and the progress of the action plan
by area and recommendation.

`measures_for(organization)` loads every measure with its data, splits, cycles and
initiatives in a fixed number of queries, whatever the number of measures; `chart_for`
then works on what was loaded (it queries only for a measure loaded without them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.safestring import SafeString

from safetyhub import spc
from safetyhub.core import charts
from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization
from safetyhub.frameworks.models import PackItem
from safetyhub.improvement.models import Initiative, PdsaCycle

from . import reading
from . import sources as measure_sources
from .chart import CHART_NAMES, Marker, spc_spec, spc_svg
from .models import DataPoint, Measure, PhaseSplit, StagedImport

__all__ = [
    "MeasureChart",
    "SignalStatus",
    "access_measure",
    "access_split",
    "chart_for",
    "measures_for",
    "period_label",
    "plan_progress",
]

NEEDS_N = frozenset({"p", "pp", "u", "up"})
REFUSES_N = frozenset({"c", "g", "t"})
PERIOD_DAYS = {"week": 7, "month": 31, "quarter": 92}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def measures_for(*, organization: Organization) -> QuerySet[Measure]:
    """The organization's measures, with everything their charts need prefetched."""
    # a computed measure's source row comes along (measure_sources), so that a list of
    # measures does not ask once per measure whether its points are computed
    return (Measure.objects.filter(organization=organization)
            .select_related("site", *measure_sources.related_names())
            .prefetch_related(
                Prefetch("points", queryset=DataPoint.objects.order_by("period")),
                Prefetch("splits", queryset=PhaseSplit.objects.order_by("after_period")),
                Prefetch("cycles", queryset=PdsaCycle.objects.select_related("initiative")
                         .order_by("started_on", "number", "pk")),
                "initiatives"))


def measure_ref(organization: Organization, measure_id: int | None, *,
                field: str = "measure_id") -> Measure | None:
    """The measure an API request names by id (None for none), or a ValidationError on
    `field`: another organization's measure is as unknown as a missing one."""
    if measure_id is None:
        return None
    measure = Measure.objects.filter(organization=organization, pk=measure_id).first()
    if measure is None:
        raise ValidationError({field: "No such measure in this organization."})
    return measure


def measure_refs(organization: Organization, ids: list[int], *,
                 field: str = "measure_ids") -> list[Measure]:
    """The measures an API request names by id, or a ValidationError on `field` listing the
    ids that are missing or another organization's."""
    measures = list(Measure.objects.filter(organization=organization, pk__in=set(ids)))
    missing = sorted(set(ids) - {m.pk for m in measures})
    if missing:
        raise ValidationError({field: "No such measures in this organization: "
                                      f"{', '.join(map(str, missing))}."})
    return measures


def access_measure(*, user, organization: Organization, pk) -> Measure:
    """A measure of the organization, with what its chart needs; 404 for anything else
    (missing, another organization's, a malformed id)."""
    return tenant_row(Measure, organization=organization, pk=pk,
                      queryset=measures_for(organization=organization))


def access_split(*, user, organization: Organization, measure: Measure, pk) -> PhaseSplit:
    """One of the measure's phase splits; 404 for anything else."""
    return tenant_row(PhaseSplit, organization=organization, pk=pk,
                      queryset=PhaseSplit.objects.filter(measure=measure))


def period_label(period: dt.date, frequency: str) -> str:
    """A period as people say it: "Mar 2025", "Q1 2025", or a date ("3 Mar 2025")."""
    if frequency == "month":
        return f"{MONTHS[period.month - 1]} {period.year}"
    if frequency == "quarter":
        return f"Q{(period.month - 1) // 3 + 1} {period.year}"
    return f"{period.day} {MONTHS[period.month - 1]} {period.year}"


def _labels(periods: list[dt.date], frequency: str) -> list[str]:
    """Period labels, unique: two points in one month are told apart by their dates."""
    labels = [period_label(p, frequency) for p in periods]
    if len(set(labels)) < len(labels):
        labels = [period_label(p, "event") for p in periods]
    return labels


@dataclass(frozen=True)
class SignalStatus:
    """What the latest phase of a chart says, for the list and the dashboard.

    `kind` is one of: "no-data", "error" (the data do not suit the chart), "common"
    (common-cause variation only), "improvement" or "concern" (special cause, judged by
    the measure's direction), "signal" (special cause when no direction is set, or signals
    on both sides)."""

    kind: str
    label: str
    sentences: tuple[str, ...] = ()

    @property
    def is_signal(self) -> bool:
        return self.kind in ("improvement", "concern", "signal")


@dataclass(frozen=True)
class SuggestedSplit:
    """Where a sustained shift of the latest phase began: a new phase would start at
    `start_label`, after the period `after_period` (`after_label`)."""

    after_period: dt.date
    after_label: str
    start_label: str


@dataclass
class MeasureChart:
    measure: Measure
    points: list[DataPoint]
    labels: list[str]
    records: list[spc.Point] | None
    error: str | None
    explanations: list[str]
    markers: list[Marker]
    unplaced: list[str]
    splits: list[PhaseSplit]
    inactive_splits: list[PhaseSplit]
    freeze: int | None
    values: list[float | None] = field(default_factory=list)

    @property
    def chart_name(self) -> str:
        return CHART_NAMES.get(self.measure.chart, self.measure.chart)

    @cached_property
    def status(self) -> SignalStatus:
        return signal_status(self)

    @property
    def latest(self) -> tuple[str, float | None] | None:
        """(label, plotted value) of the latest point with a value."""
        if not self.records:
            return None
        for label, record in zip(reversed(self.labels), reversed(self.records), strict=True):
            if record.y is not None:
                return label, record.y
        return None

    @cached_property
    def rows(self) -> list[dict]:
        """The data table: each stored point with its plotted value and lines."""
        records = self.records or [None] * len(self.points)
        out = []
        for k, (point, label, record) in enumerate(
                zip(self.points, self.labels, records, strict=True), 1):
            out.append({"position": k, "point": point, "label": label, "record": record,
                        "value": self.values[k - 1] if self.values else point.numerator})
        return out

    @cached_property
    def readings(self) -> list[reading.Signal]:
        """The latest phase's signals in words, judged by the measure's direction."""
        if not self.records:
            return []
        return reading.read_signals(self.records, self.labels, self.measure.direction)

    @cached_property
    def earlier_explanations(self) -> list[str]:
        """The engine's sentences for the phases before the latest one."""
        if not self.records or self.records[-1].part == 1:
            return []
        latest = f"part {self.records[-1].part}: "
        return [s for s in self.explanations if not s.startswith(latest)]

    @cached_property
    def suggested_split(self) -> SuggestedSplit | None:
        """A new phase where the latest phase's sustained shift began, unless a split is
        already there."""
        if not self.records:
            return None
        k = reading.suggested_split(self.records)
        if k is None:
            return None
        after = self.points[k - 1].period
        if any(s.after_period == after for s in (*self.splits, *self.inactive_splits)):
            return None
        return SuggestedSplit(after_period=after, after_label=self.labels[k - 1],
                              start_label=self.labels[k])

    def centre_of(self, part: int) -> float | None:
        """The centre line of phase `part` (1-based), if the chart has one there."""
        return next((r.cl for r in self.records if r.part == part and r.cl is not None),
                    None)

    @cached_property
    def latest_centre(self) -> float | None:
        """The centre line of the latest phase (what a goal is judged by)."""
        return self.centre_of(self.records[-1].part) if self.records else None

    @cached_property
    def statement(self) -> str | None:
        """After a split: the change of the centre line from the previous phase to the
        latest, in the measure's unit, with the goal ("from 3.0 to 1.5 …; goal 2.0 met")."""
        if not self.records or self.records[-1].part == 1:
            return None
        before = self.centre_of(self.records[-1].part - 1)
        after = self.latest_centre
        if before is None or after is None:
            return None
        m = self.measure
        return reading.change_statement(before=before, after=after, unit=m.unit, goal=m.goal,
                                        direction=m.direction)

    @property
    def notes(self) -> list[tuple[int, str, str]]:
        """(number, period label, note) of each point with a note, in chart order."""
        noted = [(label, note) for p, label in zip(self.points, self.labels, strict=True)
                 if (note := getattr(p, "note", ""))]
        return [(i, label, note) for i, (label, note) in enumerate(noted, 1)]

    @property
    def better(self) -> str:
        """"Lower is better", "Higher is better" or ""."""
        return reading.better_words(self.measure.direction).capitalize()

    def _chart_args(self, compact: bool) -> dict:
        m = self.measure
        notes = [(k, note) for k, p in enumerate(self.points, 1)
                 if (note := getattr(p, "note", ""))]
        return {"title": m.name, "chart": m.chart, "labels": self.labels,
                "points": self.records, "explanations": self.explanations, "unit": m.unit,
                "markers": self.markers, "unplaced": self.unplaced, "goal": m.goal,
                "freeze": self.freeze, "compact": compact, "notes": notes,
                "better": self.better}

    def spec(self, *, compact: bool = False) -> dict | None:
        return spc_spec(**self._chart_args(compact)) if self.records else None

    def svg(self, *, compact: bool = False) -> SafeString | None:
        return spc_svg(**self._chart_args(compact)) if self.records else None

    def description(self) -> str:
        """The chart in words (the SVG's aria-label; an <img>'s alt text)."""
        spec = self.spec(compact=True)
        return spec["description"] if spec else ""

    @property
    def full_description(self) -> str:
        return self.description()

    @property
    def data_uri(self) -> str:
        """The chart's SVG as a data: URI, for a PDF's <img> (the same picture)."""
        svg = self.svg()
        return charts.data_uri(svg) if svg else ""

    @property
    def has_limits(self) -> bool:
        return any(r.ucl is not None or r.lcl is not None for r in self.records or ())

    @property
    def has_runs_signal(self) -> bool:
        return any(r.runs_signal for r in self.records or ())


def _related(measure: Measure, name: str, queryset) -> list:
    cache = getattr(measure, "_prefetched_objects_cache", {})
    if name in cache:
        return list(cache[name])
    return list(queryset)


def chart_for(measure: Measure) -> MeasureChart:
    """The measure's chart: its data in period order through `spc.qic`, or the reason no
    chart can be drawn (`error`, naming the point and the rule)."""
    points = measure_sources.derived_points(measure)
    if points is None:
        points = _related(measure, "points", measure.points.order_by("period"))
    splits = _related(measure, "splits", measure.splits.order_by("after_period"))
    cycles = _related(measure, "cycles", measure.cycles.select_related("initiative")
                      .order_by("started_on", "number", "pk"))
    periods = [p.period for p in points]
    labels = _labels(periods, measure.frequency)
    chart = MeasureChart(measure=measure, points=points, labels=labels, records=None,
                         error=None, explanations=[], markers=[], unplaced=[], splits=[],
                         inactive_splits=[], freeze=None)
    if not points:
        return chart

    # Phases: a split after the k-th point starts a new part at k + 1; a split before the
    # first point or after the last one has no effect (yet).
    positions = []
    for split in splits:
        k = sum(1 for p in periods if p <= split.after_period)
        if 0 < k < len(points) and k not in positions:
            positions.append(k)
            chart.splits.append(split)
        else:
            chart.inactive_splits.append(split)
    freeze = None
    if measure.freeze_after is not None and not positions:
        k = sum(1 for p in periods if p <= measure.freeze_after)
        freeze = k if 0 < k < len(points) else None
    chart.freeze = freeze

    ys = [p.numerator for p in points]
    if measure.chart == "t":
        # Days between events: a missing value is the days since the previous event.
        # (Periods are unique, so the gap is at least a day.)
        ys = [y if y is not None or k == 0 else float((periods[k] - periods[k - 1]).days)
              for k, y in enumerate(ys)]
    chart.values = ys
    dens = [p.denominator for p in points]
    n = None
    if measure.chart in NEEDS_N or (measure.chart not in REFUSES_N
                                    and any(d is not None for d in dens)):
        n = dens
    elif measure.chart in REFUSES_N:
        first = next((k for k, d in enumerate(dens, 1) if d is not None), None)
        if first is not None:
            chart.error = (f"point {first} ({labels[first - 1]}): has a denominator, but a "
                           f"{CHART_NAMES.get(measure.chart, measure.chart)} uses none (use a "
                           "U chart for counts against a denominator, or clear the "
                           "denominators)")
            return chart
    exclude = [k for k, p in enumerate(points, 1) if p.excluded]
    try:
        records = spc.qic(labels, ys, n, chart=measure.chart, part=positions or None,
                          freeze=freeze, exclude=exclude or None,
                          multiply=measure.multiplier or 1, screened_mr=measure.screened_mr)
    except spc.SPCInputError as exc:
        chart.error = _name_points(str(exc), labels)
        return chart
    chart.records = records
    chart.explanations = spc.explain(records)
    chart.markers, chart.unplaced = _markers(cycles, periods, labels, measure.frequency)
    return chart


_POINT = re.compile(r"\bpoint (\d+)\b(?! \()")


def _name_points(message: str, labels: list[str]) -> str:
    """Add the period to each "point k" of an SPC message: "point 7 (Jul 2025)"."""
    def name(match: re.Match) -> str:
        k = int(match.group(1))
        return f"point {k} ({labels[k - 1]})" if 1 <= k <= len(labels) else match.group(0)
    return _POINT.sub(name, message)


def _markers(cycles: list[PdsaCycle], periods: list[dt.date], labels: list[str],
             frequency: str) -> tuple[list[Marker], list[str]]:
    """PDSA cycles as markers at the time they started: on a point when a cycle started on
    its period, between two points in proportion to the dates, up to one period after the
    last point. Cycles outside that range are told in words only."""
    markers, unplaced = [], []
    last = periods[-1]
    span = PERIOD_DAYS.get(frequency) or (
        (periods[-1] - periods[-2]).days if len(periods) > 1 else 31)
    for cycle in cycles:
        label = f"PDSA {cycle.number}: {cycle.change}"
        start = cycle.started_on
        when = f"started {start.day} {MONTHS[start.month - 1]} {start.year}"
        if start < periods[0]:
            unplaced.append(f"{label} ({when}) began before the first point.")
            continue
        if start > last:
            days = (start - last).days
            if days >= span:
                unplaced.append(f"{label} ({when}) began after the last point.")
                continue
            position = len(periods) + min(0.5, days / span)
        else:
            k = max(i for i, p in enumerate(periods) if p <= start)  # 0-based
            if periods[k] == start or k == len(periods) - 1:
                position = k + 1.0
            else:
                gap = (periods[k + 1] - periods[k]).days
                position = k + 1 + (start - periods[k]).days / gap
        markers.append(Marker(position=position, label=label, said=f"{label} ({when})",
                              ref=cycle.pk))
    return markers, unplaced


def signal_status(chart: MeasureChart) -> SignalStatus:
    """The signal status of the chart's latest phase, judged by the measure's direction:
    the sides of the centre line its signals point to — points outside the limits, and for
    a runs signal (a shift, too few crossings) the side of the latest points. One side that
    is better for the measure is an improvement, the worse side a concern; both sides, or a
    measure without a direction, just a special cause."""
    if chart.error:
        return SignalStatus("error", "Chart not drawn", (chart.error,))
    if not chart.records:
        return SignalStatus("no-data", "No data yet")
    latest_part = chart.records[-1].part
    prefix = f"part {latest_part}: "
    several = latest_part > 1
    sentences = tuple(s[len(prefix):] if several and s.startswith(prefix) else s
                      for s in chart.explanations if not several or s.startswith(prefix))
    group = [r for r in chart.records if r.part == latest_part]
    sides = set()
    for r in group:
        if r.sigma_signal and r.y is not None:
            sides.add("high" if r.ucl is not None and r.y > r.ucl else "low")
    first = group[0]
    if first.runs_signal:
        side = _latest_side(group)
        if side:
            sides.add(side)
    if not sentences and not first.runs_signal and not sides:
        return SignalStatus("common", "Common-cause variation only")
    # the same signals in words judged by the measure's direction (reading.py)
    sentences = tuple(s.sentence for s in chart.readings) or sentences
    direction = chart.measure.direction
    if len(sides) == 1 and direction in ("increase", "decrease"):
        side = next(iter(sides))
        better = (side == "high") == (direction == "increase")
        return (SignalStatus("improvement", "Special cause: improvement", sentences) if better
                else SignalStatus("concern", "Special cause: deterioration", sentences))
    return SignalStatus("signal", "Special cause", sentences)


def _latest_side(group: list[spc.Point]) -> str | None:
    """The side of the centre line of the phase's latest useful point: where a runs signal
    has taken the process now."""
    for r in reversed(group):
        if r.include and r.y is not None and r.cl is not None and r.y != r.cl:
            return "high" if r.y > r.cl else "low"
    return None


# --- the action plan's progress -------------------------------------------------------


STATUSES = list(Initiative.Status)


@dataclass
class ProgressRow:
    recommendation: PackItem | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(Initiative.Status.DONE, 0)

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(status, 0) for status in STATUSES]


@dataclass
class AreaProgress:
    area: PackItem | None
    rows: list[ProgressRow]

    @property
    def counts(self) -> dict[str, int]:
        total: Counter = Counter()
        for row in self.rows:
            total.update(row.counts)
        return dict(total)

    @property
    def cells(self) -> list[int]:
        counts = self.counts
        return [counts.get(status, 0) for status in STATUSES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get(Initiative.Status.DONE, 0)


def plan_progress(*, organization: Organization) -> list[AreaProgress]:
    """Initiatives counted per status, per recommendation, grouped by the recommendation's
    area (its parent section in the framework), in the framework's order; initiatives
    without a recommendation come last. Two queries."""
    counts = (Initiative.objects.filter(organization=organization)
              .values_list("recommendation_id", "status"))
    per_rec: dict[int | None, Counter] = {}
    for rec_id, status in counts:
        per_rec.setdefault(rec_id, Counter())[status] += 1
    recs = {item.pk: item for item in PackItem.objects.filter(
        pk__in=[pk for pk in per_rec if pk is not None]).select_related("parent", "pack")}
    areas: dict[int, AreaProgress] = {}
    ordered = sorted(recs.values(), key=lambda r: (
        r.pack_id, r.parent.position if r.parent else 0, r.position))
    for rec in ordered:
        area = areas.setdefault(rec.parent_id, AreaProgress(area=rec.parent, rows=[]))
        area.rows.append(ProgressRow(recommendation=rec, counts=dict(per_rec[rec.pk])))
    if None in per_rec:
        areas.setdefault(-1, AreaProgress(area=None, rows=[])).rows.append(
            ProgressRow(recommendation=None, counts=dict(per_rec[None])))
    return list(areas.values())


def access_staged_import(*, user, organization: Organization, measure: Measure,
                         pk) -> StagedImport:
    """A file the user staged for importing into `measure`; 404 for anything else (another
    organization's, another measure's, or another person's upload)."""
    return tenant_row(StagedImport, organization=organization, pk=pk,
                      queryset=StagedImport.objects.filter(measure=measure, user=user)
                      .select_related("measure"))
