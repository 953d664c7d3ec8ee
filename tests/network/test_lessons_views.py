"""Lesson pages: drafting, the review without JavaScript (undo, add, approve), publishing,
the library and a lesson's page for members, leads and outsiders, and the two-step comment."""

import pytest
from django.urls import reverse

from safetyhub.core.models import Role
from safetyhub.network import lessons
from safetyhub.network.models_lessons import LessonComment, LessonDraft, PublishedLesson

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory, network_with, submit_event

NARRATIVE = "Mrs. Ada Lovelace fell in room 12; Nurse Tom Riddle called 555-303-4040."


@pytest.fixture
def lead():
    return UserFactory(email="network-lead@example.org")


@pytest.fixture
def network(org, other_org, lead):
    return network_with(org, other_org, lead=lead, slug="valley")


@pytest.fixture
def draft(org, owner):
    event = submit_event(organization=org, reporter=owner, narrative=NARRATIVE).report
    return lessons.create_draft(organization=org, by=owner, source="event", source_pk=event.pk)


@pytest.fixture
def published(draft, owner, network):
    lessons.approve(draft=draft, by=owner)
    return lessons.publish_lesson(draft=draft, network=network, by=owner)


def test_start_a_lesson_from_an_event(org, owner):
    event = submit_event(organization=org, reporter=owner, narrative=NARRATIVE).report
    client = client_for(owner)
    url = reverse("network:lesson_drafts", args=[org.slug])
    page = client.get(url + f"?source=event:{event.pk}")
    assert page.status_code == 200 and event.reference in page.content.decode()
    response = client.post(url, {"source": f"event:{event.pk}"})
    draft = LessonDraft.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/")
    assert draft.what_happened == NARRATIVE


def test_a_bad_source_is_refused_with_the_field_named(org, owner):
    response = client_for(owner).post(reverse("network:lesson_drafts", args=[org.slug]),
                                      {"source": "event:999999"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not LessonDraft.objects.exists()


def test_staff_reporters_and_outsiders_cannot_reach_drafts(org, draft, outsider):
    reporter = MembershipFactory(organization=org, role=Role.STAFF_REPORTER).user
    for name in ("lesson_draft", "lesson_review"):
        url = reverse(f"network:{name}", args=[org.slug, draft.pk])
        assert client_for(reporter).get(url).status_code == 403
        assert client_for(outsider).get(url).status_code == 404


def test_edit_then_review_shows_both_texts(org, owner, draft):
    client = client_for(owner)
    response = client.post(reverse("network:lesson_draft", args=[org.slug, draft.pk]), {
        "title": "Falls in rooms far from the desk", "what_happened": NARRATIVE,
        "contributing_factors": "", "results": "", "category": "fall",
        "version": draft.version, "action_0_description": "Move high-risk patients near the "
        "desk", "action_0_strength": "intermediate"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Ada Lovelace" in page and "What the network sees" in page
    assert "Removed (A name): </span>Ada Lovelace" in page
    draft.refresh_from_db()
    assert draft.actions == [{"description": "Move high-risk patients near the desk",
                              "strength": "intermediate"}]


def test_an_action_without_a_strength_is_refused(org, owner, draft):
    response = client_for(owner).post(reverse("network:lesson_draft", args=[org.slug, draft.pk]),
                                      {"title": "T", "version": draft.version,
                                       "action_0_description": "Something"})
    assert response.status_code == 400
    assert "strength must be one of" in response.content.decode()


def test_review_undo_add_and_approve_work_with_plain_forms(org, owner, draft):
    client = client_for(owner)
    url = reverse("network:lesson_review", args=[org.slug, draft.pk])
    start = next(s for s, e, _k in draft.review["what_happened"]["spans"]
                 if NARRATIVE[s:e] == "Tom Riddle")
    assert client.post(url, {"do": "undo", "field": "what_happened", "start": start,
                             "version": draft.version}).status_code == 302
    draft.refresh_from_db()
    assert "Tom Riddle" in draft.review["what_happened"]["redacted"]
    assert client.post(url, {"do": "add", "field": "what_happened", "text": "room 12",
                             "kind": "PLACE", "version": draft.version}).status_code == 302
    draft.refresh_from_db()
    assert "room 12" not in draft.review["what_happened"]["redacted"]
    assert client.post(url, {"do": "approve", "version": draft.version}).status_code == 302
    draft.refresh_from_db()
    assert lessons.is_approved(draft)


def test_adding_missing_text_shows_the_error_and_changes_nothing(org, owner, draft):
    response = client_for(owner).post(
        reverse("network:lesson_review", args=[org.slug, draft.pk]),
        {"do": "add", "field": "what_happened", "text": "Nowhere Street", "kind": "ADDRESS",
         "version": draft.version})
    assert response.status_code == 400
    assert "is not in this text" in response.content.decode()
    assert LessonDraft.objects.get().version == draft.version


def test_a_reviewer_cannot_approve_or_publish(org, draft, network):
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER).user
    client = client_for(reviewer)
    url = reverse("network:lesson_review", args=[org.slug, draft.pk])
    assert "Approve what leaves" not in client.get(url).content.decode()
    assert client.post(url, {"do": "approve", "version": draft.version}).status_code == 403
    publish = reverse("network:lesson_publish", args=[org.slug, draft.pk])
    assert client.post(publish, {"network": "valley"}).status_code == 403
    assert not PublishedLesson.objects.exists()


def test_publish_from_the_review_page(org, owner, draft, network):
    client = client_for(owner)
    lessons.approve(draft=draft, by=owner)
    response = client.post(reverse("network:lesson_publish", args=[org.slug, draft.pk]),
                           {"network": "valley"})
    lesson = PublishedLesson.objects.get()
    assert response["Location"] == reverse("network:lesson", args=["valley", lesson.pk])
    assert not lesson.shows_owner


def test_the_library_and_a_lesson_for_a_member_of_another_organization(
        published, outsider, owner):
    client = client_for(outsider)
    page = client.get(reverse("network:library", args=["valley"]) + "?q=fell").content.decode()
    assert published.title in page
    body = client.get(reverse("network:lesson", args=["valley", published.pk])).content.decode()
    assert "Lovelace" not in body and "555-303-4040" not in body
    assert published.owner.name not in body  # published without its name
    assert "/o/" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_lead_reads_but_does_not_comment(published, lead):
    client = client_for(lead)
    url = reverse("network:lesson", args=["valley", published.pk])
    body = client.get(url).content.decode()
    assert published.title in body and "Check before posting" not in body
    comment = reverse("network:lesson_comment", args=["valley", published.pk])
    assert client.post(comment, {"kind": "comment", "text": "Hi"}).status_code == 403


def test_outsiders_get_404_for_the_library_and_the_lesson(published):
    stranger = MembershipFactory(role=Role.ORG_ADMIN).user
    client = client_for(stranger)
    for url in (reverse("network:library", args=["valley"]),
                reverse("network:lesson", args=["valley", published.pk]),
                reverse("network:library", args=["no-such"])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("network:lesson_comment", args=["valley", published.pk]),
                       {"kind": "comment", "text": "x"}).status_code == 404


def test_a_withdrawn_lesson_is_gone_for_everyone(published, owner, outsider, org, draft):
    url = reverse("network:lesson_withdraw", args=[org.slug, draft.pk])
    for bad in ("abc", "", "99999999999999999999", str(published.pk + 1)):
        assert client_for(owner).post(url, {"lesson": bad}).status_code == 404
    client_for(owner).post(reverse("network:lesson_withdraw", args=[org.slug, draft.pk]),
                           {"lesson": published.pk})
    assert client_for(outsider).get(
        reverse("network:lesson", args=["valley", published.pk])).status_code == 404


def test_comment_is_checked_then_posted_as_shown(published, outsider, other_org):
    client = client_for(outsider)
    url = reverse("network:lesson_comment", args=["valley", published.pk])
    data = {"organization": other_org.slug, "kind": "tried", "result": "partly",
            "text": "Dr. Jane Wu tried it on 4 West, call 555-000-1111."}
    preview = client.post(url, data)
    body = preview.content.decode()
    assert preview.status_code == 200 and "It will be posted as" in body
    assert not LessonComment.objects.exists()
    shown = lessons.preview_comment(data["text"])
    response = client.post(url, {**data, "confirmed_text": shown, "confirm": "1"})
    assert response.status_code == 302
    comment = LessonComment.objects.get()
    assert comment.text == shown and "Wu" not in comment.text
    # A text changed after the check is not posted unseen.
    response = client.post(url, {**data, "text": "Call Dr. Amy Pond.", "confirmed_text": shown,
                                 "confirm": "1"})
    assert response.status_code == 400 and LessonComment.objects.count() == 1


def test_library_page_queries_do_not_grow_with_lessons(published, outsider, owner, draft,
                                                       network, django_assert_max_num_queries):
    client = client_for(outsider)
    url = reverse("network:library", args=["valley"])
    client.get(url)
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    for _ in range(3):
        lessons.publish_lesson(draft=draft, network=network, by=owner)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_drafts_list_queries_do_not_grow_with_drafts(org, owner, draft,
                                                     django_assert_max_num_queries):
    client = client_for(owner)
    url = reverse("network:lesson_drafts", args=[org.slug])
    client.get(url)
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    for _ in range(2):
        lessons.create_draft(organization=org, by=owner)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("/network/lessons/") >= 3
