"""Submitting a report: every kind of bad input is refused with the field and the reason and
stores nothing; a replay returns the first report; an anonymous report keeps no trace of its
author; attachments are checked by content."""

import datetime as dt
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import timezone

from safetyhub.core.models import AuditEntry, Notification, Role
from safetyhub.events.models import EventAttachment, EventDraft, EventReport
from safetyhub.events.services import (
    follow_up_code_hash,
    save_draft,
    submit_report,
    tell_reviewers,
)
from safetyhub.frameworks.models import Pack
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
    organization_that_joined,
    submit_event,
)

PNG = b"\x89PNG\r\n\x1a\n"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (8, 8), "blue")
    exif = Image.Exif()
    exif[0x013B] = "Artist Jane Reporter"  # Artist
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def errors_of(exc) -> dict[str, list[str]]:
    return exc.value.message_dict


def refused(org, **fields) -> dict[str, list[str]]:
    before = EventReport.objects.count()
    with pytest.raises(ValidationError) as exc:
        submit_event(organization=org, **fields)
    assert EventReport.objects.count() == before
    return errors_of(exc)


def test_a_named_report_is_stored_with_its_taxonomy_version_and_tells_the_reviewers(
        org, member, reviewer, safety_lead, executive):
    site = SiteFactory(organization=org, name="Ward 3")
    submission = submit_event(organization=org, reporter=member, site_id=site.pk,
                              people_involved=["patient", "nurse"],
                              contributing_factors=["staffing"],
                              answers={"injury": "minor", "assisted": "no"})
    report = submission.report
    assert submission.created and submission.follow_up_code is None
    assert report.reporter == member and not report.is_anonymous
    assert report.taxonomy.pack_id == "event-taxonomy" and report.taxonomy.version == "1"
    assert report.site == site and report.status == EventReport.Status.NEW
    assert report.answers == {"injury": "minor", "assisted": "no"}
    assert report.reference.startswith("EV-") and len(report.reference) == 11
    report.taxonomy.refresh_from_db()
    assert report.taxonomy.locked_at is not None  # used: never changes again
    told = set(Notification.objects.filter(kind="events.new_report")
               .values_list("recipient__email", flat=True))
    assert told == {reviewer.email, safety_lead.email}  # not the executive, not the reporter
    # the worker may run the queued task again (a retry): nobody is told twice
    assert tell_reviewers(report_id=report.pk, reporter_id=member.pk) == 0
    assert Notification.objects.filter(kind="events.new_report").count() == 2


def test_intake_queues_one_task_for_all_the_reviewers(org, member, reviewer, safety_lead):
    """However many reviewers there are, a report costs one queued row (the worker tells
    them), so intake does not slow down as the review team grows."""
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS={"default": {
            "BACKEND": "django_tasks_db.DatabaseBackend"}}):
        report = submit_event(organization=org, reporter=member).report
    queued = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert queued == [("safetyhub.events.tasks.tell_reviewers_of_report",
                       {"args": [], "kwargs": {"report_id": report.pk,
                                               "reporter_id": member.pk}})]
    assert not Notification.objects.exists()  # not until the worker runs it


def test_a_medication_report_keeps_its_ncc_merp_category(org, member):
    report = submit_event(organization=org, reporter=member, category="medication",
                          harm_level="none",
                          answers={"stage": "administering", "ncc-merp": "C"}).report
    assert report.medication_error_category == "C"


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"category": "alien-abduction"}, "category", "Unknown category"),
    ({"category": "staff-injury"}, "category", "Unknown category for a patient safety event"),
    ({"category": ""}, "category", "Choose a category"),
    ({"event_type": "catastrophe"}, "event_type", "Unknown event type"),
    ({"harm_level": "apocalyptic"}, "harm_level", "Unknown harm level"),
    ({"harm_level": ""}, "harm_level", "Say how much harm"),
    ({"occurred_at": timezone.now() + dt.timedelta(days=1)}, "occurred_at", "future"),
    ({"occurred_at": timezone.now() - dt.timedelta(days=800)}, "occurred_at",
     "Cannot be before"),
    ({"occurred_at": None}, "occurred_at", "Say when"),
    ({"occurred_at": "yesterday"}, "occurred_at", "date and time"),
    ({"narrative": "   "}, "narrative", "required"),
    ({"narrative": "x" * 10_001}, "narrative", "At most 10,000"),
    ({"immediate_actions": "y" * 5_001}, "immediate_actions", "At most 5,000"),
    ({"people_involved": ["astronaut"]}, "people_involved", "Unknown roles: astronaut"),
    ({"contributing_factors": "staffing"}, "contributing_factors", "Must be a list"),
    ({"answers": {"injury": "catastrophic"}}, "answers.injury", "Choose one of"),
    ({"answers": {}}, "answers.injury", "Answer this question"),
    ({"answers": {"injury": "none", "colour": "red"}}, "answers.colour", "Not a question"),
    ({"answers": {"injury": "none", "assisted": "perhaps"}}, "answers.assisted",
     "Answer yes or no"),
    ({"patient": {"patient_sex": "martian"}}, "patient_sex", "Choose one of"),
    ({"patient": {"patient_race_ethnicity": ["purple"]}}, "patient_race_ethnicity", "Unknown"),
    ({"patient": {"patient_name": "Jane"}}, "patient_name", "Not a patient characteristic"),
    ({"site_id": 999_999}, "site_id", "No such site"),
    ({"reported_by": "manager"}, "reported_by", "Only a workforce event"),
    ({"kind": "workforce", "category": "sharps", "answers": {"exposure": "cut"},
      "harm_level": "wf-none"}, "reported_by", "Say who is reporting"),
    ({"kind": "workforce", "category": "sharps", "reported_by": "manager",
      "answers": {"exposure": "cut"}, "harm_level": "mild"}, "harm_level",
     "Unknown harm level"),
    ({"client_key": "k" * 201}, "client_key", "At most 200"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(org, member, fields,
                                                                      field, words):
    errors = refused(org, reporter=member, **fields)
    assert field in errors, errors
    assert words in " ".join(errors[field])


def test_every_problem_is_reported_at_once(org, member):
    errors = refused(org, reporter=member, category="nope", narrative="", harm_level="x")
    assert {"category", "narrative", "harm_level"} <= set(errors)


def test_a_site_of_another_organization_is_refused(org, member, other_org):
    theirs = SiteFactory(organization=other_org)
    assert "site_id" in refused(org, reporter=member, site_id=theirs.pk)


def test_a_named_staff_report_needs_a_reporter(org):
    assert "anonymous" in refused(org, reporter=None)


def test_a_near_miss_needs_no_harm_level(org, member):
    report = submit_event(organization=org, reporter=member, event_type="near-miss",
                          harm_level="").report
    assert report.harm_level == ""


def test_a_workforce_event_says_who_reports_it_and_uses_the_workforce_scale(org, member):
    report = submit_event(organization=org, reporter=member, kind="workforce",
                          channel="workforce", category="violence-patient",
                          harm_level="wf-first-aid", reported_by="manager",
                          answers={"kind": ["verbal", "physical", "verbal"]}).report
    assert report.reported_by == "manager"
    assert report.answers == {"kind": ["verbal", "physical"]}


def test_a_replay_with_the_same_client_key_returns_the_first_report(org, member):
    first = submit_event(organization=org, reporter=member, client_key="form-abc")
    again = submit_event(organization=org, reporter=member, client_key="form-abc",
                         narrative="Typed again after a timeout")
    assert first.created and not again.created
    assert again.report.pk == first.report.pk
    assert EventReport.objects.count() == 1
    assert EventReport.objects.get().narrative == "Patient found on the floor beside the bed."
    # the key itself is not kept (it may say something about its sender)
    assert EventReport.objects.get().client_key != "form-abc"


def test_the_same_client_key_in_another_organization_is_another_report(org, member):
    other = OrganizationFactory()
    type(other).objects.filter(pk=other.pk).update(created_at=org.created_at)
    other.refresh_from_db()
    them = MembershipFactory(organization=other, role=Role.STAFF_REPORTER).user
    submit_event(organization=org, reporter=member, client_key="same")
    submit_event(organization=other, reporter=them, client_key="same")
    assert EventReport.objects.count() == 2


def test_a_replay_of_an_anonymous_report_gives_a_new_code_and_the_old_one_stops(org):
    first = submit_event(organization=org, anonymous=True, client_key="anon-1")
    again = submit_event(organization=org, anonymous=True, client_key="anon-1")
    assert again.report.pk == first.report.pk and not again.created
    assert first.follow_up_code != again.follow_up_code
    stored = EventReport.objects.get()
    assert stored.follow_up_code_hash == follow_up_code_hash(again.follow_up_code)
    assert stored.follow_up_code_hash != follow_up_code_hash(first.follow_up_code)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_with_the_same_key_make_one_report():
    org = organization_that_joined(days_ago=30)
    person = MembershipFactory(organization=org, role=Role.STAFF_REPORTER).user
    barrier = threading.Barrier(2)
    results, problems = [], []

    def go():
        barrier.wait()
        try:
            results.append(submit_event(organization=org, reporter=person,
                                        client_key="double-click"))
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert EventReport.objects.filter(organization=org).count() == 1
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.report.pk for r in results}) == 1


def test_an_anonymous_report_keeps_no_user_and_its_audit_entries_no_actor(org, member):
    submission = submit_event(organization=org, reporter=member, anonymous=True,
                              narrative="Alarm fatigue on the night shift")
    report = submission.report
    assert report.reporter is None and report.is_anonymous
    code = submission.follow_up_code
    assert len(code.replace("-", "")) == 20  # 100 bits
    assert report.follow_up_code_hash == follow_up_code_hash(code)
    assert code not in str(EventReport.objects.filter(pk=report.pk).values().get())
    entries = AuditEntry.objects.filter(organization=org)
    assert entries.exists()
    for entry in entries:
        assert entry.actor_id is None
        assert member.email not in entry.actor_label
        assert member.email not in str(entry.changes)
        assert "Alarm fatigue" not in str(entry.changes)  # the narrative is redacted


def test_follow_up_codes_read_back_whatever_the_case_and_dashes(org):
    code = submit_event(organization=org, anonymous=True).follow_up_code
    messy = code.lower().replace("-", " ")
    assert follow_up_code_hash(messy) == EventReport.objects.get().follow_up_code_hash


def test_a_named_reports_audit_entry_names_its_reporter(org, member):
    from safetyhub.core import audit

    with audit.acting_as(member):
        report = submit_event(organization=org, reporter=member).report
    entry = AuditEntry.objects.get(object_type="events.EventReport", object_id=str(report.pk))
    assert entry.actor_id == member.pk
    assert entry.changes["narrative"] == {"changed": True}


def test_narratives_that_look_like_they_hold_identifiers_are_flagged(org, member):
    report = submit_event(
        organization=org, reporter=member,
        narrative="Mrs. Smith (MRN 00123456, DOB 01/02/1950) called 555-123-4567.").report
    assert set(report.identifier_flags) == {"titled_name", "medical_record_number",
                                            "date_of_birth", "phone"}
    clean = submit_event(organization=org, reporter=member,
                         narrative="The patient in bed 4 slipped at 3 am.").report
    assert clean.identifier_flags == []


# --- attachments -------------------------------------------------------------------------------


def test_attachments_are_checked_by_content_not_by_name(org, member):
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is a program", "application/pdf")
    errors = refused(org, reporter=member, attachments=[fake])
    assert "PDF, PNG or JPEG" in errors["attachments"][0]
    real = SimpleUploadedFile("photo.txt", png_bytes(), "text/plain")
    report = submit_event(organization=org, reporter=member, attachments=[real]).report
    attachment = report.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png") and "photo" not in attachment.file.name


def test_oversized_and_too_many_attachments_are_refused(org, member, settings):
    settings.EVENT_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 200)
    assert "at most" in refused(org, reporter=member, attachments=[big])["attachments"][0]
    settings.EVENT_ATTACHMENT_MAX_BYTES = 10_000
    settings.EVENT_ATTACHMENTS_MAX = 2
    files = [SimpleUploadedFile(f"f{i}.pdf", b"%PDF-1.4 x") for i in range(3)]
    assert "At most 2 files" in refused(org, reporter=member,
                                        attachments=files)["attachments"][0]
    assert EventAttachment.objects.count() == 0


def test_an_anonymous_reports_photo_loses_its_metadata(org):
    photo = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_exif(), "image/jpeg")
    assert b"SERIAL-12345" in jpeg_with_exif()
    report = submit_event(organization=org, anonymous=True, attachments=[photo]).report
    stored = report.attachments.get()
    with stored.file.open("rb") as file:
        data = file.read()
    assert data.startswith(b"\xff\xd8\xff")
    assert b"SERIAL-12345" not in data and b"Jane Reporter" not in data


# --- drafts ------------------------------------------------------------------------------------


def test_a_draft_keeps_the_form_and_is_gone_once_the_report_is_sent(org, member):
    save_draft(organization=org, user=member,
               data={"narrative": "Half written", "category": "fall", "evil": "x",
                     "answers.injury": "minor", "people_involved": ["nurse"]})
    draft = EventDraft.objects.get()
    assert draft.data == {"narrative": "Half written", "category": "fall",
                          "answers.injury": "minor", "people_involved": ["nurse"]}
    submit_event(organization=org, reporter=member, clear_draft_of=member)
    assert not EventDraft.objects.exists()


def test_a_draft_is_nobodys_audit_entry(org, member):
    save_draft(organization=org, user=member, data={"narrative": "Private"})
    assert not AuditEntry.objects.filter(object_type="events.EventDraft").exists()


def test_an_organizations_own_taxonomy_replaces_the_shipped_one(org, owner, member):
    import yaml

    from safetyhub.frameworks.services import upload_pack
    from tests.events.test_taxonomy import MINIMAL

    upload_pack(organization=org, file_name="ours.yaml", text=yaml.safe_dump(MINIMAL),
                by=owner)
    report = submit_event(organization=org, reporter=member, harm_level="severe",
                          answers={"bed-alarm": "yes"}).report
    assert report.taxonomy == Pack.objects.get(organization=org, pack_id="our-taxonomy")
    errors = refused(org, reporter=member, harm_level="mild", answers={})
    assert "harm_level" in errors


def test_a_new_reviewer_elsewhere_is_not_told(org, member, other_org):
    MembershipFactory(organization=other_org, role=Role.EVENT_REVIEWER,
                      user=UserFactory(email="far@example.org"))
    submit_event(organization=org, reporter=member)
    assert not Notification.objects.filter(recipient__email="far@example.org").exists()


def test_submit_report_takes_keywords_only(org, member):
    with pytest.raises(TypeError):
        submit_report(org, "patient_safety")  # type: ignore[misc]


def test_a_late_autosave_of_a_sent_form_does_not_bring_it_back_as_a_draft(org, member):
    submit_event(organization=org, reporter=member, client_key="sent-form")
    with pytest.raises(ValidationError) as exc:
        save_draft(organization=org, user=member,
                   data={"client_key": "sent-form", "narrative": "late keystrokes"})
    assert "sent already" in errors_of(exc)["draft"][0]
    assert not EventDraft.objects.exists()
