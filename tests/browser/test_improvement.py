"""From a priority to a measured change, in the browser: a patient-safety lead adds a
priority of a finalized assessment to the action plan, adds a measure from the starter
library, imports a CSV whose level shifts, reads the chart's signal in plain words, records
a PDSA cycle linked to the measure and sees its marker on the chart. Every page passes
axe-core (see conftest)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures.models import Measure

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import field, login

pytestmark = pytest.mark.browser

# 12 low months, then 10 high ones: a shift the runs rules must see.
LOW = [3, 4, 3, 2, 3, 4, 3, 3, 2, 4, 3, 3]
HIGH = [8, 9, 8, 7, 9, 8, 9, 8, 7, 9]


def finalized_assessment(org, lead) -> Assessment:
    assessment = services.start_assessment(
        organization=org, pack=Pack.objects.get(pack_id="safetyhub-sa", organization=None),
        title="Baseline 2026", mode=Assessment.Mode.CONSENSUS_ONLY, lead=lead, team=[],
        by=lead, opens_on=dt.date(2026, 1, 5))
    items = PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM).order_by(
        "position")
    for k, item in enumerate(items):
        services.save_answer(assessment=assessment, item=item, user=lead, consensus=True,
                             value="0" if k == 0 else "3")
    return services.finalize(assessment=assessment, by=lead)


def shift_csv() -> bytes:
    rows = ["period,numerator,denominator"]
    for k, falls in enumerate(LOW + HIGH):
        year, month = 2024 + k // 12, k % 12 + 1
        rows.append(f"{year}-{month:02d}-01,{falls},1000")
    return ("\n".join(rows) + "\n").encode()


def test_a_lead_measures_a_change_from_priority_to_pdsa_marker(page, live_server, org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    assessment = finalized_assessment(org, lead)
    login(page, live_server, lead.email, PASSWORD)

    # A priority becomes an initiative.
    page.goto(f"{live_server.url}/o/{org.slug}/assessments/{assessment.pk}/priorities/")
    page.get_by_role("link", name=re.compile(r"^Add to action plan")).first.click()
    field(page, "Tactic to adopt").select_option(index=1)
    field(page, "Owner").select_option(str(lead.pk))
    field(page, "Due date").fill("2026-06-30")
    page.get_by_role("button", name="Add to the action plan").click()
    expect(page.get_by_text(re.compile(r"Added “Improve: "))).to_be_visible()
    initiative = Initiative.objects.get(organization=org)

    # A measure from the starter library.
    nav = page.get_by_role("navigation", name="Organization")
    nav.get_by_role("link", name="Measures", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measures")
    page.get_by_role("link", name="Add a measure").click()
    page.get_by_role("button", name=re.compile(
        r"^Add this measure\s*: Patient falls per 1,000 patient days$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Patient falls per 1,000 patient days")
    expect(page.get_by_text("NQF #0141 Patient Fall Rate")).to_be_visible()
    measure = Measure.objects.get(organization=org)

    # Link it to the initiative (the definition form), so the cycle's team may use it too.
    page.get_by_role("link", name="Edit the definition").click()
    page.get_by_label(initiative.title).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Measure saved.")).to_be_visible()

    # Import a CSV with a shift: the chart shows the signal and says it in words.
    page.get_by_label(re.compile(r"^CSV or XLSX file")).set_input_files(
        {"name": "falls.csv", "mimeType": "text/csv", "buffer": shift_csv()})
    page.get_by_role("button", name="Upload and choose the columns").click()
    page.get_by_role("button", name="Import 22 points").click()
    expect(page.get_by_text("Imported 22 rows: 22 added, 0 changed.")).to_be_visible()
    chart = page.locator("figure.spc-chart svg[role=img]:visible")
    expect(chart).to_be_visible()
    expect(page.get_by_text("Special cause: deterioration")).to_be_visible()
    signals = page.locator(".signal-list")
    expect(signals).to_contain_text(re.compile(r"\d+ points in a row (above|below) the "
                                               r"centre line"))
    expect(chart).to_have_attribute("aria-label", re.compile(r"points in a row"))

    # A PDSA cycle linked to the measure, through the action plan's pages.
    nav.get_by_role("link", name="Action plan").click()
    page.get_by_role("link", name=initiative.title).first.click()
    page.get_by_role("link", name="Start a PDSA cycle").first.click()
    field(page, "Change to test").fill("Hourly rounding on ward 5")
    field(page, "Test starts on").fill("2024-12-16")
    page.get_by_label("Patient falls per 1,000 patient days").check()
    page.get_by_role("button", name="Start the cycle").click()
    expect(page.get_by_text(re.compile(r"PDSA cycle 1 planned"))).to_be_visible()
    cycle = PdsaCycle.objects.get(initiative=initiative)
    assert list(cycle.measures.all()) == [measure]

    # Its marker and label are on the measure's chart.
    nav.get_by_role("link", name="Measures", exact=True).click()
    page.get_by_role("link", name="Patient falls per 1,000 patient days").click()
    chart = page.locator("figure.spc-chart svg[role=img]:visible")
    expect(chart.locator("text", has_text="PDSA 1: Hourly rounding…")).to_be_visible()
    expect(chart).to_have_attribute("aria-label", re.compile(
        r"PDSA 1: Hourly rounding on ward 5 \(started 16 Dec 2024\)"))
    expect(page.get_by_role("listitem").filter(
        has_text="PDSA 1: Hourly rounding on ward 5 (started 16 Dec 2024)")).to_be_visible()

    # The dashboard shows the plan's progress and the measure's status.
    nav.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement dashboard")
    expect(page.get_by_text("Special cause: deterioration")).to_be_visible()
    expect(page.locator("img.chart-thumb")).to_have_attribute(
        "alt", re.compile(r"points in a row"))


def test_the_pdsa_page_saves_every_stage_at_once_and_warns_before_losing_text(
        page, live_server, org):
    from safetyhub.improvement import services as plan_services

    member = UserFactory(email="nurse@example.org", full_name="Noor Haddad")
    MembershipFactory(organization=org, user=member, role=Role.ASSESSOR)
    initiative = plan_services.create_initiative(organization=org, by=member,
                                                 title="Safer handovers", owner=member)
    cycle = plan_services.start_cycle(initiative=initiative, by=member,
                                      change="Bedside handover", started_on=dt.date(2026, 4, 1))
    url = f"{live_server.url}/o/{org.slug}/plan/cycles/{cycle.pk}/"
    login(page, live_server, member.email, PASSWORD)
    page.goto(url)

    # Text typed in two stages, then the Do stage's Save: both are kept.
    field(page, "Prediction").click()
    field(page, "Prediction").fill("Fewer missed tasks")
    field(page, "What happened").fill("Ran on ward 4 for a week")
    page.get_by_role("button", name="Save the cycle").nth(1).click()
    expect(page.get_by_text("PDSA cycle saved.")).to_be_visible()
    page.reload()
    expect(field(page, "Prediction")).to_have_value("Fewer missed tasks")
    expect(field(page, "What happened")).to_have_value("Ran on ward 4 for a week")
    cycle.refresh_from_db()
    assert (cycle.prediction, cycle.observations) == ("Fewer missed tasks",
                                                      "Ran on ward 4 for a week")

    # Typed but not saved: leaving the page asks first; staying keeps the text.
    field(page, "Results against the prediction").click()
    field(page, "Results against the prediction").fill("Missed tasks halved")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Action plan")
    asked = []

    def stay(dialog) -> None:  # runs while the click waits on the dialog
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    breadcrumb.click()
    assert asked == ["beforeunload"]
    expect(page).to_have_url(url + "#do")  # where the last Save brought them
    expect(field(page, "Results against the prediction")).to_have_value("Missed tasks halved")
    # Leaving anyway is the person's choice.
    page.once("dialog", lambda d: d.accept())
    breadcrumb.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action plan")
    cycle.refresh_from_db()
    assert cycle.study == ""
