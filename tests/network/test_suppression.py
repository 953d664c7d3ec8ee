"""Small-cell suppression (network/suppression.py): the thresholds at their boundaries, the
complementary cells, and a property: no hidden value follows from one row's or column's
equation."""

from hypothesis import given, settings
from hypothesis import strategies as st

from safetyhub.network.suppression import (
    TOTAL,
    Count,
    Reason,
    cell_key,
    column_key,
    primary_reason,
    row_key,
    suppress_table,
)


def test_four_organizations_are_too_few_and_five_are_enough():
    assert primary_reason(Count(organizations=4, events=500)) == Reason.ORGANIZATIONS
    assert primary_reason(Count(organizations=5, events=500)) is None


def test_ten_events_are_too_few_and_eleven_are_enough():
    assert primary_reason(Count(organizations=9, events=10)) == Reason.EVENTS
    assert primary_reason(Count(organizations=9, events=11)) is None


def test_too_few_organizations_is_the_reason_given_when_both_fall_short():
    assert primary_reason(Count(organizations=1, events=1)) == Reason.ORGANIZATIONS


def test_an_empty_cell_is_hidden_like_any_small_one():
    assert primary_reason(Count(0, 0)) == Reason.ORGANIZATIONS


def test_reasons_are_plain_words():
    assert Reason.ORGANIZATIONS.words == "fewer than 5 organizations"
    assert Reason.EVENTS.words == "fewer than 11 events"
    assert Reason.COMPLEMENTARY.words == "hidden so another cell cannot be worked out"


def one_row(values: dict[str, Count], row_total: Count, totals_per_column=None):
    cells = {("falls", c): n for c, n in values.items()}
    columns = totals_per_column or dict(values)
    return suppress_table(cells, rows={"falls": row_total}, columns=columns)


def test_a_table_with_every_cell_large_enough_hides_nothing():
    verdicts = one_row({"2025": Count(6, 40), "2026": Count(7, 50)}, Count(8, 90))
    assert all(v.shown for v in verdicts.values())
    assert verdicts[cell_key("falls", "2025")].events == 40


def test_the_smallest_other_cell_of_a_row_is_hidden_with_a_small_one():
    # 2024 alone is small; with the row total shown, 2024 = 120 - 40 - 50 - 20: so the
    # smallest shown cell of the row (2026's 20, not 2025's 40) is hidden too.
    cells = {("falls", "2023"): Count(6, 40), ("falls", "2024"): Count(3, 10),
             ("falls", "2025"): Count(6, 50), ("falls", "2026"): Count(5, 20)}
    columns = {"2023": Count(9, 400), "2024": Count(9, 400), "2025": Count(9, 400),
               "2026": Count(9, 400)}
    verdicts = suppress_table(cells, rows={"falls": Count(9, 120)}, columns=columns)
    assert verdicts[cell_key("falls", "2024")].reason == Reason.ORGANIZATIONS
    assert verdicts[cell_key("falls", "2026")].reason == Reason.COMPLEMENTARY
    assert verdicts[cell_key("falls", "2023")].shown
    assert verdicts[cell_key("falls", "2025")].shown
    assert verdicts[row_key("falls")].shown
    # Each of these columns has this one row, so its total would give its hidden cell
    # back: the column totals are hidden too.
    assert verdicts[column_key("2024")].reason == Reason.COMPLEMENTARY
    assert verdicts[column_key("2026")].reason == Reason.COMPLEMENTARY


def test_complementary_suppression_reaches_a_fixed_point_across_rows_and_columns():
    # 2 x 2 table with one small cell: hiding it forces one more in its row and one more in
    # its column, which then forces the fourth cell (each row and column has two hidden).
    cells = {("a", "x"): Count(2, 5), ("a", "y"): Count(6, 30),
             ("b", "x"): Count(6, 40), ("b", "y"): Count(6, 60)}
    verdicts = suppress_table(
        cells, rows={"a": Count(6, 35), "b": Count(7, 100)},
        columns={"x": Count(7, 45), "y": Count(8, 90)}, total=Count(8, 135))
    hidden = {k for k, v in verdicts.items() if not v.shown}
    assert hidden == {cell_key("a", "x"), cell_key("a", "y"), cell_key("b", "x"),
                      cell_key("b", "y")}
    assert verdicts[cell_key("b", "y")].reason == Reason.COMPLEMENTARY
    assert all(verdicts[k].shown for k in (row_key("a"), row_key("b"), column_key("x"),
                                           column_key("y"), TOTAL))


def test_a_small_total_is_hidden_and_so_is_a_part_that_would_add_up_to_it():
    # One row, two columns: the row's total has 4 organizations. Its parts are shown, so
    # adding them would give it back: the smallest part goes too, and then the other.
    cells = {("r", "x"): Count(5, 20), ("r", "y"): Count(5, 30)}
    verdicts = suppress_table(cells, rows={"r": Count(4, 50)},
                              columns={"x": Count(5, 20), "y": Count(5, 30)})
    assert verdicts[row_key("r")].reason == Reason.ORGANIZATIONS
    assert verdicts[cell_key("r", "x")].reason == Reason.COMPLEMENTARY
    hidden = [k for k, v in verdicts.items() if not v.shown]
    # Each column (total = its one cell) now has one hidden member: its total goes too.
    assert column_key("x") in hidden


def test_the_same_table_always_hides_the_same_cells():
    cells = {("a", c): Count(5, 20) for c in "wxyz"} | {("a", "v"): Count(1, 1)}
    columns = {c: Count(9, 90) for c in "vwxyz"}
    first = suppress_table(cells, rows={"a": Count(9, 81)}, columns=columns)
    second = suppress_table(dict(reversed(cells.items())), rows={"a": Count(9, 81)},
                            columns=columns)
    assert {k for k, v in first.items() if not v.shown} == \
        {k for k, v in second.items() if not v.shown}


@st.composite
def tables(draw):
    """A table of 1–4 rows by 1–4 columns; each cell's organizations and events drawn, the
    totals' events their sums and their organizations at least each part's (an organization
    may report in several cells)."""
    n_rows = draw(st.integers(1, 4))
    n_columns = draw(st.integers(1, 4))
    cells = {}
    for r in range(n_rows):
        for c in range(n_columns):
            events = draw(st.integers(0, 40))
            organizations = draw(st.integers(0 if events == 0 else 1, 9)) if events else 0
            cells[(r, c)] = Count(organizations, events)

    def total_of(parts):
        events = sum(p.events for p in parts)
        most = max((p.organizations for p in parts), default=0)
        return Count(draw(st.integers(most, most + 4)) if events else 0, events)

    rows = {r: total_of([cells[(r, c)] for c in range(n_columns)]) for r in range(n_rows)}
    columns = {c: total_of([cells[(r, c)] for r in range(n_rows)]) for c in range(n_columns)}
    total = total_of(list(rows.values())) if draw(st.booleans()) else None
    return cells, rows, columns, total


@settings(max_examples=400, deadline=None)
@given(tables())
def test_no_hidden_value_can_be_worked_out_from_one_row_or_column(table):
    cells, rows, columns, total = table
    verdicts = suppress_table(cells, rows=rows, columns=columns, total=total)
    equations = [[row_key(r), *(cell_key(r, c) for c in columns)] for r in rows]
    equations += [[column_key(c), *(cell_key(r, c) for r in rows)] for c in columns]
    if total is not None:
        equations += [[TOTAL, *(row_key(r) for r in rows)],
                      [TOTAL, *(column_key(c) for c in columns)]]
    for members in equations:
        hidden = [k for k in members if not verdicts[k].shown]
        assert len(hidden) != 1, f"{hidden[0]} follows from {members}"
    # Every cell under a threshold is hidden, with that threshold as its reason.
    for (r, c), count in cells.items():
        verdict = verdicts[cell_key(r, c)]
        if count.organizations < 5:
            assert verdict.reason == Reason.ORGANIZATIONS
        elif count.events < 11:
            assert verdict.reason == Reason.EVENTS
        # A hidden value is never printed.
        if not verdict.shown:
            assert verdict.events is None
