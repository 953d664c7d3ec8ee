"""Spread, in the browser at phone width: a patient-safety lead spreads an initiative that
worked on 4 West to 5 East with an owner, opens 5 East's initiative and follows its link
back, and, once 5 East has data, sees 5 East's chart beside 4 West's on the original. Every
page passes axe-core (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative
from safetyhub.measures.models import Measure

from ..factories import PASSWORD, SiteFactory
from ..improvement.test_spread import add_points, make_original, person, unit
from .conftest import field, login

pytestmark = pytest.mark.browser


def test_a_lead_spreads_an_initiative_to_a_second_unit(page, live_server, org):
    lead = person(org, Role.SAFETY_LEAD, email="lead@example.org", full_name="Lee Adeyemi")
    nurse = person(org, Role.ASSESSOR, email="nurse@example.org", full_name="Nia Okafor")
    hospital = SiteFactory(organization=org, name="Riverside Main")
    west, east = unit(org, "4 West", parent=hospital), unit(org, "5 East", parent=hospital)
    original = make_original(org, lead, lead, west)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, lead.email, PASSWORD)

    page.goto(f"{live_server.url}/o/{org.slug}/plan/{original.pk}/")
    expect(page.get_by_role("heading", name="Where this spread")).to_be_visible()
    expect(page.get_by_text("Not spread to other units yet.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Spread to other units")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Spread to other units")
    expect(page.get_by_role("checkbox", name=re.compile(r"4 West"))).to_have_count(0)  # own

    # Nothing chosen: the error names the field and nothing is made.
    page.get_by_role("button", name="Spread the initiative").click()
    expect(page.get_by_role("alert")).to_contain_text("The initiative was not spread")
    expect(page.get_by_text("Choose at least one site or unit")).to_be_visible()

    page.get_by_role("checkbox", name=re.compile(r"5 East")).check()
    field(page, "Owner in 5 East").select_option(str(nurse.pk))
    page.get_by_role("button", name="Spread the initiative").click()
    expect(page.get_by_text("Spread “Hourly rounding” to 5 East.")).to_be_visible()
    adopted = Initiative.objects.get(spread_from=original)
    assert (adopted.site, adopted.owner) == (east, nurse)

    # 5 East's initiative links back to the original.
    section = page.locator("section", has=page.get_by_role("heading", name="Where this spread"))
    section.get_by_role("link", name=re.compile(r"^5 East")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hourly rounding")
    expect(page.locator(".spread-origin")).to_have_text(
        "Spread from: Hourly rounding on 4 West")
    expect(page.get_by_text("Proposed", exact=True)).to_be_visible()
    page.locator(".spread-origin").get_by_role("link", name="Hourly rounding").click()
    expect(page).to_have_url(re.compile(rf"/plan/{original.pk}/$"))

    # Once 5 East has data, its chart shows beside 4 West's.
    copy = Measure.objects.get(initiatives=adopted, name__startswith="Falls")
    add_points(copy, [7, 6, 6, 5, 4, 4])
    page.reload()
    card = page.locator(".spread-adopters > li", has_text="5 East")
    expect(card).to_contain_text("Nia Okafor")
    theirs = card.get_by_role("img", name=re.compile(r"^5 East: "))
    ours = card.get_by_role("img", name=re.compile(r"^4 West \(this initiative\): ")).first
    for chart in (theirs, ours):
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=chart.element_handle())
    expect(theirs).to_have_attribute("src", re.compile(rf"/measures/{copy.pk}/chart.svg"))
