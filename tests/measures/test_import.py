"""Importing a measure's data from CSV and XLSX: every row is checked first, and a file with
one bad row imports nothing and says which row, which column and which rule."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from safetyhub.core.models import AuditEntry
from safetyhub.measures import services as measures
from safetyhub.measures.models import DataPoint

from .test_measures import make_measure, url

GOOD = ("period,numerator,denominator,excluded,note\n"
        "2025-01-01,3,1000,,\n"
        "2025-02-01,4,1100,no,\n"
        "2025-03,2,950,yes,ward closed half the month\n")



@pytest.fixture
def falls(org, owner):
    return make_measure(org, by=owner)

def run(measure, text: str | bytes, name: str = "data.csv", by=None):
    content = text.encode() if isinstance(text, str) else text
    return measures.import_data(measure=measure, file_name=name, content=content, by=by)


def problems(exc: ValidationError) -> list[str]:
    return exc.message_dict["file"]


def test_a_good_csv_imports_every_row(falls, owner):
    result = run(falls, GOOD, by=owner)
    assert (result.rows, result.added, result.updated) == (3, 3, 0)
    points = list(DataPoint.objects.order_by("period"))
    assert [p.period for p in points] == [dt.date(2025, 1, 1), dt.date(2025, 2, 1),
                                          dt.date(2025, 3, 1)]
    assert points[2].excluded and points[2].note == "ward closed half the month"
    assert all(p.created_by == owner for p in points)
    assert AuditEntry.objects.filter(object_type="measures.DataPoint",
                                     action=AuditEntry.Action.CREATE).count() == 3


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(falls, owner):
    run(falls, "period,numerator,denominator\n2024-12-01,1,900\n", by=owner)
    rows = ["period,numerator,denominator"] + [f"2025-{m:02d}-01,3,1000" for m in range(1, 6)]
    rows.append("2025-06-01,3,-1000")  # row 7 as the spreadsheet numbers it
    rows += [f"2025-{m:02d}-01,3,1000" for m in range(7, 10)]
    with pytest.raises(ValidationError) as err:
        run(falls, "\n".join(rows), by=owner)
    listed = problems(err.value)
    assert listed[0].startswith("Nothing was imported: 1 problem in the file.")
    assert listed[1:] == ["row 7, column denominator: must be a number ≥ 0"]
    assert DataPoint.objects.count() == 1  # only the earlier import's point


def test_every_problem_is_listed_with_its_row_and_column(org, owner):
    proportion = make_measure(org, by=owner, chart="p", name="Hand hygiene", multiplier=100,
                              denominator="Opportunities")
    text = ("Period,Numerator,Denominator,Excluded\n"
            "2025-01-01,12,10,\n"         # row 2: y > n
            "2025-02-01,3,,\n"            # row 3: missing denominator
            "Smarch 2025,3,10,\n"         # row 4: not a date
            "2025-04-01,abc,10,\n"        # row 5: not a number
            "2025-05-01,\"1,234\",1000,\n"  # row 6: a thousands comma, then y > n
            "2025-06-01,3,10,maybe\n"     # row 7: not yes/no
            "2025-01-01,3,10,\n")         # row 8: duplicate period
    with pytest.raises(ValidationError) as err:
        run(proportion, text, by=owner)
    assert problems(err.value)[1:] == [
        "row 2, column numerator: 12 is larger than the denominator 10 (a proportion needs "
        "numerator ≤ denominator)",
        "row 3, column denominator: is required for a P chart (the numerator is counted "
        "against it)",
        "row 4, column period: “Smarch 2025” is not a date (write 2025-03-01, 2025-03 or "
        "Mar-25 for a month)",
        "row 5, column numerator: “abc” is not a number",
        "row 6, column numerator: 1234 is larger than the denominator 1000 (a proportion "
        "needs numerator ≤ denominator)",
        "row 7, column excluded: “maybe” is not yes or no",
        "row 8, column period: 2025-01-01 is also on row 2",
    ]
    assert not DataPoint.objects.exists()


@pytest.mark.parametrize(("text", "message"), [
    ("", "The file is empty."),
    ("period,numerator\n2025-01-01,3\n", "The header row has no “denominator” column."),
    ("period,numerator,denominator,colour\n2025-01-01,3,10,red\n",
     "Column D “colour” is not one of period, numerator, denominator, excluded, note."),
    ("period,numerator,denominator\n", "The file has a header row but no data rows."),
])
def test_problems_with_the_file_itself(falls, owner, text, message):
    with pytest.raises(ValidationError) as err:
        run(falls, text, by=owner)
    assert problems(err.value) == [message]


def test_other_encodings_and_old_formats_are_refused_with_advice(falls, owner):
    with pytest.raises(ValidationError) as err:
        run(falls, "period;numerator;denominator\n2025-01-01;3;Pénélope\n".encode("latin-1"))
    assert "not UTF-8" in problems(err.value)[0]
    with pytest.raises(ValidationError) as err:
        run(falls, b"\xd0\xcf\x11\xe0old", name="data.xls")
    assert "Save the spreadsheet as .xlsx or .csv" in problems(err.value)[0]
    with pytest.raises(ValidationError) as err:
        run(falls, b"PK\x03\x04 not really a zip", name="data.xlsx")
    assert problems(err.value) == ["The file is not a readable .xlsx workbook (save it again "
                                   "from the spreadsheet program, or as .csv)."]


def test_semicolons_aliases_months_and_quarters_are_understood(org, owner):
    measure = make_measure(org, by=owner, frequency="quarter")
    run(measure, "Date;Value;N\n2025-Q1;3;1000\n2025-q2;4;1000\n2025-07;2;1000\n", by=owner)
    assert list(DataPoint.objects.order_by("period").values_list("period", flat=True)) == [
        dt.date(2025, 1, 1), dt.date(2025, 4, 1), dt.date(2025, 7, 1)]


def test_reimporting_changes_recorded_periods_and_counts_what_changed(falls, owner):
    run(falls, GOOD, by=owner)
    result = run(falls, GOOD.replace("2025-02-01,4,1100", "2025-02-01,5,1100")
                 + "2025-04-01,1,1000,,\n", by=owner)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 2)
    assert DataPoint.objects.get(period=dt.date(2025, 2, 1)).numerator == 5
    assert result.summary() == "Imported 4 rows: 1 added, 1 changed, 2 unchanged."


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_imports_with_date_cells_numbers_and_text(falls, owner):
    content = xlsx([
        ["Period", "Numerator", "Denominator", "Excluded", "Note"],
        [dt.datetime(2025, 1, 1), 3, 1000, None, None],
        [dt.date(2025, 2, 1), 4.0, 1100, False, "new beds"],
        ["2025-03-01", "2", "950", "yes", None],
        [None, None, None, None, None],  # a blank row is skipped
    ])
    result = run(falls, content, name="falls.xlsx", by=owner)
    assert (result.rows, result.added) == (3, 3)
    feb = DataPoint.objects.get(period=dt.date(2025, 2, 1))
    assert (feb.numerator, feb.denominator, feb.note) == (4, 1100, "new beds")
    assert DataPoint.objects.get(period=dt.date(2025, 3, 1)).excluded


def test_xlsx_with_a_bad_row_imports_nothing(falls, owner):
    content = xlsx([["period", "numerator", "denominator"],
                    [dt.date(2025, 1, 1), 3, 1000],
                    [dt.date(2025, 2, 1), 3, None]])
    with pytest.raises(ValidationError) as err:
        run(falls, content, name="falls.xlsx", by=owner)
    assert problems(err.value)[1] == ("row 3, column denominator: is required for a U chart "
                                      "(the numerator is counted against it)")
    assert not DataPoint.objects.exists()


def test_the_page_lists_the_problems_and_keeps_nothing(falls, owner_client):
    # the upload is staged, and the mapping step lists every problem by row and column
    upload = SimpleUploadedFile("falls.csv", b"period,numerator,denominator\n"
                                             b"2025-01-01,3,1000\n2025-02-01,3,-4\n")
    response = owner_client.post(url(falls, "import/"), {"file": upload}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 problem: nothing can be imported until it is corrected" in body
    assert "<td>3</td><td>denominator</td><td>must be a number ≥ 0</td>" in body
    assert not DataPoint.objects.exists()

    upload = SimpleUploadedFile("falls.csv", GOOD.encode())
    response = owner_client.post(url(falls, "import/"), {"file": upload}, follow=True)
    initial = response.context["form"].initial
    response = owner_client.post(response.redirect_chain[-1][0],
                                 {**initial, "action": "import"}, follow=True)
    assert "Imported 3 rows: 3 added, 0 changed." in response.content.decode()
    assert DataPoint.objects.count() == 3


def test_a_t_chart_file_needs_no_numerator_column(org, owner):
    measure = make_measure(org, by=owner, chart="t", denominator="", frequency="event",
                           multiplier=1, direction="increase")
    result = run(measure, "event date,note\n2025-01-05,fall with harm\n2025-02-09,\n",
                 by=owner)
    assert result.added == 2
    assert DataPoint.objects.filter(numerator__isnull=True).count() == 2


def test_malformed_xml_in_a_workbook_is_a_422_through_the_api(falls, owner):
    # a ParseError raised while the rows were read used to escape as a 500
    from safetyhub.core import services as core_services

    from ..core.test_spreadsheets import SHEET, rewritten

    broken = rewritten(xlsx([["period", "numerator", "denominator"]]),
                       replace={SHEET: b"<worksheet><sheetData><row r='1'>"})
    _token, secret = core_services.create_api_token(user=owner, name="tests")
    api = Client(headers={"authorization": f"Bearer {secret}"})
    response = api.post(f"/api/v1/orgs/{falls.organization.slug}/measures/{falls.pk}/points/"
                        "import", {"file": SimpleUploadedFile("x.xlsx", broken)})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "file"
    assert error["reason"].startswith("The file is not a readable .xlsx workbook")
    assert not DataPoint.objects.exists()


def test_a_huge_cell_is_quoted_short_in_every_message(falls, owner):
    # a 2.7 KB workbook with one long cell in the header and in a row made a 1 MB error page
    huge = "Z" * 30_000  # Excel holds up to 32,767 characters in a cell
    with pytest.raises(ValidationError) as err:
        run(falls, xlsx([["period", "numerator", "denominator", huge]]), name="data.xlsx")
    (message,) = problems(err.value)
    assert message.startswith("Column D “ZZZ") and len(message) < 200
    content = xlsx([["period", "numerator", "denominator", "excluded"],
                    *[[huge, huge, 10, huge]] * 3])
    assert len(content) < 10_000
    with pytest.raises(ValidationError) as err:
        run(falls, content, name="data.xlsx", by=owner)
    listed = problems(err.value)
    assert len(listed) == 1 + 3 * 3
    assert all(len(message) < 200 for message in listed)
    csv_text = f"period,numerator,denominator\n{huge},{huge},10\n"
    with pytest.raises(ValidationError) as err:
        run(falls, csv_text, by=owner)
    assert all(len(message) < 300 for message in problems(err.value))


def test_a_csv_row_wider_than_the_columns_read_is_refused(falls, owner):
    text = "period,numerator,denominator\n2025-01-01,3,10" + "," * 20 + "stray\n"
    with pytest.raises(ValidationError) as err:
        run(falls, text, by=owner)
    assert problems(err.value) == ["Row 2 has more than 15 columns; keep only the data columns."]


def test_a_workbook_bomb_is_refused_before_it_is_parsed(falls, owner):
    # a few KB that expand to 8 MB of padding: before the zip was checked it was parsed
    # (and a shared-strings bomb of the same shape took 1.9 GB)
    from ..core.test_spreadsheets import SHEET, rewritten, sheet_xml

    good = xlsx([["period", "numerator", "denominator"], ["2025-01-01", 3, 1000]])
    bomb = rewritten(good, replace={SHEET: sheet_xml(good) + b" " * 8_000_000})
    with pytest.raises(ValidationError) as err:
        run(falls, bomb, name="data.xlsx", by=owner)
    assert "compressed more than 200:1" in problems(err.value)[0]
    assert not DataPoint.objects.exists()
