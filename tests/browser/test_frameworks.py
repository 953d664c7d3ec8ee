"""The framework explorer as a safety lead uses it: browse an area to a recommendation, its
tactics and resources; ask what helps meet a PSSM statement; search; upload an
organization's own pack. Every page also passes axe-core (see conftest)."""

import re

import pytest
import yaml
from playwright.sync_api import Page, expect

from ..factories import PASSWORD
from ..frameworks.test_services import ORG_PACK
from .conftest import check_accessibility, field, login

pytestmark = pytest.mark.browser


def side_nav(page: Page):
    return page.get_by_role("navigation", name="Organization")


def test_browse_area_recommendation_tactic_and_resource(page, live_server, member):
    login(page, live_server, member.email, PASSWORD)
    side_nav(page).get_by_role("link", name="Workforce Safety").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workforce Safety")
    # The title's provenance is a small marker, not a parenthesis. A person tabs to it: its
    # words appear beside it (and are its description), and the page's Sources list at the
    # end holds them too, for print and for screen readers.
    mark = page.locator("h1 .source-mark")
    tip = mark.locator(".source-tip")
    words = "Official title — source: IHI, Background on the National Action Plan"
    expect(tip).to_be_hidden()
    page.locator("#main").focus()
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('h1 .source-mark')"):
            break
    expect(mark).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(words)
    expect(mark).to_have_accessible_description(re.compile("^" + re.escape(words)))
    check_accessibility(page)  # axe-clean and no sideways scrolling with the words shown
    page.keyboard.press("Tab")
    expect(tip).to_be_hidden()
    notes = page.get_by_role("region", name="Where the framework texts come from")
    expect(notes.get_by_role("listitem").first).to_contain_text(words)
    page.get_by_role("link", name=re.compile("Implement a systems approach")).click()
    expect(page.get_by_role("heading", name="Crosswalk")).to_be_visible()
    # the recommendation's own tactics are listed under "Tactics that help"
    tactics = page.get_by_role("heading", name="Tactics that help").locator(
        "xpath=following-sibling::ul[1]").get_by_role("link")
    expect(tactics.first).to_be_visible()
    tactics.first.click()
    expect(page.locator(".provenance-banner")).to_contain_text("A SafetyHub tactic")
    expect(page.get_by_role("heading", name="Resources")).to_be_visible()
    expect(page.locator(".resource .source-tip").first).to_have_text("Suggested by SafetyHub")


def test_what_helps_us_meet_a_pssm_statement(page, live_server, member, org):
    login(page, live_server, member.email, PASSWORD)
    side_nav(page).get_by_role("link", name="All frameworks").click()
    page.get_by_role("link", name="Patient Safety Structural Measure").click()
    page.get_by_role("link", name=re.compile(r"^3B\.")).click()
    expect(page.locator("p.pack-text .source-tip").first).to_contain_text(
        "Paraphrase, not the official wording")
    expect(page.get_by_role("heading", name="Tactics that help")).to_be_visible()
    expect(page.get_by_role("heading", name="One step further")).to_be_visible()
    expect(page.locator(".crosswalk")).to_contain_text("SafetyHub Self-Assessment")


def test_search_and_tactic_filters(page, live_server, member):
    login(page, live_server, member.email, PASSWORD)
    side_nav(page).get_by_role("link", name="Search").click()
    field(page, "Search frameworks").fill("huddle")
    page.get_by_role("main").get_by_role("button", name="Search").click()  # not the header's
    expect(page.get_by_role("status")).to_contain_text("for “huddle”")
    first = page.locator(".results li a").first
    expect(first).to_be_visible()
    first.click()
    expect(page.locator("body")).to_contain_text(re.compile("huddle", re.I))
    side_nav(page).get_by_role("link", name="Tactics library").click()
    field(page, "Recommendation").select_option("R15")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"^\d+ tactics?\.$"))
    expect(page.locator(".tactic-list")).to_contain_text("for 15.")


def test_admin_uploads_an_organization_pack(page, live_server, owner, org, tmp_path):
    bad = tmp_path / "ours.yaml"
    bad.write_text(yaml.safe_dump({**ORG_PACK, "links": [
        {"from": "riverside-falls:RISK-1", "to": "pssm:9Z"}]}))
    good = tmp_path / "falls.yaml"
    good.write_text(yaml.safe_dump(ORG_PACK))
    login(page, live_server, owner.email, PASSWORD)
    side_nav(page).get_by_role("link", name="All frameworks").click()
    page.get_by_role("link", name="Upload your own pack").click()
    field(page, "Pack file (YAML)").set_input_files(str(bad))
    page.get_by_role("button", name="Check and load").click()
    expect(page.locator(".errorlist")).to_contain_text(
        "ours.yaml: links[0].to: 'pssm:9Z' names no item of pack 'pssm'")
    field(page, "Pack file (YAML)").set_input_files(str(good))
    page.get_by_role("button", name="Check and load").click()
    expect(page.get_by_role("status")).to_contain_text("Loaded Riverside falls readiness")
    expect(page.locator(".pack-meta")).to_contain_text("your organization's own pack")
