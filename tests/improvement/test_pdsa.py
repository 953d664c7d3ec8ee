"""PDSA cycles on an initiative: starting them (numbered per initiative, also when two people
start one at the same moment), recording each stage, linking measures, and their pages (the
whole cycle is one form: saving one stage never loses what was typed in another, and a
change saved by someone else in between is refused, not overwritten)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from safetyhub.core.models import AuditEntry, Role
from safetyhub.improvement import services
from safetyhub.improvement.models import PdsaCycle

from ..conftest import client_for
from ..factories import MembershipFactory, OrganizationFactory
from .test_initiatives import detail_url, errors_of, make_initiative, make_measure, person

TODAY = dt.date.today()


@pytest.fixture
def initiative(org, owner, member):
    return make_initiative(org, owner, owner=member)


def start(initiative, by, **fields):
    fields.setdefault("change", "Teach-back at discharge on ward 4")
    return services.start_cycle(initiative=initiative, by=by, **fields)


def cycle_url(cycle) -> str:
    return f"/o/{cycle.organization.slug}/plan/cycles/{cycle.pk}/"


# --- services ------------------------------------------------------------------------------


def test_cycles_are_numbered_per_initiative(org, owner, initiative):
    other = make_initiative(org, owner, title="Another")
    assert [start(initiative, owner).number for _ in range(3)] == [1, 2, 3]
    assert start(other, owner).number == 1


def test_start_cycle_keeps_the_plan_and_defaults_to_today(org, owner, member, initiative):
    measure = make_measure(org)
    cycle = start(initiative, member, change="  Teach-back  ", prediction="Fewer calls",
                  plan_details="Nurse A, mornings, ward 4", measures=[measure])
    cycle.refresh_from_db()
    assert (cycle.change, cycle.prediction, cycle.plan_details, cycle.started_on) == (
        "Teach-back", "Fewer calls", "Nurse A, mornings, ward 4", TODAY)
    assert (cycle.organization, cycle.created_by) == (org, member)
    assert list(cycle.measures.all()) == [measure]
    entries = AuditEntry.objects.filter(object_type="improvement.PdsaCycle",
                                        object_id=str(cycle.pk))
    assert {e.actor_id for e in entries} == {member.pk}
    assert entries.get(changes__has_key="measures").changes["measures"] == {
        "from": [], "to": [measure.pk]}


def test_start_cycle_refuses_bad_input(owner, initiative, other_org):
    for fields, field in [({"change": "  "}, "change"), ({"change": "x" * 301}, "change"),
                          ({"measures": [make_measure(other_org)]}, "measures"),
                          ({"prediction": "x" * 10_001}, "prediction")]:
        with pytest.raises(ValidationError) as exc:
            start(initiative, owner, **fields)
        assert field in errors_of(exc), fields
    assert not PdsaCycle.objects.exists()


def test_update_cycle_records_each_stage_and_keeps_the_rest(org, owner, initiative):
    cycle = start(initiative, owner, prediction="Fewer calls", started_on=dt.date(2026, 3, 2))
    services.update_cycle(cycle=cycle, by=owner, observations="Done on 12 patients",
                          ended_on=dt.date(2026, 3, 9))
    services.update_cycle(cycle=cycle, by=owner, study="Calls fell from 9 to 4, as predicted")
    measure = make_measure(org)
    services.update_cycle(cycle=cycle, by=owner, act="adapt", act_notes="Try on ward 5",
                          measures=[measure])
    cycle.refresh_from_db()
    assert (cycle.change, cycle.prediction, cycle.started_on, cycle.ended_on) == (
        "Teach-back at discharge on ward 4", "Fewer calls", dt.date(2026, 3, 2),
        dt.date(2026, 3, 9))
    assert (cycle.observations, cycle.study, cycle.act, cycle.act_notes) == (
        "Done on 12 patients", "Calls fell from 9 to 4, as predicted", "adapt",
        "Try on ward 5")
    assert list(cycle.measures.all()) == [measure]
    services.update_cycle(cycle=cycle, by=owner, act="", measures=[])
    cycle.refresh_from_db()
    assert cycle.act == "" and not cycle.measures.exists()
    change = AuditEntry.objects.filter(object_id=str(cycle.pk), changes__has_key="act"
                                       ).latest("seq")
    assert change.changes["act"] == {"from": "adapt", "to": ""} and change.actor_id == owner.pk


def test_update_cycle_refuses_bad_input_and_changes_nothing(owner, initiative, other_org):
    cycle = start(initiative, owner, started_on=dt.date(2026, 3, 2))
    cases = [
        ({"act": "adopted"}, "act", "choose adopt, adapt or abandon"),
        ({"ended_on": dt.date(2026, 3, 1)}, "ended_on", "cannot end"),
        ({"started_on": dt.date(2026, 3, 10), "ended_on": dt.date(2026, 3, 9)}, "ended_on",
         "before it starts"),
        ({"change": ""}, "change", "Say what change"),
        ({"started_on": None}, "started_on", "Give the day"),
        ({"measures": [make_measure(other_org)]}, "measures", "your organization's own"),
    ]
    for fields, field, reason in cases:
        with pytest.raises(ValidationError) as exc:
            services.update_cycle(cycle=cycle, by=owner, observations="changed", **fields)
        assert reason in " ".join(errors_of(exc)[field]), fields
    cycle.refresh_from_db()
    assert (cycle.observations, cycle.act, cycle.ended_on) == ("", "", None)


def test_update_cycle_refuses_a_stale_version(owner, member, initiative):
    cycle = start(initiative, member)
    loaded = cycle.updated_at
    services.update_cycle(cycle=cycle, by=owner, study="Theirs", expected_updated_at=loaded)
    with pytest.raises(ValidationError) as exc:
        services.update_cycle(cycle=cycle, by=member, study="Mine",
                              expected_updated_at=loaded)
    assert "Someone else changed this PDSA cycle" in errors_of(exc)["updated_at"][0]
    cycle.refresh_from_db()
    assert cycle.study == "Theirs" and cycle.updated_at > loaded
    # The version is not itself a change the audit trail repeats on every save.
    entry = AuditEntry.objects.filter(object_id=str(cycle.pk), changes__has_key="study"
                                      ).latest("seq")
    assert "updated_at" not in entry.changes


@pytest.mark.django_db(transaction=True)
def test_two_people_starting_a_cycle_at_once_get_1_and_2():
    org = OrganizationFactory()
    first, second = (MembershipFactory(organization=org, role=Role.SAFETY_LEAD).user
                     for _ in range(2))
    initiative = make_initiative(org, first)
    barrier = threading.Barrier(2)
    numbers, problems = [], []

    def go(user):
        barrier.wait()
        try:
            numbers.append(start(initiative, user, change=f"Change by {user.email}").number)
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems
    assert sorted(numbers) == [1, 2]
    assert sorted(PdsaCycle.objects.values_list("number", flat=True)) == [1, 2]


# --- pages ---------------------------------------------------------------------------------


def test_starting_a_cycle_through_the_page(org, member, initiative):
    measure = make_measure(org)
    client = client_for(member)
    page = client.get(detail_url(initiative) + "cycles/new/").content.decode()
    assert '<label for="id_change">Change to test:</label>' in page
    assert f'value="{TODAY:%Y-%m-%d}"' in page and measure.name in page
    response = client.post(detail_url(initiative) + "cycles/new/", {
        "change": "Bedside huddle", "prediction": "Shorter handovers",
        "plan_details": "Day shift, ward 4", "started_on": "2026-04-01",
        "measures": [measure.pk]})
    cycle = PdsaCycle.objects.get()
    assert response.status_code == 302 and response["Location"] == cycle_url(cycle)
    assert (cycle.number, cycle.change, list(cycle.measures.all())) == (
        1, "Bedside huddle", [measure])
    body = client.get(detail_url(initiative)).content.decode()
    assert f'href="{cycle_url(cycle)}">PDSA 1: Bedside huddle</a>' in body


def test_the_start_page_keeps_what_was_typed(member, initiative):
    response = client_for(member).post(detail_url(initiative) + "cycles/new/", {
        "change": "", "prediction": "Keep this prediction", "started_on": "2026-04-01"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The cycle was not started" in body and "Keep this prediction" in body
    assert "no measures yet" in body  # the empty state for measures
    assert not PdsaCycle.objects.exists()


def cycle_form(cycle, **changes) -> dict:
    """The cycle page's form as a browser sends it: every stage, as loaded, plus changes."""
    data = {"change": cycle.change, "prediction": cycle.prediction,
            "plan_details": cycle.plan_details, "started_on": f"{cycle.started_on:%Y-%m-%d}",
            "observations": cycle.observations,
            "ended_on": f"{cycle.ended_on:%Y-%m-%d}" if cycle.ended_on else "",
            "study": cycle.study, "act": cycle.act, "act_notes": cycle.act_notes,
            "measures": [m.pk for m in cycle.measures.all()],
            "updated_at": cycle.updated_at.isoformat()}
    data.update(changes)
    return data


def test_the_cycle_page_is_one_form_whose_save_keeps_every_stage(org, member, initiative):
    cycle = start(initiative, member, started_on=dt.date(2026, 4, 1))
    measure = make_measure(org)
    client = client_for(member)
    body = client.get(cycle_url(cycle)).content.decode()
    for stage, title in [("plan", "Plan"), ("do", "Do"), ("study", "Study"), ("act", "Act"),
                         ("measures", "Measures")]:
        assert f'<h2 id="{stage}" tabindex="-1">{title}</h2>' in body
        assert f'<button type="submit" name="section" value="{stage}">Save the cycle' in body
    assert body.count('class="cycle-form"') == 1 and "data-warn-unsaved>" in body
    # Text typed in every stage, and the Save of one stage pressed: all of it is kept.
    response = client.post(cycle_url(cycle), cycle_form(
        cycle, section="do", change="Bedside huddle v2", prediction="Shorter",
        started_on="2026-04-02", observations="Ran 5 days", ended_on="2026-04-07",
        study="Handover 20% shorter", act="adopt", act_notes="Spread to ward 5",
        measures=[measure.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == cycle_url(cycle) + "#do"
    cycle.refresh_from_db()
    assert (cycle.change, cycle.prediction, cycle.started_on, cycle.observations,
            cycle.ended_on, cycle.study, cycle.act, cycle.act_notes) == (
        "Bedside huddle v2", "Shorter", dt.date(2026, 4, 2), "Ran 5 days",
        dt.date(2026, 4, 7), "Handover 20% shorter", "adopt", "Spread to ward 5")
    assert list(cycle.measures.all()) == [measure]
    body = client.get(cycle_url(cycle)).content.decode()
    assert "PDSA cycle saved." in body and "<dt>Decision</dt><dd>Adopt</dd>" in body
    # A section that is not one goes back to the top; unticking a measure unlinks it.
    response = client.post(cycle_url(cycle), cycle_form(cycle, section="sideways",
                                                        measures=[]))
    assert response.status_code == 302 and response["Location"] == cycle_url(cycle)
    cycle.refresh_from_db()
    assert not cycle.measures.exists() and cycle.study == "Handover 20% shorter"


def test_without_measures_in_the_organization_the_form_saves_the_rest(member, initiative):
    cycle = start(initiative, member)
    client = client_for(member)
    body = client.get(cycle_url(cycle)).content.decode()
    assert 'name="measures"' not in body and "no measures yet" in body
    data = cycle_form(cycle, study="Fine")
    del data["measures"]
    assert client.post(cycle_url(cycle), data).status_code == 302
    cycle.refresh_from_db()
    assert cycle.study == "Fine"


def test_bad_input_is_refused_and_everything_typed_is_kept(member, initiative):
    cycle = start(initiative, member, started_on=dt.date(2026, 4, 1))
    client = client_for(member)
    response = client.post(cycle_url(cycle), cycle_form(
        cycle, prediction="Kept prediction", observations="Kept text",
        ended_on="2026-03-01", study="Kept study"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "The cycle was not saved" in body and "Correct the 1 field marked" in body
    do = body.split('<h2 id="do"')[1].split("</section>")[0]
    assert "cannot end" in do and "Kept text" in do
    assert "Kept prediction" in body and "Kept study" in body
    # The page still holds unsaved text: leaving it warns, as after typing.
    assert 'data-warn-unsaved="dirty"' in body
    response = client.post(cycle_url(cycle), cycle_form(cycle, act="adopted"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    cycle.refresh_from_db()
    assert (cycle.prediction, cycle.observations, cycle.study, cycle.act) == ("", "", "", "")


def test_a_change_saved_in_between_is_refused_not_overwritten(org, owner, member, initiative):
    cycle = start(initiative, member)
    client = client_for(member)
    loaded = cycle_form(cycle)  # what the page held when it was opened
    services.update_cycle(cycle=cycle, by=owner, study="The lead's study")
    response = client.post(cycle_url(cycle), loaded | {"observations": "Mine"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Someone else changed this PDSA cycle after you opened it" in body
    assert "Mine" in body  # what they typed is still on the page
    cycle.refresh_from_db()
    assert (cycle.study, cycle.observations) == ("The lead's study", "")
    # A form that lost its stamp is not trusted either.
    response = client.post(cycle_url(cycle), loaded | {"updated_at": "yesterday"})
    assert response.status_code == 422 and "Reload the page" in response.content.decode()


def test_readers_see_the_cycle_without_forms_and_may_not_post(org, member, initiative):
    cycle = start(initiative, member, prediction="Fewer calls")
    executive = client_for(person(org, Role.EXECUTIVE_VIEWER))
    body = executive.get(cycle_url(cycle)).content.decode()
    assert "Fewer calls" in body and 'class="cycle-form"' not in body
    assert "Save the cycle" not in body
    assert executive.post(cycle_url(cycle), cycle_form(cycle, study="x")).status_code == 403
    cycle.refresh_from_db()
    assert cycle.study == ""


def test_outsiders_get_404_for_cycles(org, member, initiative, outsider_client, other_org):
    cycle = start(initiative, member, change="Victim's secret change")
    for url in (cycle_url(cycle), f"/o/{other_org.slug}/plan/cycles/{cycle.pk}/"):
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, cycle_form(cycle, study="x")).status_code == 404
    assert outsider_client.post(detail_url(initiative) + "cycles/new/",
                                {"change": "x", "started_on": "2026-01-01"}).status_code == 404
    cycle.refresh_from_db()
    assert cycle.study == "" and PdsaCycle.objects.count() == 1


def test_the_study_section_lists_the_measures_charts(org, member, initiative):
    from django.urls import NoReverseMatch, reverse

    measure = make_measure(org)
    cycle = start(initiative, member, measures=[measure])
    body = client_for(member).get(cycle_url(cycle)).content.decode()
    study = body.split('<h2 id="study"')[1].split("</section>")[0]
    try:
        url = reverse("measures:measure", kwargs={"org_slug": org.slug, "pk": measure.pk})
    except NoReverseMatch:
        assert f"<li>{measure.name}</li>" in study
    else:
        assert f'<a href="{url}">{measure.name}</a>' in study
