"""The assessment report (web page and PDF from one template) and the responses spreadsheet,
on the shipped SafetyHub instrument, built through the services as a team would."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

# Agreed answers, chosen so each area's mean prints distinctly:
# CLG 21/9 = 2.33, PFE 9/6 = 1.50 (plus one Unsure, one Not applicable), WS 24/7 = 3.43,
# LS 19/9 = 2.11. WS-1 is the only 0, so it is the top priority.
CONSENSUS = {
    "CLG": ["3", "3", "3", "2", "2", "2", "2", "2", "2"],
    "PFE": ["1", "1", "2", "2", "1", "2", "unsure", "na"],
    "WS": ["0", "4", "4", "4", "4", "4", "4"],
    "LS": ["2", "2", "2", "2", "2", "2", "2", "2", "3"],
}
AREA_MEANS = {"CLG": "2.33", "PFE": "1.50", "WS": "3.43", "LS": "2.11"}
OVERALL = f"{(21 + 9 + 24 + 19) / 31:.2f}"  # 73 points over 31 numeric answers: 2.35


def pack_items(pack: Pack) -> dict[str, list[PackItem]]:
    items: dict[str, list[PackItem]] = {}
    for item in PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM).select_related(
            "parent").order_by("position"):
        items.setdefault(item.parent.key, []).append(item)
    return items


def enter_official_texts(assessment: Assessment, by) -> list[PackItem]:
    """The organization enters the official wording of every statement whose wording the
    pack does not have (so that a yes to it counts)."""
    items = list(PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM,
                                         status__in=["partial", "unconfirmed"]))
    for item in items:
        services.enter_official_text(assessment=assessment, item=item, by=by,
                                     text=f"Official wording of {item.key}.",
                                     source="CMS PSSM specification, version 1, page 2")
    return items


def build_cycle(*, org, lead, member, pack, consensus, opens_on, title, finalize=True,
                member_answers=None, extra=None):
    """Start, answer (each alone, then together) and finalize one cycle."""
    assessment = services.start_assessment(
        organization=org, pack=pack, title=title, mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
        lead=lead, team=[member], by=lead, opens_on=opens_on)
    for section, items in pack_items(pack).items():
        for item, value in zip(items, consensus[section], strict=True):
            services.save_answer(assessment=assessment, item=item, user=lead, value=value)
            own = (member_answers or {}).get(item.key, value)
            services.save_answer(assessment=assessment, item=item, user=member, value=own)
            services.save_answer(assessment=assessment, item=item, user=lead, consensus=True,
                                 value=value)
    for key, fields in (extra or {}).items():
        item = PackItem.objects.get(pack=pack, key=key)
        who = fields.pop("user", lead)
        services.save_answer(assessment=assessment, item=item, user=who, **fields)
    if finalize:
        services.finalize(assessment=assessment, by=lead)
    return assessment


@pytest.fixture
def sa_pack(db):
    return Pack.objects.get(organization=None, pack_id="safetyhub-sa")


@pytest.fixture
def assessment(org, owner, member, sa_pack):
    for user, name in [(owner, "Olivia Owner"), (member, "Mateo Member")]:
        user.full_name = name
        user.save()
    return build_cycle(
        org=org, lead=owner, member=member, pack=sa_pack, consensus=CONSENSUS,
        opens_on=dt.date(2026, 3, 2), title="Spring 2026 self-assessment",
        member_answers={"CLG-1": "0"},  # owner said 3: three levels apart
        extra={
            "CLG-1": {"consensus": True, "rationale": "Minutes show quarterly reporting."},
            "CLG-2": {"user": member, "note": "=cmd|' /C calc'!A0",
                      "evidence_links": ["https://intranet.example.org/minutes"]},
            "PFE-1": {"consensus": True, "note": "@SUM(1+1)", "criteria_met": ["a", "b"]},
        },
    )


def url(name, assessment):
    return reverse(f"assessments:{name}", args=[assessment.organization.slug, assessment.pk])


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def exports(assessment) -> list[str]:
    """The formats in which the assessment was read, from its "view" entries in the trail."""
    return [e.changes["format"] for e in AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW, object_type="assessments.Assessment",
        object_id=str(assessment.pk)).order_by("seq")]


# --- PDF ----------------------------------------------------------------------------------

def test_pdf_holds_area_scores_and_top_priority(owner_client, assessment):
    response = owner_client.get(url("report_pdf", assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="riverside-assessment-{assessment.pk}.pdf"' in response[
        "Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")

    reader = PdfReader(io.BytesIO(response.content))
    text = pdf_text(response.content)
    for mean in AREA_MEANS.values():
        assert mean in text
    assert f"Overall mean: {OVERALL}" in text
    top = PackItem.objects.get(pack=assessment.pack, key="WS-1")
    first = text.index("Where to start")
    # The top priority is the first element listed under "Where to start".
    assert " ".join(top.title.split()) in text[first:first + 2000]
    assert "Spring 2026 self-assessment" in text
    assert "Riverside General" in text
    assert "not for ranking or comparing organizations" in text
    assert "not the IHI Self-Assessment Tool" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert f"Page 2 of {len(reader.pages)}" in text
    # The framework texts' provenance is carried as numbered footnotes at the end: their
    # words, not the hover text (hidden on paper) and not a parenthesis after each title.
    notes = text[text.index("Where the framework texts come from"):]
    assert "Official title — source: IHI, Background on the National Action Plan" in notes
    assert "SafetyHub's own: written by the SafetyHub project" in notes
    assert text.count("Official title — source: IHI, Background") == 1
    assert "(Official title, source" not in text and "(SafetyHub's own)" not in text
    assert exports(assessment) == ["pdf"]


# --- HTML -----------------------------------------------------------------------------------

def test_html_report_shows_caution_scores_and_charts(owner_client, assessment):
    response = owner_client.get(url("report", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "not for ranking or comparing organizations" in html
    assert "is <strong>not the IHI Self-Assessment Tool</strong>" in html
    for mean in AREA_MEANS.values():
        assert f'<td class="num report-mean">{mean}</td>' in html
    # The charts are inline, labelled SVG: the area chart and one heat map of all 33 elements
    # (up to 40 go in one map) by the two members and the consensus.
    assert html.count('role="img"') == 2
    assert 'aria-label="Bar chart of the mean per area' in html
    assert ('aria-label="Heat map of answer levels for 33 questions (rows) by 3 columns '
            "(Olivia, Mateo, Consensus)") in html
    assert "css/report.css" in html
    # CSP: no inline style attributes or style elements on the page.
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert "<style" not in html
    # The disagreement on CLG-1, with the team's rationale.
    assert "Where members disagreed" in html
    assert "Minutes show quarterly reporting." in html
    assert url("report_pdf", assessment) in html and url("xlsx", assessment) in html
    assert exports(assessment) == ["html"]


def test_html_report_reader_roles_and_team_members_see_it(client, org, assessment):
    executive = MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER).user
    assert client_for(executive).get(url("report", assessment)).status_code == 200
    bystander = MembershipFactory(organization=org, role=Role.ASSESSOR).user
    # An assessor who is not on this assessment's team does not see it.
    assert client_for(bystander).get(url("report", assessment)).status_code == 404


def test_report_of_open_assessment_is_marked_draft(owner_client, org, owner, member, sa_pack):
    draft = build_cycle(org=org, lead=owner, member=member, pack=sa_pack, consensus=CONSENSUS,
                        opens_on=dt.date(2026, 3, 2), title="Draft cycle", finalize=False)
    html = owner_client.get(url("report", draft)).content.decode()
    assert "<strong>Draft.</strong>" in html


def test_change_since_last_cycle_and_pssm_readiness(owner_client, org, owner, member, sa_pack,
                                                    assessment):
    earlier = dict(CONSENSUS, CLG=["1"] * 9)  # CLG 1.00 then, 2.33 now
    build_cycle(org=org, lead=owner, member=member, pack=sa_pack, consensus=earlier,
                opens_on=dt.date(2025, 3, 3), title="Spring 2025 self-assessment")
    pssm = Pack.objects.get(organization=None, pack_id="pssm")
    readiness = services.start_assessment(
        organization=org, pack=pssm, title="PSSM readiness 2026",
        mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[], by=owner)
    domains = pack_items(pssm)
    for items in domains.values():
        for item in items:
            value = "no" if item.key == "1D" else "yes"
            services.save_answer(assessment=readiness, item=item, user=owner, consensus=True,
                                 value=value)
    enter_official_texts(readiness, owner)
    services.finalize(assessment=readiness, by=owner)

    html = owner_client.get(url("report", assessment)).content.decode()
    assert "Spring 2025 self-assessment" in html
    assert "<td class=\"num\">1.00</td><td class=\"num\">2.33</td><td class=\"num\">+1.33</td>" \
        in html
    assert 'aria-label="Line chart of the mean per area across assessment cycles' in html
    assert "CMS Patient Safety Structural Measure: readiness" in html
    assert f"<strong>{len(domains) - 1} of {len(domains)}</strong> domains met" in html
    assert reverse("assessments:readiness", args=[org.slug, readiness.pk]) in html
    blocking = PackItem.objects.get(pack=pssm, key="1D")
    assert f"{blocking.number} {blocking.title}" in html


def test_pssm_report_scores_domains_and_names_blocking_statements(owner_client, org, owner):
    pssm = Pack.objects.get(organization=None, pack_id="pssm")
    readiness = services.start_assessment(
        organization=org, pack=pssm, title="PSSM readiness 2026",
        mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[], by=owner)
    domains = pack_items(pssm)
    for items in domains.values():
        for item in items:
            services.save_answer(assessment=readiness, item=item, user=owner, consensus=True,
                                 value="no" if item.key in ("1D", "4B") else "yes")
    enter_official_texts(readiness, owner)
    services.finalize(assessment=readiness, by=owner)

    html = owner_client.get(url("report", readiness)).content.decode()
    assert f"<strong>{len(domains) - 2} of {len(domains)}</strong> domains met" in html
    assert "Heat map of answer levels for 25 statements (rows) by 1 column (Consensus)" in html
    assert "not the IHI Self-Assessment Tool" not in html  # a caution for instruments only
    # The PSSM is publicly reported: the self-assessment's caution is not its own.
    assert "comparing organizations" not in html
    assert "attestation readiness, not its submission" in html
    blocking = PackItem.objects.get(pack=pssm, key="1D")
    assert f"{blocking.number} {blocking.title}" in html
    for page in ("results", "priorities", "compare"):
        assert "comparing or ranking organizations" not in \
            owner_client.get(url(page, readiness)).content.decode(), page

    text = pdf_text(owner_client.get(url("report_pdf", readiness)).content)
    assert f"Score: {len(domains) - 2} of {len(domains)} domains met." in text
    assert blocking.title.split()[0] in text

    book = load_workbook(io.BytesIO(owner_client.get(url("xlsx", readiness)).content))
    rows = {r[0]: r for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Score"][1] == f"{len(domains) - 2} of {len(domains)}"
    met = [r for key, r in rows.items() if key.startswith("1 ")]
    assert met[0][1] == "No" and met[0][4] == "1D"
    assert "comparing organizations" not in rows["Note"][1]
    assert "comparing organizations" not in text  # the page footer too


def test_pssm_placeholders_cannot_earn_a_domain_in_page_pdf_and_xlsx(owner_client, org, owner):
    """Every statement answered yes: Domains 2 and 5 hold statements whose official wording
    the pack does not have, so they cannot be scored until the organization enters it."""
    pssm = Pack.objects.get(organization=None, pack_id="pssm")
    readiness = services.start_assessment(
        organization=org, pack=pssm, title="PSSM readiness 2026",
        mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[], by=owner)
    for items in pack_items(pssm).values():
        for item in items:
            services.save_answer(assessment=readiness, item=item, user=owner, consensus=True,
                                 value="yes")

    html = owner_client.get(url("report", readiness)).content.decode()
    assert "<strong>3 of 5</strong> domains met. 2 domains cannot be scored yet." in html
    assert html.count("Cannot be scored yet</span>") == 2
    assert "SafetyHub does not have the official wording of statements 5A, 5B, 5C, 5D, 5E" \
        in html
    text = " ".join(pdf_text(owner_client.get(url("report_pdf", readiness)).content).split())
    assert "Score: 3 of 5 domains met. 2 domains cannot be scored yet." in text
    book = load_workbook(io.BytesIO(owner_client.get(url("xlsx", readiness)).content))
    rows = {r[0]: r for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert rows["Score"][1] == "3 of 5"
    domain5 = next(r for key, r in rows.items() if key.startswith("5 "))
    assert domain5[1] == "Cannot be scored yet" and "5D, 5E" in domain5[5]
    statements = [r for r in book["Official texts"].iter_rows(values_only=True)][1:]
    assert [r[0] for r in statements] == ["2C", "2D", "2E", "5A", "5B", "5C", "5D", "5E"]
    assert all(r[2] == "Not entered: a yes does not count yet" for r in statements)

    # Once the organization enters the official wording, the yes answers count.
    enter_official_texts(readiness, owner)
    html = owner_client.get(url("report", readiness)).content.decode()
    assert "<strong>5 of 5</strong> domains met." in html
    assert "Cannot be scored yet</span>" not in html
    book = load_workbook(io.BytesIO(owner_client.get(url("xlsx", readiness)).content))
    statements = {r[0]: r for r in book["Official texts"].iter_rows(values_only=True)}
    assert statements["5D"][2] == "Official wording of 5D."
    assert statements["5D"][3] == "CMS PSSM specification, version 1, page 2"


def test_first_cycle_says_there_is_nothing_to_compare(owner_client, assessment):
    html = owner_client.get(url("report", assessment)).content.decode()
    assert f"There is no earlier finalized cycle of {assessment.pack.title} to compare with." \
        in html
    assert "CMS Patient Safety Structural Measure: readiness" not in html


# --- XLSX -----------------------------------------------------------------------------------

def test_xlsx_holds_every_response_with_labels_and_neutralised_formulas(owner_client,
                                                                         assessment, member):
    response = owner_client.get(url("xlsx", assessment))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Responses", "Summary"]
    sheet = book["Responses"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert list(header) == ["Section", "Question number", "Question title", "Respondent",
                            "Answer value", "Answer label", "Numeric", "Checks met", "Note",
                            "Evidence links", "Rationale", "Updated by", "Updated at"]
    stored = Response.objects.filter(assessment=assessment)
    assert len(body) == stored.count() == 3 * 33  # 33 elements: consensus and two members
    labels = {lvl["value"]: lvl["label"] for lvl in assessment.pack.content["scale"]["levels"]}
    by_key = {(r[1], r[3]): r for r in body}
    for response_row in stored.select_related("item", "respondent"):
        who = str(response_row.respondent) if response_row.respondent else "Consensus"
        row = by_key[(response_row.item.number, who)]
        assert row[4] == response_row.value
        assert row[5] == labels[response_row.value]
    ws1 = by_key[("3.1", "Consensus")]
    assert ws1[2].startswith("Patient harm and workforce harm") and ws1[6] == 0
    assert by_key[("2.7", "Consensus")][5] == "Unsure" and by_key[("2.7", "Consensus")][6] is None
    assert by_key[("2.1", "Consensus")][7] == "a, b"
    assert by_key[("1.1", "Consensus")][10] == "Minutes show quarterly reporting."
    # Formula injection: text that a spreadsheet would run is stored as plain text.
    member_note = by_key[("1.2", str(member))]
    assert member_note[8] == "'=cmd|' /C calc'!A0"
    assert member_note[9] == "https://intranet.example.org/minutes"
    assert by_key[("2.1", "Consensus")][8] == "'@SUM(1+1)"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert isinstance(by_key[("1.1", "Consensus")][12], dt.datetime)

    summary = {r[0]: r for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    clg = summary["1 Culture, Leadership, and Governance"]
    assert f"{clg[1]:.2f}" == "2.33" and clg[2] == 9
    assert f"{summary['Overall'][1]:.2f}" == OVERALL
    assert exports(assessment) == ["xlsx"]


def test_xlsx_cells_never_become_formulas():
    from safetyhub.assessments.views.reports import cell

    for text in ["=1+1", "+1", "-1+2", "@A1", "\t=1", "\r=1"]:
        assert cell(text) == "'" + text
    assert cell("plain") == "plain"
    assert cell(-1) == -1
    assert cell("bad\x01char") == "badchar"


# --- who may see it -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["report", "report_pdf", "xlsx"])
def test_outsiders_get_404(outsider_client, client, assessment, name):
    assert outsider_client.get(url(name, assessment)).status_code == 404
    response = client.get(url(name, assessment))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert exports(assessment) == []


@pytest.mark.parametrize("name", ["report", "report_pdf", "xlsx"])
def test_missing_assessment_is_404(owner_client, org, name):
    missing = reverse(f"assessments:{name}", args=[org.slug, 999999])
    assert owner_client.get(missing).status_code == 404


@pytest.mark.parametrize("name", ["report", "report_pdf", "xlsx"])
def test_reports_are_read_only(owner_client, assessment, name):
    assert owner_client.post(url(name, assessment)).status_code == 405


def test_report_shows_only_cycles_the_reader_may_see(client, org, owner, sa_pack, assessment):
    """A team member of this cycle who was not on the earlier one does not see its figures."""
    newcomer = MembershipFactory(organization=org, role=Role.ASSESSOR,
                                 user=UserFactory(email="newcomer@example.org")).user
    other = UserFactory(email="other@example.org")
    MembershipFactory(organization=org, role=Role.ASSESSOR, user=other)
    build_cycle(org=org, lead=owner, member=other, pack=sa_pack,
                consensus=dict(CONSENSUS, CLG=["1"] * 9), opens_on=dt.date(2025, 3, 3),
                title="Hidden earlier cycle")
    later = build_cycle(org=org, lead=owner, member=newcomer, pack=sa_pack, consensus=CONSENSUS,
                        opens_on=dt.date(2027, 3, 1), title="Spring 2027")
    html = client_for(newcomer).get(url("report", later)).content.decode()
    assert "Hidden earlier cycle" not in html
    assert "Spring 2026 self-assessment" not in html
    owner_html = client_for(owner).get(url("report", later)).content.decode()
    assert "Spring 2026 self-assessment" in owner_html
