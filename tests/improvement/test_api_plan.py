"""The action plan's API: initiatives (list with filters, create, read, change), progress
notes and PDSA cycles; 422 naming the field, 403 for readers who write, 404 for outsiders."""

import datetime as dt
import json

import pytest

from safetyhub.core.models import Role
from safetyhub.improvement import services
from safetyhub.improvement.models import Initiative, PdsaCycle, ProgressNote

from ..conftest import client_for
from ..factories import SiteFactory
from .test_initiatives import make_initiative, make_measure, nap, person, tactic_of

TODAY = dt.date.today()
API = "/api/v1/orgs"


def call(client, method: str, url: str, body=None):
    kwargs = {} if body is None else {"data": json.dumps(body),
                                      "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["detail"]}


@pytest.fixture
def rounds(org, owner, member):
    return make_initiative(org, owner, title="Leader rounds", recommendation=nap("R01"),
                           owner=member, status="active", due_on=TODAY - dt.timedelta(days=3))


# --- initiatives ---------------------------------------------------------------------------


def test_the_list_with_filters_and_the_overdue_flag(org, owner, member_client, rounds,
                                                    other_org, outsider):
    make_initiative(org, owner, title="Advisory council", recommendation=nap("R07"))
    make_initiative(other_org, outsider, title="Their secret", recommendation=nap("R01"))
    response = member_client.get(f"{API}/{org.slug}/initiatives")
    assert response.status_code == 200
    rows = response.json()
    assert [r["title"] for r in rows] == ["Leader rounds", "Advisory council"]
    first = rows[0]
    assert first["overdue"] is True and first["status"] == "active"
    assert first["recommendation"] == {"pack_id": "nap-2020", "version": "2", "key": "R01",
                                       "number": "1",
                                       "title": "Ensure safety is a demonstrated core value"}
    assert first["owner"]["email"] == "member@example.org" and first["cycle_count"] == 0
    for query, titles in [("area=CLG", ["Leader rounds"]), ("recommendation=R07",
                                                            ["Advisory council"]),
                          ("status=proposed", ["Advisory council"]),
                          ("overdue=true", ["Leader rounds"]), ("owner=none",
                                                                ["Advisory council"]),
                          (f"owner={rounds.owner_id}", ["Leader rounds"])]:
        got = member_client.get(f"{API}/{org.slug}/initiatives?{query}").json()
        assert [r["title"] for r in got] == titles, query


def test_bad_filters_are_422_naming_the_filter(org, member_client, other_org):
    their_site = SiteFactory(organization=other_org)
    for query, field in [("area=NOPE", "area"), ("recommendation=R99", "recommendation"),
                         ("status=finished", "status"), ("owner=me", "owner"),
                         (f"site_id={their_site.pk}", "site_id")]:
        response = member_client.get(f"{API}/{org.slug}/initiatives?{query}")
        assert response.status_code == 422, query
        assert field in fields_of(response), query


def test_create_an_initiative(org, owner_client, member):
    site = SiteFactory(organization=org)
    response = call(owner_client, "post", f"{API}/{org.slug}/initiatives", {
        "title": "Huddles", "tactic": {"key": tactic_of("R02").key},
        "site_id": site.pk, "owner": "MEMBER@example.org", "team": [member.pk],
        "status": "active", "start_on": "2026-01-01", "due_on": "2026-02-01"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recommendation"]["key"] == "R02" and body["tactic"]["key"] == tactic_of(
        "R02").key
    assert body["site_id"] == site.pk and body["owner"]["id"] == member.pk
    assert [p["id"] for p in body["team"]] == [member.pk]
    assert Initiative.objects.get().created_by.email == "owner@example.org"


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"title": ""}, "title", "at least 1 character"),
    ({"title": "x", "due_on": "2026-01-01", "start_on": "2026-02-01"}, "due_on",
     "before the start date"),
    ({"title": "x", "status": "finished"}, "status", "Input should be"),
    ({"title": "x", "recommendation": {"key": "R99"}}, "recommendation",
     "'R99' is not a recommendation of nap-2020 version 2"),
    ({"title": "x", "recommendation": {"pack_id": "nope", "key": "R01"}}, "recommendation",
     "No framework 'nope'"),
    ({"title": "x", "recommendation": {"key": "R01"}, "tactic": {"key": "TACTIC-R02"}},
     "tactic", "is a tactic for another recommendation"),
    ({"title": "x", "recommendation": {"pack_id": "safetyhub-sa", "key": "CLG-1"}},
     "recommendation", "Choose a recommendation of a framework"),
    ({"title": "x", "owner": "outsider@example.org"}, "owner", "Not active members"),
    ({"title": "x", "team": [999_999]}, "team", "Not active members of this organization: "
                                                 "999999"),
    ({"title": "x", "site_id": "THEIR-SITE"}, "site_id", "No such site"),
    ({"title": "x", "due_on": "31/01/2026"}, "due_on", "valid date"),
])
def test_create_refuses_bad_input_naming_the_field(org, owner_client, outsider, other_org,
                                                   body, field, reason):
    if body.get("site_id") == "THEIR-SITE":
        body["site_id"] = SiteFactory(organization=other_org).pk
    if body.get("tactic") == {"key": "TACTIC-R02"}:
        body["tactic"] = {"key": tactic_of("R02").key}
    response = call(owner_client, "post", f"{API}/{org.slug}/initiatives", body)
    assert response.status_code == 422
    assert reason in fields_of(response)[field]
    assert not Initiative.objects.exists()


def test_only_leads_create(org, member_client):
    executive = client_for(person(org, Role.EXECUTIVE_VIEWER))
    for client in (member_client, executive):
        response = call(client, "post", f"{API}/{org.slug}/initiatives", {"title": "x"})
        assert response.status_code == 403
        assert response.json()["detail"][0]["field"] == "role"
    assert not Initiative.objects.exists()


def test_update_changes_only_what_is_sent(org, member, rounds):
    client = client_for(member)  # the owner
    url = f"{API}/{org.slug}/initiatives/{rounds.pk}"
    loaded = client.get(url).json()
    response = call(client, "patch", url, {"status": "done",
                                           "expected_updated_at": loaded["updated_at"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["overdue"], body["title"], body["owner"]["id"]) == (
        "done", False, "Leader rounds", member.pk)
    stale = call(client, "patch", url, {"title": "Stale",
                                        "expected_updated_at": loaded["updated_at"]})
    assert stale.status_code == 422
    assert "Someone else changed" in fields_of(stale)["expected_updated_at"]
    cleared = call(client, "patch", url, {"owner": None, "recommendation": None,
                                          "due_on": None})
    assert cleared.status_code == 200
    assert (cleared.json()["owner"], cleared.json()["recommendation"]) == (None, None)
    rounds.refresh_from_db()
    assert (rounds.title, rounds.status, rounds.owner, rounds.due_on) == (
        "Leader rounds", "done", None, None)


def test_update_refuses_bad_input(org, owner_client, rounds, outsider):
    url = f"{API}/{org.slug}/initiatives/{rounds.pk}"
    for body, field in [({"title": None}, "title"), ({"status": None}, "status"),
                        ({"title": ""}, "title"), ({"due_on": "2000-01-01",
                                                    "start_on": "2001-01-01"}, "due_on"),
                        ({"tactic": {"key": tactic_of("R03").key}}, "tactic"),
                        ({"team": ["outsider@example.org"]}, "team"),
                        ({"expected_updated_at": "yesterday"}, "expected_updated_at")]:
        response = call(owner_client, "patch", url, body)
        assert response.status_code == 422, body
        assert field in fields_of(response), body
    rounds.refresh_from_db()
    assert (rounds.title, rounds.status, rounds.tactic) == ("Leader rounds", "active", None)


def test_readers_get_403_on_writes(org, owner, rounds):
    executive = person(org, Role.EXECUTIVE_VIEWER)
    services.update_initiative(initiative=rounds, by=owner, team=[executive])
    cycle = services.start_cycle(initiative=rounds, by=owner, change="x")
    for user in (executive, person(org)):
        client = client_for(user)
        base = f"{API}/{org.slug}/initiatives/{rounds.pk}"
        assert client.get(base).status_code == 200
        assert client.get(base + "/notes").status_code == 200
        assert client.get(base + "/cycles").status_code == 200
        assert client.get(f"{API}/{org.slug}/cycles/{cycle.pk}").status_code == 200
        for method, url, body in [("patch", base, {"status": "done"}),
                                  ("post", base + "/notes", {"text": "x"}),
                                  ("post", base + "/cycles", {"change": "y"}),
                                  ("patch", f"{API}/{org.slug}/cycles/{cycle.pk}",
                                   {"study": "z"})]:
            response = call(client, method, url, body)
            assert response.status_code == 403, (user, url)
    rounds.refresh_from_db()
    assert rounds.status == "active" and not ProgressNote.objects.exists()
    assert PdsaCycle.objects.get().study == ""


def test_only_the_owner_leads_and_admins_change_owner_and_team(org, owner, member, rounds,
                                                                outsider_client):
    teammate = person(org, email="teammate@example.org")
    services.update_initiative(initiative=rounds, by=owner, team=[member, teammate])
    url = f"{API}/{org.slug}/initiatives/{rounds.pk}"
    client = client_for(teammate)
    for body in ({"owner": teammate.pk}, {"owner": None}, {"team": [teammate.pk]},
                 {"team": []}, {"title": "Taken over", "owner": "teammate@example.org"}):
        response = call(client, "patch", url, body)
        assert response.status_code == 403, body
        assert "can change its owner and team" in response.json()["detail"][0]["reason"]
    # Sending back the owner and team they read is no change: the rest is saved.
    same = call(client, "patch", url, {"title": "Renamed", "owner": member.pk,
                                       "team": [teammate.pk, "member@example.org"]})
    assert same.status_code == 200, same.content
    rounds.refresh_from_db()
    assert (rounds.title, rounds.owner) == ("Renamed", member)
    assert set(rounds.team.all()) == {member, teammate}
    # An outsider learns nothing, not even that the initiative exists.
    assert call(outsider_client, "patch", url, {"owner": None}).status_code == 404
    # The owner, a safety lead and an admin may.
    lead = person(org, Role.SAFETY_LEAD)
    for user, body in [(member, {"team": [member.pk]}), (lead, {"owner": teammate.pk}),
                       (owner, {"team": [teammate.pk, lead.pk]})]:
        response = call(client_for(user), "patch", url, body)
        assert response.status_code == 200, (user, response.content)
    rounds.refresh_from_db()
    assert rounds.owner == teammate and set(rounds.team.all()) == {teammate, lead}


def test_outsiders_get_404_and_anonymous_401(org, owner, rounds, outsider_client, other_org):
    cycle = services.start_cycle(initiative=rounds, by=owner, change="Victim's change")
    base = f"{API}/{org.slug}/initiatives/{rounds.pk}"
    theirs = f"{API}/{other_org.slug}/initiatives/{rounds.pk}"
    urls = [("get", f"{API}/{org.slug}/initiatives", None),
            ("post", f"{API}/{org.slug}/initiatives", {"title": "x"}),
            ("get", base, None), ("patch", base, {"status": "done"}),
            ("get", base + "/notes", None), ("post", base + "/notes", {"text": "x"}),
            ("get", base + "/cycles", None), ("post", base + "/cycles", {"change": "x"}),
            ("get", f"{API}/{org.slug}/cycles/{cycle.pk}", None),
            ("patch", f"{API}/{org.slug}/cycles/{cycle.pk}", {"study": "x"}),
            ("get", theirs, None), ("patch", theirs, {"status": "done"}),
            ("post", theirs + "/notes", {"text": "x"}),
            ("patch", f"{API}/{other_org.slug}/cycles/{cycle.pk}", {"study": "x"})]
    from django.test import Client
    for method, url, body in urls:
        response = call(outsider_client, method, url, body)
        assert response.status_code == 404, (method, url)
        assert "Victim" not in response.content.decode()
        assert call(Client(), method, url, body).status_code == 401
    rounds.refresh_from_db()
    assert rounds.status == "active" and not ProgressNote.objects.exists()
    assert PdsaCycle.objects.get().study == ""


# --- notes and cycles ----------------------------------------------------------------------


def test_notes(org, member, rounds):
    client = client_for(member)
    url = f"{API}/{org.slug}/initiatives/{rounds.pk}/notes"
    response = call(client, "post", url, {"text": "  Rounds started  "})
    assert response.status_code == 201
    assert response.json()["text"] == "Rounds started"
    assert response.json()["author"] == str(member)
    blank = call(client, "post", url, {"text": "   "})
    assert blank.status_code == 422 and "text" in fields_of(blank)
    assert [n["text"] for n in client.get(url).json()] == ["Rounds started"]


def test_cycles(org, member, rounds, other_org):
    client = client_for(member)
    measure = make_measure(org)
    url = f"{API}/{org.slug}/initiatives/{rounds.pk}/cycles"
    first = call(client, "post", url, {"change": "Teach-back", "prediction": "Fewer calls",
                                       "started_on": "2026-03-02",
                                       "measure_ids": [measure.pk]})
    assert first.status_code == 201, first.content
    assert (first.json()["number"], first.json()["measure_ids"]) == (1, [measure.pk])
    second = call(client, "post", url, {"change": "Teach-back v2"})
    assert (second.json()["number"], second.json()["started_on"]) == (2, TODAY.isoformat())
    assert [c["number"] for c in client.get(url).json()] == [1, 2]
    cycle_url = f"{API}/{org.slug}/cycles/{first.json()['id']}"
    response = call(client, "patch", cycle_url, {"observations": "12 patients",
                                                 "ended_on": "2026-03-09", "act": "adopt",
                                                 "measure_ids": []})
    assert response.status_code == 200
    body = response.json()
    assert (body["observations"], body["ended_on"], body["act"], body["measure_ids"],
            body["prediction"]) == ("12 patients", "2026-03-09", "adopt", [], "Fewer calls")
    assert client.get(cycle_url).json()["act"] == "adopt"
    stale = call(client, "patch", cycle_url, {"study": "Mine",
                                              "expected_updated_at": first.json()["updated_at"]})
    assert stale.status_code == 422
    assert "Someone else changed this PDSA cycle" in fields_of(stale)["expected_updated_at"]
    fresh = call(client, "patch", cycle_url, {"study": "Mine",
                                              "expected_updated_at": body["updated_at"]})
    assert fresh.status_code == 200 and fresh.json()["study"] == "Mine"
    assert client.get(f"{API}/{org.slug}/initiatives/{rounds.pk}").json()["cycle_count"] == 2


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"act": "adopted"}, "act", "Input should be"),
    ({"ended_on": "2026-03-01"}, "ended_on", "cannot end"),
    ({"change": ""}, "change", "at least 1 character"),
    ({"change": None}, "change", "Cannot be empty"),
    ({"started_on": None}, "started_on", "Cannot be empty"),
    ({"measure_ids": ["THEIRS"]}, "measure_ids", "No such measures in this organization"),
])
def test_cycle_updates_refuse_bad_input(org, owner, owner_client, rounds, other_org, body,
                                        field, reason):
    cycle = services.start_cycle(initiative=rounds, by=owner, change="x",
                                 started_on=dt.date(2026, 3, 2))
    if body.get("measure_ids") == ["THEIRS"]:
        body["measure_ids"] = [make_measure(other_org).pk]
    response = call(owner_client, "patch", f"{API}/{org.slug}/cycles/{cycle.pk}",
                    {"study": "changed", **body})
    assert response.status_code == 422
    assert reason in fields_of(response)[field]
    cycle.refresh_from_db()
    assert cycle.study == ""


def test_starting_a_cycle_refuses_foreign_measures(org, owner_client, rounds, other_org):
    response = call(owner_client, "post", f"{API}/{org.slug}/initiatives/{rounds.pk}/cycles",
                    {"change": "x", "measure_ids": [make_measure(other_org).pk]})
    assert response.status_code == 422 and "measure_ids" in fields_of(response)
    assert not PdsaCycle.objects.exists()


def test_the_api_is_described(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/orgs/{slug}/initiatives" in paths
    assert "/api/v1/orgs/{slug}/cycles/{cycle_id}" in paths
    assert paths["/api/v1/orgs/{slug}/initiatives/{initiative_id}"]["patch"]["tags"] == [
        "improvement"]
