"""Assessment cycles through their pages: starting one, answering (autosave and plain forms),
consensus with conflict detection, evidence files, finishing, finalizing and reopening. Each
refusal is checked to change nothing."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, Evidence, Response, TeamMember
from safetyhub.core.models import AuditEntry, Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.frameworks.services import upload_pack

from ..conftest import client_for
from ..factories import MembershipFactory, SiteFactory, UserFactory
from ..frameworks.test_services import ORG_PACK
from ..markers import marker_after, source_notes

HX = {"HX-Request": "true"}
PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
       b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
       b"0000000115 00000 n \ntrailer <</Size 4 /Root 1 0 R>>\nstartxref\n186\n%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def sa_pack() -> Pack:
    return Pack.objects.get(pack_id="safetyhub-sa", organization=None)


def items_of(assessment) -> list[PackItem]:
    return list(PackItem.objects.filter(pack=assessment.pack, kind=PackItem.Kind.ITEM)
                .order_by("position"))


def person(org, role=Role.ASSESSOR, email=None):
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(organization=org, user=user, role=role)
    return user


def start(org, lead, team=(), *, pack=None, mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
          agreed_by=Assessment.AgreedBy.LEADS):
    return services.start_assessment(
        organization=org, pack=pack or sa_pack(), title="Spring 2026", mode=mode,
        lead=lead, team=list(team), by=lead, agreed_by=agreed_by,
    )


def team_writes(assessment) -> None:
    """Let anyone on the team write the agreed answers (for tests of two writers)."""
    assessment.agreed_by = Assessment.AgreedBy.TEAM
    assessment.save()


def url(name, assessment, *args, query=""):
    return reverse(f"assessments:{name}",
                   args=[assessment.organization.slug, assessment.pk, *args]) + query


def agree_all(assessment, user, value="2"):
    for item in items_of(assessment):
        services.save_answer(assessment=assessment, item=item, user=user, consensus=True,
                             value=value if value in services.scale_values(assessment.pack)
                             else services.scale_values(assessment.pack)[0])


@pytest.fixture
def lead(org):
    return person(org, Role.SAFETY_LEAD, "lead@example.org")


@pytest.fixture
def assessment(org, lead, member):
    return start(org, lead, [member])


@pytest.fixture
def item(assessment):
    return items_of(assessment)[0]


# ---------------------------------------------------------------------------------------
# List and start


def test_list_empty_state_says_what_to_do(org, owner, member):
    page = client_for(owner).get(reverse("assessments:list", args=[org.slug])).content.decode()
    assert "No assessments yet" in page
    assert "Start an assessment" in page
    assert 'aria-current="page">Self-assessments' in page
    page = client_for(member).get(reverse("assessments:list", args=[org.slug])).content.decode()
    assert "once a patient-safety lead adds you to its team" in page
    assert "Start an assessment</a>" not in page


def test_list_shows_only_assessments_the_person_may_see(org, owner, lead, member):
    mine = start(org, lead, [member])
    other = start(org, lead, [])
    other.title = "Leads only"
    other.save()
    page = client_for(member).get(reverse("assessments:list", args=[org.slug])).content.decode()
    assert mine.title in page and "Leads only" not in page
    page = client_for(owner).get(reverse("assessments:list", args=[org.slug])).content.decode()
    assert "Leads only" in page and "2 people" in page


def test_start_form_offers_only_answerable_packs_of_this_organization(
        org, owner, other_org, outsider):
    upload_pack(organization=org, file_name="falls.yaml", by=owner,
                text=__import__("yaml").safe_dump(ORG_PACK))
    upload_pack(organization=other_org, file_name="theirs.yaml", by=outsider,
                text=__import__("yaml").safe_dump({**ORG_PACK, "id": "lakeshore-only",
                                                   "links": []}))
    SiteFactory(organization=org, name="North Campus")
    SiteFactory(organization=other_org, name="Lakeshore Clinic")
    page = client_for(owner).get(reverse("assessments:start", args=[org.slug])).content.decode()
    assert "SafetyHub Self-Assessment" in page
    assert "Patient Safety Structural Measure" in page
    assert "Riverside falls readiness" in page and "your organization&#x27;s own" in page
    assert "Safer Together" not in page and "lakeshore-only" not in page
    assert "North Campus" in page and "Lakeshore Clinic" not in page
    assert "outsider@example.org" not in page
    assert "owner@example.org" in page and "Organization admin" in page
    assert 'value="30"' in page and 'value="7, 15, 29"' in page


def start_data(org, lead_user, member, **changes):
    data = {"pack": sa_pack().pk, "title": "Spring 2026", "mode": "independent", "site": "",
            "team": [member.pk], "lead": lead_user.pk, "window_days": "30", "due_on": "",
            "reminder_days": "7, 15, 29"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_start_an_assessment(org, lead, member):
    advisor = person(org, Role.PATIENT_FAMILY_ADVISOR, "advisor@example.org")
    site = SiteFactory(organization=org, name="North Campus")
    due = timezone.localdate() + dt.timedelta(days=21)
    client = client_for(lead)
    response = client.post(
        reverse("assessments:start", args=[org.slug]),
        start_data(org, lead, member, team=[member.pk, advisor.pk], site=site.pk,
                   due_on=due.isoformat(), reminder_days="5 10", window_days="45"))
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", assessment)
    assert assessment.site == site and assessment.due_on == due
    assert assessment.closes_on == assessment.opens_on + dt.timedelta(days=45)
    assert assessment.reminder_days == [5, 10]
    assert assessment.agreed_by == Assessment.AgreedBy.LEADS  # the default
    roles = dict(TeamMember.objects.values_list("user__email", "role"))
    assert roles == {"lead@example.org": "lead", "member@example.org": "member",
                     "advisor@example.org": "member"}
    page = client.get(response["Location"]).content.decode()
    assert "Started “Spring 2026”" in page and "North Campus" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": "  "}, "title", "This field is required."),
    ({"pack": "nap"}, "pack", "Select a valid choice"),
    ({"pack": "other-org"}, "pack", "Select a valid choice"),
    ({"mode": "both"}, "mode", "Select a valid choice"),
    ({"site": "other-org"}, "site", "Select a valid choice"),
    ({"team": "outsider"}, "team", "Select a valid choice"),
    ({"lead": "outsider"}, "lead", "Select a valid choice"),
    ({"window_days": "400"}, "window_days", "The window is 1 to 366 days."),
    ({"window_days": "a month"}, "window_days", "Enter a whole number."),
    ({"due_on": "2001-01-01"}, "due_on", "The due date is before the assessment opens."),
    ({"due_on": "31/31/2026"}, "due_on", "Enter a valid date."),
    ({"reminder_days": "7, 40"}, "reminder_days", "must fall within the 30-day window"),
    ({"reminder_days": "weekly"}, "reminder_days", "Give whole numbers of days"),
    ({"agreed_by": "everyone"}, "agreed_by", "Select a valid choice"),
])
def test_start_refuses_each_bad_field_and_keeps_what_was_typed(
        org, lead, member, other_org, outsider, changes, field, message):
    foreign_pack = upload_pack(organization=other_org, file_name="x.yaml", by=outsider,
                               text=__import__("yaml").safe_dump({**ORG_PACK, "links": []}))
    replacements = {
        "nap": Pack.objects.get(pack_id="nap-2020").pk,
        "other-org": foreign_pack.pk if field == "pack"
        else SiteFactory(organization=other_org).pk,
        "outsider": outsider.pk,
    }
    changes = {k: replacements.get(v, v) if isinstance(v, str) else v
               for k, v in changes.items()}
    if field == "team":
        changes["team"] = [member.pk, outsider.pk]
    response = client_for(lead).post(reverse("assessments:start", args=[org.slug]),
                                     start_data(org, lead, member,
                                                **{"title": "Autumn review", **changes}))
    assert response.status_code == 422
    assert not Assessment.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert "The assessment was not started" in page
    if field != "title":
        assert 'value="Autumn review"' in page  # what was typed is kept
    assert re.search(rf'<input[^>]*value="{member.pk}"[^>]*checked', page)


def test_only_leads_and_admins_may_start(org, member):
    response = client_for(member).get(reverse("assessments:start", args=[org.slug]))
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------
# Detail, finish, finalize, reopen


def test_detail_shows_window_team_and_progress(org, lead, member, assessment, item):
    services.save_answer(assessment=assessment, item=item, user=member, value="3")
    services.mark_finished(assessment=assessment, user=lead)
    page = client_for(lead).get(url("detail", assessment)).content.decode()
    total = len(items_of(assessment))
    assert "Spring 2026" in page and "The whole organization" in page
    assert f"1 of {total}" in page and f"0 of {total}" in page
    assert "Not yet" in page and "Yes, " in page
    assert "Finalize the assessment" in page
    for name in ("answer", "consensus", "results", "priorities", "report"):
        assert url(name, assessment) in page
    page = client_for(member).get(url("detail", assessment)).content.decode()
    assert "Finalize the assessment" not in page


def test_member_marks_finished_and_can_undo(assessment, member):
    client = client_for(member)
    response = client.post(url("finish", assessment), {"finished": "1"})
    assert response.status_code == 302
    assert TeamMember.objects.get(user=member).finished_at is not None
    assert "I am not finished after all" in client.get(url("answer", assessment)).content.decode()
    client.post(url("finish", assessment), {"finished": "0"})
    assert TeamMember.objects.get(user=member).finished_at is None


def test_finalize_asks_first_naming_who_has_not_answered_and_what_is_open(
        org, assessment, lead, member, item):
    advisor = UserFactory(full_name="Pat Advisor")
    MembershipFactory(organization=org, user=advisor, role=Role.PATIENT_FAMILY_ADVISOR)
    TeamMember.objects.create(assessment=assessment, user=advisor)
    # The member answers everything and says so; the lead and the advisor do not.
    for each in items_of(assessment):
        services.save_answer(assessment=assessment, item=each, user=member, value="2")
    services.mark_finished(assessment=assessment, user=member)
    services.save_answer(assessment=assessment, item=item, user=advisor, value="1")
    services.save_answer(assessment=assessment, item=item, user=lead, consensus=True,
                         value="2")
    response = client_for(lead).get(url("finalize", assessment))
    assert response.status_code == 200
    page = response.content.decode()
    total = len(items_of(assessment))
    names = [p.member.user for p in response.context["not_done"]]
    assert names == [lead, advisor]
    assert "Pat Advisor" in page and "Patient/family advisor" in page
    assert f"answered 1 of {total}" in page
    unanswered = [i.key for i in response.context["unanswered"]]
    assert unanswered == [i.key for i in items_of(assessment)[1:]]
    assert f"#item-{items_of(assessment)[1].key}" in page
    assert "What finalizing locks" in page and "read-only" in page
    # Questions are open, so there is nothing to confirm yet; nothing changed.
    assert 'action="' + url("finalize", assessment) not in page
    assessment.refresh_from_db()
    assert assessment.is_open
    assert client_for(member).get(url("finalize", assessment)).status_code == 403


def test_finalize_confirmation_offers_the_button_once_every_answer_is_agreed(
        assessment, lead):
    agree_all(assessment, lead)
    page = client_for(lead).get(url("finalize", assessment)).content.decode()
    assert "None: every question has an agreed answer." in page
    assert 'action="' + url("finalize", assessment) in page
    detail = client_for(lead).get(url("detail", assessment)).content.decode()
    assert f'href="{url("finalize", assessment)}"' in detail


def test_finalize_lists_unanswered_items(assessment, lead, item):
    services.save_answer(assessment=assessment, item=item, user=lead, consensus=True,
                         value="2")
    response = client_for(lead).post(url("finalize", assessment))
    assert response.status_code == 422
    page = response.content.decode()
    missing = items_of(assessment)[1:]
    assert f"{len(missing)} item(s) have no agreed answer yet" in page
    assert missing[0].title.replace("'", "&#x27;") in page
    assert item.title.replace("'", "&#x27;") not in page.split("Not finalized")[1].split(
        "</div>")[0]
    assessment.refresh_from_db()
    assert assessment.is_open


def test_finalize_then_reopen_with_a_reason_is_audited(assessment, lead, member):
    agree_all(assessment, lead)
    client = client_for(lead)
    assert client_for(member).post(url("finalize", assessment)).status_code == 403
    response = client.post(url("finalize", assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.FINALIZED
    page = client.get(url("detail", assessment)).content.decode()
    assert "Reopen the assessment" in page and "Finalize the assessment" not in page

    response = client.post(url("reopen", assessment), {"reason": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    response = client.post(url("reopen", assessment), {"reason": "oops"})
    assert response.status_code == 422
    assert "Say why the assessment is reopened" in response.content.decode()
    assessment.refresh_from_db()
    assert not assessment.is_open
    assert client_for(member).post(url("reopen", assessment),
                                   {"reason": "I want to change"}).status_code == 403

    response = client.post(url("reopen", assessment),
                           {"reason": "The board asked us to re-score 2.3 with new data."})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_open
    entry = AuditEntry.objects.get(object_type="assessments.Reopen")
    assert entry.changes == {"reason": "The board asked us to re-score 2.3 with new data."}
    assert entry.actor_id == lead.pk


def test_the_lead_opens_consensus_from_the_assessment_page(assessment, lead, member):
    page = client_for(member).get(url("detail", assessment)).content.decode()
    assert ("Private to each member and the assessment's lead until the lead opens "
            "consensus") in page
    assert f"Agreed answers are written by the assessment&#x27;s lead ({lead})" in page
    assert "Open consensus</button>" not in page
    assert client_for(member).post(url("open_consensus", assessment)).status_code == 403
    assessment.refresh_from_db()
    assert assessment.consensus_opened_at is None

    client = client_for(lead)
    assert "Open consensus</button>" in client.get(url("detail", assessment)).content.decode()
    response = client.post(url("open_consensus", assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.consensus_opened_by == lead
    page = client.get(response["Location"]).content.decode()
    assert "Consensus is open" in page and "Seen by the whole team since" in page
    assert "Open consensus</button>" not in page
    response = client.post(url("open_consensus", assessment))
    assert response.status_code == 422
    assert "Consensus is open already." in response.content.decode()


def test_start_lets_the_whole_team_write_the_agreed_answers(org, lead, member):
    response = client_for(lead).post(reverse("assessments:start", args=[org.slug]),
                                     start_data(org, lead, member, agreed_by="team"))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.agreed_by == Assessment.AgreedBy.TEAM
    page = client_for(member).get(url("consensus", assessment)).content.decode()
    assert "Agreed answers are written by anyone on the assessment&#x27;s team." in page
    assert 'name="rationale"' in page


# ---------------------------------------------------------------------------------------
# Answer sheet and autosave


def test_answer_sheet_shows_every_item_with_scale_criteria_and_provenance(
        assessment, member):
    client = client_for(member)
    items = items_of(assessment)
    page = client.get(url("answer", assessment, query="?section=all")).content.decode()
    for item in items:
        assert f'id="item-{item.key}"' in page
    # One section per page by default, with a link to each section and to the next.
    sections = list(PackItem.objects.filter(pack=assessment.pack, kind="section")
                    .order_by("position"))
    first_page = client.get(url("answer", assessment)).content.decode()
    assert f'id="item-{items[0].key}"' in first_page
    assert f'id="item-{items[-1].key}"' not in first_page
    for section in sections:
        assert f'href="{url("answer", assessment)}?section={section.key}"' in first_page
    assert f"Next: {sections[1].number}. {sections[1].title}" in first_page
    last_page = client.get(url("answer", assessment,
                               query=f"?section={sections[-1].key}")).content.decode()
    assert f'id="item-{items[-1].key}"' in last_page and "Next:" not in last_page
    first = items[0]
    # provenance of the question's title: a marker whose words say whose text it is
    assert marker_after(page, first.title.replace("'", "&#x27;")).startswith("SafetyHub's own")
    assert "SafetyHub's own: written by the SafetyHub project" in source_notes(page).values()
    assert first.data["summary"]["text"].replace("'", "&#x27;") in page
    # every level of the scale, Unsure and Not applicable included, with its definition
    for value, label in [("0", "Not started"), ("4", "Exemplary"), ("unsure", "Unsure"),
                         ("na", "Not applicable")]:
        assert f'id="l{first.pk}-{value}"' in page and label in page
        assert f'aria-describedby="d{first.pk}-{value}"' in page
    assert page.count('name="value"') == 7 * len(items)
    assert first.data["criteria"][0]["text"].replace("'", "&#x27;") in page
    assert f'hx-post="{url("save_answer", assessment, first.key)}"' in page
    assert 'hx-trigger="change"' in page
    assert 'hx-trigger="input changed delay:800ms, change"' in page
    assert 'role="status"' in page
    assert "<script>" not in page and " style=" not in page


def save(client, assessment, item, data, *, consensus=False, htmx=True):
    name = "save_consensus" if consensus else "save_answer"
    return client.post(url(name, assessment, item.key), data, headers=HX if htmx else {})


@pytest.mark.parametrize(("field", "sent", "stored"), [
    ("value", "3", "3"),
    ("value", "unsure", "unsure"),
    ("value", "na", "na"),
    ("criteria_met", ["a", "c"], ["a", "c"]),
    ("note", "Board minutes\r\nshow this.", "Board minutes\nshow this."),
    ("evidence_links", "https://intranet.example.org/plan\r\n\r\nhttps://example.org/x",
     ["https://intranet.example.org/plan", "https://example.org/x"]),
])
def test_each_field_saves_itself(assessment, member, item, field, sent, stored):
    services.save_answer(assessment=assessment, item=item, user=member, value="1",
                         note="kept")
    response = save(client_for(member), assessment, item,
                    {"save": field, "expected_version": "1", field: sent})
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(rf'<div id="fb{item.pk}" class="row-feedback" role="status">.*'
                     r'<p class="save-status"><span class="saved">Saved</span> at \d\d:\d\d',
                     body)
    assert f'id="v{item.pk}" value="2"' in body
    answer = Response.objects.get(respondent=member, item=item)
    assert getattr(answer, field) == stored
    assert answer.version == 2
    if field != "value":
        assert answer.value == "1"
    if field != "note":
        assert answer.note == "kept"


def test_unticking_every_criterion_saves_an_empty_list(assessment, member, item):
    services.save_answer(assessment=assessment, item=item, user=member, criteria_met=["a"])
    response = save(client_for(member), assessment, item,
                    {"save": "criteria_met", "expected_version": "1"})
    assert response.status_code == 200
    assert Response.objects.get(item=item).criteria_met == []


def test_plain_form_saves_everything_and_returns_to_the_item(assessment, member, item):
    client = client_for(member)
    response = save(client, assessment, item, {
        "expected_version": "0", "value": "2", "criteria_met": ["b"], "note": "n",
        "evidence_links": "https://example.org/a"}, htmx=False)
    assert response.status_code == 302
    assert response["Location"] == (url("answer", assessment)
                                    + f"?section={item.parent.key}#item-{item.key}")
    answer = Response.objects.get(item=item)
    assert (answer.value, answer.criteria_met, answer.note, answer.evidence_links) == (
        "2", ["b"], "n", ["https://example.org/a"])
    page = client.get(url("answer", assessment)).content.decode()
    assert re.search(rf'id="l{item.pk}-2"[^>]*checked', page)
    assert re.search(rf'id="k{item.pk}-2"[^>]*checked', page)
    assert ">https://example.org/a</textarea>" in page


def test_value_outside_the_scale_is_refused_naming_the_field(assessment, member, item):
    services.save_answer(assessment=assessment, item=item, user=member, value="1")
    response = save(client_for(member), assessment, item,
                    {"save": "value", "expected_version": "1", "value": "7"})
    assert response.status_code == 422
    body = response.content.decode()
    assert re.search(rf'<li id="fe{item.pk}-value">Answer: &#x27;7&#x27; is '
                     r"not an answer on this assessment&#x27;s scale", body)
    assert "Not saved." in body
    assert f'id="v{item.pk}" value="1"' in body  # the page keeps its version
    answer = Response.objects.get(item=item)
    assert (answer.value, answer.version) == ("1", 1)


def test_refused_links_keep_what_was_typed(assessment, member, item):
    client = client_for(member)
    response = save(client, assessment, item, {
        "expected_version": "0", "value": "2", "note": "my long note",
        "evidence_links": "intranet/plan"}, htmx=False)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Not saved" in page and f'href="#item-{item.key}"' in page
    assert "&#x27;intranet/plan&#x27; is not a web address" in page
    assert ">my long note</textarea>" in page and ">intranet/plan</textarea>" in page
    assert re.search(rf'id="l{item.pk}-2"[^>]*checked', page)
    assert not Response.objects.exists()


@pytest.mark.parametrize("key", ["R1", "CLG", "no-such-item"])
def test_items_not_in_the_pack_are_refused(assessment, member, key):
    response = save(client_for(member), assessment, PackItem(key=key),
                    {"save": "value", "value": "2"})
    assert response.status_code == 422
    assert f"&#x27;{key}&#x27; is not a question of this assessment" in (
        response.content.decode())
    response = save(client_for(member), assessment, PackItem(key=key),
                    {"value": "2"}, htmx=False)
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_unknown_fields_are_refused(assessment, member, item):
    response = save(client_for(member), assessment, item, {"save": "score", "score": "2"})
    assert response.status_code == 422
    assert "Unknown answer field(s): score." in response.content.decode()
    assert not Response.objects.exists()


def test_answers_after_finalizing_are_refused_and_sheets_are_read_only(
        assessment, lead, member, item):
    services.save_answer(assessment=assessment, item=item, user=member, value="1",
                         note="mine")
    agree_all(assessment, lead)
    services.finalize(assessment=assessment, by=lead)
    client = client_for(member)
    response = save(client, assessment, item, {"save": "value", "expected_version": "1",
                                               "value": "3"})
    assert response.status_code == 422
    assert "This assessment is finalized" in response.content.decode()
    response = save(client_for(lead), assessment, item,
                    {"save": "value", "value": "3"}, consensus=True)
    assert response.status_code == 422
    assert Response.objects.get(respondent=member).value == "1"
    assert Response.objects.get(respondent=None, item=item).value == "2"
    for name in ("answer", "consensus"):
        page = client.get(url(name, assessment)).content.decode()
        assert "answers are read-only" in page
        assert "<textarea" not in page and 'type="radio"' not in page
        assert 'type="file"' not in page
    assert "Beginning" in client.get(url("answer", assessment)).content.decode()
    response = client.post(url("evidence", assessment, item.key),
                           {"file": upload("a.pdf", PDF)})
    assert response.status_code == 422
    assert not Evidence.objects.exists()


def test_people_not_on_the_team_cannot_answer(org, owner, assessment, item, outsider):
    onlooker = person(org, Role.ASSESSOR)
    for user, status in [(outsider, 404), (onlooker, 404), (owner, 403)]:
        client = client_for(user)
        assert client.get(url("answer", assessment)).status_code == status
        assert client.get(url("consensus", assessment)).status_code == status
        assert save(client, assessment, item, {"save": "value", "value": "2"}
                    ).status_code == status
        assert save(client, assessment, item, {"save": "value", "value": "2"},
                    consensus=True).status_code == status
        assert client.post(url("finish", assessment)).status_code == status
    response = client_for(owner).get(url("answer", assessment))
    assert "Only members of this assessment&#x27;s team can answer it" in (
        response.content.decode())
    assert not Response.objects.exists()


def test_consensus_only_assessments_take_agreed_answers_only(org, lead, member):
    assessment = start(org, lead, [member], mode=Assessment.Mode.CONSENSUS_ONLY,
                       agreed_by=Assessment.AgreedBy.TEAM)
    item = items_of(assessment)[0]
    client = client_for(member)
    response = client.get(url("answer", assessment))
    assert response.status_code == 302 and response["Location"] == url("consensus", assessment)
    response = save(client, assessment, item, {"save": "value", "value": "2"})
    assert response.status_code == 422
    assert "takes the team&#x27;s agreed answers only" in response.content.decode()
    response = save(client, assessment, item, {"save": "value", "expected_version": "0",
                                               "value": "2"}, consensus=True)
    assert response.status_code == 200
    assert Response.objects.get().respondent is None
    page = client.get(url("consensus", assessment)).content.decode()
    assert "Each member&#x27;s own answer" not in page


def test_answer_sheet_query_count_does_not_grow_with_the_team(org, lead):
    def queries_for(team_size: int) -> int:
        team = [person(org) for _ in range(team_size - 1)]
        assessment = start(org, lead, team)
        for user in [lead, *team]:
            for item in items_of(assessment)[:3]:
                services.save_answer(assessment=assessment, item=item, user=user, value="2")
        client = client_for(lead)
        client.get(url("answer", assessment))  # warm caches (pack sync, sessions)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("answer", assessment)).status_code == 200
        return len(captured)

    assert queries_for(1) == queries_for(3)


# ---------------------------------------------------------------------------------------
# Consensus


def test_consensus_sheet_shows_the_spread_side_by_side(org, assessment, lead, member, item):
    services.save_answer(assessment=assessment, item=item, user=lead, value="0",
                         criteria_met=["a"], note="Not yet in the plan")
    services.save_answer(assessment=assessment, item=item, user=member, value="3",
                         note="We have board minutes")
    page = client_for(lead).get(url("consensus", assessment)).content.decode()
    assert "Members disagree" in page
    assert "Not yet in the plan" in page and "We have board minutes" in page
    assert "Significant Impact" in page
    assert f'hx-post="{url("save_consensus", assessment, item.key)}"' in page
    assert f'action="{url("evidence", assessment, item.key)}?consensus=1"' in page
    assert 'name="rationale"' in page
    # The rest of the team sees the others' answers once the lead opens consensus (having
    # finished one's own scoring is not enough), and reads the agreed answers only: the
    # lead and the patient-safety leads write them.
    client = client_for(member)
    services.mark_finished(assessment=assessment, user=member)
    page = client.get(url("consensus", assessment)).content.decode()
    assert "Not yet in the plan" not in page and "We have board minutes" not in page
    assert "until the lead opens consensus" in page
    assert f"Agreed answers are written by the assessment&#x27;s lead ({lead})" in page
    assert 'name="rationale"' not in page
    services.open_consensus(assessment=assessment, by=lead)
    page = client.get(url("consensus", assessment)).content.decode()
    assert "Not yet in the plan" in page and "We have board minutes" in page


def test_consensus_rationale_autosaves(assessment, lead, item):
    response = save(client_for(lead), assessment, item,
                    {"save": "rationale", "expected_version": "0",
                     "rationale": "Minutes show quarterly review."}, consensus=True)
    assert response.status_code == 200
    assert Response.objects.get(respondent=None).rationale == "Minutes show quarterly review."


def test_concurrent_consensus_edits_conflict_and_nothing_is_overwritten(
        assessment, lead, member, item):
    team_writes(assessment)
    first, second = client_for(lead), client_for(member)
    # Both opened the page at version 0.
    assert save(first, assessment, item, {"save": "value", "expected_version": "0",
                                          "value": "3"}, consensus=True).status_code == 200
    response = save(second, assessment, item, {"save": "value", "expected_version": "0",
                                               "value": "1"}, consensus=True)
    assert response.status_code == 409
    body = response.content.decode()
    conflict = body.split('class="conflict"')[1]
    assert "Their answer" in conflict and "Your answer" in conflict
    theirs, mine = conflict.split("Your answer")
    assert "Significant Impact" in theirs and f"Saved by {lead}" in theirs
    assert "Beginning" in mine
    assert "Keep their answer" in conflict and "Keep my answer" in conflict
    assert '<input type="hidden" name="expected_version" value="1">' in conflict
    assert f'id="v{item.pk}" value="0"' in body  # the page stays on its old version
    consensus = Response.objects.get(respondent=None)
    assert (consensus.value, consensus.version) == ("3", 1)

    # Keep their answer: the row as saved now.
    row = second.get(url("save_consensus", assessment, item.key), headers=HX)
    assert row.status_code == 200
    assert re.search(rf'id="l{item.pk}-3"[^>]*checked', row.content.decode())
    # Keep my answer: re-post with the current version.
    response = save(second, assessment, item, {"resolve": "1", "save": "value",
                                               "expected_version": "1", "value": "1"},
                    consensus=True)
    assert response.status_code == 200
    assert Response.objects.get(respondent=None).value == "1"


def test_conflict_without_javascript_shows_the_whole_sheet(assessment, lead, member, item):
    team_writes(assessment)
    services.save_answer(assessment=assessment, item=item, user=lead, consensus=True,
                         value="3", rationale="theirs")
    response = save(client_for(member), assessment, item, {
        "expected_version": "0", "value": "1", "rationale": "mine", "note": "",
        "evidence_links": ""}, consensus=True, htmx=False)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Not saved: someone else changed this answer" in page
    assert ">mine</textarea>" in page  # what was typed stays in the form
    assert "Their answer" in page and "theirs" in page
    assert Response.objects.get(respondent=None).rationale == "theirs"


# ---------------------------------------------------------------------------------------
# Evidence


def upload(name, content, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_attached_and_only_the_team_downloads_it(
        org, owner, assessment, member, lead, item, outsider):
    client = client_for(member)
    response = client.post(url("evidence", assessment, item.key),
                           {"file": upload("board minutes.pdf", PDF),
                            "expected_version": "0"}, headers=HX)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    assert (evidence.content_type, evidence.size) == ("application/pdf", len(PDF))
    assert evidence.response.respondent == member
    body = response.content.decode()
    assert "attached board minutes.pdf" in body
    assert f'id="v{item.pk}" value="1"' in body  # the upload created the answer
    file_url = url("evidence_file", assessment, evidence.pk)
    assert file_url in body

    for user in (member, lead):
        download = client_for(user).get(file_url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Disposition"].startswith("attachment;")
        assert "board minutes.pdf" in download["Content-Disposition"]
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Type"] == "application/pdf"
    assert client_for(owner).get(file_url).status_code == 403
    assert client_for(person(org)).get(file_url).status_code == 404
    assert client_for(outsider).get(file_url).status_code == 404
    other = start(org, lead, [])
    assert client_for(lead).get(url("evidence_file", other, evidence.pk)).status_code == 404


def test_consensus_evidence_without_javascript(assessment, lead, item):
    response = client_for(lead).post(url("evidence", assessment, item.key, query="?consensus=1"),
                                     {"file": upload("policy.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == (url("consensus", assessment)
                                    + f"?section={item.parent.key}#item-{item.key}")
    assert Evidence.objects.get().response.respondent is None


def test_a_renamed_executable_is_refused(assessment, member, item):
    response = client_for(member).post(url("evidence", assessment, item.key),
                                       {"file": upload("minutes.pdf", EXE)}, headers=HX)
    assert response.status_code == 422
    assert "Attach a PDF, an image, an office document or a text file." in (
        response.content.decode())
    assert not Evidence.objects.exists()
    assert not Response.objects.exists()  # no empty answer left behind


def test_a_missing_file_is_refused(assessment, member, item):
    response = client_for(member).post(url("evidence", assessment, item.key), {})
    assert response.status_code == 422
    assert "Choose a file to attach." in response.content.decode()


@override_settings(MAX_REQUEST_BYTES=20 * 1024 * 1024)
def test_an_oversized_file_is_refused(assessment, member, item):
    big = PDF + b"0" * (services.MAX_EVIDENCE_BYTES + 1 - len(PDF))
    response = client_for(member).post(url("evidence", assessment, item.key),
                                       {"file": upload("scan.pdf", big)}, headers=HX)
    assert response.status_code == 422
    assert "Files are at most 10 MB." in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_request_over_the_size_limit_is_refused_before_the_view(
        assessment, member, item, settings):
    big = PDF + b"0" * settings.MAX_UPLOAD_BYTES
    response = client_for(member).post(url("evidence", assessment, item.key),
                                       {"file": upload("scan.pdf", big)})
    assert response.status_code == 413
    assert "too large to accept" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_file_between_the_request_and_upload_limits_reaches_the_service(
        assessment, member, item, settings):
    big = PDF + b"0" * (settings.MAX_REQUEST_BYTES + 1000)
    response = client_for(member).post(url("evidence", assessment, item.key),
                                       {"file": upload("scan.pdf", big)})
    assert response.status_code in (200, 302)
    assert Evidence.objects.get().size == len(big)


def test_upload_form_states_the_limit_that_applies(assessment, member, settings):
    """The form states the lower of the upload size limit and the service's 10 MB."""
    from django.template.defaultfilters import filesizeformat

    limit = min(services.MAX_EVIDENCE_BYTES, settings.MAX_UPLOAD_BYTES - 64 * 1024)
    page = client_for(member).get(url("answer", assessment)).content.decode()
    assert f"up to {filesizeformat(limit)}" in page
