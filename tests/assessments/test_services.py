import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Response, TeamMember
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem

from ..factories import MembershipFactory, OrganizationFactory, SiteFactory, UserFactory


def instrument() -> Pack:
    return Pack.objects.get(organization=None, pack_id="safetyhub-sa")


def first_item(pack: Pack) -> PackItem:
    return pack.items.filter(kind=PackItem.Kind.ITEM).first()


@pytest.fixture
def assessment(org, owner, member):
    return services.start_assessment(
        organization=org, pack=instrument(), title="Baseline 2026",
        mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner, team=[member], by=owner,
        opens_on=dt.date(2026, 1, 5),
    )


def test_start_assessment_sets_window_team_and_locks_the_pack(assessment, owner, member):
    assert (assessment.closes_on, assessment.due_on) == (dt.date(2026, 2, 4), dt.date(2026, 2, 4))
    assert assessment.reminder_days == [7, 15, 29]
    roles = dict(TeamMember.objects.filter(assessment=assessment).values_list("user", "role"))
    assert roles == {owner.pk: "lead", member.pk: "member"}
    assert Pack.objects.get(pk=assessment.pack_id).locked_at is not None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"mode": "vibes"}, "mode"),
        ({"window_days": 0}, "window_days"),
        ({"due_on": dt.date(2020, 1, 1)}, "due_on"),
        ({"reminder_days": [45]}, "reminder_days"),
        ({"agreed_by": "anyone"}, "agreed_by"),
    ],
)
def test_start_assessment_names_each_bad_field(org, owner, overrides, field):
    kwargs = {"organization": org, "pack": instrument(), "title": "T",
              "mode": Assessment.Mode.CONSENSUS_ONLY, "lead": owner, "team": [], "by": owner,
              "opens_on": dt.date(2026, 1, 5)} | overrides
    with pytest.raises(ValidationError) as exc:
        services.start_assessment(**kwargs)
    assert field in exc.value.message_dict
    assert not Assessment.objects.exists()


def test_start_assessment_refuses_outsiders_foreign_sites_and_unanswerable_packs(
        org, owner, outsider, other_org):
    with pytest.raises(ValidationError) as exc:
        services.start_assessment(
            organization=org, pack=Pack.objects.get(pack_id="nap-2020"), title="T",
            mode="consensus", lead=owner, team=[outsider], by=owner,
            site=SiteFactory(organization=other_org))
    assert set(exc.value.message_dict) == {"pack", "team", "site"}
    assert "outsider@example.org" in exc.value.message_dict["team"][0]


def test_answers_save_field_by_field_and_count_versions(assessment, member):
    item = first_item(assessment.pack)
    first = services.save_answer(assessment=assessment, item=item, user=member, value="2")
    criterion = item.data["criteria"][0]["id"]
    second = services.save_answer(assessment=assessment, item=item, user=member,
                                  criteria_met=[criterion], note="Seen in the minutes",
                                  expected_version=first.version)
    assert (second.value, second.criteria_met, second.note) == ("2", [criterion],
                                                                "Seen in the minutes")
    assert second.version == 2 and first.pk == second.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"value": "7"}, "value"), ({"criteria_met": ["zz"]}, "criteria_met"),
     ({"evidence_links": ["javascript:alert(1)"]}, "evidence_links"),
     ({"note": "x" * 5001}, "note"), ({"rationale": "own answers take none"}, "rationale")],
)
def test_bad_answers_name_the_field_and_change_nothing(assessment, member, kwargs, field):
    item = first_item(assessment.pack)
    with pytest.raises(ValidationError) as exc:
        services.save_answer(assessment=assessment, item=item, user=member, **kwargs)
    assert field in exc.value.message_dict
    assert not Response.objects.exists()


def test_an_item_of_another_pack_is_refused(assessment, member):
    foreign = first_item(Pack.objects.get(pack_id="pssm"))
    with pytest.raises(ValidationError, match="not a question of this assessment"):
        services.save_answer(assessment=assessment, item=foreign, user=member, value="yes")


def test_a_locked_packs_items_and_scale_are_read_once(assessment, django_assert_num_queries):
    pack = assessment.pack
    item = first_item(pack)
    section = pack.items.get(pk=item.parent_id)
    services.answerable_item(pack, item.key)  # may read the pack once
    with django_assert_num_queries(0):
        first = services.answerable_item(pack, item.key)
        again = services.answerable_item(pack, item.key)
        assert services.scale_values(pack) == [lvl["value"]
                                               for lvl in pack.content["scale"]["levels"]]
        assert services.answerable_item(pack, section.key) is None  # a section, not an item
        assert services.answerable_item(pack, "no-such-key") is None
        assert first.pack is pack  # set, not read again
    assert (first.pk, first.key, first.data) == (item.pk, item.key, item.data)
    assert first is not again  # callers set attributes on it: never one shared instance


def test_people_off_the_team_cannot_answer(assessment, org):
    colleague = MembershipFactory(organization=org, role=Role.ASSESSOR).user
    with pytest.raises(ValidationError) as exc:
        services.save_answer(assessment=assessment, item=first_item(assessment.pack),
                             user=colleague, value="1")
    assert "respondent" in exc.value.message_dict


def test_consensus_conflict_keeps_the_first_answer_and_returns_it(assessment, owner, member):
    assessment.agreed_by = Assessment.AgreedBy.TEAM  # two people who may write it
    assessment.save()
    item = first_item(assessment.pack)
    services.save_answer(assessment=assessment, item=item, user=owner, consensus=True,
                         value="1", expected_version=0)
    with pytest.raises(services.AnswerConflict) as exc:
        services.save_answer(assessment=assessment, item=item, user=member, consensus=True,
                             value="3", expected_version=0)
    assert exc.value.current.value == "1"
    assert Response.objects.get(respondent=None).value == "1"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_consensus_saves_never_overwrite_silently():
    org = OrganizationFactory()
    lead, other = UserFactory(), UserFactory()
    for user in (lead, other):
        MembershipFactory(organization=org, user=user, role=Role.SAFETY_LEAD)
    assessment = services.start_assessment(
        organization=org, pack=instrument(), title="T", mode="consensus", lead=lead,
        team=[other], by=lead)
    item = first_item(assessment.pack)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, value):
        barrier.wait()
        try:
            services.save_answer(assessment=assessment, item=item, user=user, consensus=True,
                                 value=value, expected_version=0)
            outcomes.append(("saved", value))
        except services.AnswerConflict as conflict:
            outcomes.append(("conflict", conflict.current.value))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=a) for a in ((lead, "1"), (other, "3"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["conflict", "saved"]
    saved = next(v for kind, v in outcomes if kind == "saved")
    shown = next(v for kind, v in outcomes if kind == "conflict")
    assert Response.objects.get(assessment=assessment, respondent=None).value == saved == shown


def test_finalize_lists_the_items_without_agreed_answers(assessment, owner):
    items = list(assessment.pack.items.filter(kind=PackItem.Kind.ITEM))
    for item in items[1:]:
        services.save_answer(assessment=assessment, item=item, user=owner, consensus=True,
                             value="2")
    with pytest.raises(ValidationError, match=r"1 item\(s\) have no agreed answer yet: 1\.1"):
        services.finalize(assessment=assessment, by=owner)
    services.save_answer(assessment=assessment, item=items[0], user=owner, consensus=True,
                         value="na")
    done = services.finalize(assessment=assessment, by=owner)
    assert done.status == "finalized"
    with pytest.raises(ValidationError, match="finalized"):
        services.save_answer(assessment=done, item=items[0], user=owner, consensus=True,
                             value="3")


def test_reopen_needs_a_reason_and_is_audited(assessment, owner):
    for item in assessment.pack.items.filter(kind=PackItem.Kind.ITEM):
        services.save_answer(assessment=assessment, item=item, user=owner, consensus=True,
                             value="1")
    services.finalize(assessment=assessment, by=owner)
    with pytest.raises(ValidationError) as exc:
        services.reopen(assessment=assessment, by=owner, reason=" ")
    assert "reason" in exc.value.message_dict
    reopened = services.reopen(assessment=assessment, by=owner,
                               reason="The board asked us to rescore element 2.1")
    assert reopened.is_open
    entry = AuditEntry.objects.get(object_type="assessments.Reopen")
    assert entry.changes == {"reason": "The board asked us to rescore element 2.1"}


def test_consensus_only_assessments_take_no_individual_answers(org, owner):
    assessment = services.start_assessment(organization=org, pack=instrument(), title="T",
                                           mode="consensus", lead=owner, team=[], by=owner)
    with pytest.raises(ValidationError, match="agreed answers only"):
        services.save_answer(assessment=assessment, item=first_item(assessment.pack),
                             user=owner, value="1")


def test_evidence_is_checked_by_content_and_size(assessment, member, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = services.save_answer(assessment=assessment, item=first_item(assessment.pack),
                                    user=member, value="1")
    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4\n%fake but typed\n")
    evidence = services.add_evidence(response=response, upload=pdf, by=member)
    assert (evidence.content_type, evidence.original_name) == ("application/pdf", "minutes.pdf")
    disguised = SimpleUploadedFile("minutes.pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(ValidationError, match="Attach a PDF"):
        services.add_evidence(response=response, upload=disguised, by=member)
    huge = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * services.MAX_EVIDENCE_BYTES)
    with pytest.raises(ValidationError, match="at most"):
        services.add_evidence(response=response, upload=huge, by=member)


@pytest.mark.parametrize(("name", "head", "stored"), [
    ("scan.pdf", b"\x89PNG\r\n\x1a\n", "scan.png"),    # a PNG named .pdf
    ("minutes.PDF", b"%PDF-1.7\n", "minutes.PDF"),        # right type, any case
    ("photo.jpeg", b"\xff\xd8\xff\xe0", "photo.jpeg"),   # either JPEG extension
    ("photo.png", b"\xff\xd8\xff\xe0", "photo.jpg"),
    ("policy", b"%PDF-1.4\n", "policy.pdf"),               # no extension at all
    ("notes.html", b"%PDF-1.4\n", "notes.pdf"),
])
def test_evidence_keeps_an_extension_that_matches_its_sniffed_type(
        assessment, member, settings, tmp_path, name, head, stored):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = services.save_answer(assessment=assessment, item=first_item(assessment.pack),
                                    user=member, value="1")
    evidence = services.add_evidence(response=response,
                                     upload=SimpleUploadedFile(name, head + b"body"), by=member)
    assert evidence.original_name == stored
    assert evidence.file.name.rsplit(".", 1)[1] == stored.rsplit(".", 1)[1]


def test_assessment_list_counts_the_whole_team_for_a_member(org, owner, member):
    from safetyhub.assessments.queries import assessments_for

    third = MembershipFactory(organization=org, role=Role.ASSESSOR).user
    services.start_assessment(organization=org, pack=instrument(), title="T", mode="independent",
                              lead=owner, team=[member, third], by=owner)
    (listed,) = assessments_for(user=member, organization=org)
    assert listed.team_size == 3
    outsider_member = MembershipFactory(organization=org, role=Role.ASSESSOR).user
    assert not assessments_for(user=outsider_member, organization=org).exists()


# --- consensus: when the team sees members' own answers, and who writes the agreed one ------


def test_open_consensus_once_and_never_on_a_finalized_or_consensus_only_assessment(
        org, assessment, owner):
    opened = services.open_consensus(assessment=assessment, by=owner)
    assert opened.consensus_opened_at is not None and opened.consensus_opened_by == owner
    with pytest.raises(ValidationError) as exc:
        services.open_consensus(assessment=opened, by=owner)
    assert "open already" in exc.value.message_dict["assessment"][0]
    together = services.start_assessment(
        organization=org, pack=instrument(), title="T", mode=Assessment.Mode.CONSENSUS_ONLY,
        lead=owner, team=[], by=owner)
    with pytest.raises(ValidationError) as exc:
        services.open_consensus(assessment=together, by=owner)
    assert "no own answers" in exc.value.message_dict["assessment"][0]
    assert Assessment.objects.get(pk=together.pk).consensus_opened_at is None


def test_finalizing_opens_consensus_for_good(assessment, owner):
    for item in assessment.pack.items.filter(kind=PackItem.Kind.ITEM):
        services.save_answer(assessment=assessment, item=item, user=owner, consensus=True,
                             value="2")
    finalized = services.finalize(assessment=assessment, by=owner)
    assert finalized.consensus_opened_at == finalized.finalized_at
    reopened = services.reopen(assessment=finalized, by=owner, reason="A late correction.")
    assert reopened.consensus_opened_at is not None  # what the team saw stays seen
    with pytest.raises(ValidationError):
        services.open_consensus(assessment=reopened, by=owner)


def test_only_the_named_people_write_the_agreed_answer(org, assessment, owner, member):
    item = first_item(assessment.pack)
    with pytest.raises(ValidationError) as exc:
        services.save_answer(assessment=assessment, item=item, user=member, consensus=True,
                             value="2")
    assert exc.value.message_dict["consensus"] == [
        f"Agreed answers are written by the assessment's lead ({owner}) and the "
        "organization's patient-safety leads on the team."]
    assert not Response.objects.exists()
    safety_lead = MembershipFactory(organization=org, role=Role.SAFETY_LEAD).user
    TeamMember.objects.create(assessment=assessment, user=safety_lead)
    services.save_answer(assessment=assessment, item=item, user=safety_lead, consensus=True,
                         value="2")
    assessment.agreed_by = Assessment.AgreedBy.TEAM
    assessment.save()
    services.save_answer(assessment=assessment, item=item, user=member, consensus=True,
                         value="3")
    assert Response.objects.get(respondent=None).value == "3"
