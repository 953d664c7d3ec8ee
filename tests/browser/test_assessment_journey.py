"""A whole assessment cycle in the browser: three members score independently in parallel
sessions (one reloads mid-way and loses nothing), the lead records consensus, finalizes,
opens the report and downloads the PDF, whose text holds the area scores and the top
priority. Every page is checked with axe-core (see conftest)."""

import re

import pytest
import yaml
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response
from safetyhub.core.models import Role
from safetyhub.frameworks.services import upload_pack

from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import login

pytestmark = pytest.mark.browser

# A small instrument of the organization's own keeps the journey quick: 2 areas, 4 elements.
PACK = {
    "id": "riverside-readiness", "version": 1, "kind": "instrument",
    "title": {"text": "Riverside readiness check", "provenance": "project"},
    "publisher": "Riverside General", "year": 2026, "licence": "Internal use",
    "scale": {"levels": [
        {"value": "0", "label": "Not started", "numeric": 0},
        {"value": "1", "label": "Beginning", "numeric": 1},
        {"value": "2", "label": "Making progress", "numeric": 2},
        {"value": "3", "label": "Significant impact", "numeric": 3},
        {"value": "4", "label": "Exemplary", "numeric": 4},
        {"value": "unsure", "label": "Unsure"},
    ]},
    "scoring": {"method": "mean"},
    "sections": [
        {"id": "LEAD", "title": "Leadership", "items": [
            {"id": "LEAD-1", "title": "Board reviews harm every meeting",
             "criteria": [{"id": "a", "text": "Minutes show it"}]},
            {"id": "LEAD-2", "title": "Safety walkrounds happen monthly",
             "criteria": [{"id": "a", "text": "A schedule exists"}]},
        ]},
        {"id": "LEARN", "title": "Learning", "items": [
            {"id": "LEARN-1", "title": "Reporters hear back within a month",
             "criteria": [{"id": "a", "text": "Feedback is logged"}]},
            {"id": "LEARN-2", "title": "Serious events get an RCA2 review",
             "criteria": [{"id": "a", "text": "Reviews are on file"}]},
        ]},
    ],
}
# What each person answers, by element (labels as on the scale).
INDEPENDENT = {
    "lead": {"LEAD-1": "Making progress", "LEAD-2": "Beginning", "LEARN-1": "Exemplary",
             "LEARN-2": "Significant impact"},
    "ana": {"LEAD-1": "Significant impact", "LEAD-2": "Beginning", "LEARN-1": "Exemplary",
            "LEARN-2": "Making progress"},
    "noor": {"LEAD-1": "Making progress", "LEAD-2": "Not started", "LEARN-1": "Unsure",
             "LEARN-2": "Significant impact"},
}
CONSENSUS = {"LEAD-1": "Making progress", "LEAD-2": "Beginning", "LEARN-1": "Exemplary",
             "LEARN-2": "Significant impact"}


def answer(page: Page, key: str, label: str) -> None:
    row = page.locator(f"#item-{key}")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        row.get_by_role("radio", name=re.compile(rf"^{re.escape(label)}")).check()
    expect(row.get_by_role("status")).to_contain_text("Saved")


def open_sheet(page: Page, live_server, assessment: Assessment, sheet: str) -> None:
    page.goto(f"{live_server.url}/o/{assessment.organization.slug}/assessments/"
              f"{assessment.pk}/{sheet}/?section=all")


def test_three_members_then_consensus_finalize_and_pdf(new_page, live_server, org):
    people = {}
    for key, email, name, role in (("lead", "lead@example.org", "Lee Lead", Role.SAFETY_LEAD),
                                   ("ana", "ana@example.org", "Ana Assessor", Role.ASSESSOR),
                                   ("noor", "noor@example.org", "Noor Nurse", Role.ASSESSOR)):
        people[key] = UserFactory(email=email, full_name=name)
        MembershipFactory(organization=org, user=people[key], role=role)
    pack = upload_pack(organization=org, file_name="readiness.yaml", text=yaml.safe_dump(PACK),
                       by=people["lead"])
    assessment = services.start_assessment(
        organization=org, pack=pack, title="Readiness 2026",
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=people["lead"],
        team=[people["ana"], people["noor"]], by=people["lead"])

    pages = {}
    for key, user in people.items():
        pages[key] = new_page()
        login(pages[key], live_server, user.email, PASSWORD)
        open_sheet(pages[key], live_server, assessment, "answer")

    # In parallel: each takes a turn per element, in the same order.
    keys = list(CONSENSUS)
    for index, key in enumerate(keys):
        for who, page in pages.items():
            answer(page, key, INDEPENDENT[who][key])
        if index == 1:
            # Ana reloads half-way: what she saved is all still there.
            pages["ana"].reload()
            for done in keys[:2]:
                expect(pages["ana"].locator(f"#item-{done}").get_by_role(
                    "radio", name=re.compile(rf"^{INDEPENDENT['ana'][done]}"))).to_be_checked()
    assert Response.objects.filter(assessment=assessment, respondent__isnull=False).count() == 12

    lead = pages["lead"]
    open_sheet(lead, live_server, assessment, "consensus")
    expect(lead.locator("#item-LEAD-1")).to_contain_text("Ana Assessor")  # the spread
    for key, label in CONSENSUS.items():
        answer(lead, key, label)

    lead.goto(f"{live_server.url}/o/{org.slug}/assessments/{assessment.pk}/")
    lead.get_by_role("link", name="Finalize the assessment").click()
    expect(lead.get_by_role("heading", name="What finalizing locks")).to_be_visible()
    lead.get_by_role("button", name="Finalize the assessment").click()
    expect(lead.locator(".badge-finalized")).to_have_text("Finalized")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.FINALIZED

    lead.get_by_role("link", name="Report", exact=True).click()
    expect(lead.locator("body")).to_contain_text("not for ranking")
    with lead.expect_download() as download_info:
        lead.get_by_role("link", name=re.compile("PDF")).click()
    pdf = download_info.value
    text = "\n".join(page.extract_text() for page in PdfReader(pdf.path()).pages)
    # Leadership: (2 + 1) / 2 = 1.50; Learning: (4 + 3) / 2 = 3.50.
    assert "1.50" in text and "3.50" in text
    assert "Safety walkrounds happen monthly" in text  # the lowest score: the top priority
