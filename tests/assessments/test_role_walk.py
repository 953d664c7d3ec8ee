"""Privacy inside an organization, walked: every organization role, on the assessment's team
or not, in each phase of an assessment (before consensus, while it is open, after
finalizing), on every surface that shows answers (the consensus sheet, the results page, the
report as a page and as a PDF, the responses spreadsheet, the API's answers and results, the
evidence download). A member ("the author") first places a private note, a distinctive
answer that disagrees with a teammate's, a link and a file; each surface is then asked, for
each person, whether any of it shows, and the answer must match the one rule
(safetyhub/assessments/rules.py): the author and the team's lead always; the rest of the team
once the lead opens consensus; nobody outside the team, whatever their role.

Each test collects every mismatch before failing, so one run shows the whole leak."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response
from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

NOTE = "Private-note-QX7: our ward skipped the audit twice"
LINK = "https://intranet.example.org/qx7-private-minutes"
FILE = "qx7-private-evidence.pdf"
PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
AUTHOR_NAME = "Zephyrine Quill"  # her short name (a heat map column) is distinctive
PHASES = ("before", "during", "after")
TEAM = ("lead", "author", "teammate", "team_safety_lead")
OUTSIDE = tuple(f"outside_{role}" for role in Role.values)
READER_ROLES = {Role.ORG_ADMIN, Role.SAFETY_LEAD, Role.EXECUTIVE_VIEWER}


def sees_author(viewer: str, phase: str) -> bool:
    """The rule, restated for the test: the author's own answers, note and files."""
    return viewer in ("lead", "author") or (viewer in TEAM and phase != "before")


def sees_everyone(viewer: str, phase: str) -> bool:
    """Every member's answers and what is derived from them (disagreement)."""
    return viewer == "lead" or (viewer in TEAM and phase != "before")


def may_open(viewer: str) -> bool:
    """Whether the person may see the assessment at all (else 404 everywhere)."""
    return viewer in TEAM or viewer.removeprefix("outside_") in READER_ROLES


@pytest.fixture
def walk(org):
    """The people, the assessment with the author's private material, and a way to move it
    to a phase."""
    people = {}
    for name, role, full_name in [
        ("lead", Role.ASSESSOR, "Lena Lead"),  # leads the team, no lead role in the org
        ("author", Role.ASSESSOR, AUTHOR_NAME),
        ("teammate", Role.ASSESSOR, "Tomas Teammate"),  # has not finished
        ("team_safety_lead", Role.SAFETY_LEAD, "Sade Safety"),
        *[(f"outside_{role}", role, f"Outside {role}") for role in Role.values],
    ]:
        people[name] = MembershipFactory(organization=org, role=role, user=UserFactory(
            full_name=full_name, email=f"{name}@example.org")).user
    pack = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    assessment = services.start_assessment(
        organization=org, pack=pack, title="Spring 2026", mode="independent",
        lead=people["lead"], team=[people[n] for n in TEAM[1:]], by=people["lead"])
    first = PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM).order_by(
        "position").first()
    author = people["author"]
    services.save_answer(assessment=assessment, item=first, user=author, value="0",
                         note=NOTE, evidence_links=[LINK], criteria_met=["a"])
    services.save_answer(assessment=assessment, item=first, user=people["teammate"],
                         value="4")  # three levels apart from the author: a disagreement
    evidence, _created = services.attach_evidence(
        assessment=assessment, item=first, user=author,
        upload=SimpleUploadedFile(FILE, PDF, content_type="application/pdf"))
    services.mark_finished(assessment=assessment, user=author)

    def to_phase(phase: str) -> Assessment:
        lead = people["lead"]
        if phase == "during":
            services.open_consensus(assessment=assessment, by=lead)
        elif phase == "after":
            for item in PackItem.objects.filter(pack=pack, kind=PackItem.Kind.ITEM):
                services.save_answer(assessment=assessment, item=item, user=lead,
                                     consensus=True, value="2")
            services.finalize(assessment=assessment, by=lead)
        return Assessment.objects.get(pk=assessment.pk)

    return {"people": people, "assessment": assessment, "item": first, "evidence": evidence,
            "to_phase": to_phase}


def page_url(name: str, assessment: Assessment, *args) -> str:
    return reverse(f"assessments:{name}", args=[assessment.organization.slug, assessment.pk,
                                                *args])


def api_url(assessment: Assessment, tail: str) -> str:
    return f"/api/v1/orgs/{assessment.organization.slug}/assessments/{assessment.pk}/{tail}"


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="walk")
    return Client(headers={"authorization": f"Bearer {secret}"})


def pdf_text(content: bytes) -> str:
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages)


def after_cover(text: str, heading: str) -> str:
    """The report from its heat map on: the cover before it lists the team by name, which is
    not private; from there on a member's name is the column of their own answers."""
    return text[text.index(heading):]


# Each surface: (fetch, shows) where fetch(walk, viewer) returns the response and
# shows(walk, response) says whether the author's private material is in it.


def _consensus(w, viewer):
    return client_for(w["people"][viewer]).get(page_url("consensus", w["assessment"])
                                                + "?section=all")


def _results(w, viewer):
    return client_for(w["people"][viewer]).get(page_url("results", w["assessment"]))


def _report(w, viewer):
    return client_for(w["people"][viewer]).get(page_url("report", w["assessment"]))


def _pdf(w, viewer):
    return client_for(w["people"][viewer]).get(page_url("report_pdf", w["assessment"]))


def _xlsx(w, viewer):
    return client_for(w["people"][viewer]).get(page_url("xlsx", w["assessment"]))


def _evidence(w, viewer):
    return client_for(w["people"][viewer]).get(
        page_url("evidence_file", w["assessment"], w["evidence"].pk))


def _api_responses(w, viewer):
    return api_client(w["people"][viewer]).get(api_url(w["assessment"], "responses"))


def _api_results(w, viewer):
    return api_client(w["people"][viewer]).get(api_url(w["assessment"], "results"))


def downloaded(response) -> bytes:
    """A file download's content. Read to the end, the test client closes the response and
    with it the file (an unread one would be left open)."""
    return b"".join(response.streaming_content)


def _text(response) -> str:
    return response.content.decode()


def _workbook_cells(response) -> list[str]:
    book = load_workbook(io.BytesIO(response.content))
    return [str(c) for sheet in book for row in sheet.iter_rows(values_only=True)
            for c in row if c is not None]


SURFACES = {
    "consensus sheet": (_consensus, lambda w, r: NOTE in _text(r) or FILE in _text(r)),
    "results page": (_results, lambda w, r: f'class="member">{AUTHOR_NAME}' in _text(r)),
    "report page": (_report, lambda w, r: "Zephyrine" in after_cover(
        _text(r), 'id="report-heatmap-heading"')),
    "responses.xlsx": (_xlsx, lambda w, r: any(
        NOTE in c or LINK in c or c == AUTHOR_NAME for c in _workbook_cells(r))),
    "evidence download": (_evidence, lambda w, r: downloaded(r) == PDF),
    "API answers": (_api_responses, lambda w, r: any(
        a["respondent_id"] == w["people"]["author"].pk or a["note"] == NOTE
        for a in r.json())),
    "API results": (_api_results, lambda w, r: any(
        m["user_id"] == w["people"]["author"].pk
        for item in r.json()["items"] for m in item["members"])),
}


def _refusal(surface: str, viewer: str) -> set[int]:
    """The statuses that refuse this person this surface (shows nothing)."""
    if not may_open(viewer):
        return {404}
    if viewer not in TEAM and surface in ("consensus sheet", "evidence download"):
        return {403}  # the team's working pages and files
    if surface == "evidence download":
        return {404}  # a teammate's file they may not see is, to them, no file at all
    return set()


def check(w, phase: str, surface: str, viewers) -> list[str]:
    fetch, shows = SURFACES[surface]
    wrong = []
    for viewer in viewers:
        response = fetch(w, viewer)
        # The consensus sheet shows the members' answers side by side, all or none: the
        # author reads her own alone on her answer sheet.
        rule = sees_everyone if surface == "consensus sheet" else sees_author
        expected = rule(viewer, phase) and may_open(viewer)
        refused = _refusal(surface, viewer)
        if response.status_code in refused:
            seen = False
        elif response.status_code != 200:
            wrong.append(f"{viewer}: {surface} answered {response.status_code}")
            continue
        else:
            seen = shows(w, response)
        if seen != expected:
            wrong.append(f"{viewer} {'sees' if seen else 'does not see'} the author's "
                         f"answer on the {surface} ({phase} consensus)")
    return wrong


@pytest.mark.parametrize("surface", [s for s in SURFACES])
@pytest.mark.parametrize("phase", PHASES)
def test_members_answers_are_seen_only_as_the_rule_says(walk, phase, surface):
    walk["assessment"] = walk["to_phase"](phase)
    assert check(walk, phase, surface, [*TEAM, *OUTSIDE]) == []


@pytest.mark.parametrize(("phase", "viewer"), [
    ("before", "teammate"), ("during", "teammate"),
    ("after", f"outside_{Role.EXECUTIVE_VIEWER}"),
])
def test_the_pdf_report_follows_the_rule(walk, phase, viewer):
    """The PDF is the report page's template and context (walked above) laid out by
    WeasyPrint, and slow to make: a teammate before and during consensus, and an executive
    viewer after it, check that the layout adds nothing."""
    walk["assessment"] = walk["to_phase"](phase)
    response = _pdf(walk, viewer)
    assert response.status_code == 200
    text = after_cover(pdf_text(response.content), "Answers by question")
    assert ("Zephyrine" in text) == sees_author(viewer, phase)


@pytest.mark.parametrize("phase", PHASES)
def test_disagreement_between_members_follows_the_answers(walk, phase):
    """Whether members disagreed is read from their own answers: it shows to those who see
    every member's answers, and to nobody else."""
    walk["assessment"] = walk["to_phase"](phase)
    key = walk["item"].key
    wrong = []
    for viewer in [v for v in (*TEAM, *OUTSIDE) if may_open(v)]:
        body = _api_results(walk, viewer).json()
        flag = next(i for i in body["items"] if i["key"] == key)["disagreement"]
        page = _results(walk, viewer).content.decode()
        row = re.search(rf'<tr( class="disagreement")?>\s*<th scope="row"><a [^>]*>'
                        rf'{re.escape(walk["item"].number)}</a>', page)
        if flag != sees_everyone(viewer, phase) or bool(row.group(1)) != flag:
            wrong.append(f"{viewer}: disagreement flag {flag}, row {row.group(1)!r}")
    assert wrong == []


def test_the_team_lead_and_safety_leads_write_the_agreed_answer(walk):
    """Who may write the agreed answer, walked over every person (the default rule): the
    assessment's lead and the patient-safety leads on the team; not another member, and not
    an admin or safety lead outside the team. A refusal changes nothing."""
    assessment, item = walk["to_phase"]("during"), walk["item"]
    url = page_url("save_consensus", assessment, item.key)
    allowed = {"lead", "team_safety_lead"}
    wrong = []
    for viewer in (*TEAM, *OUTSIDE):
        before = Response.objects.filter(assessment=assessment, respondent=None).count()
        response = client_for(walk["people"][viewer]).post(
            url, {"save": "rationale", "rationale": f"agreed by {viewer}"},
            headers={"HX-Request": "true"})
        saved = Response.objects.filter(assessment=assessment, respondent=None,
                                        rationale=f"agreed by {viewer}").exists()
        if saved != (viewer in allowed) or (response.status_code == 200) != saved:
            wrong.append(f"{viewer}: {response.status_code}, saved {saved}")
        if not saved:
            assert Response.objects.filter(assessment=assessment,
                                           respondent=None).count() == before
        api = api_client(walk["people"][viewer]).put(
            api_url(assessment, f"responses/{item.key}"),
            {"consensus": True, "rationale": f"API {viewer}"}, content_type="application/json")
        if (api.status_code == 200) != (viewer in allowed):
            wrong.append(f"{viewer}: API {api.status_code}")
    assert wrong == []
    page = client_for(walk["people"]["teammate"]).get(page_url("consensus", assessment))
    assert ("Agreed answers are written by the assessment&#x27;s lead (Lena Lead) and the "
            "organization&#x27;s patient-safety leads on the team.") in page.content.decode()


def test_the_audit_log_does_not_copy_private_answers(walk, org):
    """The organization's admin reads the audit trail; it records that the author changed
    her answer and added a file, not what she wrote nor what she named the file."""
    admin = walk["people"][f"outside_{Role.ORG_ADMIN}"]
    answer = Response.objects.get(respondent=walk["people"]["author"])
    entries = AuditEntry.objects.filter(object_type="assessments.Response",
                                        object_id=str(answer.pk))
    assert {"note": {"changed": True}}.items() <= next(
        e.changes for e in entries if "note" in e.changes).items()
    assert all(NOTE not in str(e.changes) and LINK not in str(e.changes) for e in entries)
    assert downloaded(_evidence(walk, "author")) == PDF  # a "view" entry, named like the upload
    files = AuditEntry.objects.filter(object_type="assessments.Evidence")
    assert {e.action for e in files} == {AuditEntry.Action.CREATE, AuditEntry.Action.VIEW}
    assert all(FILE not in e.object_repr + str(e.changes) for e in files)
    for name in ("audit_log", "audit_log_csv"):
        response = client_for(admin).get(reverse(name, args=[org.slug]))
        assert response.status_code == 200
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content)
        assert NOTE.encode() not in body and LINK.encode() not in body
        assert FILE.encode() not in body


def test_downloading_evidence_is_a_view_in_the_audit_trail(walk):
    evidence = walk["evidence"]
    response = _evidence(walk, "author")
    assert response.status_code == 200
    assert downloaded(response) == PDF
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW,
                                      object_type="assessments.Evidence").get()
    assert entry.object_id == str(evidence.pk)
    assert entry.actor_id == walk["people"]["author"].pk
