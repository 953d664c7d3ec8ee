"""Triage in the browser (issue 11, Done means): a reviewer triages a report and links a
duplicate of it; a serious event shows its 3-business-day clock on the executive view, where
an executive acknowledges it. Pages are checked with axe-core (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.events.models import EventReport, EventTriage
from tests.factories import MembershipFactory, UserFactory, joined_days_ago, submit_event

from ..factories import PASSWORD
from .conftest import field, login

pytestmark = pytest.mark.browser


def _person(org, role, email):
    return MembershipFactory(organization=org, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def event_org(org):
    joined_days_ago(org, 365)
    return org


def test_a_reviewer_triages_a_report_and_links_a_duplicate(page, live_server, event_org):
    org = event_org
    reviewer = _person(org, Role.EVENT_REVIEWER, "reviewer@example.org")
    nurse = _person(org, Role.STAFF_REPORTER, "nurse@example.org")
    aide = _person(org, Role.STAFF_REPORTER, "aide@example.org")
    first = submit_event(organization=org, reporter=nurse).report
    second = submit_event(organization=org, reporter=aide,
                          narrative="Same fall, seen from the corridor.").report

    login(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/events/{second.pk}/")
    page.get_by_role("link", name="Triage this report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Triage {second.reference}")

    # Start the review.
    field(page, "Move the report to").select_option("in_review")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The report is now in review.")).to_be_visible()

    # Reclassify the harm: the reporter's answer stays visible beside it.
    page.get_by_text("Reclassify", exact=True).click()
    field(page, "Harm").select_option("moderate")
    field(page, "Why this classification").fill("A wrist fracture was found on X-ray.")
    page.get_by_role("button", name="Save the classification").click()
    expect(page.get_by_text("Classification saved")).to_be_visible()
    harm_row = page.get_by_role("row", name=re.compile(r"^Harm"))
    expect(harm_row).to_contain_text("Mild harm")
    expect(harm_row).to_contain_text("Moderate harm")

    # Link it as a duplicate of the first report, by its reference.
    page.get_by_text("Link as a duplicate of another report").click()
    field(page, "Duplicate of report").fill(first.reference)
    page.get_by_role("button", name="Link as a duplicate").click()
    expect(page.get_by_text(f"Linked as a duplicate of {first.reference}.")).to_be_visible()
    page.get_by_role("link", name=first.reference).first.click()

    # The primary lists its duplicate; nothing was deleted.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Triage {first.reference}")
    duplicates = page.locator("section", has=page.get_by_role("heading", name="Duplicates"))
    expect(duplicates).to_contain_text(second.reference)
    assert EventReport.objects.filter(organization=org).count() == 2
    assert EventTriage.objects.get(report=second).duplicate_of_id == first.pk

    # The page fits a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(duplicates).to_contain_text(second.reference)


def test_a_serious_event_shows_its_clock_on_the_executive_view(page, live_server, event_org):
    org = event_org
    executive = _person(org, Role.EXECUTIVE_VIEWER, "exec@example.org")
    nurse = _person(org, Role.STAFF_REPORTER, "nurse@example.org")
    report = submit_event(organization=org, reporter=nurse, harm_level="severe",
                          narrative="Mrs. Private fell and broke her hip.").report

    login(page, live_server, executive.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/")
    section = page.locator("section", has=page.get_by_role(
        "heading", name=re.compile(r"^Serious events awaiting your acknowledgement")))
    section.get_by_role("link", name=re.compile(re.escape(report.reference))).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Serious safety events")
    row = page.get_by_role("row", name=re.compile(re.escape(report.reference)))
    expect(row).to_contain_text("Severe harm")
    expect(row.locator(".serious-clock")).to_contain_text(re.compile(r"business days? .*left"))
    expect(page.locator("main")).not_to_contain_text("Mrs. Private")  # no narrative
    expect(page.locator("main")).not_to_contain_text(nurse.email)  # no reporter

    page.set_viewport_size({"width": 390, "height": 844})
    row.get_by_role("button", name=re.compile(r"^Acknowledge")).click()
    expect(page.get_by_text(f"Serious event {report.reference} acknowledged.")).to_be_visible()
    acknowledged = page.locator("section", has=page.get_by_role(
        "heading", name=re.compile(r"^Acknowledged in the last")))
    expect(acknowledged).to_contain_text(report.reference)
    expect(acknowledged).to_contain_text("Yes")
