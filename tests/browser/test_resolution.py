"""Communication after harm and care for the caregiver in the browser (issue 12): a reviewer
sees on a harm event's triage page that it is not disclosed yet, records the disclosure
(a date before the event is refused first), a question and the resolution; the support
coordinator records peer support offered and accepted; a patient-safety lead meets the
plain 404 on the support pages and reads the counts only. Pages are axe-checked (see
conftest) and fit a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.investigations.models_resolution import ResolutionContact, SupportOffer
from tests.factories import MembershipFactory, UserFactory, joined_days_ago, submit_event

from ..factories import PASSWORD
from .conftest import field, fits, login

pytestmark = pytest.mark.browser


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_disclosure_and_peer_support_after_harm(page, new_page, live_server, org):
    joined_days_ago(org, 365)
    people = {role: MembershipFactory(organization=org, role=role,
                                      user=UserFactory(email=f"{role}@example.org")).user
              for role in (Role.EVENT_REVIEWER, Role.SUPPORT_COORDINATOR, Role.SAFETY_LEAD,
                           Role.STAFF_REPORTER)}
    event = submit_event(organization=org, reporter=people[Role.STAFF_REPORTER],
                         harm_level="moderate",
                         occurred_at=timezone.now() - dt.timedelta(days=2)).report

    login(page, live_server, "event_reviewer@example.org", PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/events/{event.pk}/triage/")
    panel = page.locator("#resolution")
    expect(panel).to_contain_text("no disclosure conversation is recorded yet")
    panel.get_by_role("link", name="Conversations, resolution and questions").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Communication after harm")

    # A disclosure dated before the event is refused, and nothing is recorded.
    field(page, "When").fill(local(event.occurred_at - dt.timedelta(hours=3)))
    field(page, "Who spoke for the organization").fill("Dr Rivera, attending physician")
    field(page, "With whom").select_option("family")
    field(page, "What was shared").fill("What happened, what we are doing, who to call.")
    field(page, "An apology was given").check()
    page.get_by_role("button", name="Record the conversation").click()
    expect(page.get_by_text("Nothing was changed")).to_be_visible()
    expect(page.get_by_text("before the event happened")).to_be_visible()
    assert not ResolutionContact.objects.exists()
    field(page, "When").fill(local(event.occurred_at + dt.timedelta(hours=20)))
    page.get_by_role("button", name="Record the conversation").click()
    expect(page.get_by_text("Conversation recorded.")).to_be_visible()
    expect(page.get_by_text("An apology was given.")).to_be_visible()

    page.get_by_text("Record a question").click()
    field(page, "Asked on").fill(timezone.localdate().isoformat())
    field(page, "The question, in their words").fill("Why was the bed alarm off?")
    page.get_by_role("button", name="Record the question").click()
    expect(page.get_by_text("Question recorded.")).to_be_visible()

    page.get_by_text("Record the resolution").click()
    field(page, "Resolution offered").select_option("bill_waiver")
    field(page, "Offered on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save the resolution").click()
    expect(page.get_by_text("Resolution saved.")).to_be_visible()
    fits(page)

    # The support coordinator records peer support for the nurse involved.
    coordinator = new_page()
    login(coordinator, live_server, "support_coordinator@example.org", PASSWORD)
    coordinator.get_by_role("link", name="Caregiver support").click()
    field(coordinator, "Harm event").select_option(str(event.pk))
    field(coordinator, "Member of staff offered support").fill("Riley Chen")
    field(coordinator, "Offered by").fill("Peer supporter, 4 West")
    field(coordinator, "When").fill(local(event.occurred_at + dt.timedelta(hours=26)))
    coordinator.get_by_role("button", name="Record the offer").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(
        "Support offered to Riley Chen")
    field(coordinator, "Their answer").select_option("accepted")
    field(coordinator, "When").fill(local(timezone.now() - dt.timedelta(hours=1)))
    coordinator.get_by_role("button", name="Save their answer").click()
    expect(coordinator.get_by_text("Answer recorded.")).to_be_visible()
    assert SupportOffer.objects.get().response == "accepted"
    fits(coordinator)

    # A patient-safety lead: the same "Not found" as for nothing at all, and counts only.
    lead = new_page()
    login(lead, live_server, "safety_lead@example.org", PASSWORD)
    expect(lead.get_by_role("link", name="Caregiver support")).to_have_count(0)
    lead.goto(f"{live_server.url}/o/{org.slug}/investigations/support/"
              f"{SupportOffer.objects.get().pk}/")
    expect(lead.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(lead.get_by_text("Riley Chen")).to_have_count(0)
    lead.get_by_role("link", name="Resolution and support measures").click()
    expect(lead.get_by_role("table")).to_contain_text("100% (1 of 1)")
    expect(lead.get_by_text("Riley Chen")).to_have_count(0)
