"""Answering an assessment in the browser: answers save themselves as they are made and
survive a reload; two leads editing one consensus element are shown each other's answer and
choose. Every page and every HTMX swap also passes axe-core (see conftest)."""

import re

import pytest
from playwright.sync_api import Page, expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack, PackItem

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import login

pytestmark = pytest.mark.browser


def person(org, role, email, name):
    user = UserFactory(email=email, full_name=name)
    MembershipFactory(organization=org, user=user, role=role)
    return user


def start(org, lead, team):
    return services.start_assessment(
        organization=org, pack=Pack.objects.get(pack_id="safetyhub-sa", organization=None),
        title="Spring 2026", mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=lead,
        team=team, by=lead,
    )


def items_of(assessment) -> list[PackItem]:
    return list(PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM)
                .order_by("position"))


def saved_after(page: Page, row, action) -> None:
    """Do `action` and wait until the row says its answer was saved."""
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        action()
    expect(row.get_by_role("status")).to_contain_text(re.compile(r"Saved at \d\d:\d\d\."))


def test_member_answers_by_clicking_and_a_reload_keeps_everything(page, live_server, org,
                                                                   member):
    lead = person(org, Role.SAFETY_LEAD, "lead@example.org", "Lee Adeyemi")
    assessment = start(org, lead, [member])
    first, second, third = items_of(assessment)[:3]
    login(page, live_server, member.email, PASSWORD)

    page.get_by_role("navigation", name="Organization").get_by_role(
        "link", name="Self-assessments").click()
    page.get_by_role("link", name="Spring 2026").click()
    page.get_by_role("link", name="Your answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your answers")
    expect(page.get_by_text("Every answer is saved the moment you make it")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Save 1\.1"))).to_be_hidden()

    rows = {item.key: page.locator(f"#item-{item.key}") for item in (first, second, third)}
    row = rows[first.key]
    expect(row.get_by_role("heading", level=3)).to_contain_text(first.title)
    # the title's marker: hovered, its words show; its footnote is in the Sources list
    title_mark = row.get_by_role("heading", level=3).locator(".source-mark")
    title_mark.hover()
    expect(title_mark.locator(".source-tip")).to_be_visible()
    expect(title_mark.locator(".source-tip")).to_have_text(
        "SafetyHub's own: written by the SafetyHub project")
    saved_after(page, row, lambda: row.get_by_role(
        "radio", name=re.compile(r"^Making Progress")).check())
    criterion = row.get_by_role("checkbox").first
    saved_after(page, row, criterion.check)
    row = rows[second.key]
    saved_after(page, row, lambda: row.get_by_role("radio", name="Unsure").check())
    note = row.get_by_role("textbox", name="Note")
    saved_after(page, row, lambda: note.press_sequentially("Need the 2025 board minutes",
                                                           delay=20))
    row = rows[third.key]
    saved_after(page, row, lambda: row.get_by_role(
        "radio", name="Not applicable").check())

    answers = {r.item.key: r for r in Response.objects.filter(respondent=member)
               .select_related("item")}
    assert answers[first.key].value == "2"
    assert answers[first.key].criteria_met == [first.data["criteria"][0]["id"]]
    assert (answers[second.key].value, answers[second.key].note) == (
        "unsure", "Need the 2025 board minutes")
    assert answers[third.key].value == "na"

    page.reload()
    expect(rows[first.key].get_by_role("radio", name=re.compile("^Making Progress"))
           ).to_be_checked()
    expect(rows[first.key].get_by_role("checkbox").first).to_be_checked()
    expect(rows[second.key].get_by_role("radio", name="Unsure")).to_be_checked()
    expect(rows[second.key].get_by_role("textbox", name="Note")).to_have_value(
        "Need the 2025 board minutes")
    expect(rows[third.key].get_by_role("radio", name="Not applicable")).to_be_checked()
    expect(page.get_by_text("You have answered 3 of")).to_be_visible()

    # A bad link is refused at the field, and what was typed stays.
    links = rows[first.key].get_by_role("textbox", name="Evidence links")
    with page.expect_response(lambda r: r.status == 422):
        links.fill("intranet/minutes")
    expect(rows[first.key].get_by_role("status")).to_contain_text("Not saved.")
    expect(links).to_have_accessible_description(re.compile("is not a web address"))
    expect(links).to_have_value("intranet/minutes")


# Whether every provenance marker shows the number of its footnote in the Sources list.
MARKERS_AGREE = """() => {
  const notes = [...document.querySelectorAll(".source-notes li")].map((li) => li.id);
  const marks = [...document.querySelectorAll(".source-mark")];
  return marks.length > 0 && marks.every((mark) =>
    mark.querySelector(".source-number").textContent ===
      String(notes.indexOf(mark.dataset.source) + 1));
}"""


def test_two_leads_on_one_consensus_element_see_the_conflict(page, new_page, live_server,
                                                             org, member):
    lead = person(org, Role.SAFETY_LEAD, "lead@example.org", "Lee Adeyemi")
    co_lead = person(org, Role.SAFETY_LEAD, "colead@example.org", "Cam Ortiz")
    assessment = start(org, lead, [member, co_lead])
    item = items_of(assessment)[0]
    services.save_answer(assessment=assessment, item=item, user=member, value="0")
    services.save_answer(assessment=assessment, item=item, user=co_lead, value="3")
    consensus = f"/o/{org.slug}/assessments/{assessment.pk}/consensus/"

    other = new_page()
    login(page, live_server, lead.email, PASSWORD)
    login(other, live_server, co_lead.email, PASSWORD)
    page.goto(consensus)
    other.goto(consensus)
    mine, theirs = page.locator(f"#item-{item.key}"), other.locator(f"#item-{item.key}")
    expect(mine.get_by_text("Members disagree")).to_be_visible()
    expect(mine.get_by_role("table")).to_contain_text("Cam Ortiz")

    saved_after(page, mine, lambda: mine.get_by_role(
        "radio", name=re.compile("^Significant Impact")).check())
    # The second lead's page still shows version 0.
    with other.expect_response(lambda r: r.status == 409):
        theirs.get_by_role("radio", name=re.compile("^Beginning")).check()
    conflict = theirs.get_by_role("region", name="Someone else changed this answer")
    expect(conflict).to_be_visible()
    # The row was re-rendered alone: its markers carry the numbers of the page's Sources list.
    assert other.evaluate(MARKERS_AGREE), "a swapped row's markers keep the page's numbers"
    their_side = conflict.locator(".conflict-side").filter(has=other.get_by_role(
        "heading", name="Their answer"))
    your_side = conflict.locator(".conflict-side").filter(has=other.get_by_role(
        "heading", name="Your answer"))
    expect(their_side).to_contain_text("Significant Impact")
    expect(their_side).to_contain_text("Lee Adeyemi")
    expect(your_side).to_contain_text("Beginning")
    expect(theirs.get_by_role("status")).to_contain_text("Not saved")
    assert Response.objects.get(respondent=None, item=item).value == "3"

    saved_after(other, theirs, lambda: conflict.get_by_role(
        "button", name="Keep my answer").click())
    expect(theirs.get_by_role("radio", name=re.compile("^Beginning"))).to_be_checked()
    expect(theirs.get_by_role("region", name="Someone else changed this answer")
           ).to_have_count(0)
    assert Response.objects.get(respondent=None, item=item).value == "1"

    # Now the first lead's page is behind: their next change conflicts, and they keep theirs.
    rationale = mine.get_by_role("textbox", name="Why the team agreed (rationale)")
    with page.expect_response(lambda r: r.status == 409):
        rationale.fill("Plan exists but is not measured")
    conflict = mine.get_by_role("region", name="Someone else changed this answer")
    expect(conflict).to_contain_text("Cam Ortiz")
    with page.expect_response(lambda r: r.request.method == "GET" and r.status == 200):
        conflict.get_by_role("link", name="Keep their answer").click()
    expect(mine.get_by_role("radio", name=re.compile("^Beginning"))).to_be_checked()
    expect(mine.get_by_role("heading", level=3)).to_be_focused()
    assert Response.objects.get(respondent=None, item=item).rationale == ""
