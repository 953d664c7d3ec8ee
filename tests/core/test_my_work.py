"""My work, the organization's first page: the registered sections and status tiles, links
to where to act, empty states that say what to do first, a fixed number of queries, and
nothing of another organization."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.assessments import services as assessment_services
from safetyhub.core import my_work
from safetyhub.core.models import Role
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures.models import DataPoint

from ..assessments.test_results import answer_all, start
from ..conftest import client_for
from ..factories import MembershipFactory
from ..measures.test_measures import SHIFT, add_points, make_measure
from ..queries import count_queries


def page(client, org) -> str:
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def today() -> dt.date:
    return timezone.localdate()


def test_sections_and_tiles_come_from_the_registries(org, member_client, monkeypatch):
    monkeypatch.setattr(my_work, "_sources", {})
    monkeypatch.setattr(my_work, "_tiles", {})
    my_work.register_source("test.things", "Things to do", lambda user, org: [
        my_work.WorkItem(title="Sign the charter", link="/charter/", kind="Charter",
                         due_on=dt.date(2026, 1, 2), overdue=True, detail="Ask the board.")])
    my_work.register_source("test.empty", "Nothing here", lambda user, org: [],
                            empty=lambda user, org: my_work.Hint(
                                text=f"Nothing for {org.name}.", link="/first/",
                                link_text="Do this first"))
    my_work.register_status("test.tile", "Falls", lambda user, org: my_work.Status(
        value="3 of 5", detail="domains", link="/falls/", link_text="Read"))
    my_work.register_status("test.hidden", "Hidden", lambda user, org: None)

    body = page(member_client, org)
    assert '<a href="/charter/">Sign the charter</a>' in body
    assert "Ask the board." in body and "Overdue" in body and "2 Jan 2026" in body
    assert "Nothing for Riverside General." in body
    assert '<a href="/first/">Do this first</a>' in body
    assert "3 of 5" in body and 'href="/falls/"' in body
    assert "Hidden" not in body
    assert "1 thing waits on you" in body and "1 overdue" in body


def test_sections_and_tiles_come_in_their_order(monkeypatch):
    monkeypatch.setattr(my_work, "_sources", {})
    monkeypatch.setattr(my_work, "_tiles", {})
    for key, order in (("b", 100), ("a", 5), ("c", 100)):
        my_work.register_source(key, key.upper(), lambda user, org: [], order=order)
        my_work.register_status(key, key.upper(), lambda user, org: None, order=order)
    assert [s.key for s in my_work.sources()] == ["a", "b", "c"]
    assert [t.key for t in my_work.status_tiles()] == ["a", "b", "c"]


def test_the_status_strip_reads_headline_plan_measures_then_pssm(org, owner_client):
    body = page(owner_client, org)
    tiles = [body.index(f'data-tile="{key}"') for key in (
        "assessments.self_assessment", "improvement.plan", "improvement.measures",
        "assessments.pssm")]
    assert tiles == sorted(tiles)


def test_a_new_team_member_sees_the_assessment_to_answer(org, owner, member, member_client):
    body = page(member_client, org)
    assert "Nothing waits on you right now." in body
    assert "When a lead puts you on an assessment" in body  # what to expect, not a dead end
    assessment = start(org, owner, [member], title="Spring 2026", opens_on=today())
    body = page(member_client, org)
    assert f'<a href="/o/{org.slug}/assessments/{assessment.pk}/answer/">Spring 2026</a>' in body
    assert "Questions to answer" in body
    assert "1 thing waits on you" in body


def test_an_empty_organization_tells_the_admin_what_to_do_first(org, owner_client):
    body = page(owner_client, org)
    assert "Start a self-assessment" in body
    assert "Add an initiative" in body
    assert "Getting started" in body and "Sites and units" in body
    assert "No initiatives yet" in body and "No measures yet" in body
    assert "Not started" in body  # PSSM readiness


def test_the_status_strip_shows_the_organizations_figures(org, owner, owner_client):
    done = start(org, owner, title="Baseline", opens_on=today())
    answer_all(done, owner, "2")
    assessment_services.finalize(assessment=done, by=owner)
    Initiative.objects.create(organization=org, title="Late", owner=owner,
                              due_on=today() - dt.timedelta(days=2))
    falls = make_measure(org, by=owner)
    add_points(falls, SHIFT, [1000] * len(SHIFT))
    body = page(owner_client, org)
    assert "2.0 of 4" in body
    assert "0 of 1 done" in body and "1 overdue" in body
    assert "1 with a signal" in body
    assert f'<a href="/o/{org.slug}/plan/{Initiative.objects.get().pk}/">Late</a>' in body


def fill(org, lead, k: int, first: int = 0) -> None:
    """k of everything My work lists for `lead`: assessments to answer and to lead,
    initiatives owned (overdue), PDSA cycles in progress, measures with data due."""
    for n in range(first, first + k):
        start(org, lead, title=f"Assessment {n}", opens_on=today())
        initiative = Initiative.objects.create(organization=org, title=f"Initiative {n}",
                                               owner=lead,
                                               due_on=today() - dt.timedelta(days=1))
        PdsaCycle.objects.create(initiative=initiative, organization=org, number=1,
                                 change=f"Change {n}", started_on=today())
        measure = make_measure(org, by=lead, name=f"Measure {n}")
        measure.initiatives.add(initiative)
        DataPoint.objects.create(measure=measure, organization=org,
                                 period=dt.date(2025, 1, 1), numerator=1, denominator=100)


def test_my_work_costs_the_same_queries_for_1_and_3_items(org, owner, owner_client):
    fill(org, owner, 1)
    one = count_queries(owner_client, f"/o/{org.slug}/")
    fill(org, owner, 2, first=1)
    body = page(owner_client, org)
    assert body.count("Assessment 2") == 2  # to answer and to lead
    assert "Measure 2" in body and "PDSA 1: Change 2" in body
    assert count_queries(owner_client, f"/o/{org.slug}/") == one


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.ASSESSOR])
def test_nothing_of_another_organization_shows(org, owner, other_org, outsider, role):
    fill(other_org, outsider, 1)
    theirs = start(other_org, outsider, title="Lakeshore baseline", opens_on=today())
    answer_all(theirs, outsider, "4")
    assessment_services.finalize(assessment=theirs, by=outsider)
    # the outsider is also a member here: their other organization's work stays there
    MembershipFactory(organization=org, user=outsider, role=role)
    body = page(client_for(outsider), org)
    for leak in ("Assessment 0", "Initiative 0", "Change 0", "Measure 0", "Lakeshore baseline",
                 "4.0 of 4", "with a signal", "overdue"):
        assert leak not in body, leak


def test_outsiders_cannot_open_another_organizations_my_work(org, owner, outsider_client):
    fill(org, owner, 1)
    assert outsider_client.get(f"/o/{org.slug}/").status_code == 404
