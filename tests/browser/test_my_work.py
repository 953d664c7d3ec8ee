"""My work in the browser: a new team member signs in, lands on My work, finds the
assessment waiting on them and follows its link to the answer sheet. Pages are checked with
axe-core (see conftest)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment
from safetyhub.frameworks.models import Pack

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser


def test_a_new_team_member_finds_the_assessment_on_my_work(page, live_server, org, owner,
                                                          member):
    assessment = services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Spring 2026", mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner,
        team=[member], by=owner, opens_on=timezone.localdate())

    login(page, live_server, member.email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/o/{org.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My work")
    expect(page.get_by_role("link", name="My work")).to_have_attribute("aria-current", "page")
    section = page.locator("section", has=page.get_by_role("heading", name=re.compile(
        r"^Questions to answer")))
    expect(section).to_contain_text("0 of ")
    section.get_by_role("link", name="Spring 2026").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/answer/"))

    # My work's own content (the status strip, the lists) fits a phone's width: nothing in
    # <main> scrolls sideways. (The page frame at 390 px is issue 10 item 8's.)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/o/{org.slug}/")
    strip = page.locator(".status-strip")
    expect(strip).to_be_visible()
    overflow = page.evaluate("document.querySelector('main').scrollWidth"
                             " - document.querySelector('main').clientWidth")
    assert overflow <= 0
