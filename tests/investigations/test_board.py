"""The board view (investigations/board.py, views_board.py): aggregates for executives and
leads — serious events, RCA² steps overdue, the action strength mix, the signal watch — on a
page every other role is refused and outsiders cannot find, and as a section of the PDF
board pack. No narrative, reporter or name reaches either."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from safetyhub.core import board_pack
from safetyhub.core import services as core_services
from safetyhub.core.models import Role
from safetyhub.events import triage
from safetyhub.investigations import board, services_actions
from safetyhub.investigations.models import Review, ReviewMember
from safetyhub.investigations.views_board import months_before
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, submit_event

from .test_evidence import disclose_and_support

NARRATIVE = "board-secret-narrative: the night nurse found the patient on the floor"
TEAM_NAME = "Board-secret Teammember"
NURSE = "Support-secret Nursename"


@pytest.fixture
def records(org, lead, manager, executive, review):
    """A serious event acknowledged in time and disclosed, with peer support offered to a
    named nurse; an RCA² past its 72 hours without a charter (named team member and all),
    and actions of each strength."""
    report = submit_event(organization=org, reporter=manager, harm_level="severe",
                          narrative=NARRATIVE,
                          occurred_at=timezone.now() - dt.timedelta(days=3)).report
    triage.acknowledge_serious(report=report, by=executive)
    coordinator = MembershipFactory(organization=org, role=Role.SUPPORT_COORDINATOR,
                                    user=UserFactory()).user
    disclose_and_support(org, report, lead, coordinator, days_after=1.5, accepted=False)
    now = timezone.now()
    review.clock_started_at = now - dt.timedelta(hours=100)
    review.start_due_at = now - dt.timedelta(hours=28)
    review.target_completion_on = timezone.localdate() - dt.timedelta(days=1)
    review.save()
    ReviewMember.objects.create(organization=org, review=review, name=TEAM_NAME,
                                role=ReviewMember.Role.LEADER)
    due = timezone.localdate() + dt.timedelta(days=20)
    for strength in ("stronger", "stronger", "intermediate", "weaker"):
        services_actions.create_action(review=review, by=lead, description=f"{strength} fix",
                                       strength=strength, owner=manager, due_on=due)
    return report


def page(user, query: str = ""):
    return client_for(user).get(reverse("investigations:board", args=["riverside"]) + query)


def test_the_figures_count_serious_events_overdue_steps_and_the_strength_mix(org, records):
    today = timezone.localdate()
    view = board.board_view(organization=org, start=months_before(today, 3), end=today)
    # the review's own event (severe harm, not acknowledged yet) and the acknowledged one
    assert (view.serious["serious"], view.serious_in_time) == (2, "1 of 2 (50%)")
    assert view.serious["serious_waiting"] == 1
    assert (view.charters_overdue, view.reviews_past_target, view.overdue_steps) == (1, 1, 2)
    assert view.rca_in_time == "0 of 1 (0%)"
    assert [(key, n) for key, _label, n in view.strength] == [
        ("stronger", 2), ("intermediate", 1), ("weaker", 1)]
    assert view.stronger == "2 of 4 (50%)"
    assert view.actions_overdue == 0
    total = view.program.total
    # the review's own event and the acknowledged one: one of the two disclosed
    assert (total.harm_events, total.disclosed, total.median_text) == (2, 1, "1.5 days")
    assert (total.support_offered, total.support_accepted, total.support_declined) == (1, 0, 1)


def test_a_review_chartered_in_time_and_done_leaves_nothing_overdue(org, review):
    now = timezone.now()
    review.clock_started_at, review.start_due_at = now - dt.timedelta(hours=5), now
    review.chartered_at, review.status = now - dt.timedelta(hours=1), Review.Status.DONE
    review.target_completion_on = timezone.localdate() - dt.timedelta(days=3)
    review.save()
    today = timezone.localdate()
    view = board.board_view(organization=org, start=months_before(today, 3), end=today)
    assert (view.overdue_steps, view.rca_in_time) == (0, "1 of 1 (100%)")


@pytest.mark.parametrize("role", [Role.EXECUTIVE_VIEWER, Role.SAFETY_LEAD, Role.ORG_ADMIN,
                                  Role.EVENT_REVIEWER])
def test_executives_and_leads_read_aggregates_only(org, records, manager, role):
    person = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    response = page(person)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Board view" in html and "Chartered within 72 hours" in html
    assert "2 of 4 (50%)" in html  # stronger share
    assert "Communication and resolution after harm, and care for the caregiver" in html
    for secret in (NARRATIVE, TEAM_NAME, NURSE, manager.email, records.reference):
        assert secret not in html
    assert 'aria-current="page">Board view<' in html


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.STAFF_REPORTER,
                                  Role.PATIENT_FAMILY_ADVISOR])
def test_other_roles_are_refused_and_not_shown_the_menu_entry(org, records, role):
    person = MembershipFactory(organization=org, role=role, user=UserFactory()).user
    assert page(person).status_code == 403
    home = client_for(person).get(f"/o/{org.slug}/").content.decode()
    assert ">Board view<" not in home


def test_an_outsider_gets_404_and_an_anonymous_visitor_the_sign_in(org, records, outsider):
    assert page(outsider).status_code == 404
    from django.test import Client

    response = Client().get(reverse("investigations:board", args=[org.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_wrong_period_is_refused_naming_the_field_and_the_default_shown(org, records,
                                                                          executive):
    response = page(executive, "?months=7")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Period not understood" in html and "Select a valid choice" in html
    assert "Showing the last 3 months instead." in html
    assert page(executive, "?months=12").status_code == 200


def test_months_before_keeps_the_day_and_clips_short_months():
    assert months_before(dt.date(2026, 12, 7), 3) == dt.date(2026, 9, 8)
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 3, 1)
    assert months_before(dt.date(2026, 2, 15), 12) == dt.date(2025, 2, 16)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_the_pdf_board_pack_holds_the_section_and_no_narrative_or_name(org, records, lead):
    today = timezone.localdate()
    pack = core_services.create_board_pack(
        organization=org, title="Board pack, this quarter", by=lead,
        period_start=months_before(today, 3), period_end=today)
    pdf = board_pack.render_pdf(board_pack=pack, today=today)
    assert pdf.content.startswith(b"%PDF") and pdf.pages >= 1
    text = pdf_text(pdf.content)
    assert "Investigation and resolution" in text
    assert "Overdue RCA² steps" in text  # a headline on page one
    assert "Actions planned in the period, by strength on the action hierarchy" in text
    assert "2 of 4 (50%)" in text
    assert "Investigation and resolution: method" in text
    assert "Harm events disclosed" in text and "1.5 days" in text
    for secret in (NARRATIVE, TEAM_NAME, NURSE, "manager@example.org"):
        assert secret not in text


def test_the_section_is_left_out_for_an_organization_with_no_records(org, lead):
    today = timezone.localdate()
    pack = core_services.create_board_pack(organization=org, title="Empty", by=lead,
                                           period_start=today, period_end=today)
    options = board_pack.Options(board_pack=pack, painter=None, today=today)
    assert board.board_section(organization=org, period=board_pack.period_of(pack),
                               options=options) is None
