"""Progress ratings and consensus in minutes in the browser, at phone width: a lead rates an
initiative twice and sees both months in the history; a lead filters the consensus sheet to
the items that need discussion and accepts the unanimous answers. Every page passes axe-core
(see conftest)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from safetyhub.assessments import services as assessments
from safetyhub.assessments.models import Response
from safetyhub.core.models import Role
from safetyhub.improvement import services as plan

from ..assessments.test_cycles import items_of, start
from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import field, login

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_lead_rates_an_initiative_twice_and_sees_both_months(page, live_server, org, owner):
    initiative = plan.create_initiative(organization=org, by=owner, title="Leader rounds")
    this_month = dt.date.today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    page.set_viewport_size(PHONE)
    login(page, live_server, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/plan/{initiative.pk}/")
    for month, value, note in [(last_month, "1.5", "Team formed, aim drafted"),
                               (this_month, "2.5", "First PDSA cycles")]:
        field(page, "Month").fill(f"{month:%Y-%m}")
        field(page, "Rating").select_option(value)
        field(page, "Why this rating (optional)").fill(note)
        page.get_by_role("button", name="Save the rating").click()
        expect(page.get_by_role("status")).to_contain_text(f"Rated {month:%B %Y}: {value}")
    history = page.get_by_role("region", name="Progress ratings by month")
    expect(history.get_by_role("row")).to_have_count(3)
    expect(history).to_contain_text(f"{last_month:%B %Y}")
    expect(history).to_contain_text("First PDSA cycles")
    expect(page.get_by_role("img", name=re.compile("Step chart of the initiative"))).to_be_visible()
    page.goto(f"{live_server.url}/o/{org.slug}/plan/board/")
    expect(page.locator(f"#initiative-{initiative.pk}")).to_contain_text("2.5")


def test_a_lead_filters_the_sheet_and_accepts_the_unanimous_answers(page, live_server, org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    colleague = UserFactory(email="sam@example.org", full_name="Sam Ortiz")
    MembershipFactory(organization=org, user=colleague, role=Role.ASSESSOR)
    assessment = start(org, lead, [colleague])
    items = items_of(assessment)
    for item, (mine, theirs) in zip(items, [("2", "2"), ("3", "3"), ("2", "3"),
                                            ("unsure", "unsure")], strict=False):
        assessments.save_answer(assessment=assessment, item=item, user=lead, value=mine)
        assessments.save_answer(assessment=assessment, item=item, user=colleague, value=theirs)
    discuss = len(items) - 2
    page.set_viewport_size(PHONE)
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/assessments/{assessment.pk}/consensus/")
    count = page.locator("#discussion-count")
    expect(count).to_contain_text(f"{discuss} questions need discussion")
    page.get_by_role("button", name="Show only items that need discussion").click()
    expect(page).to_have_url(re.compile(r"discuss=1"))
    expect(page.locator(f"#item-{items[2].key}")).to_be_visible()
    expect(page.locator(f"#item-{items[0].key}")).to_have_count(0)
    expect(count).to_be_visible()
    page.get_by_role("button", name="Accept the 2 unanimous answers").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Accepted 2 answers; {discuss} items need discussion.")
    expect(page.locator("#discussion-count")).to_contain_text("0 have the same answer")
    expect(page.get_by_role("button", name="Accept the 2 unanimous answers")).to_have_count(0)
    assert set(Response.objects.filter(assessment=assessment, respondent=None)
               .values_list("value", flat=True)) == {"2", "3"}
