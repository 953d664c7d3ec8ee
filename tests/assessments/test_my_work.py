"""What assessments put on My work: the questions a team member has to answer or finish, the
consensus a lead has to lead, the latest self-assessment's headline and PSSM readiness —
each only for the people who may see it."""

import datetime as dt

from django.utils import timezone

from safetyhub.assessments import my_work, services
from safetyhub.assessments.models import Assessment
from safetyhub.core.models import Role

from ..factories import MembershipFactory
from .test_results import answer, answer_all, person, pssm, start

CONSENSUS_ONLY = Assessment.Mode.CONSENSUS_ONLY


def today() -> dt.date:
    return timezone.localdate()


def test_a_team_member_is_asked_to_answer_then_to_finish_and_then_nothing(org, owner, member):
    assessment = start(org, owner, [member], title="Spring 2026", opens_on=today())
    [item] = my_work.to_answer(member, org)
    assert (item.title, item.kind) == ("Spring 2026", "Questions to answer")
    assert item.link == f"/o/{org.slug}/assessments/{assessment.pk}/answer/"
    assert item.due_on == assessment.closes_on and not item.overdue
    total = assessment.pack.items.filter(kind="item").count()
    assert item.detail.startswith(f"0 of {total} questions answered")

    first = assessment.pack.items.filter(kind="item").order_by("position").first()
    answer(assessment, member, {first.key: "2"}, consensus=False)
    [item] = my_work.to_answer(member, org)
    assert item.kind == "Your answers to finish"
    assert item.detail.startswith(f"1 of {total} questions answered")

    services.mark_finished(assessment=assessment, user=member)
    assert my_work.to_answer(member, org) == []


def test_nothing_to_answer_off_the_team_when_finalized_or_when_the_team_only_agrees(
        org, owner, member):
    start(org, owner, title="Not mine", opens_on=today())  # member is not on the team
    start(org, owner, [member], title="Agreed only", opens_on=today(), mode=CONSENSUS_ONLY)
    done = start(org, owner, [member], title="Finalized", opens_on=today())
    answer_all(done, owner, "2")
    services.finalize(assessment=done, by=owner)
    assert my_work.to_answer(member, org) == []


def test_a_window_that_has_closed_is_overdue_and_comes_first(org, owner, member):
    start(org, owner, [member], title="Current", opens_on=today())
    start(org, owner, [member], title="Late", opens_on=today() - dt.timedelta(days=60))
    items = my_work.to_answer(member, org)
    assert [(i.title, i.overdue) for i in items] == [("Late", True), ("Current", False)]


def test_an_attestation_asks_for_statements(org, owner, member):
    start(org, owner, [member], pack=pssm(), title="PSSM 2026", opens_on=today())
    [item] = my_work.to_answer(member, org)
    assert item.kind == "Statements to answer" and "statements answered" in item.detail


def test_the_lead_is_told_the_step_consensus_is_at(org, owner, member):
    assessment = start(org, owner, [member], title="Spring 2026", opens_on=today())
    assert my_work.consensus_to_lead(member, org) == []  # only the lead leads it
    [item] = my_work.consensus_to_lead(owner, org)
    assert item.kind == "Team answering"
    assert item.detail.startswith("0 of 2 members have finished")
    assert item.link == f"/o/{org.slug}/assessments/{assessment.pk}/"

    services.mark_finished(assessment=assessment, user=member)
    services.mark_finished(assessment=assessment, user=owner)
    [item] = my_work.consensus_to_lead(owner, org)
    assert item.kind == "Consensus to open"

    services.open_consensus(assessment=assessment, by=owner)
    first = assessment.pack.items.filter(kind="item").order_by("position").first()
    answer(assessment, owner, {first.key: "3"}, consensus=True)
    [item] = my_work.consensus_to_lead(owner, org)
    assert item.kind == "Consensus to lead"
    assert item.link == f"/o/{org.slug}/assessments/{assessment.pk}/consensus/"
    assert item.detail.startswith("1 of ")

    answer_all(assessment, owner, "2")
    services.finalize(assessment=assessment, by=owner)
    assert my_work.consensus_to_lead(owner, org) == []


def test_the_headline_is_the_latest_finalized_self_assessment_the_person_may_see(
        org, owner, member):
    older = start(org, owner, title="Baseline", opens_on=today() - dt.timedelta(days=200))
    answer_all(older, owner, "1")
    services.finalize(assessment=older, by=owner)
    latest = start(org, owner, title="Year two", opens_on=today())
    answer_all(latest, owner, "3")
    services.finalize(assessment=latest, by=owner)
    start(org, owner, title="Still open", opens_on=today())

    status = my_work.self_assessment_status(owner, org)
    assert status.value == "3.0 of 4"
    assert "Year two" in status.detail
    assert status.link == f"/o/{org.slug}/assessments/{latest.pk}/results/"

    # An assessor sees only the assessments whose team they are on.
    status = my_work.self_assessment_status(member, org)
    assert status.value == "None finalized yet" and "Year two" not in status.detail
    assert status.link == f"/o/{org.slug}/assessments/"
    assert my_work.self_assessment_status(owner, org).link_text == "Results"
    lead = person(org, Role.SAFETY_LEAD)
    assert my_work.self_assessment_status(lead, org).value == "3.0 of 4"


def test_pssm_readiness_counts_the_domains_met_of_the_latest_attestation(org, owner):
    assert my_work.pssm_status(owner, org).value == "Not started"
    assessment = start(org, owner, pack=pssm(), title="PSSM 2026", opens_on=today())
    answer(assessment, owner, {k: "yes" for k in ("1A", "1B", "1C", "1D", "1E")},
           consensus=True)
    status = my_work.pssm_status(owner, org)
    assert status.value == "1 of 5"
    assert "PSSM 2026 (in progress)" in status.detail
    assert status.link == f"/o/{org.slug}/assessments/{assessment.pk}/readiness/"


def test_another_organizations_assessments_never_show(org, owner, other_org, outsider):
    theirs = start(other_org, outsider, title="Lakeshore baseline", opens_on=today())
    answer_all(theirs, outsider, "4")
    services.finalize(assessment=theirs, by=outsider)
    start(other_org, outsider, [outsider], title="Lakeshore open", opens_on=today())
    # the outsider is also a member here, with nothing to do here
    MembershipFactory(organization=org, user=outsider, role=Role.ORG_ADMIN)
    assert my_work.to_answer(outsider, org) == []
    assert my_work.consensus_to_lead(outsider, org) == []
    assert my_work.self_assessment_status(outsider, org).value == "None finalized yet"
    assert my_work.pssm_status(outsider, org).value == "Not started"
