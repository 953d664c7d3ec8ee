"""PSSM attestation readiness: the page, each gap's owner and target date, the reason for a
"yes" without evidence, the reporting period, readiness over time, and the evidence binder."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Attestation, StatementFollowUp
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

from .test_reports import enter_official_texts, pack_items

PDF = b"%PDF-1.4\n%minutes of the board\n"


def upload(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pssm_pack(db) -> Pack:
    return Pack.objects.get(organization=None, pack_id="pssm")


def item(pack: Pack, key: str) -> PackItem:
    return PackItem.objects.get(pack=pack, key=key)


def start(org, owner, member, pack, *, title="PSSM readiness 2026",
          opens_on=dt.date(2026, 1, 5), no=("1D",)) -> Assessment:
    """A PSSM cycle: every statement agreed "yes" except `no`, the official texts entered."""
    assessment = services.start_assessment(
        organization=org, pack=pack, title=title, opens_on=opens_on,
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner, team=[member], by=owner)
    for items in pack_items(pack).values():
        for statement in items:
            services.save_answer(assessment=assessment, item=statement, user=owner,
                                 consensus=True, value="no" if statement.key in no else "yes")
    enter_official_texts(assessment, owner)
    return assessment


@pytest.fixture
def readiness(org, owner, member, pssm_pack):
    return start(org, owner, member, pssm_pack)


def url(name, assessment, *args):
    return reverse(f"assessments:{name}", args=[assessment.organization.slug, assessment.pk,
                                                *args])


def binder(client, assessment) -> zipfile.ZipFile:
    response = client.get(url("evidence_binder", assessment))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def statement_card(html: str, key: str) -> str:
    start = html.index(f'id="statement-{key}"')
    return html[start:html.index("</article>", start)]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# --- the page --------------------------------------------------------------------------------

def test_page_shows_domains_statement_status_and_flags(owner_client, readiness, pssm_pack):
    html = owner_client.get(url("readiness", readiness)).content.decode()
    assert "<strong>4 of 5</strong> domains met" in html
    assert 'class="readiness-state status-unmet">Not met</span>' in \
        statement_card(html, "1D")
    assert item(pssm_pack, "1D").title in statement_card(html, "1D")
    assert html.count('class="readiness-state status-met">Met</span>') == 24
    # 24 "yes" answers and not one file: each is flagged until a file or a reason is given.
    assert "24 “yes” answers without evidence or a stated reason" in html
    assert "1 statement not yet met, <strong>1 without an owner</strong>" in html
    assert "Export the evidence binder (ZIP)" in html


def test_statement_without_official_text_cannot_be_scored(owner_client, org, owner, member,
                                                          pssm_pack):
    assessment = services.start_assessment(
        organization=org, pack=pssm_pack, title="PSSM draft",
        mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[], by=owner)
    services.save_answer(assessment=assessment, item=item(pssm_pack, "5D"), user=owner,
                         consensus=True, value="yes")
    html = owner_client.get(url("readiness", assessment)).content.decode()
    assert 'class="readiness-state status-pending">Cannot be scored yet</span>' in html
    assert "the official text is not entered yet" in html


def test_self_assessment_has_no_readiness_page(owner_client, org, owner, member):
    pack = Pack.objects.get(organization=None, pack_id="safetyhub-sa")
    assessment = services.start_assessment(
        organization=org, pack=pack, title="SA", mode=Assessment.Mode.CONSENSUS_ONLY,
        lead=owner, team=[], by=owner)
    assert owner_client.get(url("readiness", assessment)).status_code == 404
    assert owner_client.get(url("evidence_binder", assessment)).status_code == 404


@pytest.mark.parametrize("name", ["readiness", "evidence_binder"])
def test_outsiders_get_404(outsider_client, readiness, name):
    assert outsider_client.get(url(name, readiness)).status_code == 404


def test_pssm_entry_goes_to_the_current_cycle(owner_client, org, owner, member, pssm_pack):
    entry = reverse("assessments:pssm", args=[org.slug])
    html = owner_client.get(entry).content.decode()
    assert "There is no PSSM assessment you can see yet." in html
    assert "Start a PSSM readiness assessment" in html
    earlier = start(org, owner, member, pssm_pack, title="PSSM 2025",
                    opens_on=dt.date(2025, 1, 6))
    services.finalize(assessment=earlier, by=owner)
    assert owner_client.get(entry)["Location"] == url("readiness", earlier)
    current = start(org, owner, member, pssm_pack, title="PSSM 2026",
                    opens_on=dt.date(2024, 12, 1))  # open: preferred to a finalized one
    assert owner_client.get(entry)["Location"] == url("readiness", current)


# --- follow-ups ------------------------------------------------------------------------------

def test_lead_sets_owner_and_target_date_of_a_gap_audited(owner_client, readiness, member):
    response = owner_client.post(url("readiness_follow_up", readiness, "1D"), {
        "owner": str(member.pk), "target_date": "2026-06-30", "no_evidence_reason": ""})
    assert response.status_code == 302
    follow_up = StatementFollowUp.objects.get(assessment=readiness, item__key="1D")
    assert follow_up.owner == member and follow_up.target_date == dt.date(2026, 6, 30)
    entry = AuditEntry.objects.get(object_type="assessments.StatementFollowUp",
                                   action=AuditEntry.Action.CREATE)
    assert entry.organization_id == readiness.organization_id
    html = owner_client.get(url("readiness", readiness)).content.decode()
    assert f"Owner: {member}" in html and "30 Jun 2026" in html
    assert "without an owner" not in html


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"owner": "outsider"}, "owner", "must be an active member of the organization"),
    ({"target_date": "30/06/2026"}, "target_date", "Enter a date as YYYY-MM-DD."),
    ({"target_date": "0999-01-01"}, "target_date", "Must be a date between"),
    ({"no_evidence_reason": "x" * 1001}, "no_evidence_reason", "at most 1000 characters"),
    ({"no_evidence_reason": "bad\x00text"}, "no_evidence_reason", "control character"),
])
def test_bad_follow_up_is_refused_naming_the_field(owner_client, readiness, outsider, fields,
                                                   field, message):
    data = {"owner": "", "target_date": "", "no_evidence_reason": "", **fields}
    if data["owner"] == "outsider":
        data["owner"] = str(outsider.pk)
    response = owner_client.post(url("readiness_follow_up", readiness, "1D"), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and f'href="#{field}-1D"' in html
    assert not StatementFollowUp.objects.exists()


def test_only_a_lead_edits_follow_ups_and_the_period(member_client, readiness):
    assert member_client.post(url("readiness_follow_up", readiness, "1D"),
                              {"target_date": "2026-06-30"}).status_code == 403
    assert member_client.post(url("readiness_period", readiness),
                              {"reporting_year": "2026"}).status_code == 403
    assert member_client.get(url("readiness", readiness)).status_code == 200
    assert not StatementFollowUp.objects.exists() and not Attestation.objects.exists()


def test_yes_without_evidence_needs_a_reason_or_a_file(owner_client, owner, readiness,
                                                       pssm_pack):
    html = owner_client.get(url("readiness", readiness)).content.decode()
    assert "24 “yes” answers without evidence" in html
    owner_client.post(url("readiness_follow_up", readiness, "1A"), {
        "owner": "", "target_date": "",
        "no_evidence_reason": "Board minutes are confidential; shown to surveyors on site."})
    services.attach_evidence(assessment=readiness, item=item(pssm_pack, "1B"), user=owner,
                             upload=upload("assessment.pdf"), consensus=True)
    html = owner_client.get(url("readiness", readiness)).content.decode()
    assert "22 “yes” answers without evidence" in html
    assert "Reason: Board minutes are confidential" in html
    assert "assessment.pdf</a>" in html


# --- the reporting period --------------------------------------------------------------------

def test_lead_states_reporting_year_and_submission_date(owner_client, readiness):
    response = owner_client.post(url("readiness_period", readiness),
                                 {"reporting_year": "2026", "submission_date": "2027-05-15"})
    assert response.status_code == 302
    attestation = Attestation.objects.get(assessment=readiness)
    assert (attestation.reporting_year, attestation.submission_date) == (2026, dt.date(2027, 5, 15))
    html = owner_client.get(url("readiness", readiness)).content.decode()
    assert "Calendar year 2026" in html and "15 May 2027" in html
    assert AuditEntry.objects.filter(object_type="assessments.Attestation").exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"reporting_year": "twenty"}, "reporting_year", "a calendar year"),
    ({"reporting_year": "26"}, "reporting_year", "a calendar year"),
    ({"reporting_year": "2026", "submission_date": "2025-12-31"}, "submission_date",
     "cannot come before the reporting year"),
    ({"submission_date": "not a date"}, "submission_date", "YYYY-MM-DD"),
])
def test_bad_period_is_refused_naming_the_field(owner_client, readiness, data, field, message):
    response = owner_client.post(url("readiness_period", readiness),
                                 {"reporting_year": "", "submission_date": "", **data})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and f'href="#{field}-period"' in html
    assert not Attestation.objects.exists()


# --- history ---------------------------------------------------------------------------------

def test_history_lists_finalized_cycles_and_this_one(owner_client, org, owner, member,
                                                     pssm_pack):
    earlier = start(org, owner, member, pssm_pack, title="PSSM 2025",
                    opens_on=dt.date(2025, 1, 6), no=("1D", "3A", "4B"))
    services.set_attestation_period(assessment=earlier, reporting_year=2025,
                                    submission_date=None, by=owner)
    services.finalize(assessment=earlier, by=owner)
    current = start(org, owner, member, pssm_pack, title="PSSM 2026")
    html = owner_client.get(url("readiness", current)).content.decode()
    history = html[html.index("Readiness over time"):]
    assert history.index("PSSM 2025") < history.index("PSSM 2026 (this one)")
    assert "<td>2025</td>" in history and "<td>2 of 5</td>" in history
    assert "<td>4 of 5</td>" in history


# --- the evidence binder ---------------------------------------------------------------------

def test_binder_holds_index_and_agreed_answers_files_per_domain(owner_client, owner, member,
                                                                 readiness, pssm_pack):
    services.attach_evidence(assessment=readiness, item=item(pssm_pack, "1A"), user=owner,
                             upload=upload("board minutes.pdf", PDF + b"1A"), consensus=True)
    services.attach_evidence(assessment=readiness, item=item(pssm_pack, "3A"), user=owner,
                             upload=upload("../../etc/passwd.pdf", PDF + b"3A"), consensus=True)
    # A member's own file (on the member's own answer) is not the team's evidence.
    services.attach_evidence(assessment=readiness, item=item(pssm_pack, "1A"), user=member,
                             upload=upload("my private draft.pdf"))
    owner_client.post(url("readiness_period", readiness), {"reporting_year": "2026",
                                                           "submission_date": ""})

    archive = binder(owner_client, readiness)
    names = archive.namelist()
    assert names[-1] == "index.pdf"
    files = sorted(n for n in names if n != "index.pdf")
    assert len(files) == 2
    domain1 = next(n for n in files if n.startswith("Domain 1 "))
    domain3 = next(n for n in files if n.startswith("Domain 3 "))
    assert domain1.endswith("board minutes.pdf") and domain1.split("/")[1].startswith("1A ")
    assert archive.read(domain1) == PDF + b"1A"
    assert archive.read(domain3) == PDF + b"3A"
    assert all(".." not in part for n in files for part in n.split("/"))
    assert not any("private" in n for n in names)

    text = pdf_text(archive.read("index.pdf"))
    assert "Evidence binder: PSSM readiness 2026" in text
    assert "Calendar year 2026" in text
    assert "board minutes.pdf" in text
    assert "No file and no reason stated." in text
    assert "comparing organizations" not in text
    assert "my private draft" not in text

    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW,
                                      object_type="assessments.Assessment",
                                      object_id=str(readiness.pk)).latest("seq")
    assert entry.changes == {"format": "evidence-binder", "files": 2}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW,
                                     object_type="assessments.Evidence").count() == 2


def test_binder_is_for_the_team_only(client, org, readiness, member):
    executive = MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER,
                                  user=UserFactory(email="exec@example.org")).user
    reader = client_for(executive)
    html = reader.get(url("readiness", readiness)).content.decode()
    assert "The assessment's team exports the evidence binder." in html
    assert reader.get(url("evidence_binder", readiness)).status_code == 403
    assert binder(client_for(member), readiness).namelist() == ["index.pdf"]


def test_binder_is_throttled_like_reports(owner_client, readiness, settings):
    settings.REPORTS_AT_ONCE_PER_ORGANIZATION = 0
    assert owner_client.get(url("evidence_binder", readiness)).status_code == 429


# --- the API ---------------------------------------------------------------------------------

def api_client(user):
    from django.test import Client

    from safetyhub.core import services as core_services

    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def api(assessment, tail=""):
    return f"/api/v1/orgs/{assessment.organization.slug}/assessments/{assessment.pk}" \
           f"/readiness{tail}"


def test_api_reads_readiness_and_sets_follow_ups(owner, member, readiness):
    client = api_client(owner)
    body = client.get(api(readiness)).json()
    assert (body["score"], body["possible"], body["gaps_without_owner"]) == (4, 5, 1)
    assert body["yes_without_evidence"] == 24
    d1 = body["domains"][0]
    assert d1["state"] == "not-met"
    statement = next(s for s in d1["statements"] if s["key"] == "1D")
    assert statement["state"] == "not-met" and statement["follow_up"] is None

    response = client.put(api(readiness, "/statements/1D"), {
        "owner": member.email, "target_date": "2026-06-30"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["owner_id"] == member.pk
    response = client.put(api(readiness, "/statements/1A"), {
        "no_evidence_reason": "Shown to surveyors on site."}, content_type="application/json")
    assert response.status_code == 200
    response = client.put(api(readiness, "/period"), {
        "reporting_year": 2026, "submission_date": "2027-05-15"},
        content_type="application/json")
    assert response.status_code == 200, response.content

    body = client.get(api(readiness)).json()
    assert body["gaps_without_owner"] == 0 and body["yes_without_evidence"] == 23
    assert body["period"] == {"reporting_year": 2026, "submission_date": "2027-05-15"}


@pytest.mark.parametrize(("tail", "payload", "field"), [
    ("/statements/1D", {"owner": "outsider@example.org"}, "owner"),
    ("/statements/1D", {"target_date": "0999-01-01"}, "target_date"),
    ("/statements/1D", {"no_evidence_reason": "a\x00b"}, "no_evidence_reason"),
    ("/statements/NOPE", {}, "item_key"),
    ("/period", {"reporting_year": 26}, "reporting_year"),
    ("/period", {"reporting_year": 2026, "submission_date": "2025-01-01"}, "submission_date"),
])
def test_api_refuses_bad_input_naming_the_field(owner, outsider, readiness, tail, payload,
                                                field):
    response = api_client(owner).put(api(readiness, tail), payload,
                                     content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert field in response.content.decode()
    assert not StatementFollowUp.objects.exists() and not Attestation.objects.exists()


def test_api_follow_ups_are_for_leads_and_readiness_for_insiders(member, outsider, readiness):
    response = api_client(member).put(api(readiness, "/statements/1D"),
                                      {"target_date": "2026-06-30"},
                                      content_type="application/json")
    assert response.status_code == 403
    assert api_client(member).get(api(readiness)).status_code == 200
    assert api_client(outsider).get(api(readiness)).status_code == 404
    assert not StatementFollowUp.objects.exists()


# --- My work ---------------------------------------------------------------------------------

def test_gaps_owned_by_lists_open_gaps_of_the_owner_only(org, owner, member, readiness,
                                                         pssm_pack, other_org, outsider):
    from safetyhub.assessments.readiness import gaps_owned_by

    for key in ("1D", "1A"):  # 1D is a gap, 1A is met: not a gap to work on
        services.set_follow_up(assessment=readiness, item=item(pssm_pack, key), owner=member,
                               target_date=dt.date(2026, 6, 30), no_evidence_reason="",
                               by=owner)
    services.set_follow_up(assessment=readiness, item=item(pssm_pack, "1D"), owner=member,
                           target_date=None, no_evidence_reason="", by=owner)
    assert [f.item.key for f in gaps_owned_by(user=member, organization=org)] == ["1D"]
    assert not gaps_owned_by(user=owner, organization=org).exists()
    assert not gaps_owned_by(user=member, organization=other_org).exists()
    services.finalize(assessment=readiness, by=owner)
    assert not gaps_owned_by(user=member, organization=org).exists()


def test_page_queries_do_not_grow_with_files_and_follow_ups(owner_client, owner, member,
                                                            readiness, pssm_pack):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url("readiness", readiness)).status_code == 200
        return len(queries)

    def add(key: str) -> None:
        services.attach_evidence(assessment=readiness, item=item(pssm_pack, key), user=owner,
                                 upload=upload(f"{key}.pdf"), consensus=True)
        services.set_follow_up(assessment=readiness, item=item(pssm_pack, key), owner=member,
                               target_date=dt.date(2026, 6, 30), no_evidence_reason="",
                               by=owner)

    add("1A")
    count()  # the first request also reads what the session and caches then keep
    one = count()
    add("1B")
    add("1C")
    assert count() == one


def test_a_gap_owner_finds_it_on_my_work(org, owner, member, readiness, pssm_pack,
                                         member_client):
    """The gap its owner must close is on their My work, overdue once its date has passed,
    and links to the statement on the readiness page; a met statement is not."""
    services.set_follow_up(assessment=readiness, item=item(pssm_pack, "1D"), owner=member,
                           target_date=dt.date(2020, 1, 31), no_evidence_reason="", by=owner)
    page = member_client.get(reverse("dashboard", args=[org.slug])).content.decode()
    assert "Attestation gaps you own" in page
    assert url("readiness", readiness) + "#statement-1D" in page
    from safetyhub.assessments.my_work import attestation_gaps
    [gap] = attestation_gaps(member, org)
    assert gap.overdue and gap.due_on == dt.date(2020, 1, 31)
    assert attestation_gaps(owner, org) == []


def test_the_new_owner_of_a_gap_is_notified_once(owner, member, readiness, pssm_pack):
    from safetyhub.core.models import Notification

    for _ in range(2):  # saving again with the same owner tells no one again
        services.set_follow_up(assessment=readiness, item=item(pssm_pack, "1D"), owner=member,
                               target_date=dt.date(2026, 6, 30), no_evidence_reason="",
                               by=owner)
    [note] = Notification.objects.filter(recipient=member, kind="assessments.gap_owner")
    assert "1D" in note.link and "30 Jun 2026" in note.title
