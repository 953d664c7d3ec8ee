"""The action plan's daily jobs (improvement/daily_jobs.py) with a fake clock: overdue
initiatives and measures whose data is due, each told once."""

import datetime as dt

import pytest
from django.utils import timezone

from safetyhub.core.models import Notification, Role
from safetyhub.improvement import services
from safetyhub.improvement.daily_jobs import (
    last_complete_period,
    measures_data_due,
    overdue_initiatives,
)
from safetyhub.improvement.models import Initiative
from safetyhub.measures.models import Measure
from safetyhub.measures.services import save_data_point

from .test_initiatives import make_initiative, make_measure, person

D = dt.date


def told(kind: str) -> list[tuple[str, str]]:
    return [(n.recipient.email, n.title) for n in
            Notification.objects.filter(kind=kind).select_related("recipient").order_by("pk")]


def test_an_overdue_initiative_tells_its_owner_once_per_due_date(org, owner, member):
    initiative = make_initiative(org, owner, owner=member, due_on=D(2026, 3, 1))
    Notification.objects.all().delete()
    assert overdue_initiatives(today=D(2026, 3, 1)) == 0  # due today: not overdue yet
    assert overdue_initiatives(today=D(2026, 3, 2)) == 1
    assert overdue_initiatives(today=D(2026, 3, 3)) == 0
    assert told("improvement.overdue") == [
        ("member@example.org", "“Leader safety rounds” is overdue: it was due 01 Mar 2026")]
    services.update_initiative(initiative=initiative, by=owner, due_on=D(2026, 3, 10))
    assert overdue_initiatives(today=D(2026, 3, 11)) == 1  # a new date, passed again


def test_done_and_stopped_initiatives_tell_nobody_and_ownerless_ones_their_creator(
        org, owner, member):
    make_initiative(org, owner, owner=member, due_on=D(2026, 1, 1),
                    status=Initiative.Status.DONE)
    make_initiative(org, owner, owner=member, due_on=D(2026, 1, 1),
                    status=Initiative.Status.STOPPED)
    ownerless = make_initiative(org, owner, due_on=D(2026, 1, 1))
    Notification.objects.all().delete()
    assert overdue_initiatives(today=D(2026, 3, 2)) == 1
    assert [n.recipient for n in Notification.objects.all()] == [owner]  # its creator
    assert Notification.objects.get().link.endswith(f"/plan/{ownerless.pk}/")


@pytest.mark.parametrize(("frequency", "today", "period"), [
    (Measure.Frequency.MONTH, D(2026, 3, 1), (D(2026, 2, 1), D(2026, 2, 28))),
    (Measure.Frequency.MONTH, D(2026, 1, 15), (D(2025, 12, 1), D(2025, 12, 31))),
    (Measure.Frequency.WEEK, D(2026, 3, 4), (D(2026, 2, 23), D(2026, 3, 1))),
    (Measure.Frequency.QUARTER, D(2026, 5, 20), (D(2026, 1, 1), D(2026, 3, 31))),
    (Measure.Frequency.QUARTER, D(2026, 1, 2), (D(2025, 10, 1), D(2025, 12, 31))),
    (Measure.Frequency.EVENT, D(2026, 1, 2), None),
])
def test_last_complete_period(frequency, today, period):
    assert last_complete_period(frequency, today) == period


def made_on(measure: Measure, day: dt.date) -> Measure:
    Measure.objects.filter(pk=measure.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))
    measure.refresh_from_db()
    return measure


def test_measure_data_due_tells_owners_and_author_once_until_data_comes(org, owner, member):
    measure = made_on(make_measure(org), D(2026, 1, 10))
    Measure.objects.filter(pk=measure.pk).update(created_by=owner)
    measure.initiatives.add(make_initiative(org, owner, owner=member))
    Notification.objects.all().delete()
    assert measures_data_due(today=D(2026, 3, 2)) == 2
    assert measures_data_due(today=D(2026, 3, 20)) == 0
    assert sorted(told("improvement.measure_data_due")) == [
        ("member@example.org", "Data due for “Falls per 1,000 bed days”: February 2026"),
        ("owner@example.org", "Data due for “Falls per 1,000 bed days”: February 2026")]
    save_data_point(measure=measure, period=D(2026, 3, 1), numerator=3, denominator=None,
                    by=owner)
    assert measures_data_due(today=D(2026, 4, 1)) == 0  # March has its data


def test_no_data_due_before_the_measure_existed_nor_for_event_measures(org, owner):
    lead = person(org, role=Role.SAFETY_LEAD, email="lead@example.org")
    made_on(make_measure(org, name="New this month"), D(2026, 3, 5))
    rare = made_on(make_measure(org, name="Wrong-site surgery"), D(2025, 1, 1))
    Measure.objects.filter(pk=rare.pk).update(frequency=Measure.Frequency.EVENT)
    assert measures_data_due(today=D(2026, 3, 20)) == 0
    assert measures_data_due(today=D(2026, 4, 1)) == 1  # March ended after it was made
    assert [n.recipient for n in Notification.objects.all()] == [lead]  # no owner: the lead
