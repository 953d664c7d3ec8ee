"""RCA² in the browser (issue 12): a reviewer scores a serious event on the SAC matrix from
its triage page, starts the RCA² the score calls for, forms a team (the nurse involved only
consulted), charters it within its 72 hours, and writes a causal statement through the
guided form (a statement missing a part is refused first). Pages are axe-checked (see
conftest) and fit a phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.investigations.models import CausalStatement, Review
from tests.factories import MembershipFactory, UserFactory, joined_days_ago, submit_event

from ..factories import PASSWORD
from .conftest import field, fits, login

pytestmark = pytest.mark.browser

TEAM = [("Ana Ruiz", "leader"), ("Ben Cho", "facilitator"), ("Cleo Diaz", "expert"),
        ("Dev Shah", "outsider")]


def test_a_serious_event_is_scored_and_an_rca2_chartered_with_a_causal_statement(
        page, live_server, org):
    joined_days_ago(org, 365)
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER,
                                 user=UserFactory(email="reviewer@example.org")).user
    nurse = MembershipFactory(organization=org, role=Role.STAFF_REPORTER,
                              user=UserFactory(email="nurse@example.org")).user
    event = submit_event(organization=org, reporter=nurse, harm_level="severe").report

    login(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/events/{event.pk}/triage/")
    sac = page.locator("#sac")
    expect(sac).to_contain_text("Not scored yet")
    sac.get_by_role("link", name="Score the event").click()

    # The SAC matrix: severe harm suggests "major"; the reviewer picks the probability.
    expect(page.get_by_role("heading", level=1)).to_contain_text("on the SAC matrix")
    expect(page.get_by_text("Adapted from the Safety Assessment Code matrix")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^Major"))).to_be_checked()
    page.get_by_role("radio", name=re.compile(r"^Frequent")).check()
    page.get_by_role("button", name="Save the score").click()
    expect(page.get_by_text("Scored SAC 3 (highest risk).")).to_be_visible()
    expect(sac).to_contain_text("Next step: An RCA²")
    sac.get_by_role("button", name="Start an RCA²").click()

    # The review: its clock runs; the team is formed.
    expect(page.get_by_text("Review started.")).to_be_visible()
    expect(page.locator("#start-clock")).to_contain_text("to charter the review")
    expect(page.get_by_text("No form here asks who is at fault")).to_be_visible()
    for name, role in TEAM:
        field(page, "Name").fill(name)
        field(page, "Role on the review").select_option(role)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text(f"{name} added.")).to_be_visible()
    # The nurse who was involved cannot join the team: consulted only.
    field(page, "Name").fill("The night nurse")
    field(page, "Role on the review").select_option("expert")
    field(page, "Directly involved in the event").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("consulted, not a team member")).to_be_visible()
    field(page, "Role on the review").select_option("consulted")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("The night nurse added.")).to_be_visible()

    # The charter starts the review within its 72 hours.
    field(page, "Scope").fill("Night-time medication on the unit")
    field(page, "Questions the review answers").fill("Why did the alarm not sound?")
    field(page, "Aims to finish by").fill(
        (timezone.localdate() + dt.timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Charter the review").click()
    expect(page.get_by_text("The review is chartered.")).to_be_visible()
    expect(page.locator("#start-clock")).to_contain_text("Chartered within 72 hours")

    # A causal statement through the guided form: a missing part first.
    page.get_by_role("link", name="Write a causal statement").click()
    field(page, "Cause").fill("The pump library offers units per hour and per day on one "
                              "screen")
    field(page, "Event").fill("a tenfold dose")
    for number in range(1, 6):
        page.get_by_role("checkbox", name=re.compile(rf"^Rule {number},")).check()
    page.get_by_role("button", name="Save the causal statement").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    expect(page.get_by_text("This part is missing: write the effect")).to_be_visible()
    assert not CausalStatement.objects.exists()
    field(page, "Effect").fill("a rate being entered in the wrong unit without an alert")
    field(page, "Contributing factor").select_option("equipment")
    for number in range(1, 6):
        page.get_by_role("checkbox", name=re.compile(rf"^Rule {number},")).check()
    page.get_by_role("button", name="Save the causal statement").click()
    expect(page.get_by_text("The causal statement is saved.")).to_be_visible()
    expect(page.locator("#causes")).to_contain_text("increased the likelihood of a rate")

    review = Review.objects.get()
    assert review.status == "analysing" and review.chartered_at <= review.start_due_at
    assert [m.role for m in review.members.all()][-1] == "consulted"
    fits(page, 390)
