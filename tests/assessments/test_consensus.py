"""Consensus in minutes: the items that need discussion (answers differ, "unsure", someone
has not answered), the filter showing only them, and accepting every unanimous answer in one
audited step (never overwriting an agreed answer, once only when two people click at once),
through the sheet and the API."""

import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from safetyhub.assessments import consensus, services
from safetyhub.assessments.models import Assessment, Response
from safetyhub.core.models import AuditEntry, Role

from ..conftest import client_for
from ..factories import MembershipFactory, OrganizationFactory
from .test_cycles import items_of, person, start, url

API = "/api/v1/orgs"


@pytest.fixture
def lead(org):
    return person(org, Role.SAFETY_LEAD, "lead@example.org")


@pytest.fixture
def assessment(org, lead, member):
    return start(org, lead, [member])


def answer(assessment, user, item, value, *, agreed=False):
    services.save_answer(assessment=assessment, item=item, user=user, consensus=agreed,
                         value=value)


@pytest.fixture
def answered(assessment, lead, member):
    """Items 0–5 answered as each case needs; the rest not answered by anyone."""
    items = items_of(assessment)
    cases = [("2", "2"),        # 0 unanimous
             ("2", "3"),        # 1 answers differ
             ("unsure", "unsure"),  # 2 everyone unsure
             ("2", None),       # 3 the member has not answered
             ("3", "3"),        # 4 unanimous, but the lead already chose an agreed answer
             ("3", "unsure")]   # 5 one unsure
    for item, (mine, theirs) in zip(items, cases, strict=False):
        answer(assessment, lead, item, mine)
        if theirs is not None:
            answer(assessment, member, item, theirs)
    answer(assessment, lead, items[4], "1", agreed=True)
    return items


def agreed_values(assessment) -> dict[str, str]:
    return dict(Response.objects.filter(assessment=assessment, respondent=None)
                .values_list("item__key", "value"))


# --- the states ----------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "agreed", "state"), [
    (["2", "2"], "", consensus.UNANIMOUS),
    (["2", "3"], "", consensus.DISCUSS),
    (["unsure", "unsure"], "", consensus.DISCUSS),
    (["2", ""], "", consensus.DISCUSS),
    (["", ""], "", consensus.DISCUSS),
    (["3", "unsure"], "", consensus.DISCUSS),
    (["2", "3"], "2", consensus.AGREED),
    ([], "", consensus.DISCUSS),
])
def test_item_state(values, agreed, state):
    assert consensus.item_state(values, agreed_value=agreed) == state


def test_summary_sorts_every_item(assessment, answered):
    found = consensus.summary(assessment=assessment)
    assert [(i.key, v) for i, v in found.unanimous] == [(answered[0].key, "2")]
    assert found.agreed == 1
    assert found.discuss_keys == {i.key for i in answered} - {answered[0].key, answered[4].key}


# --- accepting -----------------------------------------------------------------------------


def test_accept_writes_only_unanimous_answers_and_is_audited(assessment, lead, answered):
    result = consensus.accept_unanimous(assessment=assessment, by=lead)
    assert result.keys == [answered[0].key]
    assert result.discuss == len(items_of(assessment)) - 2
    assert result.message == f"Accepted 1 answer; {result.discuss} items need discussion."
    assert agreed_values(assessment) == {answered[0].key: "2", answered[4].key: "1"}
    event = AuditEntry.objects.filter(object_type="assessments.Assessment",
                                      changes__action="accept_unanimous").get()
    assert (event.actor_id, event.changes["accepted"], event.changes["items"]) == (
        lead.pk, 1, [answered[0].key])
    written = Response.objects.get(assessment=assessment, respondent=None,
                                   item=answered[0])
    assert AuditEntry.objects.filter(object_type="assessments.Response",
                                     object_id=str(written.pk), actor_id=lead.pk).exists()


def test_accepting_again_accepts_nothing(assessment, lead, answered):
    consensus.accept_unanimous(assessment=assessment, by=lead)
    before = agreed_values(assessment)
    again = consensus.accept_unanimous(assessment=assessment, by=lead)
    assert again.keys == []
    assert agreed_values(assessment) == before
    assert Response.objects.filter(assessment=assessment, respondent=None).count() == 2


def test_a_lead_can_still_change_an_accepted_answer(assessment, lead, answered):
    consensus.accept_unanimous(assessment=assessment, by=lead)
    answer(assessment, lead, answered[0], "3", agreed=True)
    assert agreed_values(assessment)[answered[0].key] == "3"


def test_members_who_may_not_write_agreed_answers_are_refused(assessment, member, answered):
    with pytest.raises(ValidationError) as exc:
        consensus.accept_unanimous(assessment=assessment, by=member)
    assert "consensus" in exc.value.message_dict
    assert agreed_values(assessment) == {answered[4].key: "1"}


def test_a_finalized_assessment_refuses(assessment, lead, answered):
    assessment.status = Assessment.Status.FINALIZED
    assessment.save()
    with pytest.raises(ValidationError) as exc:
        consensus.accept_unanimous(assessment=assessment, by=lead)
    assert "assessment" in exc.value.message_dict
    assert agreed_values(assessment) == {answered[4].key: "1"}


@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_at_once_accept_each_answer_once():
    org = OrganizationFactory()
    lead, other = (MembershipFactory(organization=org, role=Role.SAFETY_LEAD).user
                   for _ in range(2))
    assessment = start(org, lead, [other], agreed_by=Assessment.AgreedBy.TEAM)
    items = items_of(assessment)[:3]
    for item in items:
        for user in (lead, other):
            answer(assessment, user, item, "2")
    barrier = threading.Barrier(2)
    counts, problems = [], []

    def go(user):
        barrier.wait()
        try:
            counts.append(len(consensus.accept_unanimous(assessment=assessment,
                                                         by=user).keys))
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(u,)) for u in (lead, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert sorted(counts) == [0, 3]
    assert Response.objects.filter(assessment=assessment, respondent=None).count() == 3


# --- the sheet -----------------------------------------------------------------------------


def test_the_sheet_counts_filters_and_accepts(assessment, lead, answered):
    client = client_for(lead)
    discuss = len(items_of(assessment)) - 2
    page = client.get(url("consensus", assessment)).content.decode()
    assert f"{discuss} questions need discussion" in page
    assert "Accept the 1 unanimous answer<" in page
    filtered = client.get(url("consensus", assessment, query="?discuss=1")).content.decode()
    assert f'id="item-{answered[1].key}"' in filtered
    assert f'id="item-{answered[0].key}"' not in filtered  # unanimous: not to discuss
    assert f'id="item-{answered[4].key}"' not in filtered  # agreed already
    assert f"{discuss} questions need discussion" in filtered
    response = client.post(url("accept_unanimous", assessment), {"discuss": "1"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("?discuss=1")
    page = response.content.decode()
    assert f"Accepted 1 answer; {discuss} items need discussion." in page
    assert "unanimous answer<" not in page  # nothing left to accept: no button
    assert agreed_values(assessment)[answered[0].key] == "2"


def test_the_sheet_refuses_members_and_outsiders(assessment, member, outsider, answered):
    member_client = client_for(member)
    assert "Accept the" not in member_client.get(url("consensus", assessment)).content.decode()
    assert member_client.post(url("accept_unanimous", assessment)).status_code == 403
    assert client_for(outsider).post(url("accept_unanimous", assessment)).status_code == 404
    assert agreed_values(assessment) == {answered[4].key: "1"}


def test_a_finalized_sheet_says_why_nothing_was_accepted(assessment, lead, answered):
    assessment.status = Assessment.Status.FINALIZED
    assessment.save()
    response = client_for(lead).post(url("accept_unanimous", assessment), follow=True)
    assert "finalized" in response.content.decode()
    assert agreed_values(assessment) == {answered[4].key: "1"}


# --- API -----------------------------------------------------------------------------------


def accept_api(client, assessment):
    return client.post(f"{API}/{assessment.organization.slug}/assessments/{assessment.pk}"
                       "/accept-unanimous", data="{}", content_type="application/json")


def test_the_api_accepts_and_refuses(assessment, lead, member, outsider, answered):
    assert accept_api(client_for(outsider), assessment).status_code == 404
    assert accept_api(client_for(member), assessment).status_code == 403
    response = accept_api(client_for(lead), assessment)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["items"]) == (1, [answered[0].key])
    assert body["needs_discussion"] == len(items_of(assessment)) - 2
    assert accept_api(client_for(lead), assessment).json()["accepted"] == 0
    assessment.status = Assessment.Status.FINALIZED
    assessment.save()
    refused = accept_api(client_for(lead), assessment)
    assert refused.status_code == 422
    assert "assessment" in json.dumps(refused.json()["detail"])
