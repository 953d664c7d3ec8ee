"""An aim and a driver diagram, with the keyboard only: a lead writes the initiative's aim,
then builds aim → primary driver → secondary driver → change idea from the tactics library
linked to a PDSA cycle, each step by focusing a control and pressing a key. After each
action focus lands back on the node acted on. The drawing is read the way a screen reader
gets it (Playwright's aria snapshot) and, like every page, passes axe-core (see conftest);
the diagram page is also used at phone width."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.improvement import services
from safetyhub.improvement.models import DriverNode

from ..factories import PASSWORD, MembershipFactory, UserFactory
from ..improvement.test_initiatives import tactic_of
from .conftest import field, login

pytestmark = pytest.mark.browser


def press(locator, key: str = "Enter") -> None:
    locator.focus()
    locator.press(key)


def type_into(page, label: str, text: str) -> None:
    box = field(page, label)
    box.focus()
    page.keyboard.type(text)


def test_a_lead_builds_an_aim_and_driver_diagram_with_the_keyboard(page, live_server, org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    initiative = services.create_initiative(organization=org, by=lead, title="Fewer falls",
                                            owner=lead, status="active")
    cycle = services.start_cycle(initiative=initiative, by=lead, change="Checklist on 4 West")
    tactic = tactic_of("R01")
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/plan/{initiative.pk}/")

    # The aim, its four parts.
    press(page.get_by_role("link", name="Write an aim"))
    type_into(page, "What will improve", "Reduce falls with injury")
    type_into(page, "For whom", "adult inpatients on 4 West")
    type_into(page, "From (now)", "3.0")
    type_into(page, "To (or by, for a percentage)", "2.0")
    type_into(page, "Unit", "per 1,000 patient days")
    type_into(page, "By when", "06302099")
    press(page.get_by_role("button", name="Save the aim"))
    expect(page.get_by_text("Aim saved.")).to_be_visible()
    sentence = ("Reduce falls with injury for adult inpatients on 4 West from 3.0 to 2.0 per "
                "1,000 patient days by 30 June 2099.")
    expect(page.get_by_text(sentence)).to_be_visible()
    expect(page.get_by_role("list", name="The aim's four parts").get_by_role("listitem")
           ).to_have_count(4)

    # The diagram: primary → secondary → change idea.
    press(page.get_by_role("link", name="Build a driver diagram"))
    press(page.get_by_role("link", name="Add a primary driver"))
    type_into(page, "Text", "Reliable falls risk checks")
    press(page.get_by_role("button", name="Add the primary driver"))
    primary = DriverNode.objects.get(kind="primary")
    expect(page).to_have_url(re.compile(rf"#node-{primary.pk}$"))

    press(page.get_by_role("link", name="Add secondary driver under “Reliable falls risk "
                                        "checks”"))
    type_into(page, "Text", "Risk assessed on admission")
    press(page.get_by_role("button", name="Add the secondary driver"))
    secondary = DriverNode.objects.get(kind="secondary")
    expect(page).to_have_url(re.compile(rf"#node-{secondary.pk}$"))

    press(page.get_by_role("link", name="Add change idea under “Risk assessed on admission”"))
    tactics = field(page, "From the tactics library")
    tactics.focus()
    page.keyboard.type(tactic.title[:20])  # a focused list box selects as you type
    expect(tactics).to_have_value(str(tactic.pk))
    press(page.get_by_role("checkbox", name=f"PDSA {cycle.number}: {cycle.change}"), "Space")
    press(page.get_by_role("button", name="Add the change idea"))
    idea = DriverNode.objects.get(kind="change")
    expect(page).to_have_url(re.compile(rf"#node-{idea.pk}$"))
    assert idea.tactic_id == tactic.pk and list(idea.cycles.all()) == [cycle]
    outline_item = page.locator(f"#node-{idea.pk}")
    expect(outline_item).to_contain_text(tactic.title)
    expect(outline_item.get_by_role("link", name=f"PDSA {cycle.number}: {cycle.change}")
           ).to_be_visible()

    # A second primary driver, moved above the first; focus stays with it.
    press(page.get_by_role("link", name="Add a primary driver"))
    type_into(page, "Text", "Safe rooms")
    press(page.get_by_role("button", name="Add the primary driver"))
    press(page.get_by_role("button", name="Move up “Safe rooms”"))
    expect(page.get_by_text("Moved “Safe rooms” up.")).to_be_visible()
    outline = page.get_by_role("list", name="Primary drivers")
    expect(outline.locator(":scope > li").first).to_contain_text("Safe rooms")

    # The drawing, as a screen reader gets it.
    drawing = page.locator("svg.driver-diagram")
    snapshot = drawing.aria_snapshot()
    for text in ["Aim: " + sentence, "Primary driver: Reliable falls risk checks",
                 "Secondary driver: Risk assessed on admission", f"Change idea: {tactic.title}",
                 "Primary driver: Safe rooms"]:
        assert text in snapshot, snapshot

    # At phone width the page still reads (no sideways scrolling: checked by the audit).
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Driver diagram")
