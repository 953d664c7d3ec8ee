"""The API for review actions and aggregate reviews: reviewers plan actions, owners move
their own along, everyone else gets 404 (outsiders, colleagues who own nothing) or 403 (an
owner re-planning); bad input is a 422 naming the field, changes nothing, and is audited."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from safetyhub.core import services as core_services
from safetyhub.core.models import AuditEntry
from safetyhub.improvement.models import Initiative
from safetyhub.investigations.models import Review
from safetyhub.investigations.models_actions import ReviewAction
from tests.factories import submit_event

DUE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def send(client, method, path, body=None):
    return getattr(client, method)(f"/api/v1{path}", body or {},
                                   content_type="application/json")


def fields_of(response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


def _add(client, review, **kw):
    body = {"description": "Alarms stay on unless two nurses agree", "strength": "stronger",
            "due_on": DUE, **kw}
    return send(client, "post", f"/orgs/{review.organization.slug}/reviews/{review.pk}/actions",
                body)


def test_reviewer_plans_an_action_with_a_new_measure(review, reviewer, manager):
    response = _add(api_client(reviewer), review, owner_id=manager.pk, new_measure={
        "name": "Falls with injury per 1,000 patient days", "type": "outcome",
        "direction": "decrease"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == "manager@example.org" and body["measure"].startswith("Falls")
    plan = send(api_client(reviewer), "get",
                f"/orgs/{review.organization.slug}/reviews/{review.pk}/actions").json()
    assert plan["by_strength"]["stronger"] == 1 and not plan["needs_reason"]


def test_missing_owner_and_due_date_are_422_naming_both_and_audited(review, reviewer):
    response = _add(api_client(reviewer), review, due_on=None)
    assert response.status_code == 422
    assert set(fields_of(response)) >= {"owner", "due_on"}
    assert not ReviewAction.objects.exists()
    assert AuditEntry.objects.filter(object_type="investigations.Refused", actor=reviewer,
                                     changes__action="create_action").exists()


def test_owner_from_another_organization_is_unknown(review, reviewer, outsider):
    response = _add(api_client(reviewer), review, owner_id=outsider.pk)
    assert response.status_code == 422 and fields_of(response) == ["owner_id"]


def test_weaker_only_plan_and_its_reason(review, reviewer, manager):
    client = api_client(reviewer)
    _add(client, review, owner_id=manager.pk, strength="weaker")
    path = f"/orgs/{review.organization.slug}/reviews/{review.pk}/weaker-only-reason"
    plan = send(client, "put", path, {"reason": ""}).json()
    assert plan["needs_reason"] is True
    plan = send(client, "put", path, {"reason": "New beds arrive in May."}).json()
    assert plan["needs_reason"] is False and plan["weaker_only_reason"]


def test_owner_moves_their_action_but_cannot_replan_it(review, reviewer, manager):
    action_id = _add(api_client(reviewer), review, owner_id=manager.pk).json()["id"]
    client = api_client(manager)
    path = f"/orgs/{review.organization.slug}/review-actions/{action_id}"
    assert send(client, "get", path).status_code == 200
    moved = send(client, "patch", path, {"status": "in_progress", "version": 1})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    refused = send(client, "patch", path, {"strength": "weaker"})
    assert refused.status_code == 403
    stale = send(client, "patch", path, {"status": "done", "version": 1})
    assert stale.status_code == 422 and fields_of(stale) == ["version"]
    assert send(client, "get", f"/orgs/{review.organization.slug}/reviews/{review.pk}/actions"
                ).status_code == 404
    listed = send(client, "get", f"/orgs/{review.organization.slug}/review-actions").json()
    assert [a["id"] for a in listed["items"]] == [action_id]


def test_colleague_who_owns_nothing_gets_404_and_an_empty_list(review, reviewer, manager,
                                                               executive):
    action_id = _add(api_client(reviewer), review, owner_id=manager.pk).json()["id"]
    client = api_client(executive)
    path = f"/orgs/{review.organization.slug}/review-actions/{action_id}"
    assert send(client, "get", path).status_code == 404
    assert send(client, "patch", path, {"status": "done"}).status_code == 404
    listed = send(client, "get", f"/orgs/{review.organization.slug}/review-actions").json()
    assert listed["items"] == []


def test_make_it_an_initiative(review, reviewer, lead, manager):
    action_id = _add(api_client(reviewer), review, owner_id=manager.pk).json()["id"]
    path = f"/orgs/{review.organization.slug}/review-actions/{action_id}/initiative"
    assert send(api_client(reviewer), "post", path).status_code == 403
    made = send(api_client(lead), "post", path)
    assert made.status_code == 201
    assert Initiative.objects.get(pk=made.json()["initiative_id"]).owner == manager
    again = send(api_client(lead), "post", path)
    assert again.status_code == 422 and fields_of(again) == ["initiative"]


def test_aggregate_review_gathered_and_read(org, reviewer, manager):
    for event_type, harm in [("near-miss", ""), ("incident", "none"), ("incident", "severe")]:
        submit_event(organization=org, reporter=manager, category="medication",
                     event_type=event_type, harm_level=harm, answers={})
    client = api_client(reviewer)
    body = {"title": "Medication near misses", "category": "medication",
            "first_day": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
            "last_day": timezone.localdate().isoformat()}
    made = send(client, "post", f"/orgs/{org.slug}/aggregate-reviews", body)
    assert made.status_code == 201, made.json()
    assert made.json()["total"] == 2 and sum(m["events"] for m in made.json()["per_month"]) == 2
    read = send(client, "get", f"/orgs/{org.slug}/aggregate-reviews/{made.json()['id']}")
    assert read.json()["event_ids"] == made.json()["event_ids"]
    bad = send(client, "post", f"/orgs/{org.slug}/aggregate-reviews",
               {**body, "category": "nothing-like-it"})
    assert bad.status_code == 422 and fields_of(bad) == ["category"]
    assert Review.objects.count() == 1
    assert send(api_client(manager), "post", f"/orgs/{org.slug}/aggregate-reviews",
                body).status_code == 403


def test_outsider_gets_404_everywhere(review, reviewer, manager, outsider):
    action_id = _add(api_client(reviewer), review, owner_id=manager.pk).json()["id"]
    client = api_client(outsider)
    slug = review.organization.slug
    for method, path in [("get", f"/orgs/{slug}/reviews/{review.pk}/actions"),
                         ("get", f"/orgs/{slug}/review-actions/{action_id}"),
                         ("patch", f"/orgs/{slug}/review-actions/{action_id}"),
                         ("post", f"/orgs/{slug}/review-actions/{action_id}/initiative"),
                         ("get", f"/orgs/{slug}/aggregate-reviews/{review.pk}")]:
        assert send(client, method, path).status_code == 404, path
    assert ReviewAction.objects.get().status == "planned"

