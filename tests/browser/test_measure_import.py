"""Importing a spreadsheet as people keep one: a quality lead uploads an XLSX whose months
are written `Jan-25` and whose patient days carry thousands separators, checks the columns
the page guessed and the preview of the values, and imports them — at phone width, every
page axe-clean (conftest)."""

import io
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.measures.models import DataPoint
from tests.measures.test_measures import make_measure

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import fits, login

pytestmark = pytest.mark.browser


def workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Month", "Falls", "Occupied bed days", "Comments"])
    for month, falls, days in (("Jan-25", 4, "1,234"), ("Feb-25", 3, "1,180"),
                               ("Mar-25", 5, "1,302"), ("Apr-25", 2, "1,250")):
        sheet.append([month, falls, days, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_lead_imports_a_workbook_through_the_mapping_step(page, live_server, org):
    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD,
                             user=UserFactory(email="lead@example.org")).user
    measure = make_measure(org, by=lead)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/measures/{measure.pk}/")
    page.get_by_label(re.compile(r"^CSV or XLSX file")).set_input_files(
        {"name": "falls.xlsx", "buffer": workbook(),
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name="Upload and choose the columns").click()

    expect(page.get_by_role("heading", name=re.compile("Import a file"), level=1)).to_be_visible()
    expect(page.locator("table.import-sample")).to_contain_text("Jan-25")
    fits(page)
    # the page guessed the month and the bed days from their names; "Falls" it cannot guess
    expect(page.get_by_label("Period")).to_have_value("0")
    expect(page.get_by_label("Denominator")).to_have_value("2")
    expect(page.locator("main")).to_contain_text("Choose the column that holds the numerator.")
    page.get_by_label("Numerator").select_option(label="B: Falls")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Jan 2025")
    expect(preview).to_contain_text("1234")
    fits(page)
    page.get_by_role("button", name="Import 4 points").click()
    expect(page.get_by_text("Imported 4 rows: 4 added, 0 changed.")).to_be_visible()
    expect(page.locator("table.measure-data")).to_contain_text("1234")
    fits(page)
    assert sorted(DataPoint.objects.values_list("denominator", flat=True)) == [
        1180, 1234, 1250, 1302]
