"""PSSM readiness as a safety lead uses it: from the side navigation to the readiness page,
gives a gap an owner and a target date, and exports the evidence binder. Every page visited
is checked with axe-core (see conftest), and the page fits a phone's width."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, StatementFollowUp
from safetyhub.frameworks.models import Pack, PackItem

from ..assessments.test_reports import enter_official_texts, pack_items
from ..factories import PASSWORD
from .conftest import check_accessibility, field, fits, login

pytestmark = pytest.mark.browser



def test_lead_owns_a_gap_and_exports_the_evidence_binder(page, live_server, settings,
                                                         tmp_path, org, owner, member):
    settings.MEDIA_ROOT = tmp_path
    pack = Pack.objects.get(organization=None, pack_id="pssm")
    assessment = services.start_assessment(
        organization=org, pack=pack, title="PSSM readiness 2026",
        mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[member], by=owner)
    for items in pack_items(pack).values():
        for statement in items:
            services.save_answer(assessment=assessment, item=statement, user=owner,
                                 consensus=True, value="no" if statement.key == "1D" else "yes")
    enter_official_texts(assessment, owner)
    services.attach_evidence(
        assessment=assessment, item=PackItem.objects.get(pack=pack, key="1A"), user=owner,
        upload=SimpleUploadedFile("board minutes.pdf", b"%PDF-1.4\n%minutes\n"),
        consensus=True)

    login(page, live_server, owner.email, PASSWORD)
    page.get_by_role("navigation", name="Organization").get_by_role(
        "link", name="PSSM readiness").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attestation readiness")
    expect(page.locator(".readiness-score")).to_contain_text("4 of 5")

    card = page.locator("#statement-1D")
    expect(card).to_contain_text("Not met")
    card.get_by_text("Set the owner and target date").click()
    check_accessibility(page)  # with the form open
    field(card, "Owner").select_option(label=str(member))
    field(card, "Target date").fill("2026-09-30")
    card.get_by_role("button", name=re.compile("Save statement 1D")).click()
    expect(page.locator("#statement-1D")).to_contain_text(f"Owner: {member}")
    follow_up = StatementFollowUp.objects.get(assessment=assessment, item__key="1D")
    assert follow_up.owner == member

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export the evidence binder (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == f"{org.slug}-pssm-evidence-{assessment.pk}.zip"
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert "index.pdf" in names
    assert any(n.startswith("Domain 1 ") and n.endswith("board minutes.pdf") for n in names)

    fits(page, 390)
    fits(page, 1024)
