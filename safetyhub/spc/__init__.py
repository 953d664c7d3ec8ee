"""SPC engine: run charts and control charts with Anhøj runs rules (pure Python).

Imports nothing of the project and nothing outside the standard library (ARCHITECTURE.md
§4). The formulas follow ``shared/reference/spc.md`` §2-§8 and reproduce qicharts2 0.8.1
(``tests/spc/test_qicharts2_parity.py`` checks every stored reference case); no qicharts2
code is used.

Public API
==========

``qic(x, y, n=None, *, chart="run", part=None, freeze=None, exclude=None, multiply=1,
screened_mr=True) -> list[Point]``
    One immutable :class:`Point` per plotted point with ``x, y, n, cl, lcl, ucl, lcl_95,
    ucl_95, part, baseline, include, sigma_signal, runs_signal, n_obs, n_useful,
    longest_run, longest_run_max, n_crossings, n_crossings_min`` (qicharts2's columns with
    ``_`` for ``.``). Positions (``part``, ``freeze``, ``exclude``, error messages) are
    1-based.
``explain(points) -> list[str]``
    Plain-word sentences for the signals (see :mod:`safetyhub.spc.explain`).
``SPCInputError``
    A ``ValueError`` raised for any input no chart can be computed from.
``safetyhub.spc.watch.signals_in_latest_period(counts, *, periods, chart="c", …)``
    The signal watch: which of many monthly C or U series show a special cause in the
    latest month, newest first, each with its chart and plain-word sentences — the same
    answer as charting each series with ``qic``, judged without drawing the charts that
    cannot signal (see :mod:`safetyhub.spc.watch`). ``latest_signal(points)`` judges one
    chart the same way.
``safetyhub.spc.cli.main(argv) -> int``
    ``safetyhub spc FILE.csv --chart u …``: the records as CSV.

Charts: ``run`` (median), ``i`` and ``mr`` (individuals and moving range), ``xbar`` and
``s`` (subgroups), ``t`` (time between events), ``p`` and ``pp`` (proportions; Laney P'),
``c`` (counts), ``u`` and ``up`` (rates; Laney U'), ``g`` (cases between events) and the
experimental ``ip`` (I', qicharts2 ≥ 0.8.0).

Data semantics
==============

* ``x``: one label per row (numbers, strings, dates; hashable). ``None`` numbers the rows
  1, 2, …. Rows sharing an x are one point (one subgroup for Xbar/S), placed where that x
  first appears — data are expected in time order. (qicharts2 sorts by x; SafetyHub keeps
  the caller's order so that string labels such as "10" never sort before "9".)
* ``y``: numbers; ``None`` or NaN is a missing value. Per x, ``y`` is Σy/Σn when ``n`` is
  given, the sum for C charts, the subgroup mean (Xbar) or SD (S), otherwise the mean.
* ``n``: denominators — required for ``p, pp, u, up, ip``, optional for ``run, i, mr``
  (y is divided by it), refused by the others. A single number applies to every row.
  For Xbar/S the record's ``n`` is the subgroup size (non-missing values).
* Missing values: a missing y (with or without n) is a missing point: ``y`` is None, it
  counts in ``n_obs`` but is not useful for the runs analysis, never signals, and breaks
  the moving ranges on both sides (nothing bridges the gap). 0 over a denominator of 0
  is also a missing point (no opportunity at all).
* ``part``: positions after which a new part (phase) starts, e.g. ``part=[24]``; or one
  label per input row, a new part starting at each change of label. Each part has its own
  centre line, limits and runs analysis.
* ``freeze``: the last baseline point; centre line and limits come from points 1..freeze
  and extend to later points, and the runs analysis covers all included points.
  Ignored when the chart has several parts (as in qicharts2, its issue #20).
* ``exclude``: positions left out of the centre line, the limits and the runs analysis;
  they are still returned (``include`` False) and still carry ``sigma_signal``. For
  moving ranges an excluded point is removed before differencing, so one moving range
  bridges it (a missing value breaks the chain instead).
* ``multiply``: a positive factor applied to y, the centre line and the limits after all
  calculation, so it never changes a signal.
* ``screened_mr`` (default True, qicharts2's behaviour when attached): Nelson screening —
  moving ranges ≥ 3.267·MR̄ are dropped and MR̄ recomputed once — for I, T, P', U' and I'.
  Store the setting with each chart; both settings are tested.
* ``sigma_signal``: y strictly above ``ucl`` or below ``lcl``. ``runs_signal``: the part's
  longest run exceeds ``longest_run_max`` or its crossings fall below
  ``n_crossings_min`` (spc.md §4); always False on MR charts (the statistics are still
  reported). ``longest_run`` … ``n_crossings_min`` are None when a part has no useful
  point.
* Undefined limits are None: run charts, missing denominators, Xbar/S subgroups of one
  value, a part whose baseline has no two consecutive non-missing values (no moving
  range).

Decisions where qicharts2 gives no usable answer (none of these occur in the reference
data): constant data with screening keep a sigma of 0 (qicharts2: missing limits); P'/U'
with p̄ of 0 or 1 (ū of 0) put every limit on the centre line; Xbar/S judge "equal
subgroup sizes" over the part's non-empty subgroups and pool only subgroups with an SD; the
MR chart's moving ranges run over every point of a part (an excluded point's own moving
range is left out of the centre line); T-chart records keep the original times (qicharts2
returns them back-transformed, equal to 1e-12). Not supported: funnel plots (categorical
x), user-supplied centre lines and targets, facets.

Input errors (``SPCInputError``; "point k" is the k-th input row)
==================================================================

* ``unknown chart type 'zz' (use one of run, i, mr, xbar, s, t, p, pp, c, u, up, g;
  experimental: ip)``
* ``no data: y is empty``; ``y must be a list of values, not str``;
  ``x has 20 values but y has 19``; ``n has 3 values but y has 4``
* ``point 4: y value 'abc' is not a number``; ``point 4: n value inf is not finite``
* ``point 4: x is missing``; ``x values must be hashable (numbers, strings or dates)``
* ``chart 'p' needs a denominator n``; ``chart 'c' does not use a denominator n (use 'u'
  for counts with a denominator)``
* ``missing denominator at point 4`` (a numerator without its denominator)
* ``point 7: the denominator is negative``; ``point 7: the numerator is negative``
  (P, P', U, U'); ``point 7: the denominator is 0 but the numerator is 3``
* ``point 3: numerator 12 is larger than denominator 10 (proportions need y ≤ n)``
* ``point 5: T charts need times greater than 0 (got 0)``
* ``point 5: C charts need counts of 0 or more (got -1)`` (likewise G)
* ``part position 40 is outside the chart's points 1..39``; ``part position 39 is the
  last point: …``; ``exclude position 0 is outside …``; ``freeze position …``;
  ``part positions must be whole numbers (got 2.5)``; ``freeze must be one whole number,
  the last baseline point (got [3])``
* ``point 9: part label 'after' differs from 'before' on another row with the same x``
* ``multiply must be a positive number (got 0)``
* ``chart 'i' needs at least 2 non-missing points for limits (got 1)`` — with `` in part
  2``, `` in the baseline (points 1..1)`` and/or `` after exclusions`` when that is why;
  likewise ``chart 'run' needs at least 1 non-missing points for a centre line (got 0)``,
  ``chart 'mr' needs at least 2 consecutive non-missing points …`` and
  ``chart 'xbar' needs at least 1 subgroup with 2 or more values for limits (got 0)``.
"""

from .engine import CHARTS, EXPERIMENTAL_CHARTS, Point, qic
from .errors import SPCInputError
from .explain import explain

__all__ = ["CHARTS", "EXPERIMENTAL_CHARTS", "Point", "SPCInputError", "explain", "qic"]
