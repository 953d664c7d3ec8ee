"""Issue 12, Done means (first bullet), in the browser: a serious event is scored on the SAC
matrix, an RCA² is chartered within its 72-hour clock, a causal statement and a stronger
action with its measure are recorded, the disclosure is logged, peer support is offered, the
event closes with its message to the reporter, the reporter reads it, and the PSSM readiness
view shows the new evidence from SafetyHub's records (and the board view its aggregates).
Every page is checked with axe-core (see conftest)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.assessments import services as assessments
from safetyhub.assessments.models import Assessment
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack
from safetyhub.investigations.models import Review
from safetyhub.investigations.models_actions import ReviewAction
from tests.factories import MembershipFactory, UserFactory, joined_days_ago, submit_event

from ..factories import PASSWORD
from .conftest import field, login

pytestmark = pytest.mark.browser

CLOSING = ("Thank you for reporting this fall. Bed alarms now stay on for patients at high "
           "risk of falling unless two nurses agree.")
TEAM = [("Dana Lead", "Team leader"),
        ("Femi Facilitator", "Facilitator (versed in RCA² and safety science)"),
        ("Eli Expert", "Subject-matter expert"),
        ("Fran Frontline", "Frontline staff from the area")]


def _person(org, role, email, **names):
    return MembershipFactory(organization=org, role=role,
                             user=UserFactory(email=email, **names)).user


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _card(page, key: str):
    return page.locator(f"#statement-{key}")


def test_a_serious_event_goes_from_score_to_closed_loop_and_shows_in_the_pssm_view(
        page, new_page, live_server, org):
    joined_days_ago(org, 365)
    reviewer = _person(org, Role.EVENT_REVIEWER, "reviewer@example.org")
    lead = _person(org, Role.SAFETY_LEAD, "lead@example.org", full_name="Lee Lead")
    nurse = _person(org, Role.STAFF_REPORTER, "nurse@example.org")
    coordinator = _person(org, Role.SUPPORT_COORDINATOR, "coordinator@example.org")
    report = submit_event(organization=org, reporter=nurse, harm_level="severe",
                          occurred_at=timezone.now() - dt.timedelta(hours=3),
                          narrative="Patient fell at night on the way to the bathroom.").report
    assessments.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="pssm"),
        title="PSSM readiness 2026", mode=Assessment.Mode.CONSENSUS_ONLY, lead=lead,
        team=[reviewer], by=lead)
    slug = org.slug

    # The reviewer scores the event on the SAC matrix from its triage page.
    login(page, live_server, reviewer.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{slug}/events/{report.pk}/triage/")
    page.get_by_role("link", name="Score the event").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("on the SAC matrix")
    page.get_by_label(re.compile(r"Major:")).check()
    page.get_by_label(re.compile(r"Frequent:")).check()
    page.get_by_role("button", name="Save the score").click()
    expect(page.get_by_text("Scored SAC 3")).to_be_visible()

    # SAC 3 needs an RCA²: start it; its 72-hour clock runs from the score.
    page.get_by_role("button", name="Start an RCA²").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"RCA² of event {report.reference}")
    expect(page.locator("#start-clock")).to_contain_text("to charter the review")

    # The team (4 people, none involved in the event), then the charter.
    for name, role in TEAM:
        add = page.get_by_text("Add a person", exact=True)
        if page.get_by_label(re.compile(r"^Name:?$")).is_hidden():
            add.click()
        field(page, "Name").fill(name)
        field(page, "Role on the review").select_option(label=role)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text(f"{name} added.")).to_be_visible()
    field(page, "Scope").fill("Night-time falls on 4 West: alarms, sedation, staffing.")
    field(page, "Questions the review answers").fill(
        "What happened, why, and what would stop it happening again?")
    field(page, "Aims to finish by").fill(
        (timezone.localdate() + dt.timedelta(days=45)).isoformat())
    page.get_by_role("button", name="Charter the review").click()
    expect(page.get_by_text("The review is chartered.")).to_be_visible()
    expect(page.locator("#start-clock")).to_contain_text("Chartered within 72 hours")

    # A causal statement, checked against the five rules of causation.
    page.get_by_role("link", name="Write a causal statement").click()
    field(page, "Cause").fill("Bed alarms can be switched off at the bedside without a "
                              "second check")
    field(page, "Effect").fill("a patient at high risk of falling left without an alarm at "
                               "night")
    field(page, "Event").fill("the patient falling unobserved on the way to the bathroom")
    for box in page.locator('input[name="rules_confirmed"]').all():
        box.check()
    page.get_by_role("button", name="Save the causal statement").click()
    expect(page.get_by_text("The causal statement is saved.")).to_be_visible()
    expect(page.locator("#causes")).to_contain_text("Bed alarms can be switched off")

    # A stronger action with its owner, due date and a new measure of its effect.
    page.get_by_role("link", name="Open the action plan").click()
    field(page, "What will change").fill(
        "Bed alarms for patients at high risk cannot be switched off without a second nurse")
    page.get_by_label(re.compile(r"Stronger:")).check()
    field(page, "Owner").select_option(label="Lee Lead")
    field(page, "Due").fill((timezone.localdate() + dt.timedelta(days=30)).isoformat())
    field(page, "Or make a new measure named").fill("Falls with injury on 4 West")
    field(page, "The new measure is a").select_option("outcome")
    field(page, "On the new measure").select_option(label="Lower is better")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added to the plan.")).to_be_visible()
    action = ReviewAction.objects.get(review__index_event=report)
    assert (action.strength, action.owner, action.measure.name) == (
        "stronger", lead, "Falls with injury on 4 West")

    # The disclosure conversation with the patient.
    page.get_by_role("link", name="Communication after harm").click()
    page.get_by_role("link", name=report.reference).click()
    field(page, "Conversation").select_option(label="Disclosure conversation")
    field(page, "When").fill(_local(timezone.now() - dt.timedelta(hours=1)))
    field(page, "Who spoke for the organization").fill("The attending physician")
    field(page, "With whom").select_option(label="The patient")
    field(page, "What was shared").fill("What happened, what we are changing, and who to call.")
    field(page, "An apology was given").check()
    page.get_by_role("button", name="Record the conversation").click()
    expect(page.get_by_text("Conversation recorded.")).to_be_visible()

    # The event closes with its message to the reporter.
    page.goto(f"{live_server.url}/o/{slug}/events/{report.pk}/triage/")
    field(page, "Move the report to").select_option("in_review")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The report is now in review.")).to_be_visible()
    field(page, "Move the report to").select_option("closed")
    field(page, "Closing message to the reporter").fill(CLOSING)
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The report is now closed.")).to_be_visible()

    # The support coordinator records peer support offered to a nurse involved.
    support = new_page()
    login(support, live_server, coordinator.email, PASSWORD)
    support.goto(f"/o/{slug}/investigations/support/")
    field(support, "Harm event").select_option(str(report.pk))
    field(support, "Member of staff offered support").fill("Night nurse on 4 West")
    field(support, "Offered by").fill("Peer support team")
    field(support, "When").fill(_local(timezone.now() - dt.timedelta(minutes=30)))
    support.get_by_role("button", name="Record the offer").click()
    expect(support.get_by_text("Support offer recorded.")).to_be_visible()

    # The reporter reads what was learned and done.
    reporter = new_page()
    login(reporter, live_server, nurse.email, PASSWORD)
    reporter.goto(f"/o/{slug}/events/mine/")
    expect(reporter.locator(".closing-message")).to_contain_text(CLOSING)

    # The PSSM readiness view shows the new evidence beside the statements it bears on.
    leader = new_page()
    login(leader, live_server, lead.email, PASSWORD)
    leader.goto(f"/o/{slug}/pssm/")
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Attestation readiness")
    expect(leader.locator(".platform-judgement")).to_contain_text(
        "the hospital's judgement, not SafetyHub's")
    analysed = _card(leader, "3B").locator(".platform-evidence")
    expect(analysed).to_contain_text(
        re.compile(r"RCA² reviews started \(chartered\) within 72 hours:\s*1 of 1 \(100%\)"))
    expect(analysed).to_contain_text(
        re.compile(r"rated stronger on the action hierarchy:\s*1 of 1 \(100%\)"))
    expect(analysed).to_contain_text("1 offered, 0 accepted, 0 declined")
    resolved = _card(leader, "4D").locator(".platform-evidence")
    expect(resolved).to_contain_text(
        re.compile(r"Harm events disclosed to the patient or family:\s*1 of 1 \(100%\)"))
    analysed.get_by_role("link", name="Review actions").click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Review actions")

    # And the board view, in aggregates: no narrative, no reporter, nobody's name.
    leader.get_by_role("link", name="Board view").click()
    main = leader.locator("main")
    expect(main).to_contain_text("Chartered within 72 hours")
    expect(main).to_contain_text("1 of 1 (100%)")
    expect(main).not_to_contain_text("Patient fell at night")
    expect(main).not_to_contain_text("Night nurse on 4 West")
    expect(main).not_to_contain_text("Dana Lead")
    assert Review.objects.get(index_event=report).chartered_at is not None
