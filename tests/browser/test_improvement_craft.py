"""The Model for Improvement's own tools, end to end in the browser (issue 14): a
patient-safety lead writes an aim tied to the falls measure, builds a driver diagram whose
change idea comes from the tactics library and is tested by a PDSA cycle, imports an Excel
workbook with `Jan-25`-style months and thousands separators through the mapping step, reads
the falls shift as an improvement, accepts the suggested new phase, rates the month's
progress and spreads the initiative to a second unit, which starts from the same aim on its
own copy of the measure. Every page passes axe-core (conftest)."""

import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from safetyhub.core.models import Role, Site
from safetyhub.improvement import services
from safetyhub.improvement.models import Aim, DriverNode, Initiative, ProgressRating
from safetyhub.measures.models import DataPoint, Measure, PhaseSplit

from ..factories import PASSWORD, MembershipFactory, SiteFactory, UserFactory
from ..improvement.test_initiatives import tactic_of
from ..measures.test_measures import make_measure
from .conftest import field, login

pytestmark = pytest.mark.browser

FIRST_MONTH = dt.date(2024, 10, 1)
# A year of falls on 4 West, then a year after hourly rounding began (patient days ~1,200).
BEFORE = [8, 9, 7, 8, 9, 8, 7, 9, 8, 8, 9, 7]
AFTER = [2, 1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 2]
DAYS = [1234, 1180, 1302, 1250, 1198, 1275, 1220, 1240, 1190, 1260, 1230, 1210] * 2


def months(count: int) -> list[dt.date]:
    return [dt.date(FIRST_MONTH.year + (FIRST_MONTH.month - 1 + k) // 12,
                    (FIRST_MONTH.month - 1 + k) % 12 + 1, 1) for k in range(count)]


def falls_workbook() -> bytes:
    """As a ward keeps it: months typed as `Oct-24`, patient days as text with a thousands
    separator."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Month", "Falls", "Patient days", "Comments"])
    for period, falls, days in zip(months(24), BEFORE + AFTER, DAYS, strict=True):
        sheet.append([f"{period:%b-%y}", falls, f"{days:,}", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_lead_uses_the_improvement_tools_from_aim_to_spread(page, live_server, org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    nurse = UserFactory(email="nurse@example.org", full_name="Noor East")
    MembershipFactory(organization=org, user=nurse, role=Role.ASSESSOR)
    hospital = SiteFactory(organization=org, name="Riverside Main")
    west = SiteFactory(organization=org, name="4 West", kind=Site.Kind.UNIT, parent=hospital)
    SiteFactory(organization=org, name="5 East", kind=Site.Kind.UNIT, parent=hospital)
    initiative = services.create_initiative(
        organization=org, by=lead, title="Hourly rounding", owner=lead, site=west,
        status=Initiative.Status.ACTIVE, start_on=dt.date(2024, 10, 1))
    falls = make_measure(org, by=lead, site=west)
    falls.initiatives.add(initiative)
    cycle = services.start_cycle(initiative=initiative, by=lead, change="Hourly rounds on 4 West",
                                 started_on=dt.date(2025, 9, 15))
    tactic = tactic_of("R01")
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/plan/{initiative.pk}/")

    # 1. The aim, its four parts, tied to the falls measure.
    page.get_by_role("link", name="Write an aim").click()
    field(page, "What will improve").fill("Reduce falls")
    field(page, "For whom").fill("adult inpatients on 4 West")
    field(page, "From (now)").fill("6.7")
    field(page, "To (or by, for a percentage)").fill("2.0")
    field(page, "Unit").fill("per 1,000 patient days")
    field(page, "By when").fill("2099-06-30")
    field(page, "Measure that tracks it").select_option(str(falls.pk))
    page.get_by_role("button", name="Save the aim").click()
    expect(page.get_by_text("Aim saved.")).to_be_visible()
    expect(page.get_by_text("Reduce falls for adult inpatients on 4 West from 6.7 to 2.0 per "
                            "1,000 patient days by 30 June 2099.")).to_be_visible()
    falls.refresh_from_db()
    assert falls.goal == 2.0  # the aim's target is the measure's goal line

    # 2. The driver diagram: primary → secondary → a change idea from the tactics library,
    # tested by the PDSA cycle.
    page.get_by_role("link", name="Build a driver diagram").click()
    page.get_by_role("link", name="Add a primary driver").click()
    field(page, "Text").fill("Patients' needs met before they get up alone")
    page.get_by_role("button", name="Add the primary driver").click()
    page.get_by_role("link", name=re.compile(r"^Add secondary driver under")).click()
    field(page, "Text").fill("Staff check on every patient every hour")
    page.get_by_role("button", name="Add the secondary driver").click()
    page.get_by_role("link", name=re.compile(r"^Add change idea under")).click()
    field(page, "From the tactics library").select_option(str(tactic.pk))
    page.get_by_role("checkbox", name=f"PDSA {cycle.number}: {cycle.change}").check()
    page.get_by_role("button", name="Add the change idea").click()
    idea = DriverNode.objects.get(initiative=initiative, kind=DriverNode.Kind.CHANGE)
    assert idea.tactic_id == tactic.pk and list(idea.cycles.all()) == [cycle]
    snapshot = page.locator("svg.driver-diagram").aria_snapshot()
    assert f"Change idea: {tactic.title}" in snapshot, snapshot

    # 3. Two years of falls from Excel, through the mapping step.
    page.goto(f"{live_server.url}/o/{org.slug}/measures/{falls.pk}/")
    page.get_by_label(re.compile(r"^CSV or XLSX file")).set_input_files(
        {"name": "4 West falls.xlsx", "buffer": falls_workbook(),
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name="Upload and choose the columns").click()
    expect(page.locator("table.import-sample")).to_contain_text("Oct-24")
    page.get_by_label("Period").select_option(label="A: Month")
    page.get_by_label("Numerator").select_option(label="B: Falls")
    page.get_by_label("Denominator").select_option(label="C: Patient days")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("table.import-preview")).to_contain_text("Oct 2024")
    expect(page.locator("table.import-preview")).to_contain_text("1234")
    page.get_by_role("button", name="Import 24 points").click()
    expect(page.get_by_text("Imported 24 rows: 24 added, 0 changed.")).to_be_visible()
    assert sorted(DataPoint.objects.filter(measure=falls).values_list("period", "denominator")
                  ) == list(zip(months(24), map(float, DAYS), strict=True))

    # 4. The shift reads as an improvement, and becomes a new phase where it began.
    signals = page.locator(".signal-list")
    expect(signals).to_contain_text("below the centre line since Oct 2025")
    expect(signals).to_contain_text("an improvement (lower is better)")
    offer = page.locator(".shift-split-form")
    offer.get_by_label(re.compile("^Reason")).fill("Hourly rounding began on 4 West")
    offer.get_by_role("button", name="Start a new phase from Oct 2025").click()
    expect(page.locator(".chart-statement")).to_contain_text(re.compile(
        r"from \d+\.\d to 1\.\d falls per 1,000 patient days; goal 2\.0 met"))
    split = PhaseSplit.objects.get(measure=falls)
    assert (split.after_period, split.reason) == (dt.date(2025, 9, 1),
                                                  "Hourly rounding began on 4 West")

    # 5. This month's progress rating.
    page.goto(f"{live_server.url}/o/{org.slug}/plan/{initiative.pk}/")
    this_month = dt.date.today().replace(day=1)
    field(page, "Month").fill(f"{this_month:%Y-%m}")
    field(page, "Rating").select_option("4.0")
    field(page, "Why this rating (optional)").fill("Falls halved and held for a year")
    page.get_by_role("button", name="Save the rating").click()
    expect(page.get_by_role("status")).to_contain_text(f"Rated {this_month:%B %Y}: 4.0")
    assert ProgressRating.objects.get(initiative=initiative).month == this_month

    # 6. Spread to 5 East, which starts from the same aim on its own copy of the measure.
    page.get_by_role("link", name=re.compile(r"^Spread to other units")).click()
    page.get_by_role("checkbox", name=re.compile(r"5 East")).check()
    field(page, "Owner in 5 East").select_option(str(nurse.pk))
    page.get_by_role("button", name="Spread the initiative").click()
    section = page.locator("section", has=page.get_by_role("heading", name="Where this spread"))
    section.get_by_role("link", name=re.compile(r"^5 East")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hourly rounding")
    expect(page.get_by_text(re.compile(r"Reduce falls for adult inpatients on 5 East"))
           ).to_be_visible()
    adopted = Initiative.objects.get(spread_from=initiative)
    copy = Measure.objects.get(initiatives=adopted)
    assert (copy.copied_from, copy.goal, copy.points.count()) == (falls, 2.0, 0)
    assert Aim.objects.get(initiative=adopted).measure == copy
    page.locator(".spread-origin").get_by_role("link", name="Hourly rounding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hourly rounding")
