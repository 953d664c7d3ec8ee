"""A new team member hears about it: the header counts the notification, the list links to
the answer sheet, marking it read (HTMX) clears the count, and the account page keeps the
email choices. Every page is checked with axe-core (see conftest)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment
from safetyhub.core.models import NotificationPreference
from safetyhub.frameworks.models import Pack

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser


def test_a_new_team_member_sees_the_notification_and_marks_it_read(
        page, live_server, owner, member, org):
    assessment = services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Baseline 2026", mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner,
        team=[member], by=owner, opens_on=dt.date.today())

    login(page, live_server, member.email, PASSWORD)
    header = page.get_by_role("navigation", name="Your account")
    bell = header.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name("Notifications 1 unread")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_role("link", name=re.compile("Baseline 2026"))
    expect(item).to_have_attribute("href", f"/o/{org.slug}/assessments/{assessment.pk}/answer/")

    page.get_by_role("button", name=re.compile("^Mark read")).click()  # an HTMX swap
    expect(page.get_by_role("button", name=re.compile("^Mark read"))).to_have_count(0)
    page.reload()
    expect(header.get_by_role("link", name=re.compile(r"^Notifications"))).to_have_accessible_name(
        "Notifications")

    item.click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/answer/$"))

    page.goto(f"{live_server.url}/account/")
    choice = page.get_by_role("checkbox", name="Added to an assessment team")
    expect(choice).to_be_checked()
    choice.uncheck()
    page.get_by_role("button", name="Save email choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your email choices are saved.")
    expect(page.get_by_role("checkbox", name="Added to an assessment team")).not_to_be_checked()
    assert NotificationPreference.objects.get(user=member,
                                              kind="assessments.team_added").email is False
