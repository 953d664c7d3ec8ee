import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response, TeamMember
from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem

from ..factories import MembershipFactory, SiteFactory, UserFactory

OPENS = dt.date(2026, 3, 2)


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def pack(pack_id: str) -> Pack:
    return Pack.objects.get(organization=None, pack_id=pack_id)


def items(p: Pack) -> list[PackItem]:
    return list(p.items.filter(kind=PackItem.Kind.ITEM).order_by("position"))


@pytest.fixture
def colleague(org):
    return MembershipFactory(organization=org, role=Role.ASSESSOR,
                             user=UserFactory(email="colleague@example.org",
                                              full_name="Cam Colleague")).user


@pytest.fixture
def bystander(org):
    """An assessor of the organization who is not on the team."""
    return MembershipFactory(organization=org, role=Role.ASSESSOR,
                             user=UserFactory(email="bystander@example.org")).user


@pytest.fixture
def executive(org):
    return MembershipFactory(organization=org, role=Role.EXECUTIVE_VIEWER,
                             user=UserFactory(email="exec@example.org")).user


@pytest.fixture
def assessment(org, owner, member, colleague):
    return services.start_assessment(
        organization=org, pack=pack("safetyhub-sa"), title="Baseline 2026",
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner, team=[member, colleague],
        by=owner, opens_on=OPENS)


@pytest.fixture
def owner_api(owner):
    return api_client(owner)


@pytest.fixture
def member_api(member):
    return api_client(member)


def base(org, assessment) -> str:
    return f"/api/v1/orgs/{org.slug}/assessments/{assessment.pk}"


def put(client, url, body):
    return client.put(url, body, content_type="application/json")


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["detail"]}


# --- list and start ------------------------------------------------------------------------


def test_list_shows_members_their_own_assessments_and_leads_all(
        org, owner, member, bystander, assessment, owner_api, member_api):
    services.start_assessment(organization=org, pack=pack("pssm"), title="PSSM readiness",
                              mode=Assessment.Mode.CONSENSUS_ONLY, lead=owner, team=[],
                              by=owner, opens_on=OPENS)
    url = f"/api/v1/orgs/{org.slug}/assessments"
    assert {a["title"] for a in owner_api.get(url).json()} == {"Baseline 2026", "PSSM readiness"}
    mine = member_api.get(url).json()
    assert [a["title"] for a in mine] == ["Baseline 2026"]
    assert mine[0]["team_size"] == 3
    assert mine[0]["pack_id"] == "safetyhub-sa"
    assert api_client(bystander).get(url).json() == []


def test_list_queries_do_not_grow_with_the_number_of_assessments(org, owner, member_api,
                                                                  member):
    url = f"/api/v1/orgs/{org.slug}/assessments"

    def start(n):
        for i in range(n):
            services.start_assessment(organization=org, pack=pack("safetyhub-sa"),
                                      title=f"Cycle {i}", mode="independent", lead=owner,
                                      team=[member], by=owner, opens_on=OPENS)

    start(1)
    member_api.get(url)  # the token's first use is noted once
    with CaptureQueriesContext(connection) as one:
        assert len(member_api.get(url).json()) == 1
    start(2)
    with CaptureQueriesContext(connection) as three:
        assert len(member_api.get(url).json()) == 3
    assert len(three) == len(one)


def test_start_by_emails_and_ids(org, owner, owner_api, member, colleague):
    site = SiteFactory(organization=org, name="Main campus")
    response = post(owner_api, f"/api/v1/orgs/{org.slug}/assessments", {
        "title": "Baseline 2026", "pack_id": "safetyhub-sa", "version": "2",
        "team": ["MEMBER@example.org", colleague.pk], "site_id": site.pk,
        "opens_on": "2026-03-02", "window_days": 20, "reminder_days": [5, 12],
    })
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["closes_on"] == "2026-03-22"
    assert body["reminder_days"] == [5, 12]
    assert body["site"] == "Main campus"
    assert body["my_role"] == "lead" and body["can_lead"] is True
    assert body["agreed_by"] == "leads" and body["can_write_agreed"] is True
    assert body["consensus_opened_at"] is None and body["sees_member_answers"] is True
    assert {(m["email"], m["role"]) for m in body["team"]} == {
        ("owner@example.org", "lead"), ("member@example.org", "member"),
        ("colleague@example.org", "member")}


def test_start_with_another_lead(org, owner_api, member, colleague):
    body = post(owner_api, f"/api/v1/orgs/{org.slug}/assessments", {
        "title": "Unit survey", "pack_id": "safetyhub-sa", "lead": "member@example.org",
        "team": [colleague.pk], "mode": "consensus", "agreed_by": "team"}).json()
    roles = {m["email"]: m["role"] for m in body["team"]}
    assert roles == {"member@example.org": "lead", "colleague@example.org": "member"}
    assert body["my_role"] is None and body["mode"] == "consensus"
    assert body["agreed_by"] == "team"
    assert body["agreed_by_rule"] == ("Agreed answers are written by anyone on the "
                                      "assessment's team.")
    assert body["can_write_agreed"] is False  # not on the team


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pack_id": "no-such-pack"}, "pack_id"),
        ({"version": "99"}, "pack_id"),
        ({"pack_id": "nap-2020"}, "pack_id"),  # a framework is not answered
        ({"team": ["stranger@example.org"]}, "team"),
        ({"team": ["outsider@example.org"]}, "team"),  # a member of another organization
        ({"team": [999999]}, "team"),
        ({"lead": "nobody@example.org"}, "lead"),
        ({"site_id": 999999}, "site_id"),
        ({"mode": "vibes"}, "mode"),
        ({"title": "  "}, "title"),
        ({"window_days": 10, "reminder_days": [15]}, "reminder_days"),
        ({"opens_on": "soon"}, "opens_on"),
        ({"agreed_by": "anyone"}, "agreed_by"),
    ],
)
def test_start_names_the_bad_field_and_creates_nothing(org, owner_api, outsider, change,
                                                       field):
    body = {"title": "Baseline", "pack_id": "safetyhub-sa"} | change
    response = post(owner_api, f"/api/v1/orgs/{org.slug}/assessments", body)
    assert response.status_code == 422, response.json()
    assert field in fields(response)
    assert not Assessment.objects.exists()


def test_start_needs_a_lead_role(org, member_api):
    response = post(member_api, f"/api/v1/orgs/{org.slug}/assessments",
                    {"title": "Mine", "pack_id": "safetyhub-sa"})
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_start_cannot_use_another_organizations_site(org, other_org, owner_api):
    site = SiteFactory(organization=other_org)
    response = post(owner_api, f"/api/v1/orgs/{org.slug}/assessments",
                    {"title": "X", "pack_id": "safetyhub-sa", "site_id": site.pk})
    assert response.status_code == 422
    assert fields(response) == {"site_id"}


def test_detail_shows_team_and_what_you_may_do(org, assessment, member_api):
    body = member_api.get(base(org, assessment)).json()
    assert body["title"] == "Baseline 2026"
    assert body["my_role"] == "member"
    assert body["can_answer"] is True and body["can_lead"] is False
    assert body["team_size"] == 3 and len(body["team"]) == 3


# --- autosave ------------------------------------------------------------------------------


def test_autosave_saves_one_answer_and_counts_versions(org, assessment, member_api, member):
    item = items(assessment.pack)[0]
    url = f"{base(org, assessment)}/responses/{item.key}"
    first = put(member_api, url, {"value": "2", "note": "Policy exists, not measured."})
    assert first.status_code == 200, first.json()
    assert first.json() | {"updated_at": None} == {
        "item_key": item.key, "consensus": False, "respondent_id": member.pk, "value": "2",
        "criteria_met": [], "note": "Policy exists, not measured.", "evidence_links": [],
        "rationale": "", "version": 1, "updated_by_id": member.pk,
        "updated_by": str(member), "updated_at": None}
    second = put(member_api, url, {"criteria_met": ["a"], "expected_version": 1})
    assert second.json()["version"] == 2
    assert second.json()["value"] == "2"  # a field left out keeps its value
    saved = Response.objects.get(assessment=assessment, item=item, respondent=member)
    assert (saved.value, saved.criteria_met, saved.version) == ("2", ["a"], 2)
    entry = AuditEntry.objects.filter(object_type="assessments.Response").latest("seq")
    assert entry.actor_id == member.pk


def test_autosave_reads_and_writes_only_what_it_needs(org, assessment, member_api):
    """The busiest write: its query budget is what bench/autosave.py's figures rest on."""
    item = items(assessment.pack)[0]
    url = f"{base(org, assessment)}/responses/{item.key}"
    assert put(member_api, url, {"value": "1"}).status_code == 200  # creates it
    with CaptureQueriesContext(connection) as queries:
        assert put(member_api, url, {"value": "2"}).status_code == 200
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # token, membership + organization, assessment + pack + team role, the answer locked,
    # its update, the audit chain's head locked, the entry, the head moved on.
    assert statements.count("SELECT") == 5, queries.captured_queries
    assert statements.count("UPDATE") == 2 and statements.count("INSERT") == 1
    assert statements.count("SAVEPOINT") == 1  # the request's own (the test holds a transaction)
    assert not any('"content"' in q["sql"] for q in queries.captured_queries)  # pack's


def test_autosave_conflict_returns_409_with_both_answers(org, assessment, owner, owner_api,
                                                          member_api):
    assessment.agreed_by = Assessment.AgreedBy.TEAM  # two people who may write it
    assessment.save()
    item = items(assessment.pack)[1]
    url = f"{base(org, assessment)}/responses/{item.key}"
    assert put(owner_api, url, {"value": "3", "consensus": True}).json()["version"] == 1
    assert put(owner_api, url, {"value": "4", "consensus": True,
                                "expected_version": 1}).json()["version"] == 2
    stale = put(member_api, url, {"value": "1", "consensus": True, "expected_version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"][0]["field"] == "version"
    assert str(owner) in body["detail"][0]["reason"]
    assert body["current"]["value"] == "4"
    assert body["current"]["version"] == 2
    assert body["current"]["updated_by"] == str(owner)
    assert body["submitted"] == {"value": "1", "expected_version": 1}
    consensus = Response.objects.get(assessment=assessment, item=item, respondent=None)
    assert (consensus.value, consensus.version) == ("4", 2)


@pytest.mark.parametrize(
    ("key", "body", "field"),
    [
        (None, {"value": "7"}, "value"),
        (None, {"value": "yes"}, "value"),
        (None, {"criteria_met": ["zz"]}, "criteria_met"),
        (None, {"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
        (None, {"note": "x" * 5001}, "note"),
        (None, {"rationale": "We agreed."}, "rationale"),  # own answers have none
        (None, {"expected_version": -1}, "expected_version"),
        (None, {"value": 3}, "value"),
        ("NOPE-1", {"value": "2"}, "item_key"),
        ("CLG", {"value": "2"}, "item_key"),  # a section, not an item
    ],
)
def test_autosave_names_each_bad_field_and_saves_nothing(org, assessment, member_api, key,
                                                         body, field):
    key = key or items(assessment.pack)[0].key
    response = put(member_api, f"{base(org, assessment)}/responses/{key}", body)
    assert response.status_code == 422, response.json()
    assert fields(response) == {field}
    assert not Response.objects.exists()


def test_autosave_after_finalize_is_refused(org, assessment, owner):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.FINALIZED)
    member_api = api_client(TeamMember.objects.filter(
        assessment=assessment, role="member").first().user)
    key = items(assessment.pack)[0].key
    response = put(member_api, f"{base(org, assessment)}/responses/{key}", {"value": "2"})
    assert response.status_code == 422
    assert fields(response) == {"assessment"}
    assert not Response.objects.exists()


def test_readers_off_the_team_cannot_answer(org, assessment, executive):
    key = items(assessment.pack)[0].key
    response = put(api_client(executive), f"{base(org, assessment)}/responses/{key}",
                   {"value": "2"})
    assert response.status_code == 422
    assert fields(response) == {"respondent"}
    assert not Response.objects.exists()


def test_members_off_the_team_get_404(org, assessment, bystander):
    client = api_client(bystander)
    key = items(assessment.pack)[0].key
    assert client.get(base(org, assessment)).status_code == 404
    assert put(client, f"{base(org, assessment)}/responses/{key}",
               {"value": "2"}).status_code == 404
    assert not Response.objects.exists()


def test_consensus_only_assessments_take_no_own_answers(org, owner, member):
    cycle = services.start_assessment(organization=org, pack=pack("safetyhub-sa"), title="C",
                                      mode="consensus", lead=owner, team=[member], by=owner,
                                      agreed_by=Assessment.AgreedBy.TEAM)
    key = items(cycle.pack)[0].key
    client = api_client(member)
    assert put(client, f"{base(org, cycle)}/responses/{key}",
               {"value": "2"}).status_code == 422
    saved = put(client, f"{base(org, cycle)}/responses/{key}",
                {"value": "2", "consensus": True, "rationale": "Agreed at the March meeting."})
    assert saved.status_code == 200
    assert saved.json()["consensus"] is True and saved.json()["respondent_id"] is None


# --- reads ---------------------------------------------------------------------------------


def answer(assessment, user, item, value, consensus=False):
    return services.save_answer(assessment=assessment, item=item, user=user, value=value,
                                consensus=consensus)


def test_responses_show_own_and_consensus_and_leads_see_all(
        org, assessment, owner, member, colleague, owner_api, member_api, executive):
    first = items(assessment.pack)[0]
    answer(assessment, member, first, "1")
    answer(assessment, colleague, first, "4")
    answer(assessment, owner, first, "2", consensus=True)
    url = f"{base(org, assessment)}/responses"
    mine = member_api.get(url).json()
    assert {(r["respondent_id"], r["value"]) for r in mine} == {(member.pk, "1"), (None, "2")}
    everyone = owner_api.get(url).json()
    assert {r["respondent_id"] for r in everyone} == {member.pk, colleague.pk, None}
    assert [r["value"] for r in api_client(executive).get(url).json()] == ["2"]


def test_results_for_an_instrument(org, assessment, owner, member, colleague, owner_api,
                                   member_api):
    first, second = items(assessment.pack)[:2]
    answer(assessment, member, first, "0")
    answer(assessment, colleague, first, "4")
    answer(assessment, owner, first, "1", consensus=True)
    answer(assessment, owner, second, "3", consensus=True)
    url = f"{base(org, assessment)}/results"
    body = owner_api.get(url).json()
    assert body["kind"] == "instrument"
    assert body["means"]["overall_mean"] == 2.0
    assert body["attestation"] is None
    section = body["means"]["sections"][0]
    assert section["key"] == first.parent.key
    assert section["distribution"]["1"] == 1 and section["distribution"]["3"] == 1
    by_key = {i["key"]: i for i in body["items"]}
    assert len(by_key) == body["items_total"]
    assert by_key[first.key]["consensus"]["value"] == "1"
    assert by_key[first.key]["disagreement"] is True
    assert {m["user_id"]: m["value"] for m in by_key[first.key]["members"]} == {
        owner.pk: None, member.pk: "0", colleague.pk: "4"}
    assert {p["user_id"]: p["answered"] for p in body["progress"]} == {
        owner.pk: 0, member.pk: 1, colleague.pk: 1}
    own_view = {i["key"]: i for i in member_api.get(url).json()["items"]}
    assert own_view[first.key]["members"] == [
        {"user_id": member.pk, "name": str(member), "value": "0", "version": 1}]


def test_results_for_an_attestation(org, owner, owner_api):
    cycle = services.start_assessment(organization=org, pack=pack("pssm"), title="PSSM",
                                      mode="consensus", lead=owner, team=[], by=owner)
    statements = items(cycle.pack)
    domain_one = [s for s in statements if s.parent.key == statements[0].parent.key]
    for s in domain_one:
        answer(cycle, owner, s, "yes", consensus=True)
    answer(cycle, owner, statements[-1], "no", consensus=True)
    body = owner_api.get(f"{base(org, cycle)}/results").json()
    assert body["kind"] == "attestation" and body["means"] is None
    assert body["attestation"]["score"] == 1
    assert body["attestation"]["possible"] == 5
    domains = body["attestation"]["sections"]
    assert domains[0]["met"] is True and domains[0]["blocking"] == []
    assert domains[-1]["met"] is False and statements[-1].key in domains[-1]["blocking"]


def test_priorities_rank_lowest_first_with_linked_keys(org, assessment, owner, owner_api):
    first, second, third = items(assessment.pack)[:3]
    answer(assessment, owner, first, "3", consensus=True)
    answer(assessment, owner, second, "0", consensus=True)
    answer(assessment, owner, third, "unsure", consensus=True)
    body = owner_api.get(f"{base(org, assessment)}/priorities").json()
    assert [p["key"] for p in body["ranked"]] == [second.key, first.key]
    top = body["ranked"][0]
    assert top["numeric"] == 0
    assert top["recommendations"]  # keyed to NAP recommendations through the crosswalk
    assert all(key.startswith("R") for key in top["recommendations"])
    assert top["tactics"]
    discuss = {p["key"]: p for p in body["needs_discussion"]}
    assert discuss[third.key]["needs_discussion"] == ["answered Unsure"]
    assert "not answered" in discuss[items(assessment.pack)[3].key]["needs_discussion"]
    # some element's recommendations support PSSM statements
    assert any(p["statements"] for p in body["ranked"] + body["needs_discussion"])


def test_report_links(org, assessment, member_api):
    body = member_api.get(f"{base(org, assessment)}/report").json()
    prefix = f"http://testserver/o/{org.slug}/assessments/{assessment.pk}/"
    assert body == {"html": prefix + "report/", "pdf": prefix + "report.pdf",
                    "xlsx": prefix + "responses.xlsx"}


# --- finish, finalize, reopen --------------------------------------------------------------


def test_finish_marks_own_scoring_done(org, assessment, member, member_api):
    body = post(member_api, f"{base(org, assessment)}/finish").json()
    assert body["user_id"] == member.pk and body["finished_at"]
    assert TeamMember.objects.get(assessment=assessment, user=member).finished_at
    body = post(member_api, f"{base(org, assessment)}/finish", {"finished": False}).json()
    assert body["finished_at"] is None


def test_finalize_and_reopen(org, assessment, owner, owner_api, member_api):
    url = base(org, assessment)
    assert post(member_api, f"{url}/finalize").status_code == 403
    incomplete = post(owner_api, f"{url}/finalize")
    assert incomplete.status_code == 422
    assert fields(incomplete) == {"assessment"}
    for item in items(assessment.pack):
        answer(assessment, owner, item, "2", consensus=True)
    done = post(owner_api, f"{url}/finalize")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "finalized" and done.json()["can_answer"] is False
    assert post(owner_api, f"{url}/finalize").status_code == 422
    assert post(member_api, f"{url}/reopen", {"reason": "Missed an item"}).status_code == 403
    short = post(owner_api, f"{url}/reopen", {"reason": "no"})
    assert short.status_code == 422 and fields(short) == {"reason"}
    reopened = post(owner_api, f"{url}/reopen", {"reason": "The board asked for a re-score."})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"
    assert AuditEntry.objects.filter(object_type="assessments.Reopen",
                                     object_id=str(assessment.pk)).exists()


def test_open_consensus_shows_the_team_each_others_answers(
        org, assessment, owner, member, colleague, owner_api, member_api):
    first = items(assessment.pack)[0]
    answer(assessment, colleague, first, "4")
    url = base(org, assessment)
    responses = f"{url}/responses"
    assert {r["respondent_id"] for r in member_api.get(responses).json()} == set()
    refused = post(member_api, f"{url}/open-consensus")
    assert refused.status_code == 403
    assert Assessment.objects.get(pk=assessment.pk).consensus_opened_at is None
    opened = post(owner_api, f"{url}/open-consensus")
    assert opened.status_code == 200, opened.json()
    assert opened.json()["consensus_opened_at"] is not None
    assert {r["respondent_id"] for r in member_api.get(responses).json()} == {colleague.pk}
    assert member_api.get(url).json()["sees_member_answers"] is True
    again = post(owner_api, f"{url}/open-consensus")
    assert again.status_code == 422 and fields(again) == {"assessment"}


# --- outsiders and the OpenAPI document ----------------------------------------------------


ENDPOINTS = [
    ("get", ""), ("get", "/responses"), ("put", "/responses/CLG-1"), ("get", "/results"),
    ("get", "/priorities"), ("post", "/finish"), ("post", "/finalize"), ("post", "/reopen"),
    ("post", "/open-consensus"), ("get", "/report"),
]


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
def test_outsiders_get_404_and_change_nothing(org, assessment, outsider, method, suffix):
    client = api_client(outsider)
    item = items(assessment.pack)[0]
    url = base(org, assessment) + suffix.replace("CLG-1", item.key)
    response = getattr(client, method)(url, {"value": "2", "reason": "Because I can."},
                                       content_type="application/json")
    assert response.status_code == 404
    assert response.json()["detail"][0]["field"] == "id"
    assert not Response.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).status == "open"


def test_outsiders_cannot_list_or_start(org, outsider):
    client = api_client(outsider)
    url = f"/api/v1/orgs/{org.slug}/assessments"
    assert client.get(url).status_code == 404
    assert post(client, url, {"title": "X", "pack_id": "safetyhub-sa"}).status_code == 404
    assert not Assessment.objects.exists()


def test_an_assessment_id_of_another_organization_is_404(org, other_org, outsider, owner,
                                                         owner_api):
    theirs = services.start_assessment(organization=other_org, pack=pack("safetyhub-sa"),
                                       title="Theirs", mode="independent", lead=outsider,
                                       team=[], by=outsider)
    assert owner_api.get(f"/api/v1/orgs/{org.slug}/assessments/{theirs.pk}").status_code == 404


def test_openapi_lists_the_assessment_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    prefix = "/api/v1/orgs/{slug}/assessments"
    one = prefix + "/{assessment_id}"
    expected = {
        prefix: {"get", "post"}, one: {"get"}, one + "/responses": {"get"},
        one + "/responses/{item_key}": {"put"}, one + "/results": {"get"},
        one + "/priorities": {"get"}, one + "/finish": {"post"}, one + "/finalize": {"post"},
        one + "/reopen": {"post"}, one + "/report": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths
        assert set(paths[path]) == methods
    assert "409" in paths[one + "/responses/{item_key}"]["put"]["responses"]
