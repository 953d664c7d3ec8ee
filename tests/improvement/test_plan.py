"""The action plan page and turning a priority into an initiative."""

import datetime as dt

import pytest

from safetyhub.assessments import services
from safetyhub.assessments.models import Assessment, TeamMember
from safetyhub.core.models import Role
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.improvement.models import Initiative
from safetyhub.improvement.services import tactics_for_priority

from ..conftest import client_for
from ..factories import MembershipFactory, UserFactory


@pytest.fixture
def assessment(org, owner, member):
    assessment = services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Baseline 2026", mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, lead=owner,
        team=[member], by=owner, opens_on=dt.date(2026, 1, 5))
    item = assessment.pack.items.get(key="CLG-2", kind=PackItem.Kind.ITEM)
    services.save_answer(assessment=assessment, item=item, user=owner, consensus=True, value="0")
    return assessment


def add_url(assessment, key="CLG-2") -> str:
    return f"/o/{assessment.organization.slug}/plan/from-priority/{assessment.pk}/{key}/"


def plan_data(assessment, owner, key="CLG-2") -> dict:
    """What "Add to action plan" asks: the element's first tactic, an owner, a due date."""
    item = assessment.pack.items.get(key=key, kind=PackItem.Kind.ITEM)
    return {"tactic": tactics_for_priority(item)[0].pk, "owner": owner.pk,
            "due_on": "2026-06-30"}


def priorities_url(assessment) -> str:
    return f"/o/{assessment.organization.slug}/assessments/{assessment.pk}/priorities/"


def person(org, role):
    return MembershipFactory(organization=org, role=role, user=UserFactory()).user


def test_from_priority_asks_for_tactic_owner_and_due_date(owner_client, owner, member,
                                                          assessment):
    form = owner_client.get(add_url(assessment))
    assert form.status_code == 200
    item = assessment.pack.items.get(key="CLG-2", kind=PackItem.Kind.ITEM)
    tactics = tactics_for_priority(item)
    offered = [pk for pk, _label in form.context["form"].fields["tactic"].choices if pk]
    assert [int(str(pk)) for pk in offered] == [t.pk for t in tactics]
    # Its tactics are those of the recommendations CLG-2 is keyed to (R01 and R04).
    assert {t.parent.key for t in tactics} == {"R01", "R04"}
    data = {"tactic": tactics[-1].pk, "owner": member.pk, "due_on": "2026-06-30"}
    response = owner_client.post(add_url(assessment), data)
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert response["Location"] == f"/o/{assessment.organization.slug}/plan/{initiative.pk}/"
    assert initiative.organization == assessment.organization
    assert initiative.source_assessment == assessment
    assert initiative.source_item.key == "CLG-2"
    assert initiative.tactic == tactics[-1]
    assert initiative.recommendation == tactics[-1].parent  # the tactic's recommendation
    assert (initiative.owner, initiative.due_on) == (member, dt.date(2026, 6, 30))
    body = owner_client.get(priorities_url(assessment)).content.decode()
    assert "In the plan" in body


def test_from_priority_refuses_a_missing_field_or_a_foreign_tactic(org, owner_client, owner,
                                                                   assessment):
    response = owner_client.post(add_url(assessment), {"tactic": "", "owner": "",
                                                       "due_on": "soon"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"tactic", "owner", "due_on"}
    other = PackItem.objects.filter(kind=PackItem.Kind.TACTIC).exclude(
        parent__key__in=["R01", "R04"]).first()
    response = owner_client.post(add_url(assessment), {**plan_data(assessment, owner),
                                                       "tactic": other.pk})
    assert response.status_code == 422 and "tactic" in response.context["form"].errors
    assert not Initiative.objects.exists()


def test_a_second_time_shows_the_message_and_creates_none(owner_client, owner, assessment):
    owner_client.post(add_url(assessment), plan_data(assessment, owner))
    response = owner_client.post(add_url(assessment), plan_data(assessment, owner),
                                 follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(priorities_url(assessment), 302)]
    assert "is already in the plan as" in response.content.decode()
    assert Initiative.objects.count() == 1


def test_a_section_key_is_refused_with_a_message(owner_client, assessment):
    response = owner_client.post(add_url(assessment, key="CLG"), follow=True)
    assert "is not a question of this assessment" in response.content.decode()
    assert not Initiative.objects.exists()


def test_an_unknown_key_is_404(owner_client, assessment):
    assert owner_client.post(add_url(assessment, key="NOPE")).status_code == 404
    assert not Initiative.objects.exists()


def test_the_team_lead_may_add_even_without_a_lead_role(org, owner):
    lead = person(org, Role.ASSESSOR)
    assessment = services.start_assessment(
        organization=org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Unit review", mode=Assessment.Mode.CONSENSUS_ONLY, lead=lead, team=[], by=owner)
    assert TeamMember.objects.get(assessment=assessment).role == TeamMember.Role.LEAD
    assert client_for(lead).post(add_url(assessment),
                                 plan_data(assessment, lead)).status_code == 302
    assert Initiative.objects.count() == 1


def test_non_leads_get_403(org, assessment, member_client):
    executive = client_for(person(org, Role.EXECUTIVE_VIEWER))
    for client in (member_client, executive):  # on the team; may read all
        assert client.post(add_url(assessment)).status_code == 403
    assert not Initiative.objects.exists()


def test_members_off_the_team_and_outsiders_get_404(org, assessment, outsider_client):
    bystander = client_for(person(org, Role.ASSESSOR))
    for client in (bystander, outsider_client):
        assert client.post(add_url(assessment)).status_code == 404
    assert not Initiative.objects.exists()


def test_the_plan_lists_initiatives(org, owner_client, owner, assessment):
    owner_client.post(add_url(assessment), plan_data(assessment, owner))
    initiative = Initiative.objects.get()
    initiative.owner = owner
    initiative.due_on = dt.date(2026, 6, 30)
    initiative.save()
    bystander = client_for(person(org, Role.STAFF_REPORTER))
    body = owner_client.get(f"/o/{org.slug}/plan/").content.decode()
    assert f'id="initiative-{initiative.pk}"' in body
    assert initiative.title in body
    assert f'href="/o/{org.slug}/frameworks/packs/nap-2020/2/R01/"' in body
    assert f'href="{priorities_url(assessment)}">Baseline 2026</a>' in body
    assert "1.2 The board reviews patient and workforce harm" in body
    assert str(owner) in body and "30 Jun 2026" in body and "Proposed" in body
    # A member who may not open the assessment sees the plan, without a link to it.
    response = bystander.get(f"/o/{org.slug}/plan/")
    assert response.status_code == 200
    body = response.content.decode()
    assert initiative.title in body and priorities_url(assessment) not in body


def test_the_empty_plan_says_how_to_add_one(org, member_client):
    body = member_client.get(f"/o/{org.slug}/plan/").content.decode()
    assert "Nothing in the action plan yet" in body
    assert "Add to action plan" in body and "Where to start" in body


def test_the_plan_shows_nothing_of_another_organization(org, other_org, outsider, member_client,
                                                        outsider_client):
    theirs = services.start_assessment(
        organization=other_org, pack=Pack.objects.get(organization=None, pack_id="safetyhub-sa"),
        title="Their baseline", mode=Assessment.Mode.CONSENSUS_ONLY, lead=outsider, team=[],
        by=outsider)
    outsider_client.post(add_url(theirs), plan_data(theirs, outsider))
    assert Initiative.objects.filter(organization=other_org).count() == 1
    body = member_client.get(f"/o/{org.slug}/plan/").content.decode()
    assert "Their baseline" not in body
    assert outsider_client.get(f"/o/{org.slug}/plan/").status_code == 404


def test_the_side_navigation_links_to_the_plan(org, member_client):
    body = member_client.get(f"/o/{org.slug}/plan/").content.decode()
    assert '<h2 class="nav-heading">Improve</h2>' in body
    assert f'<a href="/o/{org.slug}/plan/" aria-current="page">Action plan</a>' in body
