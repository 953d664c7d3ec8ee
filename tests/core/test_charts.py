"""The chart module: every chart is an accessible SVG whose words and values can be read
back, in a colour-blind-safe palette with text as well as colour, and safe to put inline in
an HTML page under the site's CSP."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from safetyhub.core import charts

SVG = "{http://www.w3.org/2000/svg}"
DASH = charts.NOT_ANSWERED_CODE  # the code of a cell with no answer (an en dash)
LEVELS = [("0", "Not started"), ("1", "Beginning"), ("2", "Making progress"),
          ("3", "Significant impact"), ("4", "Exemplary"), ("unsure", "Unsure"),
          ("na", "Not applicable")]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def assert_accessible(root: ET.Element, *, title: str, says: list[str]) -> None:
    assert root.get("role") == "img"
    label = root.get("aria-label")
    for words in says:
        assert words in label
    first = root[0]
    assert first.tag == f"{SVG}title" and first.text == title
    # The SVG is one image: nothing inside carries its own ARIA role or label.
    for node in root.iter():
        if node is not root:
            assert "role" not in node.attrib and not any(
                key.startswith("aria-") for key in node.attrib)


def assert_csp_safe(svg: str) -> None:
    """No style attribute or element (CSP style-src 'self'), no script, no event handler."""
    assert not re.search(r"\sstyle=", svg)
    assert "<style" not in svg and "<script" not in svg
    assert not re.search(r"\son[a-z]+=", svg)


def test_area_means_titles_labels_values():
    svg = charts.area_means_svg(
        sections=[("Culture, Leadership, and Governance", 7 / 3),
                  ("Patient and Family Engagement", None),
                  ("Workforce Safety", 4.0), ("Learning System", 0.125)],
        max_value=4)
    root = parse(svg)
    assert_accessible(root, title="Mean per area", says=[
        "Bar chart of the mean per area on a scale of 0 to 4",
        "Culture, Leadership, and Governance: 2.33",
        "Patient and Family Engagement: no numeric answers",
        "Workforce Safety: 4.00", "Learning System: 0.13"])
    words = texts(root)
    for label in ["Culture, Leadership, and Governance", "Patient and Family Engagement",
                  "Workforce Safety", "Learning System", "2.33", "no numeric answers", "4.00",
                  "0.13", "Mean (0 to 4)"]:
        assert label in words
    # One bar per area with a mean, in the first colour of the colour-blind-safe palette.
    bars = [p for p in root.iter(f"{SVG}path") if p.get("fill") == charts.CATEGORY[0]]
    assert len(bars) == 3
    assert_csp_safe(svg)


def test_area_means_shortens_long_names_but_says_them_in_full():
    long = "An area whose name goes on and on well past what fits beside a bar"
    root = parse(charts.area_means_svg(sections=[(long, 1.0)], max_value=4))
    assert long in root.get("aria-label")
    (label,) = [t for t in texts(root) if t.startswith("An area")]
    assert label.endswith("…") and len(label) <= charts.AREA_LABEL_CHARS


def test_heatmap_cells_show_codes_and_legend_gives_labels():
    rows = ["1.1 Safety goals", "1.2 Board review", "1.3 Leadership rounds"]
    columns = ["Ann", "Bob", "Consensus"]
    values = {
        ("1.1 Safety goals", "Ann"): "0", ("1.1 Safety goals", "Bob"): "4",
        ("1.1 Safety goals", "Consensus"): "2",
        ("1.2 Board review", "Ann"): "unsure", ("1.2 Board review", "Bob"): "na",
        ("1.3 Leadership rounds", "Consensus"): "3",
    }
    svg = charts.heatmap_svg(rows=rows, columns=columns, values=values, levels=LEVELS)
    root = parse(svg)
    assert_accessible(root, title="Answers by question and respondent", says=[
        "Heat map of answer levels for 3 questions (rows) by 3 columns (Ann, Bob, Consensus)",
        "Not started (0): 1", "Exemplary (4): 1", "Unsure (?): 1", "Not applicable (NA): 1",
        f"Not answered ({DASH}): 3"])
    words = texts(root)
    for label in [*rows, *columns]:
        assert label in words
    # Every cell carries a code, so colour is never the only cue.
    codes = [w for w in words if w in {"0", "1", "2", "3", "4", "?", "NA", DASH}]
    assert sorted(codes) == sorted(["0", "4", "2", "?", "NA", "3", DASH, DASH, DASH])
    for entry in ["0 = Not started", "4 = Exemplary", "? = Unsure", "NA = Not applicable",
                  f"{DASH} = Not answered", "Answer"]:
        assert entry in words
    assert_csp_safe(svg)


def test_heatmap_colours_ordered_levels_on_one_ramp_and_others_apart():
    legend = charts._level_legend(LEVELS)
    fills = [entry["fill"] for entry in legend]
    numeric = fills[:5]
    assert numeric == [charts.ORDERED[i] for i in (0, 2, 4, 5, 7)]  # light to dark, in order
    assert fills[5] not in charts.ORDERED and fills[6] not in charts.ORDERED
    assert len(set(fills)) == len(fills)
    # Dark cells get white text, light ones dark text.
    assert legend[0]["ink"] == charts.INK and legend[4]["ink"] == "#ffffff"


def test_heatmap_draws_each_colour_once():
    rows = [f"1.{i}" for i in range(10)]
    columns = ["A", "B", "C", "D"]
    values = {(r, c): str(i % 3) for i, r in enumerate(rows) for c in columns}
    root = parse(charts.heatmap_svg(rows=rows, columns=columns, values=values, levels=LEVELS))
    cells = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == "#ffffff"]
    assert len(cells) == 3  # 40 cells, 3 colours


def test_trend_lines_points_and_latest_values():
    series = {
        "Culture": [(dt.date(2024, 3, 1), 1.5), (dt.date(2025, 3, 1), 2.0),
                    (dt.date(2026, 3, 2), 7 / 3)],
        "Workforce": [(dt.date(2024, 3, 1), None), (dt.date(2025, 3, 1), 3.0),
                      (dt.date(2026, 3, 2), 2.75)],
    }
    svg = charts.trend_svg(series=series, max_value=4)
    root = parse(svg)
    assert_accessible(root, title="Mean per area across cycles", says=[
        "Line chart of the mean per area across assessment cycles, on a scale of 0 to 4",
        "Culture: 2024-03-01 1.50, 2025-03-01 2.00, 2026-03-02 2.33",
        "Workforce: 2024-03-01 none, 2025-03-01 3.00, 2026-03-02 2.75"])
    words = texts(root)
    for label in ["Culture", "Workforce", "2.33", "2.75", "01 Mar 2024", "01 Mar 2025",
                  "02 Mar 2026", "Mean (0 to 4)"]:
        assert label in words
    # The two lines differ in colour and in dash, so they can be told apart without colour.
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke") in charts.CATEGORY[:2]
             and p.get("fill") in (None, "none")]
    assert {p.get("stroke") for p in lines} == set(charts.CATEGORY[:2])
    assert len({p.get("stroke-dasharray") for p in lines}) == 2
    assert_csp_safe(svg)


def test_trend_value_title_names_the_measure():
    root = parse(charts.trend_svg(series={"PSSM score": [(dt.date(2026, 1, 5), 3)]},
                                  max_value=5, value_title="Score"))
    assert "Score (0 to 5)" in texts(root)
    assert root.get("aria-label").startswith("Line chart of the score per area")


def test_every_text_is_escaped():
    nasty = '<script>alert("x")</script> & \'q\''
    svg = charts.area_means_svg(sections=[(nasty, 1.0)], max_value=4)
    assert "<script>" not in svg
    root = parse(svg)
    assert nasty in root.get("aria-label")
    heat = charts.heatmap_svg(rows=[nasty], columns=["<b>"], values={(nasty, "<b>"): "<i>"},
                              levels=[("<i>", "<em>label</em>")])
    assert "<b>" not in heat and "<i>" not in heat and "<em>" not in heat
    parse(heat)


def test_render_svg_labels_any_spec_and_keeps_ids_apart():
    spec = {
        "description": "Two points, for a test.",
        "usermeta": {"title": "A custom chart"},
        "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]},
        "mark": {"type": "line", "clip": True},
        "encoding": {"x": {"field": "x", "type": "quantitative"},
                     "y": {"field": "y", "type": "quantitative"}},
    }
    first = charts.render_svg(spec)
    root = parse(first)
    assert_accessible(root, title="A custom chart", says=["Two points, for a test."])
    other = charts.render_svg({**spec, "data": {"values": [{"x": 1, "y": 5}]}})
    ids = set(re.findall(r'\bid="([^"]+)"', first))
    assert ids  # the clip path
    assert not ids & set(re.findall(r'\bid="([^"]+)"', other))
    for ref in re.findall(r"url\(#([^)]+)\)", first):
        assert ref in ids
    # The font is the one every SafetyHub machine has.
    assert {t.get("font-family") for t in root.iter(f"{SVG}text")} == {"DejaVu Sans"}


def test_render_svg_falls_back_to_the_spec_title():
    root = parse(charts.render_svg({"title": "Plain title", "data": {"values": []},
                                    "mark": "point"}))
    assert root[0].text == "Plain title" and root.get("aria-label") == "Plain title"


def test_empty_charts_still_render():
    for svg in [charts.area_means_svg(sections=[], max_value=4),
                charts.heatmap_svg(rows=[], columns=["Consensus"], values={}, levels=LEVELS),
                charts.trend_svg(series={}, max_value=4)]:
        assert parse(svg).get("role") == "img"


def test_description_and_data_uri_for_image_use():
    svg = charts.area_means_svg(sections=[("A & B", 2.0)], max_value=4)
    assert charts.description_of(svg).endswith("A & B: 2.00.")
    uri = charts.data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    import base64

    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg


@pytest.mark.parametrize(("value", "text"), [
    (2.125, "2.13"), (2.675, "2.68"), (7 / 3, "2.33"), (0, "0.00"), (-0.125, "-0.13"),
    (None, ""),
])
def test_format_number_rounds_halves_up_like_floatformat(value, text):
    from django.template.defaultfilters import floatformat

    assert charts.format_number(value) == text
    if value is not None:
        assert floatformat(value, 2) == text


@pytest.mark.parametrize(("value", "label", "code"), [
    ("0", "Not started", "0"), ("unsure", "Unsure", "?"), ("na", "Not applicable", "NA"),
    ("yes", "Yes, we can attest", "YES"), ("no", "Not yet", "NO"),
    ("partly", "Partly in place", "Par"),
])
def test_level_codes(value, label, code):
    assert charts.level_code(value, label) == code


def test_trend_with_named_cycles_keeps_two_cycles_of_one_date_apart():
    series = {"Culture": [("Spring (1 Mar 2026)", 1.0), ("Review (1 Mar 2026)", 3.0)]}
    spec = charts.trend_spec(series=series, max_value=4)
    x = spec["layer"][0]["encoding"]["x"]
    assert x["type"] == "ordinal" and x["sort"] == ["Spring (1 Mar 2026)", "Review (1 Mar 2026)"]
    root = parse(charts.trend_svg(series=series, max_value=4))
    words = texts(root)
    assert "Spring (1 Mar 2026)" in words and "Review (1 Mar 2026)" in words
    # The two points (1 and 3 on a 200-pixel scale of 0 to 4) stand at two places.
    at = {}
    for p in root.iter(f"{SVG}path"):
        if p.get("fill") == charts.CATEGORY[0] and p.get("transform"):
            x, y = p.get("transform").removeprefix("translate(").rstrip(")").split(",")
            at[float(y)] = float(x)
    assert at[150] != at[50]
