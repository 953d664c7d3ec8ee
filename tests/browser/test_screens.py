"""Every page fits the screen it is read on: a patient-safety lead reads the organization's
pages on a phone (390 px), a small laptop (1024 px) and a desktop (the other browser tests,
1280 px). The harness (conftest) fails a test whose page scrolls sideways, besides its axe
and CSP checks; on a phone the navigation folds behind the Menu button."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.frameworks.models import PackItem
from safetyhub.improvement import services
from safetyhub.measures import services as measures

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import login
from .test_improvement import finalized_assessment, shift_csv

pytestmark = pytest.mark.browser


@pytest.fixture
def lead_with_work(org):
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi-Montgomery")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    assessment = finalized_assessment(org, lead)
    item = PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM).first()
    initiative = services.initiative_from_priority(assessment=assessment, item=item, by=lead)
    measure = measures.add_from_library(organization=org, key=measures.library()[0].key,
                                        by=lead, initiatives=[initiative])
    measures.import_data(measure=measure, file_name="falls.csv", content=shift_csv(), by=lead)
    return lead, assessment, initiative, measure


def pages_of(org, assessment, initiative, measure) -> list[str]:
    o = f"/o/{org.slug}"
    a = f"{o}/assessments/{assessment.pk}"
    return [
        f"{o}/", f"{o}/assessments/", f"{o}/assessments/start/", f"{a}/", f"{a}/results/",
        f"{a}/priorities/", f"{a}/compare/", f"{a}/report/", f"{o}/plan/",
        f"{o}/plan/board/", f"{o}/plan/{initiative.pk}/", f"{o}/plan/{initiative.pk}/edit/",
        f"{o}/measures/", f"{o}/measures/{measure.pk}/", f"{o}/plan/dashboard/",
        f"{o}/frameworks/", f"{o}/frameworks/tactics/", f"{o}/sites/",
        "/account/",
    ]


@pytest.mark.parametrize("width", [390, 1024])
def test_no_page_scrolls_sideways(new_page, live_server, org, lead_with_work, width):
    lead, assessment, initiative, measure = lead_with_work
    page = new_page(width=width)
    login(page, live_server, lead.email, PASSWORD)
    for path in pages_of(org, assessment, initiative, measure):
        response = page.goto(path)
        assert response.status == 200, path
        # The harness checks the width (and axe) on load; nothing to do here but go on.
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_on_a_phone_the_navigation_waits_behind_the_menu_button(
        new_page, live_server, org, lead_with_work):
    lead = lead_with_work[0]
    page = new_page(width=390)
    login(page, live_server, lead.email, PASSWORD)
    nav = page.get_by_role("navigation", name="Organization")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()  # content first
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Action plan").click()
    expect(page).to_have_url(re.compile(r"/plan/$"))
    expect(nav).to_be_hidden()  # a new page starts with the menu folded again


def test_on_a_desktop_the_navigation_is_always_shown(new_page, live_server, org,
                                                      lead_with_work):
    page = new_page(width=1280)
    login(page, live_server, lead_with_work[0].email, PASSWORD)
    expect(page.get_by_role("navigation", name="Organization")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
