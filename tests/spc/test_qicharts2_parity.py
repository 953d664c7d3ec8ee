"""Every case of the qicharts2 0.8.1 reference folder (tests/spc/data/qicharts2/, see
tests/spc/reference.py), reproduced by safetyhub.spc.qic.

Each
MANIFEST row names the qicharts2 call; the call is parsed (dataset, y expression, n,
chart, part, exclude, freeze, multiply) and replayed with the row's screening setting.
Centre line, limits and y must match to 1e-9 relative (absolute floor 1e-12; NA must be
None); part, baseline, include, the signals and every runs statistic must match exactly.

The experimental I' (``ip``) cases are reproduced in full too, so they are asserted like
the others (spc.md §11.4 item 7 would allow them to be non-blocking).
"""

from __future__ import annotations

import csv
import math
import re

import pytest

from safetyhub.spc import explain, qic

from .reference import REFERENCE

MISSING_MESSAGE = f"qicharts2 reference folder not found at {REFERENCE}"

DATASETS = {
    "cdi": "input_qicharts2_cdi.csv",
    "nhs_accidents": "input_qicharts2_nhs_accidents.csv",
    "hai_monthly_total": "input_qicharts2_hai_monthly_total.csv",
    "tbl_06.03": "input_montgomery_tbl_06_03.csv",
    "tbl_06.04": "input_montgomery_tbl_06_04.csv",
    "tbl_06.07": "input_montgomery_tbl_06_07.csv",
    "tbl_07.03": "input_montgomery_tbl_07_03.csv",
    "tbl_07.04": "input_montgomery_tbl_07_04.csv",
    "tbl_07.08": "input_montgomery_tbl_07_08.csv",
    "tbl_07.10": "input_montgomery_tbl_07_10.csv",
    "tbl_07.11": "input_montgomery_tbl_07_11.csv",
    "tbl_07.14": "input_montgomery_tbl_07_14.csv",
}
# Calls without data= name a column of one of these files.
BARE_COLUMNS = {"surgeries_between_deaths": "input_qicharts2_cabg_surgeries_between_deaths.csv"}

RELATIVE = 1e-9
ABSOLUTE_FLOOR = 1e-12
NUMERIC = ("y", "cl", "lcl", "ucl", "lcl.95", "ucl.95")
EXACT = ("part", "n.obs", "n.useful", "longest.run", "longest.run.max", "n.crossings",
         "n.crossings.min")
FLAGS = ("baseline", "include", "sigma.signal", "runs.signal")


def read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def number(text: str) -> float | None:
    return None if text in ("NA", "") else float(text)


def manifest() -> list[dict[str, str]]:
    if not (REFERENCE / "MANIFEST.csv").is_file():
        return []
    return read_csv("MANIFEST.csv")


CASES = manifest()


# ---------------------------------------------------------------------------------------
# Replaying a qicharts2 call


def split_arguments(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in body:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def r_vector(text: str) -> list[float | None]:
    text = text.strip()
    if text.startswith("c(") and text.endswith(")"):
        return [number(v.strip()) for v in text[2:-1].split(",")]
    return [float(text)]


def r_integers(text: str) -> list[int]:
    return [int(v) for v in r_vector(text)]


def column(rows: list[dict[str, str]], expression: str) -> list[float | None]:
    if "/" in expression:
        top, bottom = (c.strip() for c in expression.split("/"))
        return [None if a is None or b is None else a / b
                for a, b in zip(column(rows, top), column(rows, bottom), strict=True)]
    if expression not in rows[0]:
        raise AssertionError(f"column {expression!r} not in the input file")
    return [number(r[expression]) for r in rows]


def replay(case: dict[str, str]):
    """The qicharts2 call of a MANIFEST row as arguments to safetyhub.spc.qic."""
    call = case["qic_call"].split(" [")[0].strip()
    match = re.fullmatch(r"qic\((.*)\)", call)
    assert match, f"cannot parse qic call {call!r}"
    arguments = split_arguments(match.group(1))
    positional = [a for a in arguments if not re.match(r"^[\w.]+\s*=", a)]
    named = dict((k.strip(), v.strip()) for k, v in
                 (a.split("=", 1) for a in arguments if re.match(r"^[\w.]+\s*=", a)))
    options = {"chart": named.pop("chart").strip("'\""),
               "screened_mr": case["qic.screenedmr"] == "TRUE"}
    if "part" in named:
        options["part"] = r_integers(named.pop("part"))
    if "exclude" in named:
        options["exclude"] = r_integers(named.pop("exclude"))
    if "freeze" in named:
        options["freeze"] = int(named.pop("freeze"))
    if "multiply" in named:
        options["multiply"] = float(named.pop("multiply"))
    dataset = named.pop("data", None)
    assert not named, f"unhandled qic arguments {sorted(named)} in {call!r}"
    sizes = None
    if dataset is not None:
        assert dataset in DATASETS, f"no input file known for data={dataset}"
        rows = read_csv(DATASETS[dataset])
        x = [int(v) if v.isdigit() else v for v in (r[positional[0]] for r in rows)]
        y = column(rows, positional[1])
        n = column(rows, positional[2]) if len(positional) > 2 else None
        if options["chart"] in ("xbar", "s"):
            sizes = {}
            for key, value in zip(x, y, strict=True):
                sizes[key] = sizes.get(key, 0) + (value is not None)
    elif positional[0].startswith("c("):
        x, y, n = None, r_vector(positional[0]), None
    else:
        assert positional[0] in BARE_COLUMNS, f"no input file known for {positional[0]}"
        x, y, n = None, column(read_csv(BARE_COLUMNS[positional[0]]), positional[0]), None
    return (x, y, n), options, sizes


# ---------------------------------------------------------------------------------------
# Comparison


def close(ours: float | None, theirs: float | None) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return math.isclose(ours, theirs, rel_tol=RELATIVE, abs_tol=ABSOLUTE_FLOOR)


def differences(points, reference, sizes) -> list[str]:
    found = []
    if len(points) != len(reference):
        return [f"{len(points)} points, qicharts2 has {len(reference)}"]
    for position, (point, row) in enumerate(zip(points, reference, strict=True), 1):
        if str(point.x) != row["x"]:
            found.append(f"point {position} x: ours {point.x!r}, qicharts2 {row['x']!r}")
        for name in NUMERIC:
            ours = getattr(point, name.replace(".", "_"))
            theirs = number(row[name])
            if not close(ours, theirs):
                found.append(f"point {position} {name}: ours {ours!r}, qicharts2 {theirs!r}")
        theirs_n = number(row["n"])
        if theirs_n is None and sizes is not None:  # Xbar/S: qicharts2 leaves n NA
            theirs_n = float(sizes[point.x])
        if not close(None if point.n is None else float(point.n), theirs_n):
            found.append(f"point {position} n: ours {point.n!r}, expected {theirs_n!r}")
        for name in EXACT:
            ours = getattr(point, name.replace(".", "_"))
            theirs = number(row[name])
            if ours != theirs:
                found.append(f"point {position} {name}: ours {ours!r}, qicharts2 {theirs!r}")
        for name in FLAGS:
            ours = getattr(point, name.replace(".", "_"))
            theirs = {"TRUE": True, "FALSE": False}[row[name]]
            if ours is not theirs:
                found.append(f"point {position} {name}: ours {ours!r}, qicharts2 {theirs!r}")
    return found


def test_reference_folder_is_present():
    assert REFERENCE.is_dir(), MISSING_MESSAGE
    assert CASES, f"{REFERENCE / 'MANIFEST.csv'} is missing or empty"


def test_manifest_covers_every_case_file():
    assert REFERENCE.is_dir(), MISSING_MESSAGE
    case_files = {p.stem for p in REFERENCE.glob("*.csv")
                  if not p.stem.startswith("input_") and p.stem not in ("MANIFEST",
                                                                         "anhoej_limits_n1_100")}
    assert case_files == {c["id"] for c in CASES}


@pytest.mark.parametrize("case", CASES or [None], ids=[c["id"] for c in CASES] or ["missing"])
def test_case_matches_qicharts2(case):
    assert case is not None, MISSING_MESSAGE
    (x, y, n), options, sizes = replay(case)
    points = qic(x, y, n, **options)
    found = differences(points, read_csv(f"{case['id']}.csv"), sizes)
    shown = "\n  ".join(found[:25])
    more = f"\n  … and {len(found) - 25} more" if len(found) > 25 else ""
    assert not found, (f"{case['id']} ({case['qic_call']}, qic.screenedmr="
                       f"{case['qic.screenedmr']}) differs from qicharts2:\n  {shown}{more}")


def test_screening_pair_differs_only_where_the_reference_says():
    """spc.md §11.3: only the i_mdc_deviation pair differs between screening settings."""
    assert REFERENCE.is_dir(), MISSING_MESSAGE
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    screened = qic(None, y, chart="i", screened_mr=True)[0]
    unscreened = qic(None, y, chart="i", screened_mr=False)[0]
    assert math.isclose(screened.lcl, -0.715130, abs_tol=1e-6)
    assert math.isclose(screened.ucl, 4.604019, abs_tol=1e-6)
    assert math.isclose(unscreened.lcl, -3.061813, abs_tol=1e-6)
    assert math.isclose(unscreened.ucl, 6.950702, abs_tol=1e-6)


def explained(case_id: str) -> list[str]:
    case = next(c for c in CASES if c["id"] == case_id)
    (x, y, n), options, _ = replay(case)
    return explain(qic(x, y, n, **options))


def test_explain_puts_the_reference_signals_in_plain_words():
    assert REFERENCE.is_dir(), MISSING_MESSAGE
    assert explained("run_cdi_screened") == [
        "14 points in a row below the centre line (more than the 8 expected for 32 useful "
        "points)",
        "only 6 crossings of the centre line (at least 11 expected for 32 useful points)",
    ]
    assert explained("c_tbl0708_excl_freeze26") == [
        "only 14 crossings of the centre line (at least 16 expected for 44 useful points)",
        "point 6 is below the lower control limit (excluded from the calculations)",
        "point 20 is above the upper control limit (excluded from the calculations)",
    ]
    assert explained("p_tbl0703_excl_part30") == [
        "part 1: point 15 is above the upper control limit (excluded from the calculations)",
        "part 1: point 21 is above the upper control limit",
        "part 1: point 23 is above the upper control limit (excluded from the calculations)",
    ]
    assert explained("g_cabg_deaths") == ["point 24 is above the upper control limit"]
    assert explained("t_tbl0714_screened") == []


def test_explain_names_x_labels_and_single_crossings():
    points = qic([f"w{i}" for i in range(1, 11)], [9, 9, 9, 9, 9, 1, 1, 1, 1, 1], chart="run")
    assert explain(points) == [
        "only 1 crossing of the centre line (at least 2 expected for 10 useful points)",
    ]
    points = qic(None, [5.0] * 12 + [1.0] * 12, chart="run")
    assert explain(points)[1] == (
        "only 1 crossing of the centre line (at least 8 expected for 24 useful points)")
    points = qic(["a", "b", "c", "d", "e", "f", "g", "h"], [1, 1, 1, 1, 1, 1, 1, 30],
                 chart="c")
    assert explain(points) == [
        "7 points in a row below the centre line (more than the 6 expected for 8 useful "
        "points)",
        "point 8 (h) is above the upper control limit",
    ]
    points = qic([str(i) for i in range(1, 9)], [1, 1, 1, 1, 1, 1, 1, 30], chart="c")
    assert explain(points)[1] == "point 8 is above the upper control limit"
