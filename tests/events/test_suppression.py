"""Small-cell suppression: primary (counts 1..threshold-1), complementary (nothing suppressed
can be recovered from the totals), checked against an exact linear-algebra test written
independently of the implementation."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetyhub.events.suppression import suppress


def _full(table):
    """The shown table as a full grid with totals (None where suppressed)."""
    grid = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.column_totals, table.total])
    return grid


def _determined(grid) -> set[tuple[int, int]]:
    """The suppressed entries whose value follows from the shown ones by the table's sums
    (Gaussian elimination over the rationals: an unknown is determined when its unit vector
    lies in the row space of the constraints restricted to the unknowns)."""
    rows, columns = len(grid), len(grid[0])
    unknowns = [(r, c) for r in range(rows) for c in range(columns) if grid[r][c] is None]
    index = {e: k for k, e in enumerate(unknowns)}
    equations = []
    for r in range(rows):  # cells of row r minus its total = 0
        eq = [Fraction(0)] * len(unknowns)
        for c in range(columns):
            if (r, c) in index:
                eq[index[(r, c)]] += 1 if c < columns - 1 else -1
        equations.append(eq)
    for c in range(columns):
        eq = [Fraction(0)] * len(unknowns)
        for r in range(rows):
            if (r, c) in index:
                eq[index[(r, c)]] += 1 if r < rows - 1 else -1
        equations.append(eq)
    # reduced row echelon form
    pivots, m = [], [row[:] for row in equations]
    row = 0
    for col in range(len(unknowns)):
        pivot = next((i for i in range(row, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            continue
        m[row], m[pivot] = m[pivot], m[row]
        m[row] = [v / m[row][col] for v in m[row]]
        for i in range(len(m)):
            if i != row and m[i][col] != 0:
                m[i] = [a - m[i][col] * b for a, b in zip(m[i], m[row], strict=True)]
        pivots.append(col)
        row += 1
    determined = set()
    for i, col in enumerate(pivots):
        if all(m[i][j] == 0 for j in range(len(unknowns)) if j != col):
            determined.add(unknowns[col])
    return determined


def test_small_cells_are_suppressed_and_protected():
    table = suppress([[20, 3], [30, 40]])
    # 3 is small; its row total (23) and column total (43) would give it away
    assert table.cells[0][1] is None
    full = _full(table)
    assert not _determined(full)
    assert table.primary == 1
    assert table.complementary >= 3


def test_zero_is_shown_and_large_tables_untouched():
    table = suppress([[0, 12], [15, 40]])
    assert table.cells == ((0, 12), (15, 40))
    assert table.total == 67
    assert table.suppressed == 0


def test_small_total_is_suppressed():
    table = suppress([[4], [0]], threshold=11)
    assert table.cells[0][0] is None
    assert table.total is None
    assert table.column_totals == (None,)


def test_threshold_is_the_organizations():
    assert suppress([[5, 20], [20, 20]], threshold=5).cells[0][0] == 5
    assert suppress([[5, 20], [20, 20]], threshold=6).cells[0][0] is None


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        suppress([[1]], threshold=0)
    with pytest.raises(ValueError, match="same number"):
        suppress([[1, 2], [3]])
    with pytest.raises(ValueError, match="whole numbers"):
        suppress([[-1]])


tables = st.integers(1, 5).flatmap(lambda columns: st.lists(
    st.lists(st.one_of(st.integers(0, 12), st.integers(0, 200)), min_size=columns,
             max_size=columns), min_size=1, max_size=6))


@settings(max_examples=300, deadline=None)
@given(cells=tables, threshold=st.integers(1, 15))
def test_suppression_properties(cells, threshold):
    table = suppress(cells, threshold=threshold)
    full = _full(table)
    truth = [[*row, sum(row)] for row in cells]
    truth.append([sum(row[c] for row in truth) for c in range(len(truth[0]))])
    for r, row in enumerate(full):
        for c, shown in enumerate(row):
            value = truth[r][c]
            if 0 < value < threshold:
                assert shown is None, f"small count {value} at {r},{c} is shown"
            if shown is not None:
                assert shown == value  # shown values are the true ones
    # no row or column (totals included) has exactly one suppressed entry
    for line in [*full, *zip(*full, strict=True)]:
        assert sum(v is None for v in line) != 1
    # and nothing suppressed follows from the shown values by any combination of sums
    assert not _determined(full)
