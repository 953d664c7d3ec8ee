"""The pure reading of spreadsheet cells: every period label people write, Excel's date
cells and serial numbers, numbers in both formats (and the ambiguity between them), and the
first guess at which column holds what."""

import datetime as dt

import pytest

from safetyhub.measures.import_mapping import (
    COMMA,
    DOT,
    detect_number_format,
    guess_columns,
    parse_number,
    parse_period,
)

JAN = dt.date(2025, 1, 1)


@pytest.mark.parametrize("label", [
    "Jan-25", "Jan 25", "jan-2025", "January 2025", "JANUARY 2025", "Jan. 2025", "2025 Jan",
    "2025-01", "2025/1", "01/2025", "1/2025", "01-2025", "2025-01-01", "2025-01-01 00:00:00",
    "  Jan-25  ", "janvier 2025",
])
def test_every_month_label_is_the_first_of_the_month(label):
    assert parse_period(label, "month") == JAN


def test_dates_and_date_cells_are_kept_as_they_are():
    assert parse_period("2025-03-14", "event") == dt.date(2025, 3, 14)
    assert parse_period(dt.datetime(2025, 1, 1, 0, 0), "month") == JAN
    assert parse_period(dt.date(2025, 2, 9), "event") == dt.date(2025, 2, 9)


@pytest.mark.parametrize(("serial", "day"), [
    (45658, JAN), (45658.0, JAN), (32874, dt.date(1990, 1, 1)), (73050, dt.date(2099, 12, 31)),
])
def test_excel_serial_numbers_in_a_plausible_range_are_dates(serial, day):
    assert parse_period(serial, "month") == day


@pytest.mark.parametrize("number", [45, 2025, 202501, 32873, 73051, 45658.5, True])
def test_other_numbers_are_not_dates(number):
    with pytest.raises(ValueError, match="not a date"):
        parse_period(number, "month")


@pytest.mark.parametrize(("label", "start"), [
    ("2025-Q1", JAN), ("2025-q2", dt.date(2025, 4, 1)), ("Q3 2025", dt.date(2025, 7, 1)),
    ("2025 Q4", dt.date(2025, 10, 1)), ("Q1-25", JAN), ("2025Q1", JAN),
])
def test_quarters_for_quarterly_measures(label, start):
    assert parse_period(label, "quarter") == start


def test_a_quarter_label_is_refused_for_a_monthly_measure():
    with pytest.raises(ValueError, match="is a quarter but the measure is not quarterly"):
        parse_period("2025-Q1", "month")


@pytest.mark.parametrize(("label", "monday"), [
    ("2025-W01", dt.date(2024, 12, 30)), ("2025W03", dt.date(2025, 1, 13)),
    ("W03 2025", dt.date(2025, 1, 13)), ("2025-W03-1", dt.date(2025, 1, 13)),
])
def test_weeks_for_weekly_measures_start_on_monday(label, monday):
    assert parse_period(label, "week") == monday


def test_week_labels_are_refused_elsewhere_and_checked():
    with pytest.raises(ValueError, match="is a week but the measure is not weekly"):
        parse_period("2025-W03", "month")
    with pytest.raises(ValueError, match="2025 has no week 54"):
        parse_period("2025-W54", "week")


@pytest.mark.parametrize(("text", "reason"), [
    ("", "is required"),
    ("Smarch 2025", "“Smarch 2025” is not a date"),
    ("2025-13", "is not a date on the calendar"),
    ("2025-02-30", "is not a date on the calendar"),
    ("03/04/2025", "could be read day-first or month-first"),
])
def test_bad_periods_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_period(text, "month")


@pytest.mark.parametrize(("text", "fmt", "number"), [
    ("1,234", DOT, 1234), ("1,234.5", DOT, 1234.5), ("1 234", DOT, 1234),
    ("1\u00a0234,5", COMMA, 1234.5), ("1.234,5", COMMA, 1234.5), ("1.234", COMMA, 1234),
    ("1.234", DOT, 1.234), ("3,5", COMMA, 3.5), ("12", DOT, 12), ("-4", DOT, -4),
    ("1,234,567", DOT, 1234567), ("1.234.567", COMMA, 1234567), ("1e3", DOT, 1000),
    (" 7 ", COMMA, 7), ("1'234", DOT, 1234),
])
def test_numbers_in_either_format(text, fmt, number):
    assert parse_number(text, fmt) == number


def test_numeric_cells_and_blanks():
    assert parse_number(3, COMMA) == 3.0
    assert parse_number(2.5, DOT) == 2.5
    assert parse_number(None) is None
    assert parse_number("  ") is None


@pytest.mark.parametrize(("text", "fmt", "reason"), [
    ("3,5", DOT, "“3,5” is not a number in the 1,234.5 format"),
    ("1,234.5", COMMA, "“1,234.5” is not a number in the 1.234,5 format"),
    ("12,34", DOT, "not a number in the 1,234.5 format"),
    ("abc", DOT, "“abc” is not a number$"),
    ("nan", DOT, "not a number"),
    ("1e999", DOT, "must be a finite number"),
])
def test_numbers_that_do_not_fit_the_format(text, fmt, reason):
    with pytest.raises(ValueError, match=reason):
        parse_number(text, fmt)


def test_percent_signs_only_where_the_value_is_plotted_as_it_is():
    assert parse_number("45%", DOT, percent=True) == 45
    assert parse_number("45,5 %", COMMA, percent=True) == 45.5
    with pytest.raises(ValueError, match="is a percentage: import the counts"):
        parse_number("45%", DOT)


@pytest.mark.parametrize(("values", "fmt"), [
    (["1,234", "2,000", "12"], DOT),          # ambiguous: the thousands comma wins
    (["1.234", "2.500"], DOT),                # ambiguous too: read as decimals
    (["1.234,5", "12"], COMMA),
    (["1,234.5"], DOT),
    (["1,234", "3,5"], COMMA),                # one value settles the column
    (["1.234.567"], COMMA),
    ([1234, 5.5, None], DOT),                 # numeric cells say nothing
])
def test_a_columns_format_is_detected_from_all_its_values(values, fmt):
    assert detect_number_format(values) == fmt


def test_columns_are_guessed_from_the_header_names():
    assert guess_columns(["Month", "Falls", "Patient days", "Comments"]) == {
        "period": 0, "denominator": 2, "note": 3}
    assert guess_columns(["Period", "Numerator", "Denominator", "Excluded", "Note"]) == {
        "period": 0, "numerator": 1, "denominator": 2, "excluded": 3, "note": 4}
    assert guess_columns(["Date", "Number of falls", "Patient_Days"]) == {
        "period": 0, "numerator": 1, "denominator": 2}
    assert guess_columns(["Month", "Falls", "Occupied bed days"]) == {
        "period": 0, "denominator": 2}
    assert guess_columns(["", None, "colour"]) == {}
