"""Issue 10's whole journey on a phone (390 px wide), as the people do it: the lead starts a
self-assessment with a new team member, who finds it on My work and in a notification; the
lead chooses three priorities from the last, finalized round, turns one into an initiative
with its tactic, owner and due date, links a measure from the initiative's page and imports
its data, makes the board pack and reads its PDF; then exports the PSSM evidence binder.
Every page visited is checked with axe-core and must not scroll sideways (see conftest)."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, ChosenPriority
from safetyhub.core.models import BoardPack, Notification, Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement.models import Initiative

from ..assessments.test_reports import enter_official_texts, pack_items
from ..core.test_board_pack import pdf_text
from ..factories import PASSWORD, MembershipFactory, UserFactory
from .conftest import field, login
from .test_improvement import finalized_assessment, shift_csv

pytestmark = pytest.mark.browser

PHONE = 390
ASK = "We ask the board to fund two falls-prevention nurses for the winter months."


def go(page, nav_name: str) -> None:
    """Follow a link of the side navigation, which a phone folds behind the Menu button."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Organization").get_by_role(
        "link", name=nav_name, exact=True).click()


def pssm_with_evidence(org, lead) -> Assessment:
    """A PSSM round answered "yes" to every statement, with one evidence file."""
    pack = Pack.objects.get(organization=None, pack_id="pssm")
    assessment = services.start_assessment(
        organization=org, pack=pack, title="PSSM 2026", mode=Assessment.Mode.CONSENSUS_ONLY,
        lead=lead, team=[], by=lead)
    for items in pack_items(pack).values():
        for statement in items:
            services.save_answer(assessment=assessment, item=statement, user=lead,
                                 consensus=True, value="yes")
    enter_official_texts(assessment, lead)
    services.attach_evidence(
        assessment=assessment, item=PackItem.objects.get(pack=pack, key="1A"), user=lead,
        upload=SimpleUploadedFile("board minutes.pdf", b"%PDF-1.4\n%minutes\n"),
        consensus=True)
    return assessment


def test_a_safety_team_runs_the_loop_on_phones(new_page, live_server, settings, tmp_path,
                                                org):
    settings.MEDIA_ROOT = tmp_path
    lead = UserFactory(email="lead@example.org", full_name="Lee Adeyemi")
    MembershipFactory(organization=org, user=lead, role=Role.SAFETY_LEAD)
    nurse = UserFactory(email="noor@example.org", full_name="Noor Haddad")
    MembershipFactory(organization=org, user=nurse, role=Role.ASSESSOR)
    baseline = finalized_assessment(org, lead)  # last spring's round, finalized
    pssm = pssm_with_evidence(org, lead)

    # The lead starts this autumn's round with Noor on the team.
    page = new_page(width=PHONE)
    login(page, live_server, lead.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("My work")
    go(page, "Self-assessments")
    page.get_by_role("link", name=re.compile(r"^Start an? ")).first.click()
    page.locator("#id_pack").select_option(str(baseline.pack.pk))
    field(page, "Title").fill("Autumn 2026")
    page.get_by_role("checkbox", name=re.compile("Noor Haddad")).check()
    page.get_by_role("button", name=re.compile(r"^Start")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Autumn 2026")
    autumn = Assessment.objects.get(organization=org, title="Autumn 2026")

    # Noor, new on the team, sees it on My work and in a notification.
    noor = new_page(width=PHONE)
    login(noor, live_server, nurse.email, PASSWORD)
    expect(noor.get_by_role("heading", level=1)).to_contain_text("My work")
    waiting = noor.locator("section", has=noor.get_by_role(
        "heading", name=re.compile(r"^Questions to answer")))
    expect(waiting.get_by_role("link", name="Autumn 2026")).to_be_visible()
    bell = noor.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(bell).to_have_accessible_name("Notifications 1 unread")
    bell.click()
    notice = noor.get_by_role("link", name=re.compile("Autumn 2026"))
    expect(notice).to_have_attribute("href", f"/o/{org.slug}/assessments/{autumn.pk}/answer/")
    assert Notification.objects.filter(recipient=nurse, kind="assessments.team_added").count() == 1

    # The lead chooses three priorities from the finalized round…
    page.goto(f"/o/{org.slug}/assessments/{baseline.pk}/priorities/")
    entries = page.locator("ol.priority-list > li[id^='p-']")
    keys = [entries.nth(k).get_attribute("id").removeprefix("p-") for k in range(3)]
    for n, key in enumerate(keys):
        entry = page.locator(f"#p-{key}")
        entry.locator("summary", has_text="Choose as a priority").click()
        entry.get_by_label(re.compile("^Reason")).fill(f"Reason {n + 1}: falls on 4 West.")
        entry.get_by_label(re.compile("^Effort")).select_option("medium")
        entry.get_by_label(re.compile("^Impact")).select_option("high")
        entry.get_by_role("button", name=re.compile(r"^Choose ")).click()
        expect(page.locator(f"#chosen-{key}")).to_contain_text(f"Reason {n + 1}")
    assert ChosenPriority.objects.filter(assessment=baseline).count() == 3

    # …turns the first into an initiative with a tactic, Noor as owner and a due date…
    page.locator(f"#chosen-{keys[0]}").get_by_role(
        "link", name=re.compile(r"^Add to action plan")).click()
    field(page, "Tactic to adopt").select_option(index=1)
    field(page, "Owner").select_option(str(nurse.pk))
    field(page, "Due date").fill("2027-03-31")
    page.get_by_role("button", name="Add to the action plan").click()
    expect(page.get_by_text(re.compile(r"Added “Improve: "))).to_be_visible()
    initiative = Initiative.objects.get(organization=org)
    assert (initiative.owner, str(initiative.due_on)) == (nurse, "2027-03-31")
    assert initiative.tactic is not None

    # …links a measure from the initiative's page and imports its months.
    page.get_by_label("A new measure from the starter library").select_option("falls-rate")
    page.get_by_role("button", name="Add and link").click()
    measures = page.locator("section[aria-labelledby=measures]")
    measures.get_by_role("link", name=re.compile("Patient falls")).click()
    page.get_by_label(re.compile(r"^CSV or XLSX file")).set_input_files(
        {"name": "falls.csv", "mimeType": "text/csv", "buffer": shift_csv()})
    page.get_by_role("button", name="Upload and choose the columns").click()
    page.get_by_role("button", name="Import 22 points").click()
    expect(page.get_by_text(re.compile(r"^Imported 22 rows"))).to_be_visible()
    measure = initiative.measures.get()

    # The board pack: the lead writes what is asked of the board and picks the measure.
    go(page, "Board pack")
    field(page, "What we ask of the board").fill(ASK)
    page.get_by_role("checkbox", name=re.compile("Patient falls")).check()
    page.get_by_role("button", name=re.compile(r"^Make")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("button", name="Generate the PDF").click()
    status = page.get_by_role("status").filter(has_text="PDF ready")
    expect(status).to_contain_text(re.compile(r"PDF ready: \d+ pages"))
    board_pack = BoardPack.objects.get(organization=org)
    assert board_pack.key_measures == [measure.pk]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    text = pdf_text(download.value.path().read_bytes())
    assert ASK in text
    assert "Reason 1: falls on 4 West." in text  # the chosen priorities
    assert "1 initiative" in text and "Noor Haddad" in text  # the plan's status and owner
    assert re.search(r"Patient falls per 1,000 patient days Latest \(\w+ 2025\): ", text)
    assert "Special cause" in text  # the measure's reading, in the SPC engine's words

    # The PSSM readiness page exports the evidence binder.
    go(page, "PSSM readiness")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export the evidence binder (ZIP)").click()
    assert download.value.suggested_filename == f"{org.slug}-pssm-evidence-{pssm.pk}.zip"
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert "index.pdf" in archive.namelist()
    assert any(name.endswith("board minutes.pdf") for name in archive.namelist())
