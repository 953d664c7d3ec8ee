"""An anonymous family member reports on a phone (390 px) with no account: first forgets
what happened (a plain error, nothing typed lost), then sends, writes the follow-up code
down, and days later, in a fresh browser, types it in and reads the closing message the
reviewer wrote. Every page passes axe-core and none scrolls sideways (see conftest)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safetyhub.core.models import Role
from safetyhub.events import public, triage
from safetyhub.events.models import EventReport

from ..factories import MembershipFactory, SiteFactory, UserFactory, joined_days_ago
from .conftest import field, fits

pytestmark = pytest.mark.browser

CLOSING = ("Thank you for telling us. The night team now checks every dose against the "
           "chart before giving it.")


def ask(page: Page, label: str):
    """The box whose label starts with `label` (a required one ends "(needed)")."""
    return page.get_by_label(re.compile("^" + re.escape(label)))



def test_an_anonymous_family_member_reports_on_a_phone_and_later_reads_the_closing_message(
        new_page, live_server, org):
    joined_days_ago(org, 90)
    SiteFactory(organization=org, name="Ward 3 North")
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER,
                                 user=UserFactory(email="reviewer@example.org")).user
    public.set_public_page(organization=org, is_open=True)

    page = new_page(390)
    page.goto(f"{live_server.url}/report/{org.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tell us about a safety problem")
    expect(page.get_by_role("heading", name="What we keep")).to_be_visible()
    fits(page)

    day = timezone.localdate() - dt.timedelta(days=1)
    ask(page, "What day was it?").fill(day.isoformat())
    page.get_by_role("group", name=re.compile("About what time")).get_by_label(
        "In the evening").check()
    field(page, "Where did it happen?").select_option(label="Ward 3 North")
    page.get_by_role("group", name=re.compile("Was someone hurt")).get_by_label(
        re.compile("Yes, a little")).check()
    page.get_by_role("group", name=re.compile("Who are you")).get_by_label(
        "I am in the patient's family.").check()
    page.get_by_role("group", name=re.compile("Do you want to give your name")).get_by_label(
        "No. I want to stay anonymous.").check()
    expect(field(page, "Your name")).to_be_hidden()  # staying anonymous: no contact boxes
    page.get_by_text("About the patient (you can skip this part)").click()
    field(page, "The patient's age").select_option(label="85 or older")
    fits(page)

    # Forgot to say what happened: told so in plain words, and nothing typed is lost.
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", name="Please check your report")).to_be_visible()
    expect(page.locator("#q-what_happened")).to_contain_text("Please tell us what happened.")
    expect(ask(page, "What day was it?")).to_have_value(day.isoformat())
    expect(page.get_by_label("No. I want to stay anonymous.")).to_be_checked()
    expect(field(page, "The patient's age")).to_have_value("85+")
    assert EventReport.objects.count() == 0
    fits(page)

    ask(page, "What happened?").fill(
        "My grandmother was given her evening pills twice. The second nurse did not know.")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. We got your report.")
    code = page.locator("#follow-up-code").inner_text().strip()  # written down on paper
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code), code
    fits(page)
    assert not any(c["name"] == "sessionid" for c in page.context.cookies())

    report = EventReport.objects.get()
    assert report.is_anonymous and report.reporter is None
    assert report.channel == EventReport.Channel.PATIENT_FAMILY
    assert report.site.name == "Ward 3 North" and report.harm_level == "mild"
    assert report.patient_age_band == "85+"

    # Days later the safety team closes it, with a message for the reporter.
    triage.change_status(report=report, by=reviewer, to=EventReport.Status.IN_REVIEW)
    triage.close_report(report=EventReport.objects.get(), by=reviewer, closing_message=CLOSING)

    later = new_page(390)  # another day, another browser: only the code on paper
    later.goto(f"{live_server.url}/report/{org.slug}/")
    later.get_by_role("link", name="Check on a report you sent before").click()
    expect(later.get_by_role("heading", level=1)).to_have_text("Check on your report")
    field(later, "Your code").fill(code.lower().replace("-", " "))  # as typed from paper
    later.get_by_role("button", name="Check my report").click()
    expect(later.get_by_text("We have finished looking into your report.")).to_be_visible()
    expect(later.get_by_role("heading", name="What we learned and what we did")).to_be_visible()
    expect(later.locator(".closing-message")).to_contain_text(CLOSING)
    fits(later)
