"""Search from the header's box, on a phone: the hits of every kind with the words marked,
the kind filter, and a hit that leads to its record. Every page also passes axe-core (see
conftest) and none scrolls sideways at 390 px."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.improvement import services
from safetyhub.measures.models import Measure

from ..factories import PASSWORD
from .conftest import fits, login

pytestmark = pytest.mark.browser



def test_search_from_the_header_on_a_phone(page, live_server, org, owner, member):
    plan = services.create_initiative(organization=org, by=owner, title="Reduce falls on ward 4",
                                      description="Hourly rounding where a fall is likely")
    Measure.objects.create(organization=org, name="Falls per 1,000 bed days", type="outcome",
                           numerator="inpatient falls", direction="decrease")
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, member.email, PASSWORD)
    fits(page)

    banner = page.get_by_role("banner")
    banner.get_by_label("Search Riverside General").fill("fall")
    banner.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("for “fall”")
    fits(page)
    results = page.locator(".search-results")
    expect(results.locator("mark").first).to_be_visible()
    expect(results).to_contain_text("Reduce falls on ward 4")

    page.get_by_role("navigation", name="Kinds of record").get_by_role(
        "link", name=re.compile(r"^Measures \(1\)")).click()
    expect(results.get_by_role("link")).to_have_count(1)
    expect(results).not_to_contain_text("Reduce falls on ward 4")

    page.get_by_role("navigation", name="Kinds of record").get_by_role(
        "link", name=re.compile(r"^Initiatives")).click()
    results.get_by_role("link", name=re.compile("Reduce falls")).click()
    expect(page).to_have_url(re.compile(rf"/plan/{plan.pk}/$"))
    fits(page)
