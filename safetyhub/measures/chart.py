"""The run/control chart of a measure as one Vega-Lite spec, for the page and the PDF alike.

`spc_spec(...)` turns the records of `safetyhub.spc.qic` into a plain-dict Vega-Lite spec;
`spc_svg(...)` renders it with `safetyhub.core.charts.render_svg` (the one chart module: its
fonts, palette and accessible SVG). The page shows the SVG inline; a PDF uses the same SVG
as an image (`charts.data_uri`), so both show the same picture.

What the chart draws (plot conventions of shared/reference/spc.md §5, with SafetyHub's
colour-blind-safe palette from core.charts):

* the data as a line with a point per period, the line broken between phases;
* the centre line of each phase as a step line — solid ink, or dashed in the signal colour
  when the phase has a runs signal (a run too long, too few crossings);
* the control limits of each phase as thin dashed step lines (none on run charts), so that
  a grey-scale print still tells them from the data;
* a thin vertical rule between phases, and a dotted one after the last baseline point when
  the limits are frozen;
* points outside the limits as larger diamonds in the signal colour (shape *and* colour),
  excluded points as hollow grey squares, points exactly on the centre line in grey, with a
  key below the chart for the signal and excluded points and the dashed centre line;
* the goal as a dash-dot green line labelled "Goal …" at the right;
* each note entered with the data as a number above its point (the page lists the notes
  by number), and which way is better ("Lower is better") below the chart;
* each PDSA cycle as a labelled vertical rule ("PDSA 2: <change>", the change shortened on
  the chart), labels staggered in rows above the plot so that neighbours do not overwrite
  each other.

The values of the centre line and limits are not printed on the chart (each text costs
render time: see `spc_spec`); the page's data table and the description give them.

The SVG's aria-label (the spec's `description`) says all of it in words — the chart type,
the period covered, each phase's centre line and limits, the goal, every signal in plain
words (`safetyhub.spc.explain`) and every PDSA marker — so a screen reader (and the PDF's
alt text) loses nothing.

Nothing here touches the database: the caller passes labels, records and markers.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from safetyhub.core import charts
from safetyhub.spc import Point

__all__ = ["CHART_NAMES", "Marker", "kind_of", "spc_spec", "spc_svg"]

WIDTH = 560  # px: with its labels the chart fits a Letter page's text width (≈ 670 px)
HEIGHT = 220
COMPACT_WIDTH = charts.PLOT_WIDTH
COMPACT_HEIGHT = 130

# From core.charts' Okabe-Ito palette (colour-blind safe); colour is never the only cue.
LINE = charts.CATEGORY[0]  # blue: the data
SIGNAL = "#D55E00"  # vermillion: signals (3.9:1 on white, unlike the lighter orange)
GOAL = "#007A5A"  # a darker bluish green than Okabe-Ito's #009E73, for 5:1 contrast text
MARKER = "#A0507F"  # a darker reddish purple (Okabe-Ito #CC79A7) for the PDSA rules and labels
GREY = "#767676"  # excluded points and points on the centre line (4.5:1 on white)
LIMIT = charts.MUTED
CENTRE = charts.INK

CHART_NAMES = {
    "run": "Run chart", "i": "I chart", "mr": "Moving-range chart", "xbar": "Xbar chart",
    "s": "S chart", "t": "T chart", "p": "P chart", "pp": "P′ chart",
    "c": "C chart", "u": "U chart", "up": "U′ chart", "g": "G chart",
    "ip": "I′ chart",
}

# Point kinds, their key text, shape, fill, stroke and size (shape and size differ, not
# only colour).
KINDS = {
    "point": ("Data point", "circle", LINE, LINE, 30),
    "signal": ("Outside the limits", "diamond", SIGNAL, SIGNAL, 90),
    "excluded": ("Excluded", "square", "#ffffff", GREY, 40),
    "excluded_signal": ("Excluded, outside the limits", "diamond", "#ffffff", SIGNAL, 90),
    "on_cl": ("On the centre line", "circle", GREY, GREY, 30),
}
MARKER_LABEL_CHARS = 24
MARKER_ROWS = 3
UNIT_CHARS = 36


@dataclass(frozen=True)
class Marker:
    """A PDSA cycle on the chart: `position` on the chart's point scale (1 = the first
    point; fractions fall between points), `label` as drawn ("PDSA 2: <change>"), `said`
    as told to screen readers (with its date) and `ref` the caller's id for it (the
    cycle's)."""

    position: float
    label: str
    said: str = ""
    ref: int | None = None


def kind_of(p: Point) -> str:
    """The point's kind for the chart's key."""
    if p.sigma_signal:
        return "signal" if p.include else "excluded_signal"
    if not p.include:
        return "excluded"
    if p.y is not None and p.cl is not None and p.y == p.cl:
        return "on_cl"
    return "point"


def number(value: float | None) -> str:
    """A chart value in a few significant digits ("3.21", "45.6", "1,234")."""
    if value is None:
        return "\u2013"  # an en dash
    magnitude = abs(value)
    places = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    text = charts.format_number(value, places)
    if places == 0 and magnitude >= 1000:
        text = f"{int(text):,}"
    return text


def spc_svg(*, cache: bool = True, **kwargs) -> SafeString:
    """The chart as an accessible SVG (see `spc_spec` for the arguments).

    The SVG of an identical spec is kept in memory (the last RENDER_CACHE charts of this
    process), so showing an unchanged chart again — the dashboard, the page after a
    redirect — costs nothing; any change to the data, the definition or the markers makes
    a different spec. `cache=False` always renders (the benchmark)."""
    spec = spc_spec(**kwargs)
    if not cache:
        return charts.render_svg(spec)
    return _render_cached(json.dumps(spec, sort_keys=True, ensure_ascii=False))


RENDER_CACHE = 128


@functools.lru_cache(maxsize=RENDER_CACHE)
def _render_cached(spec_json: str) -> SafeString:
    return charts.render_svg(json.loads(spec_json))


def spc_spec(
    *,
    title: str,
    chart: str,
    labels: Sequence[str],
    points: Sequence[Point],
    explanations: Sequence[str] = (),
    unit: str = "",
    markers: Sequence[Marker] = (),
    unplaced: Sequence[str] = (),
    goal: float | None = None,
    freeze: int | None = None,
    compact: bool = False,
    notes: Sequence[tuple[int, str]] = (),
    better: str = "",
) -> dict:
    """The Vega-Lite spec of one run or control chart.

    `labels` name the points (period labels) and `points` are `qic`'s records, one per
    label; `explanations` are `explain(points)`; `markers` the PDSA cycles placed on the
    chart and `unplaced` the sentences for cycles outside the chart's range; `freeze` the
    last baseline position (drawn only when the chart has one phase); `compact` draws the
    dashboard's smaller chart: fewer axis labels, short PDSA labels, no value labels, no
    key and no axis title. `notes` are (position, text) of the points with a note, drawn as
    numbers 1, 2, … above their points (the page lists the notes by number); `better`
    ("Lower is better") is written below the chart.

    Speed: vl-convert measures every text by laying its glyphs out as paths (about 0.14 ms a
    character), which makes text the dearest part of a chart, and each Vega-Lite layer,
    axis or legend adds compile and layout work. So the spec has six layers on explicit
    scales, each with its own small dataset drawn with identity encodings (`"scale":
    null`): no transforms, no colour or shape scales, no legend, and axes drawn as plain
    lines and labels with a handful of short texts. bench/chart_svgs.py measures it."""
    if len(labels) != len(points):
        raise ValueError(f"{len(labels)} labels for {len(points)} points")
    frame = _Frame.of(points, goal=goal, compact=compact,
                      zero=chart not in ("run", "i", "xbar", "mr", "ip"))
    n = len(points)
    parts = _parts(points)
    # Straight lines (grid, axes, ticks, phase and baseline rules, PDSA rules, the goal) are
    # rules: one mark, one item each. The centre lines and limits are step lines grouped by
    # style (colour, dash, width): each style is one path, its pieces separated by a
    # missing value, so that Vega draws one item per style instead of faceting into a
    # group (and a dataflow) per line.
    rules: list[dict] = []
    lines: dict[tuple, list[dict]] = {}
    data: list[dict] = []  # the data line (None breaks it)
    dots: list[dict] = []  # points, and the key's symbols
    left: list[dict] = []  # left-aligned texts: line values, PDSA labels, the key
    centred: list[dict] = []  # x-axis labels, the y-axis title (turned)
    right: list[dict] = []  # y-axis labels

    def rule(name: str, xs, ys, colour: str, dash=(1, 0), width: float = 1) -> None:
        rules.append({"x": xs[0], "x2": xs[1], "y": ys[0], "y2": ys[1], "c": colour,
                      "dash": list(dash), "w": width, "d": name})

    def line(name: str, xs, ys, colour: str, dash=(1, 0), width: float = 1) -> None:
        rows = lines.setdefault((colour, tuple(dash), width), [])
        for x, y in zip(xs, ys, strict=True):
            rows.append({"x": x, "y": y, "i": len(rows), "d": name})
        rows.append({"x": xs[-1], "y": None, "i": len(rows), "d": name})  # a break

    # Axes: grid lines and labels at the y ticks, the two axis lines, x ticks and labels.
    x0, x1 = 0.5, n + 0.5
    for tick, text in frame.y_ticks:
        rule("grid", (x0, x1), (tick, tick), charts.GRID)
        right.append({"x": frame.x_px(-5), "y": tick, "text": text})
    rule("axis-y", (x0, x0), (frame.lo, frame.hi), LIMIT)
    rule("axis-x", (x0, x1), (frame.lo, frame.lo), LIMIT)
    for k in frame.x_ticks:
        rule("tick", (k, k), (frame.lo, frame.y_px(frame.height + 4)), LIMIT)
        centred.append({"x": k, "y": frame.y_px(frame.height + 13), "text": labels[k - 1],
                        "a": 0})
    if unit and not compact:
        label_width = max((len(text) for _, text in frame.y_ticks), default=1) * 7
        centred.append({"x": frame.x_px(-label_width - 16), "y": (frame.lo + frame.hi) / 2,
                        "text": _clip(unit, UNIT_CHARS), "a": -90})

    # Phases, the end of a frozen baseline, PDSA cycles.
    for i in range(1, len(parts)):
        at = parts[i][0] - 0.5
        rule("phase", (at, at), (frame.lo, frame.hi), LIMIT)
    if freeze and len(parts) == 1 and 0 < freeze < n:
        rule("freeze", (freeze + 0.5, freeze + 0.5), (frame.lo, frame.hi), LIMIT, (2, 3))
    for i, m in enumerate(markers):
        top = frame.y_px(-9 - 13 * (i % MARKER_ROWS))
        rule("pdsa", (m.position, m.position), (frame.lo, top), MARKER, (3, 2), 1.5)
        text = m.label.split(":", 1)[0] if compact else _clip(m.label, MARKER_LABEL_CHARS)
        left.append({"x": frame.x_px(frame.px(m.position) + 2), "y": top, "text": text,
                     "c": MARKER})

    # Limits and centre lines, per phase; the goal.
    for number_, positions in enumerate(parts, 1):
        for field in ("ucl", "lcl", "cl"):
            values = [(k, getattr(points[k - 1], field)) for k in positions]
            values = [(k, v) for k, v in values if v is not None]
            if not values:
                continue
            if field != "cl":
                style = (LIMIT, (4, 3), 1)  # dashed: a limit is told from data in print
            elif points[positions[0] - 1].runs_signal:
                style = (SIGNAL, (6, 4), 1.5)
            else:
                style = (CENTRE, (1, 0), 1.5)
            line(f"{field}{number_}", [k for k, _ in values], [v for _, v in values], *style)
    if goal is not None:
        rule("goal", (x0, x1), (goal, goal), GOAL, (8, 3, 2, 3), 1.5)

    # The data and its points.
    kinds: dict[str, None] = {}
    for k, p in enumerate(points, 1):
        if data and data[-1]["d"] != p.part:
            data.append({"x": k - 0.5, "y": None, "d": p.part})  # phases are not joined
        data.append({"x": k, "y": p.y, "d": p.part})
        if p.y is not None:
            kind = kind_of(p)
            kinds[kind] = None
            dots.append(_dot(k, p.y, kind))

    # Notes: a number above the noted point, the same number as in the list below the chart.
    for number_, (k, _text) in enumerate(notes, 1):
        y_value = points[k - 1].y
        if y_value is None:
            y_value = frame.lo
        centred.append({"x": k, "y": frame.y_px(frame.py(y_value) - 11), "text": str(number_),
                        "a": 0})

    if better:
        right.append({"x": x1, "y": frame.y_px(frame.height + (28 if compact else 46)),
                      "text": better})
    if not compact:
        if goal is not None:
            left.append({"x": frame.x_px(frame.px(n + 0.5) + 4), "y": goal,
                         "text": f"Goal {number(goal)}", "c": GOAL})
        _key(frame, [kind for kind in KINDS if kind in kinds and kind not in ("point", "on_cl")],
             runs=any(p.runs_signal for p in points), line=rule, dots=dots, texts=left)

    x_scale = {"domain": [x0, x1], "nice": False, "zero": False}
    y_scale = {"domain": [frame.lo, frame.hi], "nice": False, "zero": False}
    x = {"field": "x", "type": "quantitative", "scale": x_scale, "axis": None}
    y = {"field": "y", "type": "quantitative", "scale": y_scale, "axis": None}
    ident = {"type": "nominal", "scale": None}
    # A missing value breaks a line: nothing is drawn across a gap.
    breaks = "break-paths-filter-domains"
    layers = [{
        "data": {"values": rules},
        "mark": {"type": "rule"},
        "encoding": {"x": x, "x2": {"field": "x2"}, "y": y, "y2": {"field": "y2"},
                     "stroke": {"field": "c", **ident},
                     "strokeDash": {"field": "dash", **ident},
                     "strokeWidth": {"field": "w", "type": "quantitative", "scale": None}}}]
    layers += [
        {"data": {"values": rows},
         "mark": {"type": "line", "interpolate": "step", "invalid": breaks,
                  "stroke": colour, "strokeDash": list(dash), "strokeWidth": width},
         "encoding": {"x": x, "y": y, "order": {"field": "i", "type": "quantitative"}}}
        for (colour, dash, width), rows in lines.items()]
    layers.append(
        {"data": {"values": data},
         "mark": {"type": "line", "color": LINE, "strokeWidth": 1.5, "invalid": breaks},
         "encoding": {"x": x, "y": y}})
    if dots:
        layers.append(
            {"data": {"values": dots},
             "mark": {"type": "point", "strokeWidth": 1.5, "opacity": 1},
             "encoding": {"x": x, "y": y, "shape": {"field": "shape", **ident},
                          "fill": {"field": "fill", **ident},
                          "stroke": {"field": "stroke", **ident},
                          "size": {"field": "size", "type": "quantitative", "scale": None}}})
    for texts, align in ((left, "left"), (centred, "center"), (right, "right")):
        if not texts:
            continue
        encoding = {"x": x, "y": y, "text": {"field": "text"}}
        if align == "left":
            encoding["fill"] = {"field": "c", **ident}
        if align == "center":
            encoding["angle"] = {"field": "a", "type": "quantitative", "scale": None}
        layers.append({"data": {"values": texts},
                       "mark": {"type": "text", "align": align, "baseline": "middle",
                                "fontSize": 10 if align == "left" else 11,
                                "color": charts.INK},
                       "encoding": encoding})
    return {
        "usermeta": {"title": f"{CHART_NAMES.get(chart, chart)}: {title}"},
        "description": describe(title=title, chart=chart, labels=labels, points=points,
                                explanations=explanations, unit=unit, markers=markers,
                                unplaced=unplaced, goal=goal, freeze=freeze, notes=notes,
                                better=better),
        "width": frame.width,
        "height": frame.height,
        "padding": 6,
        "layer": layers,
    }


def describe(
    *,
    title: str,
    chart: str,
    labels: Sequence[str],
    points: Sequence[Point],
    explanations: Sequence[str] = (),
    unit: str = "",
    markers: Sequence[Marker] = (),
    unplaced: Sequence[str] = (),
    goal: float | None = None,
    freeze: int | None = None,
    notes: Sequence[tuple[int, str]] = (),
    better: str = "",
) -> str:
    """The chart in words, for its aria-label and the PDF's alt text."""
    name = CHART_NAMES.get(chart, chart)
    n = len(points)
    if not n:
        return f"{name} of {title}: no data yet."
    unit_text = f" ({unit})" if unit else ""
    parts = _parts(points)
    said = [f"{name} of {title}{unit_text}: {n} point{_s(n)} from {labels[0]} to "
            f"{labels[-1]}" + (f", in {len(parts)} phases" if len(parts) > 1 else "") + "."]
    for number_, positions in enumerate(parts, 1):
        group = [points[k - 1] for k in positions]
        first = group[0]
        prefix = (f"Phase {number_} ({labels[positions[0] - 1]} to {labels[positions[-1] - 1]})"
                  if len(parts) > 1 else "Centre line")
        text = (f"{prefix}: centre line {number(first.cl)}" if len(parts) > 1
                else f"{prefix} {number(first.cl)}")
        text += _limits_text(group)
        said.append(text + ".")
    if freeze and len(parts) == 1 and 0 < freeze < n:
        said.append(f"Centre line and limits come from the first {freeze} points "
                    f"(to {labels[freeze - 1]}).")
    excluded = [labels[k] for k, p in enumerate(points) if not p.include]
    if excluded:
        said.append(f"Excluded from the calculations: {', '.join(excluded)}.")
    if better:
        said.append(f"{better}.")
    if goal is not None:
        said.append(f"Goal: {number(goal)}.")
    if explanations:
        said.append("Signals: " + "; ".join(explanations) + ".")
    else:
        said.append("No signals: the variation is what the process's common causes produce.")
    if markers:
        said.append("Changes tested: " + "; ".join(m.said or m.label for m in markers) + ".")
    said.extend(unplaced)
    if notes:
        said.append("Notes: " + "; ".join(f"{i} ({labels[k - 1]}): {text}"
                                           for i, (k, text) in enumerate(notes, 1)) + ".")
    return " ".join(said)


# --- helpers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """The plot's scales, chosen here (not by Vega) so that every mark — axis labels,
    texts above and below the plot — can be placed in data units: `x_px`/`y_px` turn a
    pixel offset from the plot's top-left corner into data units."""

    width: int
    height: int
    n: int
    lo: float
    hi: float
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[int, ...]

    @classmethod
    def of(cls, points: Sequence[Point], *, goal: float | None, compact: bool,
           zero: bool) -> _Frame:
        width, height = (COMPACT_WIDTH, COMPACT_HEIGHT) if compact else (WIDTH, HEIGHT)
        values = [v for p in points for v in (p.y, p.cl, p.lcl, p.ucl) if v is not None]
        if goal is not None:
            values.append(goal)
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if zero and lo >= 0:
            lo = 0.0
        if hi == lo:
            lo, hi = (lo - 1, hi + 1) if lo else (0.0, 1.0)
        step = _nice_step((hi - lo) / (3 if compact else 4))
        lo, hi = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        places = 0  # as many decimals as the step needs: 2.5 → 1, 0.25 → 2, 20 → 0
        while round(step * 10 ** places, 9) % 1 and places < 9:
            places += 1
        count = round((hi - lo) / step)
        ticks = tuple((lo + i * step, f"{lo + i * step:,.{places}f}".replace("-", "\u2212"))
                      for i in range(count + 1))
        n = len(points)
        room = max(2, width // (125 if compact else 130))
        x_ticks = tuple(range(1, n + 1, max(1, math.ceil(n / room))))
        return cls(width, height, n, lo, hi, ticks, x_ticks)

    def px(self, x: float) -> float:
        """Pixels from the plot's left edge to position `x`."""
        return (x - 0.5) * self.width / max(self.n, 1)

    def x_px(self, px: float) -> float:
        return 0.5 + px * max(self.n, 1) / self.width

    def y_px(self, py: float) -> float:
        return self.hi - py * (self.hi - self.lo) / self.height

    def py(self, y: float) -> float:
        """Pixels from the plot's top edge down to value `y`."""
        return (self.hi - y) * self.height / (self.hi - self.lo)


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times 10^k at least `raw` (tick spacing)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw - 1e-12:
            return factor * power
    return 10 * power  # pragma: no cover


def _dot(x: float, y: float, kind: str, size: float | None = None) -> dict:
    _, shape, fill, stroke, default = KINDS[kind]
    return {"x": x, "y": y, "shape": shape, "fill": fill, "stroke": stroke,
            "size": size or default}


def _limits_text(group: Sequence[Point]) -> str:
    lows = [p.lcl for p in group if p.lcl is not None]
    highs = [p.ucl for p in group if p.ucl is not None]
    if not lows and not highs:
        return ""
    if (len(set(lows)) <= 1) and (len(set(highs)) <= 1):
        low = number(lows[0]) if lows else "none"
        high = number(highs[0]) if highs else "none"
        return f", lower limit {low}, upper limit {high}"
    return (f", limits varying with the denominator (lower {number(min(lows, default=None))}"
            f" to {number(max(lows, default=None))}, upper "
            f"{number(min(highs, default=None))} to {number(max(highs, default=None))})")


def _key(frame: _Frame, kinds: list[str], *, runs: bool, line, dots: list[dict],
         texts: list[dict]) -> None:
    """The key to the special points (and the dashed centre line of a runs signal), in a
    row below the x-axis labels. Widths are estimated for DejaVu Sans at 10 px (about
    6 px a character)."""
    entries = [(kind, KINDS[kind][0]) for kind in kinds]
    if runs:
        entries.append(("runs", "Runs signal"))
    if not entries:
        return
    y = frame.y_px(frame.height + 32)
    px = 6.0
    for kind, text in entries:
        if kind == "runs":
            line("key-runs", (frame.x_px(px - 6), frame.x_px(px + 10)), (y, y), SIGNAL, (6, 4),
                 1.5)
            px += 10
        else:
            dots.append(_dot(frame.x_px(px), y, kind, min(KINDS[kind][4], 60)))
        texts.append({"x": frame.x_px(px + 9), "y": y, "text": text, "c": charts.INK})
        px += 9 + 6 * len(text) + 20


def _parts(points: Sequence[Point]) -> list[list[int]]:
    """Positions (1-based) of each phase, in order."""
    parts: list[list[int]] = []
    last = None
    for k, p in enumerate(points, 1):
        if p.part != last:
            parts.append([])
            last = p.part
        parts[-1].append(k)
    return parts


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _s(n: int) -> str:
    return "" if n == 1 else "s"
