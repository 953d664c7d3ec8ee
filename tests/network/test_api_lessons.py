"""The lessons API: the whole path from a draft to a comment, with the doors (404 for
outsiders, 403 for a role that may not), and 422 naming the field for bad input."""

import pytest
from django.test import Client

from safetyhub.core import services as core_services
from safetyhub.core.models import Role
from safetyhub.network.models_lessons import LessonComment, LessonDraft, PublishedLesson

from ..factories import MembershipFactory, UserFactory, network_with, submit_event

NARRATIVE = "Mr. Raj Patel fell near bed 4; his son phoned 555-404-1212."


def api_client(user) -> Client:
    _token, secret = core_services.create_api_token(user=user, name="tests")
    return Client(headers={"authorization": f"Bearer {secret}"})


def send(client, method, path, body=None):
    return getattr(client, method)(f"/api/v1{path}", body or {},
                                   content_type="application/json")


def fields_of(response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


@pytest.fixture
def network(org, other_org):
    return network_with(org, other_org, lead=UserFactory(), slug="valley")


@pytest.fixture
def event(org, owner):
    return submit_event(organization=org, reporter=owner, narrative=NARRATIVE).report


def test_draft_review_approve_publish_search_and_comment(org, owner, outsider, other_org,
                                                         network, event):
    me = api_client(owner)
    base = f"/orgs/{org.slug}/network/lessons"
    created = send(me, "post", base, {"source": "event", "source_id": event.pk})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    review = send(me, "get", f"{base}/{pk}/review").json()
    field = next(f for f in review["fields"] if f["field"] == "what_happened")
    assert "Patel" not in field["redacted"]
    # Undo the name, add "bed 4".
    spans = [s for s in field["spans"] if field["text"][s[0]:s[1]] != "Raj Patel"]
    start = field["text"].index("bed 4")
    spans.append([start, start + 5, "PLACE"])
    updated = send(me, "put", f"{base}/{pk}/review",
                   {"field": "what_happened", "spans": spans, "version": review["version"]})
    assert updated.status_code == 200, updated.json()
    redacted = next(f for f in updated.json()["fields"]
                    if f["field"] == "what_happened")["redacted"]
    assert "Raj Patel" in redacted and "bed 4" not in redacted
    # Not approved: publishing is refused.
    refused = send(me, "post", f"{base}/{pk}/publish", {"network": "valley"})
    assert refused.status_code == 422 and fields_of(refused) == ["review"]
    approved = send(me, "post", f"{base}/{pk}/approve", {"version": updated.json()["version"]})
    assert approved.json()["approved"]
    published = send(me, "post", f"{base}/{pk}/publish", {"network": "valley"})
    assert published.status_code == 201
    lesson_id = published.json()["id"]
    assert published.json()["shared_by"] is None

    them = api_client(outsider)
    found = send(them, "get", "/networks/valley/lessons?q=fell").json()
    assert [r["id"] for r in found["items"]] == [lesson_id]
    lesson = send(them, "get", f"/networks/valley/lessons/{lesson_id}").json()
    assert "555-404-1212" not in repr(lesson) and event.reference not in repr(lesson)
    assert not {"source", "source_id", "event_id", "owner", "owner_id"} & set(lesson)
    assert send(them, "get", f"/networks/valley/lessons/{lesson_id}/similar").status_code == 200
    text = "We did this too. Ask Dr. Lee Chang."
    preview = send(them, "post", f"/networks/valley/lessons/{lesson_id}/comments/preview",
                   {"text": text}).json()["text"]
    posted = send(them, "post", f"/networks/valley/lessons/{lesson_id}/comments",
                  {"organization": other_org.slug, "kind": "tried", "result": "worked",
                   "text": text, "confirmed_text": preview})
    assert posted.status_code == 201, posted.json()
    assert "Chang" not in posted.json()["text"]


def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(org, owner, event, network):
    me = api_client(owner)
    base = f"/orgs/{org.slug}/network/lessons"
    assert fields_of(send(me, "post", base, {"source": "sideways"})) == ["source"]
    assert fields_of(send(me, "post", base, {"source": "event"})) == ["source_id"]
    assert fields_of(send(me, "post", base, {"source": "event", "source_id": 999999})) == [
        "source_id"]
    pk = send(me, "post", base, {"source": "event", "source_id": event.pk}).json()["id"]
    before = LessonDraft.objects.values().get()
    bad = [({"field": "what_happened", "spans": [[0, 9999, "NAME"]]}, "spans"),
           ({"field": "nowhere", "spans": []}, "field"),
           ({"field": "what_happened", "spans": [[0, 3, "GHOST"]]}, "spans")]
    for body, field in bad:
        response = send(me, "put", f"{base}/{pk}/review", body)
        assert response.status_code == 422 and fields_of(response) == [field], body
    stale = send(me, "patch", f"{base}/{pk}", {"title": "New", "version": 99})
    assert fields_of(stale) == ["version"]
    actions = send(me, "patch", f"{base}/{pk}", {"actions": [{"description": "x",
                                                              "strength": "mighty"}]})
    assert actions.status_code == 422
    assert LessonDraft.objects.values().get() == before
    published = send(me, "post", f"{base}/{pk}/publish", {"network": "not-ours"})
    assert fields_of(published) == ["network"]


def test_outsiders_get_404_and_roles_get_403(org, owner, outsider, event, network):
    pk = send(api_client(owner), "post", f"/orgs/{org.slug}/network/lessons",
              {"source": "event", "source_id": event.pk}).json()["id"]
    them = api_client(outsider)
    for method, path in (("get", f"/orgs/{org.slug}/network/lessons/{pk}"),
                         ("get", f"/orgs/{org.slug}/network/lessons/{pk}/review"),
                         ("post", f"/orgs/{org.slug}/network/lessons/{pk}/approve")):
        assert send(them, method, path).status_code == 404
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER).user
    response = send(api_client(reviewer), "post",
                    f"/orgs/{org.slug}/network/lessons/{pk}/approve", {})
    assert response.status_code == 403
    stranger = MembershipFactory(role=Role.ORG_ADMIN).user
    assert send(api_client(stranger), "get", "/networks/valley/lessons").status_code == 404
    assert not PublishedLesson.objects.exists() and not LessonComment.objects.exists()


def test_a_comment_needs_the_confirmed_text_and_an_organization_you_speak_for(
        org, owner, outsider, event, network):
    me = api_client(owner)
    base = f"/orgs/{org.slug}/network/lessons"
    pk = send(me, "post", base, {"source": "event", "source_id": event.pk}).json()["id"]
    send(me, "post", f"{base}/{pk}/approve", {})
    lesson_id = send(me, "post", f"{base}/{pk}/publish", {"network": "valley"}).json()["id"]
    them = api_client(outsider)
    url = f"/networks/valley/lessons/{lesson_id}/comments"
    text = "Call Dr. Ann Vo on 555-777-8888."
    unconfirmed = send(them, "post", url, {"organization": "other", "kind": "comment",
                                           "text": text, "confirmed_text": text})
    assert fields_of(unconfirmed) == ["organization"]
    response = send(them, "post", url, {"organization": outsider.memberships.get()
                                        .organization.slug, "kind": "comment", "text": text,
                                        "confirmed_text": text})
    assert fields_of(response) == ["confirmed_text"]
    assert not LessonComment.objects.exists()
