"""A staff member reports a fall on a phone (390 px): from My work to the form, the fall's
own question appearing once the category is chosen, a draft that survives a reload, and
the confirmation with the reference. Every page passes axe-core and none scrolls sideways
(see conftest)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.events.models import EventReport

from ..factories import PASSWORD, MembershipFactory, SiteFactory, UserFactory, joined_days_ago
from .conftest import field, fits, login

pytestmark = pytest.mark.browser



def test_a_staff_member_reports_a_fall_on_a_phone(page, live_server, org):
    joined_days_ago(org, 30)
    SiteFactory(organization=org, name="Ward 4 East")
    nurse = MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                              user=UserFactory(email="nurse@example.org")).user
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, nurse.email, PASSWORD)
    page.get_by_role("link", name="Report a safety event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a safety event")
    fits(page)

    page.get_by_label("Incident").check()
    field(page, "Category").select_option(label="Fall")
    question = page.get_by_role("group", name=re.compile("Was the patient injured"))
    expect(question).to_be_visible()  # came with the category, no reload
    question.get_by_label("Minor (bruise, small cut)").check()
    when = timezone.localtime() - dt.timedelta(hours=2)
    field(page, "When did it happen?").fill(when.strftime("%Y-%m-%dT%H:%M"))
    field(page, "Where?").select_option(label="Ward 4 East")
    def saves_narrative(response) -> bool:
        return "/report/draft/" in response.url and "slipped getting out" in (
            response.request.post_data or "")

    with page.expect_response(saves_narrative):  # saved as typed, within a second
        field(page, "What happened?").fill("Patient slipped getting out of bed at night.")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")

    page.reload()  # a lost connection, a closed tab: the draft comes back
    expect(field(page, "What happened?")).to_have_value(
        "Patient slipped getting out of bed at night.")
    expect(page.get_by_role("group", name=re.compile("Was the patient injured"))
           .get_by_label("Minor (bruise, small cut)")).to_be_checked()
    fits(page)

    page.get_by_role("group", name=re.compile("How much harm")).get_by_label("Mild harm").check()
    page.get_by_text("More details (optional)").click()
    page.get_by_role("group", name=re.compile("People involved")).get_by_label("Nurse").check()
    fits(page)
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your report was received")
    report = EventReport.objects.get()
    expect(page.locator(".reference")).to_have_text(report.reference)
    fits(page)
    assert report.reporter == nurse and report.category == "fall"
    assert report.answers == {"injury": "minor"} and report.people_involved == ["nurse"]
    assert report.harm_level == "mild" and report.site.name == "Ward 4 East"
