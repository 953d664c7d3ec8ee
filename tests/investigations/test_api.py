"""The investigations API: the SAC score, reviews and causal statements (create, list,
detail, update); 404 for outsiders and those who may not see, 403 for the wrong role, 422
naming the field (a causal statement missing a part, a stale version), nothing changed."""

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import AuditEntry
from safetyhub.investigations import services
from safetyhub.investigations.models import CausalStatement, Review, SacScore
from tests.events.test_triage_api import api_client, fields_of

from .conftest import STATEMENT, add_team


def base(org) -> str:
    return f"/api/v1/orgs/{org.slug}"


def send(client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, body or {}, content_type="application/json")


def test_score_then_start_a_review_through_the_api(event, reviewer, org):
    client = api_client(reviewer)
    sac = f"{base(org)}/events/{event.pk}/sac"
    assert client.get(sac).json()["scored"] is False
    response = send(client, "put", sac, {"severity": "major", "probability": "frequent"})
    assert response.status_code == 200
    assert response.json()["score"] == 3 and response.json()["needs"] == "rca2"
    response = send(client, "post", f"{base(org)}/reviews", {"event_id": event.pk})
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "rca2" and body["status"] == "forming"
    assert body["event_ids"] == [event.pk] and body["clock"]["overdue"] is False
    listed = client.get(f"{base(org)}/reviews?status=open").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    assert client.get(f"{base(org)}/reviews?kind=nonsense").status_code == 422


def test_bad_scores_are_422_naming_the_fields(event, reviewer, org):
    response = send(api_client(reviewer), "put", f"{base(org)}/events/{event.pk}/sac",
                    {"severity": "huge", "probability": "frequent"})
    assert response.status_code == 422 and fields_of(response) == ["severity"]
    assert not SacScore.objects.exists()


def test_team_charter_and_causal_statements_through_the_api(rca, reviewer, org):
    client = api_client(reviewer)
    path = f"{base(org)}/reviews/{rca.pk}"
    response = send(client, "post", f"{path}/members",
                    {"name": "Night nurse", "role": "expert", "directly_involved": True})
    assert response.status_code == 422 and fields_of(response) == ["role"]
    add_team(rca, reviewer)
    version = client.get(path).json()["version"]
    response = send(client, "post", f"{path}/charter", {
        "scope": "Falls at night", "questions": "Why?", "version": version,
        "target_completion_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat()})
    assert response.status_code == 200 and response.json()["status"] == "chartered"
    assert response.json()["clock"]["met"] is True
    response = send(client, "post", f"{path}/causal-statements",
                    {**STATEMENT, "effect": ""})
    assert response.status_code == 422 and fields_of(response) == ["effect"]
    assert "three parts" in response.json()["detail"][0]["reason"]
    response = send(client, "post", f"{path}/causal-statements",
                    {**STATEMENT, "rules_confirmed": [1, 2, 3]})
    assert response.status_code == 422 and fields_of(response) == ["rules_confirmed"]
    assert not CausalStatement.objects.exists()
    response = send(client, "post", f"{path}/causal-statements", STATEMENT)
    assert response.status_code == 201
    statement = response.json()
    assert "increased the likelihood of" in statement["sentence"]
    one = f"{path}/causal-statements/{statement['id']}"
    assert client.get(one).json()["cause"] == STATEMENT["cause"]
    response = send(client, "patch", one, {**STATEMENT, "event": "the fall"})
    assert response.status_code == 200 and response.json()["event"] == "the fall"
    assert [s["id"] for s in client.get(f"{path}/causal-statements").json()] == [
        statement["id"]]
    response = send(client, "post", f"{path}/timeline", {
        "at": (timezone.now() - dt.timedelta(hours=2)).isoformat(), "what": "Alarm off"})
    assert response.status_code == 201
    assert client.get(path).json()["status"] == "analysing"


def test_a_stale_version_is_a_422_on_version(chartered, reviewer, safety_lead, org):
    seen = chartered.version
    services.update_review(review=chartered, by=safety_lead, title="Theirs")
    response = send(api_client(reviewer), "patch", f"{base(org)}/reviews/{chartered.pk}",
                    {"title": "Mine", "version": seen})
    assert response.status_code == 422 and fields_of(response) == ["version"]
    chartered.refresh_from_db()
    assert chartered.title == "Theirs"


def test_the_lesson_and_status_through_the_api(chartered, reviewer, org):
    client = api_client(reviewer)
    path = f"{base(org)}/reviews/{chartered.pk}"
    response = send(client, "patch", path, {"share_lesson": True})
    assert response.status_code == 422 and fields_of(response) == ["lesson"]
    response = send(client, "patch", path, {"share_lesson": True, "lesson": "Shared."})
    assert response.json()["share_lesson"] is True
    response = send(client, "post", f"{path}/status", {"to": "done"})
    assert response.status_code == 422 and fields_of(response) == ["to"]


def test_outsiders_and_other_roles_are_refused(rca, org, executive, admin, staff, outsider,
                                               reviewer):
    review_path = f"{base(org)}/reviews/{rca.pk}"
    for person in (executive, admin, staff, outsider):
        client = api_client(person)
        assert client.get(review_path).status_code == 404
        assert send(client, "patch", review_path, {"title": "x"}).status_code == 404
        assert send(client, "post", f"{review_path}/causal-statements",
                    STATEMENT).status_code == 404
    # Lists are refused by role (403) to members, by organization (404) to outsiders.
    assert api_client(executive).get(f"{base(org)}/reviews").status_code == 403
    assert api_client(outsider).get(f"{base(org)}/reviews").status_code == 404
    rca.refresh_from_db()
    assert rca.title != "x" and not CausalStatement.objects.exists()
    assert Review.objects.count() == 1


def test_reading_a_review_is_audited(rca, reviewer, org):
    before = AuditEntry.objects.filter(object_type="investigations.Review",
                                       action="view").count()
    api_client(reviewer).get(f"{base(org)}/reviews/{rca.pk}")
    assert AuditEntry.objects.filter(object_type="investigations.Review",
                                     action="view").count() == before + 1
