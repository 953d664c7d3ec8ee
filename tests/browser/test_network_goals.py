"""Shared goals on a phone: a network lead sets a goal; an organization admin takes part,
sends a month, sees a bad file refused row by row, and finds its own chart beside the
network's. Every page passes axe-core (conftest) and none scrolls sideways at 390 px."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.network.models_goals import GoalValue
from tests.network.goals_fixtures import months_ago

from ..factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory, network_with
from .conftest import field, fits, login, sign_out

pytestmark = pytest.mark.browser


def test_a_lead_sets_a_goal_and_a_member_sends_its_months(page, live_server, org, tmp_path):
    admin = MembershipFactory(organization=org, role=Role.ORG_ADMIN,
                              user=UserFactory(email="admin@example.org")).user
    lead = MembershipFactory(organization=OrganizationFactory(name="Lead's own office"),
                             role=Role.ORG_ADMIN, user=UserFactory(email="lead@example.org")
                             ).user
    network = network_with(org, *[OrganizationFactory() for _ in range(4)], lead=lead,
                           slug="valley", name="Valley Collaborative")
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"/n/{network.slug}/goals/")
    expect(page.get_by_role("heading", name=re.compile("Shared goals"), level=1)).to_be_visible()
    page.get_by_role("link", name="Set a new goal").click()
    field(page, "Title").fill("Falls with injury")
    field(page, "What is counted (numerator)").fill("Falls with injury")
    field(page, "Counted against (denominator)").fill("Patient days")
    field(page, "Unit").fill("per 1,000 patient days")
    field(page, "Multiplier").fill("1000")
    field(page, "Chart").select_option("u")
    field(page, "Better when").select_option("decrease")
    field(page, "First month counted").fill(months_ago(6).strftime("%Y-%m"))
    fits(page)
    page.get_by_role("button", name="Set the goal").click()
    expect(page.get_by_role("heading", name=re.compile("Falls with injury"), level=1)
           ).to_be_visible()
    expect(page.locator("main")).to_contain_text("No month to draw yet")
    fits(page)
    sign_out(page)

    login(page, live_server, admin.email, PASSWORD)
    page.goto(f"/n/{network.slug}/goals/")
    page.get_by_role("link", name="Falls with injury").click()
    page.get_by_role("link", name="Take part, send values").click()
    page.get_by_role("button", name="Take part").click()
    expect(page.locator("main")).to_contain_text("Riverside General takes part")
    field(page, "Month").fill(months_ago(1).strftime("%Y-%m"))
    field(page, "Numerator").fill("3")
    field(page, "Denominator").fill("2850")
    page.get_by_role("button", name="Save the month").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text("saved")
    fits(page)

    bad = tmp_path / "falls.csv"
    bad.write_text(f"month,numerator,denominator\n{months_ago(2):%Y-%m},two,2700\n"
                   f"{months_ago(0):%Y-%m},1,2800\n")
    page.get_by_label(re.compile("CSV or XLSX file")).set_input_files(bad)
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("row 2, column numerator")
    expect(alert).to_contain_text("row 3, column period")
    assert GoalValue.objects.count() == 1
    fits(page)

    page.get_by_role("link", name=re.compile(r"Falls with injury \(Valley")).click()
    expect(page.get_by_role("heading", name="The network")).to_be_visible()
    expect(page.get_by_role("heading", name="Riverside General")).to_be_visible()
    expect(page.locator("main svg")).to_have_count(1)  # its own; the network's month: 1 of 5
    expect(page.locator("main")).to_contain_text("not shown (fewer than 5)")
    fits(page)
