"""What the action plan and the measures put on My work: initiatives a person owns (overdue
first), PDSA cycles in progress on their initiatives, measure data due from them, and the
plan's and the measures' status — each only for the people it concerns."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Role
from safetyhub.improvement import my_work
from safetyhub.improvement.models import Initiative, PdsaCycle
from safetyhub.measures.models import DataPoint, Measure

from ..measures.test_measures import SHIFT, add_points, make_measure, person

Status = Initiative.Status


def today() -> dt.date:
    return timezone.localdate()


def months_ago(k: int) -> dt.date:
    """The first day of the month k months before this one."""
    first = today().replace(day=1)
    return my_work._add_months(first, -k)


def initiative(org, title, **values) -> Initiative:
    return Initiative.objects.create(organization=org, title=title, **values)


def test_owned_open_initiatives_come_overdue_first_then_by_due_date(org, owner, member):
    initiative(org, "Later", owner=member, status=Status.ACTIVE,
               due_on=today() + dt.timedelta(days=30))
    initiative(org, "Undated", owner=member)
    initiative(org, "Late", owner=member, status=Status.ACTIVE,
               due_on=today() - dt.timedelta(days=1))
    initiative(org, "Soon", owner=member, due_on=today() + dt.timedelta(days=3))
    initiative(org, "Finished", owner=member, status=Status.DONE,
               due_on=today() - dt.timedelta(days=9))
    initiative(org, "Someone else's", owner=owner, due_on=today() - dt.timedelta(days=9))
    items = my_work.initiatives_owned(member, org)
    assert [(i.title, i.overdue) for i in items] == [
        ("Late", True), ("Soon", False), ("Later", False), ("Undated", False)]
    assert items[0].link.startswith(f"/o/{org.slug}/plan/")
    assert items[0].detail.startswith("Active")


def test_cycles_in_progress_on_initiatives_the_person_works_on(org, owner, member):
    mine = initiative(org, "Mine", owner=member)
    team = initiative(org, "On the team", owner=owner)
    team.team.add(member)
    other = initiative(org, "Not mine", owner=owner)
    stopped = initiative(org, "Stopped", owner=member, status=Status.STOPPED)
    for n, (init, act, ended) in enumerate([
            (mine, "", None), (team, "", today()), (mine, "adopt", today()),
            (other, "", None), (stopped, "", None)], 1):
        PdsaCycle.objects.create(initiative=init, organization=org, number=n,
                                 change=f"Change {n}", started_on=today(), act=act,
                                 ended_on=ended)
    items = my_work.cycles_in_progress(member, org)
    assert [i.title for i in items] == ["PDSA 1: Change 1", "PDSA 2: Change 2"]
    assert items[0].detail.startswith("Mine. Testing since")
    assert "study the results" in items[1].detail
    viewer = person(org, Role.EXECUTIVE_VIEWER)
    mine.team.add(viewer)
    assert my_work.cycles_in_progress(viewer, org) == []  # they only read


@pytest.mark.parametrize(("latest", "due", "overdue"), [
    (1, False, False),  # last month's data is in: nothing due
    (2, True, False),   # last month has ended without data: due
    (3, True, True),    # two months without data: overdue
])
def test_monthly_data_is_due_when_the_month_ends_and_overdue_a_month_later(
        org, owner, latest, due, overdue):
    measure = make_measure(org, by=owner)
    DataPoint.objects.create(measure=measure, organization=org, period=months_ago(latest),
                             numerator=1, denominator=100)
    items = my_work.data_due(owner, org)
    assert bool(items) == due
    if due:
        assert items[0].overdue == overdue
        assert items[0].link == f"/o/{org.slug}/measures/{measure.pk}/"


def test_data_is_due_from_the_people_who_enter_it(org, owner, member):
    ours = make_measure(org, by=owner, name="Ours")
    make_measure(org, by=owner, name="Unlinked")
    make_measure(org, by=owner, name="Per event", frequency=Measure.Frequency.EVENT,
                 chart="g", denominator="", multiplier=1)
    add_points(ours, [1], [100])  # January 2025: long overdue
    # a plan lead enters every measure's data (event measures have no schedule)
    assert [i.title for i in my_work.data_due(owner, org)] == ["Ours", "Unlinked"]
    assert my_work.data_due(member, org) == []
    work = initiative(org, "Falls", owner=owner)
    work.team.add(member)
    ours.initiatives.add(work)
    [item] = my_work.data_due(member, org)
    assert (item.title, item.overdue) == ("Ours", True)
    assert item.detail == "Data from Feb 2025 on."
    assert my_work.data_due(person(org, Role.EXECUTIVE_VIEWER), org) == []


def test_the_next_period_of_each_frequency():
    assert my_work.next_period(dt.date(2025, 1, 31), "month") == dt.date(2025, 2, 28)
    assert my_work.next_period(dt.date(2025, 11, 1), "quarter") == dt.date(2026, 2, 1)
    assert my_work.next_period(dt.date(2025, 12, 29), "week") == dt.date(2026, 1, 5)


def test_plan_status_counts_done_and_overdue(org, owner):
    assert my_work.plan_status(owner, org).value == "No initiatives yet"
    initiative(org, "Done", status=Status.DONE)
    initiative(org, "Open", status=Status.ACTIVE)
    assert (my_work.plan_status(owner, org).value,
            my_work.plan_status(owner, org).detail) == ("1 of 2 done", "None overdue")
    initiative(org, "Late", due_on=today() - dt.timedelta(days=1))
    status = my_work.plan_status(owner, org)
    assert (status.value, status.detail, status.tone) == ("1 of 3 done", "1 overdue", "concern")
    assert status.link == f"/o/{org.slug}/plan/?overdue=on"


def test_measures_status_counts_the_signals_the_dashboard_shows(org, owner):
    assert my_work.measures_status(owner, org).value == "No measures yet"
    falls = make_measure(org, by=owner)
    add_points(falls, SHIFT, [1000] * len(SHIFT))  # a shift upwards: a concern for falls
    steady = make_measure(org, by=owner, name="Steady", chart="run", denominator="",
                          multiplier=1)
    add_points(steady, [3, 4, 3, 5, 4, 3, 4, 5, 3, 4, 3, 5])
    status = my_work.measures_status(owner, org)
    assert (status.value, status.detail, status.tone) == (
        "1 with a signal", "of 2 measures: 1 deterioration", "concern")


def test_another_organizations_plan_never_shows(org, owner, other_org, outsider):
    initiative(other_org, "Theirs", owner=outsider, due_on=today() - dt.timedelta(days=1))
    theirs = make_measure(other_org, by=outsider)
    add_points(theirs, SHIFT, [1000] * len(SHIFT))
    assert my_work.initiatives_owned(outsider, org) == []
    assert my_work.cycles_in_progress(outsider, org) == []
    assert my_work.data_due(owner, org) == []
    assert my_work.plan_status(owner, org).value == "No initiatives yet"
    assert my_work.measures_status(owner, org).value == "No measures yet"
