"""Importing in steps: upload (the file is staged), choose the columns and the number format
with a preview of the values and every problem by row and column, then import all rows or
none; the columns remembered per measure; the template per measure; the API with a mapping."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry, Role
from safetyhub.measures import staged_imports
from safetyhub.measures.models import DataPoint, ImportMapping, StagedImport

from ..conftest import client_for
from .test_measures import make_measure, person, url

LOCAL = ("Month;Falls;Patient days;Comment\n"
         "Jan-25;3;1.234\n"
         "Feb-25;4;1.100,5;new beds\n"
         "Mar-25;2;950\n")


@pytest.fixture
def falls(org, owner):
    return make_measure(org, by=owner)


def xlsx(rows, sheets=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for title, more in (sheets or {}).items():
        extra = book.create_sheet(title)
        for row in more:
            extra.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, measure, content: bytes | str, name="data.csv"):
    content = content.encode() if isinstance(content, str) else content
    return client.post(url(measure, "import/"), {"file": SimpleUploadedFile(name, content)})


def staged_url(measure, staged) -> str:
    return url(measure, f"import/{staged.pk}/")


def test_upload_stages_the_file_and_the_map_page_guesses_the_columns(falls, owner_client):
    response = upload(owner_client, falls, LOCAL)
    staged = StagedImport.objects.get()
    assert response.status_code == 302 and response["Location"] == staged_url(falls, staged)
    assert bytes(staged.content) == LOCAL.encode() and staged.file_name == "data.csv"
    page = owner_client.get(staged_url(falls, staged))
    assert page.status_code == 200
    form = page.context["form"]
    # guessed from the names: Month, Patient days, Comment (Falls matches no word)
    assert (form.initial["period"], form.initial["denominator"], form.initial["note"]) == (
        "0", "2", "3")
    assert "numerator" not in form.initial
    body = page.content.decode()
    assert "<th scope=\"col\">Patient days</th>" in body
    assert "Choose the column that holds the numerator." in body
    assert not DataPoint.objects.exists()


def test_preview_reads_decimal_commas_and_lists_problems_by_row_and_column(falls,
                                                                          owner_client):
    upload(owner_client, falls, LOCAL + "Smarch-25;1;900\n")
    staged = StagedImport.objects.get()
    choice = {"period": "0", "numerator": "1", "denominator": "2", "note": "3",
              "number_format": "comma", "action": "preview"}
    page = owner_client.post(staged_url(falls, staged), choice)
    assert page.status_code == 200
    problems = page.context["problems"]
    assert [(p.row, p.column) for p in problems] == [(5, "period")]
    assert "“Smarch-25” is not a date" in problems[0].reason
    rows = page.context["preview_rows"]
    assert [(r["label"], r["numerator"], r["denominator"]) for r in rows] == [
        ("Jan 2025", 3, 1234), ("Feb 2025", 4, 1100.5), ("Mar 2025", 2, 950)]
    assert "Import 3 points" not in page.content.decode()
    # importing anyway: 422, nothing stored, the file and the choices kept
    choice["action"] = "import"
    page = owner_client.post(staged_url(falls, staged), choice)
    assert page.status_code == 422
    body = page.content.decode()
    assert "Nothing was imported: 1 problem in the file." in body
    assert "row 5, column period:" in body
    assert page.context["form"]["number_format"].value() == "comma"
    assert page.context["form"]["numerator"].value() == "1"
    assert not DataPoint.objects.exists() and StagedImport.objects.filter(pk=staged.pk).exists()
    assert not ImportMapping.objects.exists()


def test_import_writes_every_point_remembers_the_columns_and_deletes_the_file(falls, owner,
                                                                            owner_client):
    upload(owner_client, falls, LOCAL)
    staged = StagedImport.objects.get()
    choice = {"period": "0", "numerator": "1", "denominator": "2", "note": "3",
              "number_format": "comma"}
    page = owner_client.post(staged_url(falls, staged), {**choice, "action": "preview"})
    assert "Import 3 points" in page.content.decode()
    response = owner_client.post(staged_url(falls, staged), {**choice, "action": "import"},
                                 follow=True)
    assert "Imported 3 rows: 3 added, 0 changed." in response.content.decode()
    points = list(DataPoint.objects.order_by("period"))
    assert [(p.period, p.numerator, p.denominator, p.note) for p in points] == [
        (dt.date(2025, 1, 1), 3, 1234, ""), (dt.date(2025, 2, 1), 4, 1100.5, "new beds"),
        (dt.date(2025, 3, 1), 2, 950, "")]
    assert not StagedImport.objects.exists()
    remembered = ImportMapping.objects.get(measure=falls)
    assert (remembered.period, remembered.numerator, remembered.denominator, remembered.note,
            remembered.number_format) == ("Month", "Falls", "Patient days", "Comment", "comma")
    assert AuditEntry.objects.filter(object_type="measures.DataPoint",
                                     action=AuditEntry.Action.CREATE).count() == 3
    assert AuditEntry.objects.filter(object_type="measures.ImportMapping").exists()
    # the next file with the same headers opens with the remembered choices
    upload(owner_client, falls, LOCAL.replace("Jan-25;3", "Apr-25;5"))
    page = owner_client.get(staged_url(falls, StagedImport.objects.get()))
    initial = page.context["form"].initial
    assert (initial["numerator"], initial["number_format"]) == ("1", "comma")
    assert page.context["preview"].ready == 3


def test_a_bad_choice_names_the_field_and_changes_nothing(falls, owner_client):
    upload(owner_client, falls, LOCAL)
    staged = StagedImport.objects.get()
    page = owner_client.post(staged_url(falls, staged), {
        "period": "0", "numerator": "0", "denominator": "", "number_format": "roman",
        "action": "import"})
    assert page.status_code == 422
    errors = page.context["form"].errors
    assert set(errors) == {"numerator", "denominator", "number_format"}
    assert "already chosen for the period" in errors["numerator"][0]
    assert not DataPoint.objects.exists() and StagedImport.objects.exists()


def test_an_unreadable_upload_is_refused_on_the_measure_page(falls, owner_client):
    response = upload(owner_client, falls, b"PK\x03\x04 broken", name="x.xlsx")
    assert response.status_code == 422
    assert "not a readable .xlsx workbook" in response.content.decode()
    assert not StagedImport.objects.exists()


def test_staged_files_are_their_uploaders_alone(org, falls, owner_client, outsider,
                                                outsider_client, other_org):
    upload(owner_client, falls, LOCAL)
    staged = StagedImport.objects.get()
    # another organization: 404 under its own slug and under ours
    assert outsider_client.get(staged_url(falls, staged)).status_code == 404
    assert outsider_client.get(
        f"/o/{other_org.slug}/measures/{falls.pk}/import/{staged.pk}/").status_code == 404
    # a lead of the same organization who did not upload it: 404, not the file
    lead = client_for(person(org, Role.SAFETY_LEAD))
    assert lead.get(staged_url(falls, staged)).status_code == 404
    assert lead.post(staged_url(falls, staged), {"period": "0", "numerator": "1",
                                                 "denominator": "2",
                                                 "number_format": "comma",
                                                 "action": "import"}).status_code == 404
    # a member whose role may not change the measure: refused
    assessor = client_for(person(org, Role.ASSESSOR))
    assert assessor.get(staged_url(falls, staged)).status_code == 403
    # another measure's address: 404
    other = make_measure(org, name="Pressure injuries")
    assert owner_client.get(staged_url(other, staged)).status_code == 404
    assert not DataPoint.objects.exists()


def test_a_workbooks_sheet_can_be_chosen(falls, owner_client):
    content = xlsx([["Read me first"]], sheets={"Falls": [
        ["Period", "Numerator", "Denominator"],
        ["Jan-25", 3, "1,234"], [dt.datetime(2025, 2, 1), 4, 1100], [45717, 2, 950]]})
    upload(owner_client, falls, content, name="falls.xlsx")
    staged = StagedImport.objects.get()
    page = owner_client.get(staged_url(falls, staged))
    assert page.context["preview"].sheets == ["Sheet", "Falls"]
    choice = {"sheet": "Falls", "period": "0", "numerator": "1", "denominator": "2",
              "number_format": "auto", "action": "import"}
    owner_client.post(staged_url(falls, staged), choice)
    assert list(DataPoint.objects.order_by("period").values_list(
        "period", "denominator")) == [(dt.date(2025, 1, 1), 1234), (dt.date(2025, 2, 1), 1100),
                                       (dt.date(2025, 3, 1), 950)]
    assert ImportMapping.objects.get().sheet == "Falls"


def test_stale_staged_files_are_deleted_by_the_daily_job(falls, owner):
    old = staged_imports.stage_import(measure=falls, user=owner, file_name="a.csv",
                                      content=LOCAL.encode())
    fresh = staged_imports.stage_import(measure=falls, user=owner, file_name="b.csv",
                                        content=LOCAL.encode())
    StagedImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25))
    assert staged_imports.delete_stale_imports(today=dt.date.today()) == 1
    assert list(StagedImport.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_round_trips_through_the_import(falls, owner_client, kind):
    response = owner_client.get(url(falls, f"import/template.{kind}"))
    assert response.status_code == 200
    assert f"measure-{falls.pk}-import-template.{kind}" in response["Content-Disposition"]
    content = response.content
    # unchanged, its example rows are refused by name
    upload(owner_client, falls, content, name=f"t.{kind}")
    staged = StagedImport.objects.get()
    page = owner_client.get(staged_url(falls, staged))
    assert [(p.row, p.column) for p in page.context["problems"]] == [(2, "note"), (3, "note")]
    assert "template's example row" in page.context["problems"][0].reason
    # filled in: imports with the guessed columns
    if kind == "xlsx":
        book = load_workbook(io.BytesIO(content))
        sheet = book["Data"]
        assert [c.value for c in sheet[1]] == ["period", "numerator", "denominator",
                                               "excluded", "note"]
        sheet.delete_rows(2, 2)
        sheet.append(["Jan-25", 3, 1000, "no", None])
        sheet.append(["Feb-25", 4, 1100, "no", "ok"])
        out = io.BytesIO()
        book.save(out)
        filled = out.getvalue()
    else:
        header = content.decode("utf-8-sig").splitlines()[0]
        assert header == "period,numerator,denominator,excluded,note"
        filled = (header + "\n2025-01,3,1000,no,\n2025-02,4,1100,no,ok\n").encode()
    upload(owner_client, falls, filled, name=f"filled.{kind}")
    staged = StagedImport.objects.latest("pk")
    initial = owner_client.get(staged_url(falls, staged)).context["form"].initial
    owner_client.post(staged_url(falls, staged), {**initial, "action": "import"})
    assert DataPoint.objects.count() == 2


def test_templates_fit_the_chart(org, owner, owner_client):
    count = make_measure(org, by=owner, chart="c", denominator="", multiplier=1,
                         name="Falls with harm")
    header = owner_client.get(url(count, "import/template.csv")).content.decode(
        "utf-8-sig").splitlines()[0]
    assert header == "period,numerator,excluded,note"
    assert owner_client.get(url(count, "import/template.pdf")).status_code == 404


def test_outsiders_get_no_template(falls, outsider_client):
    assert outsider_client.get(url(falls, "import/template.csv")).status_code == 404


# --- API ------------------------------------------------------------------------------------


def api_for(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def api_url(measure) -> str:
    return f"/api/v1/orgs/{measure.organization.slug}/measures/{measure.pk}/points/import"


def test_the_api_takes_a_mapping_and_remembers_it(falls, owner):
    response = api_for(owner).post(api_url(falls), {
        "file": SimpleUploadedFile("x.csv", LOCAL.encode()), "period_column": "Month",
        "numerator_column": "Falls", "denominator_column": "patient DAYS",
        "note_column": "Comment", "number_format": "comma"})
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 3, "added": 3, "updated": 0, "unchanged": 0}
    assert DataPoint.objects.get(period=dt.date(2025, 2, 1)).denominator == 1100.5
    assert ImportMapping.objects.get().denominator == "patient DAYS"


def test_the_api_answers_422_with_each_problem_by_row_and_column(falls, owner):
    text = "Month,Falls,Patient days\nJan-25,3,\"1,234\"\nFeb-25,x,1000\nFeb-25,2,-5\n"
    response = api_for(owner).post(api_url(falls), {
        "file": SimpleUploadedFile("x.csv", text.encode()), "period_column": "Month",
        "numerator_column": "Falls", "denominator_column": "Patient days"})
    assert response.status_code == 422
    summary, *detail = response.json()["detail"]
    assert summary == {"field": "file", "row": None, "column": None,
                       "reason": "Nothing was imported: 3 problems in the file. Correct them "
                                 "and import the file again."}
    assert [(d["row"], d["column"]) for d in detail] == [
        (3, "numerator"), (4, "period"), (4, "denominator")]
    assert detail[0]["reason"] == "row 3, column numerator: “x” is not a number"
    assert not DataPoint.objects.exists() and not ImportMapping.objects.exists()


def test_the_api_names_a_missing_column_and_a_bad_format(falls, owner):
    api = api_for(owner)
    response = api.post(api_url(falls), {
        "file": SimpleUploadedFile("x.csv", LOCAL.encode()), "period_column": "When",
        "numerator_column": "Falls", "denominator_column": "Patient days"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{
        "field": "file", "reason": "The header row has no column “When” (chosen for the "
                                   "period)."}]
    response = api.post(api_url(falls), {
        "file": SimpleUploadedFile("x.csv", LOCAL.encode()), "period_column": "Month",
        "number_format": "roman"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"].endswith("number_format")
    workbook = xlsx([["period", "numerator", "denominator"], ["Jan-25", 3, 1000]])
    response = api.post(api_url(falls), {
        "file": SimpleUploadedFile("x.xlsx", workbook), "period_column": "period",
        "numerator_column": "numerator", "denominator_column": "denominator",
        "sheet": "Falls"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["reason"] == "The workbook has no sheet “Falls”."
    assert not DataPoint.objects.exists()
