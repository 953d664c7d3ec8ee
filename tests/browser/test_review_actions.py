"""Actions that work in the browser: a patient-safety lead adds a stronger action with a new
outcome measure to an RCA²'s plan (a first try without an owner is refused, naming the
field), sees the measure on the action's page, and makes the action an initiative on the
action plan. Pages are checked with axe-core (see conftest)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative
from safetyhub.investigations import services
from safetyhub.investigations.models_actions import ReviewAction
from tests.factories import MembershipFactory, UserFactory, joined_days_ago, submit_event

from ..factories import PASSWORD
from .conftest import field, fits, login

pytestmark = pytest.mark.browser


def _person(org, role, email, name):
    return MembershipFactory(organization=org, role=role,
                             user=UserFactory(email=email, full_name=name)).user


def test_a_lead_adds_a_stronger_action_with_its_measure_and_makes_it_an_initiative(
        page, live_server, org):
    joined_days_ago(org, 365)
    lead = _person(org, Role.SAFETY_LEAD, "lead@example.org", "Lena Lead")
    nurse = _person(org, Role.STAFF_REPORTER, "manager@example.org", "Noor Manager")
    event = submit_event(organization=org, reporter=nurse, harm_level="severe").report
    services.score_event(report=event, by=lead, severity="major", probability="frequent")
    review = services.start_review(report=event, by=lead)

    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/investigations/reviews/{review.pk}/")
    page.get_by_role("link", name="Open the action plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action plan")

    # A first try without an owner: refused, naming the field; what was typed is kept.
    field(page, "What will change").fill(
        "Bed alarms cannot be switched off without a second nurse's badge")
    page.get_by_label("Stronger", exact=False).first.check()
    field(page, "Due").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    field(page, "Or make a new measure named").fill("Falls with injury on 4 West")
    field(page, "The new measure is a").select_option("outcome")
    field(page, "On the new measure").select_option("decrease")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("The action was not added")).to_be_visible()
    expect(page.get_by_text("Name one person who answers for this action")).to_be_visible()
    assert not ReviewAction.objects.exists()

    field(page, "Owner").select_option(label="Noor Manager")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added to the plan.")).to_be_visible()
    expect(page.get_by_text("Stronger action")).to_be_visible()
    expect(page.get_by_role("link", name="Falls with injury on 4 West")).to_be_visible()
    fits(page)

    page.get_by_role("button", name="Make it an initiative").click()
    expect(page.get_by_text("is now the initiative")).to_be_visible()
    initiative = Initiative.objects.get()
    assert initiative.owner == nurse
    assert [m.name for m in initiative.measures.all()] == ["Falls with injury on 4 West"]
    assert ReviewAction.objects.get().initiative == initiative
