"""From "Where to start" to a measured initiative, in the browser (issue 10): the lead
chooses three priorities, each with a reason and a judgement of effort and impact, turns
one into an initiative with its tactic, owner and due date, and links a measure from the
initiative's page. Every page passes axe-core (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.assessments.models import ChosenPriority
from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import field, login
from .test_improvement import finalized_assessment

pytestmark = pytest.mark.browser


def test_the_lead_chooses_priorities_and_plans_one_with_a_measure(page, live_server, org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    owner = UserFactory(email="ana@example.org", full_name="Ana Owner")
    MembershipFactory(organization=org, user=owner, role=Role.ASSESSOR)
    assessment = finalized_assessment(org, lead)
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/assessments/{assessment.pk}/priorities/")
    expect(page.get_by_text("None chosen yet.")).to_be_visible()

    entries = page.locator("ol.priority-list > li[id^='p-']")
    keys = [entries.nth(k).get_attribute("id").removeprefix("p-") for k in range(3)]
    for n, key in enumerate(keys):
        entry = page.locator(f"#p-{key}")
        entry.locator("summary", has_text="Choose as a priority").click()
        entry.get_by_label(re.compile("^Reason")).fill(f"Reason {n + 1}: we saw harm here.")
        entry.get_by_label(re.compile("^Effort")).select_option("low" if n else "medium")
        entry.get_by_label(re.compile("^Impact")).select_option("high")
        entry.get_by_role("button", name=re.compile(r"^Choose ")).click()
        expect(page.locator(f"#chosen-{key}")).to_contain_text(f"Reason {n + 1}")
    assert ChosenPriority.objects.filter(assessment=assessment).count() == 3
    expect(page.get_by_text(re.compile(r"choose at least 3"))).to_have_count(0)

    # The first chosen becomes an initiative with a tactic, an owner and a due date.
    page.locator(f"#chosen-{keys[0]}").get_by_role(
        "link", name=re.compile(r"^Add to action plan")).click()
    field(page, "Tactic to adopt").select_option(index=1)
    tactic_label = page.locator("#id_tactic option:checked").inner_text()
    field(page, "Owner").select_option(str(owner.pk))
    field(page, "Due date").fill("2026-09-30")
    page.get_by_role("button", name="Add to the action plan").click()
    expect(page.get_by_text(re.compile(r"Added “Improve: "))).to_be_visible()
    initiative = Initiative.objects.get(organization=org)
    assert initiative.owner == owner and initiative.tactic is not None
    assert initiative.source_item.key == keys[0]
    assert tactic_label.startswith(initiative.tactic.title)

    # From the initiative's page, a measure from the starter library, linked at once.
    page.get_by_label("A new measure from the starter library").select_option("falls-rate")
    page.get_by_role("button", name="Add and link").click()
    expect(page.get_by_text(re.compile(r"Linked “Patient falls"))).to_be_visible()
    measures = page.locator("section[aria-labelledby=measures]")
    expect(measures.get_by_role("link", name=re.compile("Patient falls"))).to_be_visible()
    assert initiative.measures.count() == 1
