"""The signal watch on a phone: a patient-safety lead opens the event dashboard, goes to the
signal watch, sees the planted shift (falls on 4 West) with its chart and plain words — and
not the stable series — and follows it as a measure whose chart counts the reports. Every
page passes axe-core (conftest) and none scrolls sideways at 390 px."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from tests.events.test_signal_watch import SHIFTED, STABLE, _rows

from ..factories import PASSWORD, MembershipFactory, SiteFactory, UserFactory
from .conftest import field, fits, login

pytestmark = pytest.mark.browser



def test_signal_watch_shows_a_planted_shift(page, live_server, org):
    from safetyhub.events.demo import bulk_reports

    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD,
                             user=UserFactory(email="lead@example.org")).user
    west = SiteFactory(organization=org, name="4 West", kind="unit")
    icu = SiteFactory(organization=org, name="ICU", kind="unit")
    bulk_reports(organization=org, rows=_rows(west, "fall", SHIFTED)
                 + _rows(west, "medication", STABLE) + _rows(icu, "fall", STABLE))

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/events/dashboard/")
    expect(page.get_by_role("heading", name="Event dashboard", level=1)).to_be_visible()
    fits(page)
    page.get_by_role("navigation", name="Event measures").get_by_role(
        "link", name="Signal watch").click()
    expect(page.get_by_role("heading", name="Signal watch", level=1)).to_be_visible()
    fits(page)
    signal = page.locator(".signal-watch > li")
    expect(signal).to_have_count(1)
    expect(signal.get_by_role("heading", name="Fall on 4 West")).to_be_visible()
    expect(signal).to_contain_text("Higher than expected")
    expect(signal.locator("svg")).to_be_visible()
    expect(signal.locator(".signal-list li").first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Medication on 4 West")
    expect(page.locator("main")).not_to_contain_text("Fall on ICU")

    signal.get_by_role("link", name=re.compile("Follow it as a measure")).click()
    field(page, "Name").fill("Falls on 4 West")
    expect(field(page, "Category")).to_have_value("fall")
    page.get_by_role("button", name="Add the measure").click()
    expect(page.get_by_role("heading", name=re.compile("Falls on 4 West"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Computed whenever this page is read")
    expect(page.locator(".spc-chart svg:visible")).to_be_visible()
    fits(page)
