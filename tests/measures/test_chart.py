"""The SPC chart spec and its SVG: one spec for the page and the PDF, with the centre line,
limits per phase, signals shown by shape and colour, excluded points, the goal, PDSA markers
and an accessible description that says every signal in plain words."""

import xml.etree.ElementTree as ET

import pytest

from safetyhub.core import charts
from safetyhub.measures import chart as spc_chart
from safetyhub.measures.chart import Marker, kind_of, spc_spec, spc_svg
from safetyhub.spc import explain, qic

SVG = "{http://www.w3.org/2000/svg}"
SHIFT = [*[3, 4, 3, 2, 3, 4, 3, 3, 2, 4, 3, 3], *[8, 9, 8, 7, 9, 8, 9, 8, 7, 9]]
LABELS = [f"M{k} 2025" for k in range(1, len(SHIFT) + 1)]


def chart_kwargs(**overrides):
    points = qic(LABELS, SHIFT, chart="i")
    values = {"title": "Falls", "chart": "i", "labels": LABELS, "points": points,
              "explanations": explain(points), "unit": "falls per 1,000 patient days",
              "markers": [Marker(12.5, "PDSA 2: Hourly rounding on every ward",
                                 "PDSA 2: Hourly rounding on every ward (started 16 Dec 2025)")],
              "goal": 2.5}
    values.update(overrides)
    return values


def layer(spec: dict, mark: str, **props) -> list[dict]:
    """The layers of a spec with this mark type (and mark properties)."""
    return [one for one in spec["layer"] if one["mark"]["type"] == mark
            and all(one["mark"].get(k) == v for k, v in props.items())]


def rows(spec: dict, mark: str, **props) -> list[dict]:
    return [row for one in layer(spec, mark, **props) for row in one["data"]["values"]]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own renderer's output


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def paths(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}path"))


@pytest.fixture(scope="module")
def svg() -> str:
    return spc_svg(cache=False, **chart_kwargs())


def test_the_svg_parses_and_is_one_labelled_image(svg):
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label.startswith("I chart of Falls (falls per 1,000 patient days): 22 points from "
                            "M1 2025 to M22 2025.")
    assert root.find(f"{SVG}title").text == "I chart: Falls"


def test_the_description_says_every_signal_in_plain_words(svg):
    label = parse(svg).get("aria-label")
    points = qic(LABELS, SHIFT, chart="i")
    sentences = explain(points)
    assert any("points in a row below the centre line" in s for s in sentences)
    for sentence in sentences:
        assert sentence in label
    assert "Goal: 2.50." in label
    assert "Changes tested: PDSA 2: Hourly rounding on every ward (started 16 Dec 2025)." in label


def test_the_centre_line_limits_goal_and_marker_are_drawn_and_labelled(svg):
    root = parse(svg)
    words = texts(root)
    spec = spc_spec(**chart_kwargs())
    points = qic(LABELS, SHIFT, chart="i")
    centre = [r for r in rows(spec, "line", interpolate="step") if r["d"] == "cl1"]
    assert {r["y"] for r in centre} == {points[0].cl, None}  # the line, then its break
    limits = {r["d"] for r in rows(spec, "line", interpolate="step")} - {"cl1"}
    assert limits == {"ucl1", "lcl1"}
    assert "Goal 2.50" in words
    assert "PDSA 2: Hourly rounding…" in words  # clipped on the chart, whole in words
    strokes = [e.get("stroke") for e in [*paths(root), *root.iter(f"{SVG}line")]]
    # The runs signal draws the centre line dashed in the signal colour.
    dashed = [p for p in paths(root) if p.get("stroke") == spc_chart.SIGNAL
              and p.get("stroke-dasharray")]
    assert dashed, "the centre line of a phase with a runs signal is dashed in the signal colour"
    assert spc_chart.GOAL in strokes and spc_chart.MARKER in strokes and spc_chart.LIMIT in strokes


def test_signal_points_differ_in_shape_as_well_as_colour(svg):
    root = parse(svg)
    signal = [p for p in paths(root) if p.get("fill") == spc_chart.SIGNAL]
    normal = [p for p in paths(root) if p.get("fill") == spc_chart.LINE]
    assert signal and normal
    assert {p.get("d") for p in signal}.isdisjoint({p.get("d") for p in normal})
    assert "Outside the limits" in texts(root)  # the key


def test_kinds_of_point():
    points = qic(None, [1, 2, 3, 20, 2, 3, 2, 1, 2, 3], chart="i", exclude=[2])
    kinds = [kind_of(p) for p in points]
    assert kinds[1] == "excluded"
    assert kinds[3] == "signal"
    on_cl = qic(None, [1, 2, 3, 2, 3, 1, 2], chart="run")
    assert kind_of(on_cl[1]) == "on_cl"


def test_phases_get_their_own_centre_lines_and_a_separator():
    points = qic(LABELS, SHIFT, chart="i", part=[12])
    spec = spc_spec(**chart_kwargs(points=points, explanations=explain(points)))
    centre = {row["d"] for row in rows(spec, "line", interpolate="step")
              if row["d"] in ("cl1", "cl2")}
    assert centre == {"cl1", "cl2"}
    separators = [row for row in rows(spec, "rule") if row["d"] == "phase"]
    assert [(row["x"], row["x2"]) for row in separators] == [(12.5, 12.5)]
    assert "in 2 phases" in spec["description"]
    assert "Phase 2 (M13 2025 to M22 2025): centre line" in spec["description"]
    root = parse(charts.render_svg(spec))
    # One path for the centre lines, in two pieces (one per phase).
    [centre_path] = [p for p in paths(root) if p.get("stroke") == spc_chart.CENTRE]
    assert centre_path.get("d").count("M") == 2


def test_excluded_points_are_hollow_grey_and_named_in_the_description():
    points = qic(LABELS, SHIFT, chart="i", exclude=[3])
    spec = spc_spec(**chart_kwargs(points=points, explanations=explain(points), markers=[]))
    excluded = [d for d in rows(spec, "point") if d["x"] == 3]
    assert excluded == [{"x": 3, "y": 3.0, "shape": "square", "fill": "#ffffff",
                         "stroke": spc_chart.GREY, "size": 40}]
    assert "Excluded from the calculations: M3 2025." in spec["description"]


def test_a_missing_value_breaks_the_line_and_is_not_a_point():
    values = [3, 4, None, 2, 3, 4, 3, 3]
    points = qic(None, values, chart="run")
    spec = spc_spec(title="x", chart="run", labels=[str(k) for k in range(1, 9)],
                    points=points, explanations=explain(points))
    [data_line] = layer(spec, "line", color=spc_chart.LINE)
    assert data_line["mark"]["invalid"] == "break-paths-filter-domains"
    assert [row["y"] for row in data_line["data"]["values"]][2] is None
    assert 3 not in [d["x"] for d in rows(spec, "point")]
    parse(charts.render_svg(spec))


def test_a_run_chart_has_no_limits_and_says_so():
    points = qic(None, [3, 4, 3, 2, 3, 4, 3, 3, 2, 4], chart="run")
    spec = spc_spec(title="Huddles", chart="run", labels=[str(k) for k in range(1, 11)],
                    points=points, explanations=explain(points))
    assert {row["d"] for row in rows(spec, "line", interpolate="step")} == {"cl1"}
    assert "Centre line 3.00." in spec["description"]
    assert "No signals" in spec["description"]


def test_the_compact_chart_is_smaller_with_short_marker_labels_and_no_key(svg):
    compact = parse(spc_svg(cache=False, compact=True, **chart_kwargs()))
    words = texts(compact)
    assert "PDSA 2" in words
    assert "Outside the limits" not in words
    assert not any(w.startswith("Goal") for w in words)
    assert float(compact.get("width")) < float(parse(svg).get("width"))


def test_identical_specs_are_rendered_once():
    spc_chart._render_cached.cache_clear()
    first = spc_svg(**chart_kwargs())
    second = spc_svg(**chart_kwargs())
    assert first == second
    info = spc_chart._render_cached.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    spc_svg(**chart_kwargs(goal=3.0))
    assert spc_chart._render_cached.cache_info().misses == 2


def test_the_same_svg_draws_in_a_pdf(svg):
    weasyprint = pytest.importorskip("weasyprint")
    html = (f'<html><body><h1>Falls</h1><img src="{charts.data_uri(svg)}" '
            f'alt="{charts.description_of(svg)}"></body></html>')
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")


def test_notes_are_numbered_above_their_points_and_said_and_the_better_side_is_written():
    kwargs = chart_kwargs(notes=[(13, "Rounding began"), (20, "New beds")],
                          better="Lower is better")
    spec = spc_spec(**kwargs)
    numbers = [row for row in rows(spec, "text", align="center") if row["text"] in ("1", "2")]
    assert [(row["x"], row["text"]) for row in numbers] == [(13, "1"), (20, "2")]
    points = kwargs["points"]
    assert all(row["y"] > points[row["x"] - 1].y for row in numbers)  # above the point
    assert "Lower is better" in [row["text"] for row in rows(spec, "text", align="right")]
    assert ("Notes: 1 (M13 2025): Rounding began; 2 (M20 2025): New beds."
            in spec["description"])
    assert "Lower is better." in spec["description"]
    root = parse(spc_svg(cache=False, **kwargs))
    assert "Lower is better" in texts(root) and "1" in texts(root)


def test_control_limits_are_dashed_so_print_needs_no_colour():
    spec = spc_spec(**chart_kwargs())
    limits = [one for one in layer(spec, "line", interpolate="step")
              if {r["d"] for r in one["data"]["values"]} & {"ucl1", "lcl1"}]
    assert limits and all(one["mark"]["strokeDash"] != [1, 0] for one in limits)


@pytest.mark.parametrize(("values", "compact", "labels"), [
    ([0, 7], True, ["0.0", "2.5", "5.0", "7.5"]),  # 2.5 steps keep their half
    ([0, 0.7], True, ["0.00", "0.25", "0.50", "0.75"]),
    ([0, 80], False, ["0", "20", "40", "60", "80"]),
])
def test_y_axis_labels_show_the_step_exactly(values, compact, labels):
    from types import SimpleNamespace

    points = [SimpleNamespace(y=v, cl=None, lcl=None, ucl=None) for v in values]
    frame = spc_chart._Frame.of(points, goal=None, compact=compact, zero=True)
    assert [text for _tick, text in frame.y_ticks] == labels
