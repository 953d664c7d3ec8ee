"""A chart that reads itself, on a phone: a patient-safety lead opens a measure whose falls
dropped, reads the shift as an improvement (lower is better), sees the note numbered on the
chart, accepts the suggested new phase with a reason, and reads the change with the goal;
the printed page still shows the chart and the statement. Every page passes axe-core
(conftest) and none scrolls sideways at 360 px."""

import re

import pytest
from playwright.sync_api import expect

from safetyhub.core.models import Role
from safetyhub.measures.models import DataPoint, PhaseSplit
from tests.measures.test_measures import make_measure, month
from tests.measures.test_shift_split import DROP

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import fits, login

pytestmark = pytest.mark.browser


def test_a_shift_reads_as_an_improvement_and_becomes_a_phase(new_page, live_server, org):
    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD,
                             user=UserFactory(email="lead@example.org")).user
    falls = make_measure(org, by=lead, chart="run", denominator="", multiplier=1,
                         unit="falls", goal=4.0)
    for k, y in enumerate(DROP):
        DataPoint.objects.create(measure=falls, organization=org, period=month(k),
                                 numerator=y, note="Rounding began" if k == 12 else "")

    page = new_page(360)
    login(page, live_server, lead.email, PASSWORD)
    page.goto(f"/o/{org.slug}/measures/{falls.pk}/")
    main = page.locator("main")
    expect(main.locator(".signal-list")).to_contain_text(
        "8 points in a row below the centre line since Jan 2026")
    expect(main.locator(".signal-list")).to_contain_text("an improvement (lower is better)")
    expect(main.locator(".chart-narrow svg")).to_be_visible()  # fewer axis labels on a phone
    expect(main.locator(".chart-wide svg")).to_be_hidden()
    expect(main.locator("#chart-note-1")).to_contain_text("Jan 2026: Rounding began")
    fits(page, 360)

    offer = main.locator(".shift-split-form")
    offer.get_by_role("button", name="Start a new phase from Jan 2026").click()
    expect(page.locator(".shift-split-form [role=alert]")).to_be_visible()  # reason required
    assert not PhaseSplit.objects.exists()
    page.locator(".shift-split-form").get_by_label(re.compile("^Reason")).fill(
        "Hourly rounding on every ward")
    page.locator(".shift-split-form").get_by_role(
        "button", name="Start a new phase from Jan 2026").click()
    statement = page.locator(".chart-statement")
    expect(statement).to_contain_text("from 5.5 to 3.0 falls; goal 4.0 met")
    expect(page.locator(".shift-split-form")).to_have_count(0)
    assert PhaseSplit.objects.get().reason == "Hourly rounding on every ward"
    fits(page, 360)

    page.emulate_media(media="print")  # the full chart, scaled to the page, not cut off
    wide = page.locator(".chart-wide svg")
    expect(wide).to_be_visible()
    expect(page.locator(".chart-narrow svg")).to_be_hidden()
    box = wide.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    expect(statement).to_be_visible()
