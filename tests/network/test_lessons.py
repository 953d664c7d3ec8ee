"""Lessons: drafting from a source, the de-identification review, approval, publishing (never
without an approved review of the current text), what the published copy holds, withdrawal,
and comments that are de-identified and confirmed before they cross."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Role
from safetyhub.investigations.models import Review
from safetyhub.investigations.models_actions import ReviewAction
from safetyhub.network import lessons
from safetyhub.network.models_lessons import LessonComment, LessonDraft, PublishedLesson

from ..factories import MembershipFactory, OrganizationFactory, UserFactory, network_with

NARRATIVE = ("Mr. John Baxter (MRN 4471902) fell on 3/14/2025 at 02:00 after a sedative; "
             "his daughter called 555-867-5309. Nurse Kelly Ramos found him.")


@pytest.fixture
def network(org, other_org):
    return network_with(org, other_org, lead=UserFactory(email="lead@example.org"),
                        slug="valley")


@pytest.fixture
def event(org, owner):
    from ..factories import submit_event

    return submit_event(organization=org, reporter=owner, narrative=NARRATIVE).report


@pytest.fixture
def draft(org, owner, event):
    return lessons.create_draft(organization=org, by=owner, source="event", source_pk=event.pk)


def test_a_draft_from_an_event_starts_with_its_narrative_category_and_actions(org, owner,
                                                                              event):
    review = Review.objects.create(organization=org, kind="rca2", title="Fall review",
                                   index_event=event)
    review.events.add(event)
    ReviewAction.objects.create(organization=org, review=review, strength="stronger",
                                description="Bed alarms stay on", due_on=dt.date(2030, 1, 1))
    draft = lessons.create_draft(organization=org, by=owner, source="event",
                                 source_pk=event.pk)
    assert draft.what_happened == NARRATIVE
    assert draft.category == "fall"
    assert draft.actions == [{"description": "Bed alarms stay on", "strength": "stronger"}]
    assert draft.reference_date == timezone.localtime(event.occurred_at).date()
    assert set(draft.review) == {"title", "what_happened", "contributing_factors", "results",
                                 "action:0"}


def test_a_draft_cannot_start_from_another_organizations_event(org, owner, other_org,
                                                               outsider):
    from ..factories import submit_event

    foreign = submit_event(organization=other_org, reporter=outsider).report
    with pytest.raises(ValidationError) as exc:
        lessons.create_draft(organization=org, by=owner, source="event", source_pk=foreign.pk)
    assert "source_id" in exc.value.message_dict
    assert not LessonDraft.objects.exists()


def test_the_review_finds_identifiers_and_shows_the_redacted_text(draft):
    entry = draft.review["what_happened"]
    found = {entry["text"][s:e] for s, e, _k in entry["found"]}
    assert {"John Baxter", "4471902", "555-867-5309", "Kelly Ramos"} <= found
    for secret in ("Baxter", "4471902", "867-5309", "Ramos", "3/14/2025"):
        assert secret not in entry["redacted"]
    assert entry["spans"] == entry["found"]


def test_undo_and_add_change_the_redacted_text_and_reopen_the_review(draft, owner):
    lessons.approve(draft=draft, by=owner)
    draft.refresh_from_db()
    assert lessons.is_approved(draft)
    start = next(s for s, e, _k in draft.review["what_happened"]["spans"]
                 if draft.what_happened[s:e] == "Kelly Ramos")
    draft = lessons.undo_span(draft=draft, field="what_happened", start=start, by=owner,
                              version=draft.version)
    assert "Kelly Ramos" in draft.review["what_happened"]["redacted"]
    assert not lessons.is_approved(draft)
    draft = lessons.add_span(draft=draft, field="what_happened", text="sedative", kind="NAME",
                             by=owner, version=draft.version)
    assert "sedative" not in draft.review["what_happened"]["redacted"]
    assert "[NAME]" in draft.review["what_happened"]["redacted"]


def test_adding_text_that_is_not_there_names_the_field_and_changes_nothing(draft, owner):
    before = draft.review
    with pytest.raises(ValidationError) as exc:
        lessons.add_span(draft=draft, field="what_happened", text="Nowhere", kind="NAME",
                         by=owner)
    assert "not in this text" in exc.value.message_dict["text"][0]
    draft.refresh_from_db()
    assert draft.review == before


@pytest.mark.parametrize("spans", [[[0, 5000, "NAME"]], [[0, 4, "NAME"], [2, 6, "NAME"]],
                                   [[0, 4, "SECRET"]], [["a", 4, "NAME"]], [[4]]])
def test_bad_spans_are_refused_naming_the_field(draft, owner, spans):
    with pytest.raises(ValidationError) as exc:
        lessons.set_spans(draft=draft, field="what_happened", spans=spans, by=owner)
    assert "What happened" in exc.value.message_dict["spans"][0]


def test_a_stale_version_is_refused(draft, owner):
    with pytest.raises(ValidationError) as exc:
        lessons.update_draft(draft=draft, by=owner, version=draft.version + 5, title="x")
    assert "version" in exc.value.message_dict


def test_publishing_without_an_approved_review_is_impossible(draft, owner, network):
    with pytest.raises(ValidationError) as exc:
        lessons.publish_lesson(draft=draft, network=network, by=owner)
    assert "review" in exc.value.message_dict
    assert not PublishedLesson.objects.exists()


def test_an_edit_after_approval_reopens_the_review(draft, owner, network):
    lessons.approve(draft=draft, by=owner)
    draft.refresh_from_db()
    lessons.update_draft(draft=draft, by=owner, results="Call Dr. Amy Chen on 555-111-2222.")
    draft.refresh_from_db()
    assert not lessons.is_approved(draft)
    with pytest.raises(ValidationError):
        lessons.publish_lesson(draft=draft, network=network, by=owner)


def test_a_change_to_the_json_behind_the_service_still_blocks_publishing(draft, owner,
                                                                         network):
    """Even a change that skipped the services (a bulk update) fails the fingerprint."""
    lessons.approve(draft=draft, by=owner)
    LessonDraft.objects.filter(pk=draft.pk).update(results="Dr. Amy Chen saw it.")
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        lessons.publish_lesson(draft=draft, network=network, by=owner)


def test_only_the_organizations_leads_approve(draft, org):
    reviewer = MembershipFactory(organization=org, role=Role.EVENT_REVIEWER).user
    with pytest.raises(PermissionDenied):
        lessons.approve(draft=draft, by=reviewer)


def test_the_published_copy_holds_only_deidentified_text_and_no_way_back(draft, owner,
                                                                         network, event):
    lessons.approve(draft=draft, by=owner)
    lesson = lessons.publish_lesson(draft=draft, network=network, by=owner)
    values = PublishedLesson.objects.filter(pk=lesson.pk).values().get()
    flat = repr(values)
    for secret in ("Baxter", "4471902", "867-5309", "Ramos", "3/14/2025", event.reference,
                   f"/events/{event.pk}"):
        assert secret not in flat, secret
    field_names = {f.name for f in PublishedLesson._meta.get_fields()}
    assert not field_names & {"source_event", "source_review", "draft", "event"}
    # (the date, 3/14/2025, is more than a year before the event: said so, never as a count
    # of days, which could give away an age over 89)
    assert "[NAME]" in lesson.what_happened and "before the event" in lesson.what_happened
    assert list(draft.publications.all()) == [lesson]


def test_an_organization_outside_the_network_cannot_publish_to_it(draft, owner):
    stranger = network_with(OrganizationFactory(), slug="elsewhere")
    lessons.approve(draft=draft, by=owner)
    with pytest.raises(ValidationError) as exc:
        lessons.publish_lesson(draft=draft, network=stranger, by=owner)
    assert "network" in exc.value.message_dict


def test_withdrawal_takes_the_lesson_out_of_the_index(draft, owner, network, outsider):
    lessons.approve(draft=draft, by=owner)
    lesson = lessons.publish_lesson(draft=draft, network=network, by=owner)
    assert lesson.terms.exists()
    with pytest.raises(PermissionDenied):
        lessons.withdraw_lesson(lesson=lesson, by=outsider)
    lessons.withdraw_lesson(lesson=lesson, by=owner)
    lesson.refresh_from_db()
    assert lesson.withdrawn_at is not None and not lesson.terms.exists()


def test_a_comment_is_posted_only_as_the_author_confirmed_it_deidentified(
        draft, owner, network, other_org, outsider):
    lessons.approve(draft=draft, by=owner)
    lesson = lessons.publish_lesson(draft=draft, network=network, by=owner)
    text = "We tried it on ward 3; ask Dr. Maria Lopez at 555-222-3333."
    with pytest.raises(ValidationError) as exc:
        lessons.post_comment(lesson=lesson, organization=other_org, by=outsider, kind="tried",
                             result="worked", text=text, confirmed_text=text)
    assert "confirmed_text" in exc.value.message_dict
    assert not LessonComment.objects.exists()
    shown = lessons.preview_comment(text)
    comment = lessons.post_comment(lesson=lesson, organization=other_org, by=outsider,
                                   kind="tried", result="worked", text=text,
                                   confirmed_text=shown)
    assert "Lopez" not in comment.text and "555-222-3333" not in comment.text


def test_tried_this_needs_a_result_and_a_member_organization(draft, owner, network, outsider,
                                                             other_org):
    lessons.approve(draft=draft, by=owner)
    lesson = lessons.publish_lesson(draft=draft, network=network, by=owner)
    with pytest.raises(ValidationError) as exc:
        lessons.post_comment(lesson=lesson, organization=other_org, by=outsider, kind="tried",
                             text="", confirmed_text="")
    assert "result" in exc.value.message_dict
    third = OrganizationFactory()
    MembershipFactory(organization=third, user=outsider, role=Role.ORG_ADMIN)
    fresh = type(outsider).objects.get(pk=outsider.pk)  # memberships are cached per object
    with pytest.raises(ValidationError) as exc:
        lessons.post_comment(lesson=lesson, organization=third, by=fresh, kind="comment",
                             text="Hi", confirmed_text="Hi")
    assert "organization" in exc.value.message_dict


def test_draft_views_are_audited_and_its_text_never_copied_into_the_log(draft, owner, org):
    from safetyhub.network.lesson_queries import access_draft

    access_draft(user=owner, organization=org, pk=draft.pk)
    entries = AuditEntry.objects.filter(organization_id=org.pk)
    assert entries.filter(action="view").exists()
    assert "Baxter" not in repr(list(entries.values()))


def test_two_reviewers_on_the_same_version_the_second_is_refused(draft, owner, org):
    lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD).user
    version = draft.version
    first = draft.review["what_happened"]["spans"][0]
    lessons.undo_span(draft=draft, field="what_happened", start=first[0], by=owner,
                      version=version)
    with pytest.raises(ValidationError) as exc:
        lessons.add_span(draft=draft, field="what_happened", text="sedative", kind="NAME",
                         by=lead, version=version)
    assert "version" in exc.value.message_dict
    draft.refresh_from_db()
    assert "sedative" in draft.review["what_happened"]["redacted"]
    assert draft.version == version + 1
