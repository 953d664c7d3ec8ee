"""The one chart module of SafetyHub: Vega-Lite specs built as plain dicts, rendered on the
server to SVG by vl-convert, so the browser and the PDF show the same picture.

Every chart is accessible on its own: the SVG carries `role="img"`, an `aria-label` that
says in words what the chart shows, and a `<title>`. Colour is never the only cue: bars and
points carry value labels, heat-map cells carry the level's code, lines differ in dash and
point shape as well as colour. Palettes are colour-blind safe (Okabe-Ito for categories,
a single-hue blue ramp for ordered levels). Text is set in DejaVu Sans, the font every
SafetyHub machine has, so that measured widths in the SVG match what WeasyPrint draws.

Specs are built fresh for every call and nothing is kept between calls; vl-convert keeps its
own JavaScript runtime warm (its first call in a process takes about a second).

Each chart has a spec builder (`area_means_spec` …) and a renderer (`area_means_svg` …).
The specs are plain dicts, so a page can render several at once or off the request thread
(vl-convert releases the GIL while it works). For a chart not covered here, build a
Vega-Lite spec and call `render_svg`: put the words for screen readers in the spec's
`description` and the short name in `usermeta.title` (or `title`).
"""

import base64
import datetime
import hashlib
import html
import re
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

import vl_convert
from django.utils.safestring import SafeString, mark_safe

FONT = "DejaVu Sans"
INK = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form of
# colour-vision deficiency. Black is last so that it is used only for the eighth series.
CATEGORY = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
            "#000000"]
# A single-hue ramp (ColorBrewer Blues) for ordered levels: lightness alone carries the order.
ORDERED = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c",
           "#08306b"]
# Levels that are not on the ordered scale (Unsure, Not applicable, yes/no): distinct from
# the blue ramp and from each other, and always with their own code in the cell.
UNORDERED = ["#E69F00", "#bbbbbb", "#CC79A7", "#F0E442", "#009E73", "#D55E00"]
NOT_ANSWERED_CODE = "\u2013"  # an en dash
NOT_ANSWERED = "Not answered"
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down",
          "triangle-right", "triangle-left"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [10, 2], [1, 3], [12, 4]]
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
PLOT_WIDTH = 380  # px; a chart with its labels fits a Letter page's text width (≈ 670 px)
# Long labels are shortened by characters here, not by Vega's `labelLimit`: vl-convert
# measures every candidate width of a truncated label, which made a 40-row heat map take
# seconds. The full text is always in the chart's aria-label.
AREA_LABEL_CHARS = 44
ROW_LABEL_CHARS = 36
COLUMN_LABEL_CHARS = 18

BASE_CONFIG = {
    "font": FONT,
    "aria": False,  # the whole SVG is one image with its own label; see _accessible
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 11,
             "labelColor": INK, "titleColor": INK, "gridColor": GRID, "domainColor": MUTED,
             "tickColor": MUTED, "titleFontWeight": "normal", "labelLimit": 0},
    "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11,
               "titleFontSize": 11, "labelColor": INK, "titleColor": INK,
               "titleFontWeight": "bold", "labelLimit": 0},
    "title": {"font": FONT, "fontSize": 13, "color": INK, "anchor": "start"},
    "text": {"font": FONT, "fontSize": 11, "color": INK},
}


def format_number(value: float | None, places: int = 2) -> str:
    """A number as the report prints it: fixed places, halves rounded up (as Django's
    `floatformat` does), so the chart and the page never disagree. None gives ""."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def render_svg(spec: dict) -> SafeString:
    """Render a Vega-Lite spec (a dict) to an accessible SVG string.

    The spec's `config` is laid over SafetyHub's (font, colours, no per-mark ARIA). The
    returned SVG has `role="img"`, an `aria-label` from the spec's `description` and a
    `<title>` from `usermeta.title` or the spec's `title`; its element ids are made unique to
    the chart so several charts can share one HTML page. Every text in it is escaped, so it
    is returned marked safe for templates."""
    full = {"$schema": SCHEMA, **spec,
            "config": _merge(BASE_CONFIG, spec.get("config") or {})}
    svg = vl_convert.vegalite_to_svg(full)
    if (spec.get("usermeta") or {}).get("merge_cells"):
        svg = _merge_cells(svg)
    title = _title_text(spec)
    description = str(spec.get("description") or title or "Chart")
    return mark_safe(_accessible(svg, title=title or description,
                                 description=description))


def area_means_svg(
    *, sections: list[tuple[str, float | None]], max_value: float, value_title: str = "Mean"
) -> SafeString:
    """Horizontal bars, one per area in the given order, each labelled with its mean;
    an area without a mean shows "no numeric answers" instead of a bar. `value_title`
    names the measure on the axis ("Mean (0 to 4)")."""
    return render_svg(area_means_spec(sections=sections, max_value=max_value,
                                      value_title=value_title))


def area_means_spec(
    *, sections: list[tuple[str, float | None]], max_value: float, value_title: str = "Mean"
) -> dict:
    """The Vega-Lite spec `area_means_svg` renders (its `description` says it in words)."""
    titles = _unique([_clip(title, AREA_LABEL_CHARS) for title, _ in sections])
    full = [title for title, _ in sections]
    rows = []
    for title, (_, mean) in zip(titles, sections, strict=True):
        rows.append({"area": title, "mean": mean, "x": mean if mean is not None else 0,
                     "label": format_number(mean) if mean is not None
                     else "no numeric answers"})
    said = "; ".join(f"{name}: {row['label']}" for name, row in zip(full, rows, strict=True))
    y = {"field": "area", "type": "nominal", "sort": titles,
         "axis": {"title": None, "labelPadding": 6, "ticks": False}}
    spec = {
        "usermeta": {"title": f"{value_title} per area"},
        "description": f"Bar chart of the {value_title.lower()} per area on a scale of "
                       f"0 to {format_number(max_value, 0)}. {said or 'No areas'}.",
        "data": {"values": rows},
        "width": PLOT_WIDTH,
        "height": {"step": 26},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "bar", "color": CATEGORY[0], "height": {"band": 0.7}},
             "transform": [{"filter": "datum.mean != null"}],
             "encoding": {"x": {"field": "mean", "type": "quantitative",
                                "scale": {"domain": [0, max_value], "nice": False},
                                "axis": {"title": f"{value_title} (0 to "
                                                  f"{format_number(max_value, 0)})",
                                         "tickCount": int(max_value) or 1,
                                         "format": "d" if float(max_value).is_integer()
                                         else ".1f"}}}},
            {"mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 5},
             "encoding": {"x": {"field": "x", "type": "quantitative"},
                          "text": {"field": "label"},
                          "fontStyle": {"condition": {"test": "datum.mean == null",
                                                      "value": "italic"},
                                        "value": "normal"}}},
        ],
    }
    return spec


def level_code(value: str, label: str = "") -> str:
    """The short code a heat-map cell shows for a level: the value itself when short
    ("0"…"4"; "yes", "no", "na" as "YES", "NO", "NA"), "?" for Unsure, else its first letters."""
    if value == "unsure":
        return "?"
    if len(value) <= 3:
        return value.upper() if value.isalpha() else value
    return (label or value)[:3]


def heatmap_svg(
    *,
    rows: list[str],
    columns: list[str],
    values: dict[tuple[str, str], str | None],
    levels: list[tuple[str, str]],
) -> SafeString:
    """A heat map of answer levels: one row per element, one column per respondent (and
    consensus). `values` maps (row, column) to a level value (None or missing: not
    answered); `levels` are (value, label) in the scale's order. Every cell shows the level's
    code; the legend gives each code with its label."""
    return render_svg(heatmap_spec(rows=rows, columns=columns, values=values, levels=levels))


def heatmap_spec(
    *,
    rows: list[str],
    columns: list[str],
    values: dict[tuple[str, str], str | None],
    levels: list[tuple[str, str]],
    noun: str = "question",
) -> dict:
    """The Vega-Lite spec `heatmap_svg` renders (its `description` says it in words). `noun`
    is what a row is called: a "question", or a "statement" of an attestation."""
    legend = _level_legend(levels)
    by_value = {value: entry for (value, _), entry in zip(levels, legend, strict=True)}
    none = {"name": f"{NOT_ANSWERED_CODE} = {NOT_ANSWERED}", "code": NOT_ANSWERED_CODE,
            "fill": "#ffffff", "ink": MUTED}
    row_names = _unique([_clip(row, ROW_LABEL_CHARS) for row in rows])
    column_names = _unique([_clip(column, COLUMN_LABEL_CHARS) for column in columns])
    data = []
    counts: dict[str, int] = {}
    for row, row_name in zip(rows, row_names, strict=True):
        for column, column_name in zip(columns, column_names, strict=True):
            value = values.get((row, column))
            entry = by_value.get(value) if value else none
            if entry is None:  # a value not on the scale: shown as it is, uncoloured
                entry = {"name": f"{value} = {value}", "code": value[:3], "fill": "#ffffff",
                         "ink": INK}
                if entry["name"] not in counts:
                    legend.append(entry)
            counts[entry["name"]] = counts.get(entry["name"], 0) + 1
            data.append({"row": row_name, "col": column_name, "code": entry["code"],
                         "level": entry["name"], "ink": entry["ink"]})
    used = [*legend, none]
    said = ", ".join(f"{e['name'].split(' = ', 1)[1]} ({e['code']}): {counts[e['name']]}"
                     for e in used if counts.get(e["name"]))
    # The legend goes beside a narrow map and under a wide one, in as many columns as fit.
    plot_width = 34 * len(columns)
    legend_place = ({"orient": "right", "direction": "vertical"} if plot_width < 200 else
                    {"orient": "bottom", "direction": "horizontal",
                     "columns": max(1, min(4, plot_width // 170))})
    spec = {
        # merge_cells: the cells never overlap, so those of one colour can be drawn as one
        # path (a 40 x 13 map has 520 cells but 9 colours; WeasyPrint draws it faster).
        "usermeta": {"title": f"Answers by {noun} and respondent", "merge_cells": True},
        "description": (
            f"Heat map of answer levels for {len(rows)} {noun}{_s(len(rows))} (rows) by "
            f"{len(columns)} column{_s(len(columns))} ({', '.join(columns)}). "
            f"Each cell shows the level's code. Cells per level: {said or 'none'}."),
        "data": {"values": data},
        "width": {"step": 34},
        "height": {"step": 18},
        "encoding": {
            "x": {"field": "col", "type": "nominal", "sort": column_names,
                  "axis": {"orient": "top", "title": None, "labelAngle": -40,
                           "labelAlign": "left", "ticks": False, "domain": False}},
            "y": {"field": "row", "type": "nominal", "sort": row_names,
                  "axis": {"title": None, "ticks": False, "domain": False}},
        },
        "layer": [
            {"mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 1.5},
             "encoding": {"color": {
                 "field": "level", "type": "nominal", "title": "Answer",
                 "scale": {"domain": [e["name"] for e in used],
                           "range": [e["fill"] for e in used]},
                 "legend": {**legend_place, "symbolType": "square",
                            "symbolStrokeColor": MUTED, "symbolStrokeWidth": 0.5,
                            "symbolSize": 140, "columnPadding": 16}}}},
            {"mark": {"type": "text", "baseline": "middle", "fontSize": 11},
             "encoding": {"text": {"field": "code"},
                          "color": {"field": "ink", "type": "nominal", "scale": None}}},
        ],
    }
    return spec


def trend_svg(
    *,
    series: dict[str, list[tuple[datetime.date | str, float | None]]],
    max_value: float,
    value_title: str = "Mean",
) -> SafeString:
    """One line per series (an area) across cycles (dated), each with its own colour, dash
    and point shape, its latest value labelled. A None value leaves a gap in its line.
    `value_title` names the measure on the axis ("Mean (0 to 4)", "Score (0 to 5)").
    Cycles may be named instead of dated (a text label per point, in the order given): two
    cycles on the same date then stand apart on the axis instead of on one tick."""
    return render_svg(trend_spec(series=series, max_value=max_value, value_title=value_title))


def trend_spec(
    *,
    series: dict[str, list[tuple[datetime.date | str, float | None]]],
    max_value: float,
    value_title: str = "Mean",
) -> dict:
    """The Vega-Lite spec `trend_svg` renders (its `description` says it in words)."""
    names = _unique([_clip(name, AREA_LABEL_CHARS) for name in series])
    named = any(isinstance(p[0], str) for points in series.values() for p in points)
    order: list[str] = []  # the named cycles, in the order given

    def ordered(points):
        return points if named else sorted(points, key=lambda p: p[0])

    def at(day) -> str:
        return day if named else day.isoformat()

    data, latest, dates = [], [], set()
    for name, points in zip(names, series.values(), strict=True):
        last = None
        for day, value in ordered(points):
            dates.add(day)
            if named and day not in order:
                order.append(day)
            row = {"area": name, "date": at(day), "value": value,
                   "label": format_number(value)}
            data.append(row)
            if value is not None:
                last = row
        if last:
            latest.append(last)
    said = "; ".join(
        f"{name}: " + ", ".join(
            f"{at(day)} {format_number(value) if value is not None else 'none'}"
            for day, value in ordered(points))
        for name, points in series.items()) or "no data"
    n = max(len(names), 1)
    series_scale = {"domain": names, "range": (CATEGORY * n)[:n]}
    legend = {"orient": "bottom", "direction": "vertical", "title": None,
              "symbolStrokeWidth": 2, "symbolSize": 100}
    if named:
        x = {"field": "date", "type": "ordinal", "sort": order, "scale": {"padding": 0.5},
             "axis": {"title": None, "labelAngle": 0, "grid": False, "labelLimit": 140}}
    else:
        x = date_axis("date", dates, label_format="%d %b %Y", padding=24)
    y = {"field": "value", "type": "quantitative",
         "scale": {"domain": [0, max_value], "nice": False},
         "axis": {"title": f"{value_title} (0 to {format_number(max_value, 0)})",
                  "tickCount": int(max_value) or 1,
                  "format": "d" if float(max_value).is_integer() else ".1f"}}
    by_area = {"field": "area", "type": "nominal", "sort": names, "legend": legend}
    spec = {
        "usermeta": {"title": f"{value_title} per area across cycles"},
        "description": f"Line chart of the {value_title.lower()} per area across assessment "
                       f"cycles, on a scale of 0 to {format_number(max_value, 0)}. {said}.",
        "width": PLOT_WIDTH,
        "height": 200,
        "layer": [
            {"data": {"values": data}, "mark": {"type": "line", "strokeWidth": 2},
             "encoding": {
                 "x": x, "y": y,
                 "color": {**by_area, "scale": series_scale},
                 "strokeDash": {**by_area, "scale": {"domain": names,
                                                     "range": (DASHES * n)[:n]}}}},
            {"data": {"values": data}, "mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {
                 "x": x, "y": y,
                 "color": {**by_area, "scale": series_scale},
                 "shape": {**by_area, "scale": {"domain": names,
                                                "range": (SHAPES * n)[:n]}}}},
            {"data": {"values": latest},
             "mark": {"type": "text", "align": "left", "dx": 7, "baseline": "middle"},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        ],
    }
    return spec


def description_of(svg: str) -> str:
    """The words a chart from this module gives screen readers (its aria-label), for an
    `<img alt>` when the SVG is used as an image."""
    match = _ROOT.search(svg)
    label = re.search(r'\baria-label="([^"]*)"', match.group(0)) if match else None
    return html.unescape(label.group(1)) if label else ""


def data_uri(svg: str) -> str:
    """The SVG as a data: URI, for `<img src>`. WeasyPrint lays out an SVG image much faster
    than the same SVG inline in HTML (it skips the HTML parser and the CSS cascade), so the
    PDF reports use the chart this way; the picture is the same."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


# --- helpers ---------------------------------------------------------------------------

def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def _title_text(spec: dict) -> str:
    meta = spec.get("usermeta") or {}
    if isinstance(meta, dict) and meta.get("title"):
        return str(meta["title"])
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title or "")


_ROOT = re.compile(r"<svg\b[^>]*>")
_INNER_ARIA = re.compile(r'\s(?:role|aria-[a-z]+)="[^"]*"')
_IDS = re.compile(r'\bid="([^"]+)"')


def _accessible(svg: str, *, title: str, description: str) -> str:
    """Make vl-convert's SVG one labelled image: role and label on the root, a <title> as
    its first child, no per-mark ARIA left inside, and ids unique to this chart."""
    match = _ROOT.search(svg)
    if match is None:  # pragma: no cover - vl-convert always returns an <svg> root
        raise ValueError("vl-convert returned no <svg> element")
    body = _INNER_ARIA.sub("", svg[match.end():])
    ids = _IDS.findall(body)
    if ids:
        prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:10]
        for old in set(ids):
            new = f"{prefix}-{old}"
            body = (body.replace(f'id="{old}"', f'id="{new}"')
                    .replace(f"url(#{old})", f"url(#{new})")
                    .replace(f'href="#{old}"', f'href="#{new}"'))
    root = _INNER_ARIA.sub("", match.group(0))[:-1].rstrip("/")
    root += f' class="chart" role="img" aria-label={quoteattr(description)}>'
    root = root.replace('class="marks" ', "", 1)
    return svg[:match.start()] + root + f"<title>{escape(title)}</title>" + body


_RECT_GROUP = re.compile(r'(<g class="mark-rect role-mark[^"]*"[^>]*>)((?:<path [^>]*/>)+)(</g>)')
_CELL = re.compile(r'<path d="([^"]*)"([^>]*)/>')


def _merge_cells(svg: str) -> str:
    """Draw the cells of a rect mark that share their style as one path each. Only for
    marks whose rects never overlap (a heat map), where paint order cannot matter."""
    def merge(match: re.Match) -> str:
        groups: dict[str, list[str]] = {}
        for d, attrs in _CELL.findall(match.group(2)):
            groups.setdefault(attrs, []).append(d)
        paths = "".join(f'<path d="{"".join(ds)}"{attrs}/>' for attrs, ds in groups.items())
        return match.group(1) + paths + match.group(3)

    return _RECT_GROUP.sub(merge, svg)


def _level_legend(levels: list[tuple[str, str]]) -> list[dict]:
    """Legend entries (name "code = label", cell colour, text colour) for the levels:
    numeric levels on the blue ramp in order, the others in distinct unordered colours."""
    numeric = [value for value, _ in levels if _is_number(value)]
    ramp = _spread(ORDERED, len(numeric))
    out, other = [], 0
    for value, label in levels:
        code = level_code(value, label)
        if _is_number(value):
            index = numeric.index(value)
            fill = ramp[index]
            ink = "#ffffff" if ORDERED.index(fill) >= 4 else INK
        else:
            fill = UNORDERED[other % len(UNORDERED)]
            other += 1
            ink = INK
        out.append({"name": f"{code} = {label}", "code": code, "fill": fill, "ink": ink})
    return out


def _spread(palette: list[str], n: int) -> list[str]:
    if n <= 0:
        return []
    if n == 1:
        return [palette[len(palette) // 2]]
    return [palette[round(i * (len(palette) - 1) / (n - 1))] for i in range(n)]


def _is_number(value: str) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _unique(names: list[str]) -> list[str]:
    """The names, with repeats told apart ("Name (2)"), since a chart's categories must be
    distinct."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def date_axis(field: str, dates, *, label_format: str, padding: int) -> dict:
    """An x encoding for dates with ticks exactly at `dates`, formatted in UTC so that a date
    never slips a day in another time zone."""
    return {"field": field, "type": "temporal", "scale": {"type": "utc", "padding": padding},
            "axis": {"title": None, "values": sorted(_epoch_ms(day) for day in dates),
                     "format": label_format, "labelAngle": 0, "grid": False,
                     "labelOverlap": "greedy"}}


def _epoch_ms(day: datetime.date) -> int:
    moment = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _s(n: int) -> str:
    return "" if n == 1 else "s"
