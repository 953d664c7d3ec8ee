"""``safetyhub spc``: compute a run or control chart from a CSV file.

    safetyhub spc FILE.csv --chart u [--x COL] [--y COL] [--n COL] [--part N …]
                  [--freeze N] [--exclude N …] [--multiply M] [--no-screening]

Prints one CSV row per point on stdout, with the columns of :class:`safetyhub.spc.Point`
(``x, y, n, cl, lcl, ucl, lcl_95, ucl_95, part, baseline, include, sigma_signal,
runs_signal, n_obs, n_useful, longest_run, longest_run_max, n_crossings,
n_crossings_min``): numbers in full precision, missing values empty, booleans ``true`` /
``false``. Errors go to stderr with exit status 2.

Columns: ``--y`` defaults to a column named ``y``; ``--x`` to a column named ``x`` (else
rows are numbered 1, 2, …); ``--n`` to a column named ``n`` for charts that need a
denominator (p, pp, u, up, ip). Empty cells and ``NA``/``NaN``/``null`` are missing.
``FILE`` may be ``-`` for standard input. ``--explain`` adds the plain-word signals to
stderr.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import IO

from .engine import CHARTS, EXPERIMENTAL_CHARTS, Point, qic
from .errors import SPCInputError
from .explain import explain

__all__ = ["main"]

_MISSING = frozenset({"", "na", "nan", "null", "none"})
_NEEDS_N = frozenset({"p", "pp", "u", "up", "ip"})


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print and exit; main() returns a code instead
        raise _UsageError(message)

    def exit(self, status=0, message=None):
        if message:
            raise _UsageError(message.strip())
        raise _Exit(status)


class _Exit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def _parser(stdout: IO[str]) -> _Parser:
    parser = _Parser(
        prog="safetyhub spc",
        description="Compute a run or control chart (qicharts2-compatible) from a CSV file "
                    "and print one CSV row per point.",
    )
    parser.add_argument("file", metavar="FILE.csv", help="input CSV with a header row ('-': stdin)")
    parser.add_argument("--chart", default="run",
                        help=f"chart type: {', '.join(CHARTS)} (experimental: "
                             f"{', '.join(EXPERIMENTAL_CHARTS)}); default run")
    parser.add_argument("--x", metavar="COL",
                        help="x column (default: 'x' if present, else 1, 2, …)")
    parser.add_argument("--y", metavar="COL", help="value column (default: 'y')")
    parser.add_argument("--n", metavar="COL",
                        help="denominator column (default: 'n' for p, pp, u, up, ip)")
    parser.add_argument("--part", metavar="N", type=int, nargs="+", action="extend",
                        help="start a new part after point N (several allowed)")
    parser.add_argument("--freeze", metavar="N", type=int,
                        help="last baseline point (ignored with --part)")
    parser.add_argument("--exclude", metavar="N", type=int, nargs="+", action="extend",
                        help="leave point N out of the calculations (several allowed)")
    parser.add_argument("--multiply", metavar="M", type=float, default=1.0,
                        help="multiply y, centre line and limits by M (e.g. 1000)")
    parser.add_argument("--no-screening", dest="screened", action="store_false",
                        help="do not screen moving ranges (Nelson) for I, T, P', U' charts")
    parser.add_argument("--explain", action="store_true",
                        help="also print the signals in plain words on stderr")
    parser.print_help = lambda file=None: argparse.ArgumentParser.print_help(  # type: ignore[method-assign]
        parser, stdout)
    return parser


def _read(path: str, stdin: IO[str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        if path == "-":
            text = stdin.read()
        else:
            with open(path, encoding="utf-8-sig", newline="") as f:
                text = f.read()
    except OSError as e:
        raise _UsageError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise _UsageError(f"cannot read {path}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as e:
        raise _UsageError(f"{path}: malformed CSV at line {reader.line_num}: {e}") from None
    if not reader.fieldnames:
        raise _UsageError(f"{path}: no header row")
    return list(reader.fieldnames), rows


def _column(name: str, columns: list[str], path: str) -> str:
    if name not in columns:
        raise _UsageError(f"{path}: no column {name!r} (columns: {', '.join(columns)})")
    return name


def _numbers(rows: list[dict[str, str]], column: str) -> list[float | None]:
    out: list[float | None] = []
    for line, row in enumerate(rows, 2):
        text = (row.get(column) or "").strip()
        if text.lower() in _MISSING:
            out.append(None)
            continue
        try:
            out.append(float(text))
        except ValueError:
            raise _UsageError(
                f"line {line}, column {column!r}: {text!r} is not a number") from None
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write(points: list[Point], out: IO[str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(Point._fields)
    for p in points:
        writer.writerow([_cell(v) for v in p])
    out.write(buffer.getvalue())


def main(argv: list[str] | None = None, *, stdout: IO[str] | None = None,
         stderr: IO[str] | None = None, stdin: IO[str] | None = None) -> int:
    """Run ``safetyhub spc`` with ``argv`` (the arguments after ``spc``); returns the exit
    status: 0 on success, 2 on any error (message on stderr)."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser(stdout)
    try:
        args = parser.parse_args(argv)
        columns, rows = _read(args.file, sys.stdin if stdin is None else stdin)
        y_col = _column(args.y or "y", columns, args.file)
        x_col = _column(args.x, columns, args.file) if args.x else (
            "x" if "x" in columns else None)
        if args.n:
            n_col = _column(args.n, columns, args.file)
        elif args.chart in _NEEDS_N:
            if "n" not in columns or y_col == "n":
                raise _UsageError(f"chart {args.chart!r} needs a denominator: give --n COLUMN")
            n_col = "n"
        else:
            n_col = None
        if not rows:
            raise _UsageError(f"{args.file}: no data rows")
        x = None if x_col is None else [(row.get(x_col) or "").strip() or None for row in rows]
        y = _numbers(rows, y_col)
        n = None if n_col is None else _numbers(rows, n_col)
        points = qic(x, y, n, chart=args.chart, part=args.part, freeze=args.freeze,
                     exclude=args.exclude, multiply=args.multiply, screened_mr=args.screened)
    except _Exit as e:
        return e.status
    except (_UsageError, SPCInputError) as e:
        stderr.write(f"safetyhub spc: error: {e}\n")
        return 2
    _write(points, stdout)
    if args.explain:
        for message in explain(points) or ["no signals"]:
            stderr.write(f"{message}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
