"""`safetyhub spc FILE.csv --chart …`: safetyhub.spc.cli.main, without Django."""

from __future__ import annotations

import csv
import io

import pytest

from safetyhub.spc import Point, qic
from safetyhub.spc.cli import main

from .reference import REFERENCE


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return status, out.getvalue(), err.getvalue()


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def cdi(tmp_path):
    path = tmp_path / "cdi.csv"
    path.write_text("month,n,days\n" + "".join(
        f"2020-{m:02d}-01,{c},{d}\n" for m, c, d in
        [(1, 17, 14768.5), (2, 12, 14460.25), (3, 27, 16176.0), (4, 20, 14226.5),
         (5, 19, 15001.0), (6, 22, 14999.0), (7, 9, 15200.0), (8, 8, 15100.0),
         (9, 6, 14900.0), (10, 7, 15050.0), (11, 5, 15010.0), (12, 8, 15020.0)]),
        encoding="utf-8")
    return path


def test_prints_every_record_field_as_csv(cdi):
    status, out, err = run(str(cdi), "--chart", "u", "--x", "month", "--y", "n", "--n",
                           "days", "--part", "6", "--multiply", "10000")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == ",".join(Point._fields)
    rows = records(out)
    assert len(rows) == 12
    with open(cdi, encoding="utf-8") as f:
        source = list(csv.DictReader(f))
    expected = qic([r["month"] for r in source], [float(r["n"]) for r in source],
                   [float(r["days"]) for r in source], chart="u", part=[6], multiply=10000)
    for row, point in zip(rows, expected, strict=True):
        assert row["x"] == point.x
        assert float(row["y"]) == point.y  # full precision (repr) round-trips
        assert float(row["ucl"]) == point.ucl
        assert row["part"] == str(point.part)
        assert row["sigma_signal"] == ("true" if point.sigma_signal else "false")
        assert row["longest_run"] == str(point.longest_run)


def test_missing_values_print_as_empty_cells(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text("y\n10\n12\n11\nNA\n12\n11\n13\n12\n10\n11\n12\n13\n", encoding="utf-8")
    status, out, _ = run(str(path), "--chart", "mr")
    rows = records(out)
    assert status == 0
    assert rows[0]["y"] == "" and rows[3]["y"] == "" and rows[4]["y"] == ""
    assert rows[0]["x"] == "1"  # no x column: rows are numbered
    assert rows[0]["n"] == ""


def test_default_columns_and_options(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x,y,n\n" + "".join(f"{i},{i % 5 + 3},{20 + i}\n" for i in range(1, 21)),
                    encoding="utf-8")
    status, out, _ = run(str(path), "--chart", "p", "--exclude", "3", "4", "--freeze", "15")
    rows = records(out)
    assert status == 0
    assert [r["include"] for r in rows[:5]] == ["true", "true", "false", "false", "true"]
    assert rows[14]["baseline"] == "true" and rows[15]["baseline"] == "false"
    assert rows[0]["n"] == "21.0"


def test_screening_can_be_turned_off(tmp_path):
    path = tmp_path / "deviations.csv"
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    path.write_text("y\n" + "".join(f"{v}\n" for v in values), encoding="utf-8")
    _, screened, _ = run(str(path), "--chart", "i")
    _, unscreened, _ = run(str(path), "--chart", "i", "--no-screening")
    assert float(records(screened)[0]["ucl"]) == pytest.approx(4.604019, abs=1e-6)
    assert float(records(unscreened)[0]["ucl"]) == pytest.approx(6.950702, abs=1e-6)


def test_reads_standard_input_and_explains_signals():
    data = "y\n" + "".join(f"{v}\n" for v in [5] * 10 + [1] * 10)
    status, out, err = run("-", "--chart", "run", "--explain", stdin=data)
    assert status == 0
    assert len(records(out)) == 20
    assert "10 points in a row above the centre line" in err


def test_reference_input_gives_the_reference_output():
    source = REFERENCE / "input_montgomery_tbl_07_08.csv"
    assert source.is_file(), f"{source} not found"
    status, out, _ = run(str(source), "--chart", "c", "--x", "sample", "--y", "count",
                         "--exclude", "6", "20", "--freeze", "26")
    assert status == 0
    with open(REFERENCE / "c_tbl0708_excl_freeze26.csv", encoding="utf-8") as f:
        reference = list(csv.DictReader(f))
    for ours, theirs in zip(records(out), reference, strict=True):
        assert float(ours["ucl"]) == pytest.approx(float(theirs["ucl"]), rel=1e-9)
        assert ours["sigma_signal"] == theirs["sigma.signal"].lower()
        assert ours["runs_signal"] == theirs["runs.signal"].lower()


@pytest.mark.parametrize(("content", "argv", "message"), [
    ("y\n1\n2\n", ["--chart", "zz"], "unknown chart type 'zz'"),
    ("y\n1\n2\n", ["--chart", "i", "--freeze", "9"], "freeze position 9 is outside"),
    ("y\n1\nabc\n", [], "line 3, column 'y': 'abc' is not a number"),
    ("value\n1\n2\n", [], "no column 'y' (columns: value)"),
    ("y\n1\n2\n", ["--x", "when"], "no column 'when'"),
    ("y,d\n1,2\n", ["--chart", "u"], "chart 'u' needs a denominator: give --n COLUMN"),
    ("y,n\n12,10\n", ["--chart", "p"], "point 1: numerator 12 is larger than denominator 10"),
    ("y\n", [], "no data rows"),
    ("", [], "no header row"),
    ("y\n1\n2\n", ["--part", "x"], "argument --part: invalid int value: 'x'"),
    ("y\n1\n2\n", ["--bogus"], "unrecognized arguments: --bogus"),
])
def test_errors_go_to_stderr_with_status_2(tmp_path, content, argv, message):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    status, out, err = run(str(path), *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("safetyhub spc: error: ")
    assert message in err


def test_unreadable_file_and_missing_argument(tmp_path):
    status, _, err = run(str(tmp_path / "absent.csv"))
    assert status == 2 and "cannot read" in err
    status, _, err = run()
    assert status == 2 and "required: FILE.csv" in err


def test_help_exits_0_on_stdout():
    status, out, err = run("--help")
    assert status == 0 and err == ""
    assert out.startswith("usage: safetyhub spc")
    assert "--no-screening" in out
