"""The network's stored sums (NetworkFigures, aggregates.network_sums): they equal a straight
count over the members' own rollups for random data, by year and by quarter, whether summed
afresh or read back; they are summed afresh when a member's rollups, sharing choices or
membership change; and the page says how old they are."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.utils import timezone

from safetyhub.network import aggregates, rollups
from safetyhub.network.models import (
    ActionRollup,
    EventRollup,
    NetworkFigures,
    NetworkMember,
    RollupState,
)

from ..conftest import client_for
from ..factories import OrganizationFactory, network_with

LAST = rollups.last_complete_month()
FIRST = rollups._first_month(LAST)
CATEGORIES = ["fall", "medication", "device", "other"]
STRENGTHS = ["stronger", "intermediate", "weaker"]


def straight(network, period: str) -> dict[str, dict]:
    """Each table's cells, rows, columns and whole — sum and organizations counting any —
    added up in Python from every current sharing member's rollup rows, one by one."""
    months = aggregates._columns(FIRST, LAST, period)
    column_of_quarter = {rollups.quarter_of(m): c for m, c in months.items()}
    members = NetworkMember.objects.filter(network=network, left_at__isnull=True)
    out = {}
    for table, model, flag, row_field, date_field, value in (
            ("events", EventRollup, "shares_event_counts", "category", "quarter", "events"),
            ("harmed", EventRollup, "shares_event_counts", "category", "quarter", "harmed"),
            ("actions", ActionRollup, "shares_action_strength", "strength", "month",
             "actions")):
        sharing = set(members.filter(**{flag: True}).values_list("organization_id",
                                                                 flat=True))
        cells, rows, columns, total = Counter(), Counter(), Counter(), 0
        cell_orgs, row_orgs, column_orgs, orgs = {}, {}, {}, set()
        for rollup in model.objects.filter(organization_id__in=sharing):
            day = getattr(rollup, date_field)
            column = (column_of_quarter.get(day) if date_field == "quarter"
                      else months.get(day))
            n = getattr(rollup, value)
            if column is None or not n:
                continue
            r, o = getattr(rollup, row_field), rollup.organization_id
            cells[(r, column)] += n
            rows[r] += n
            columns[column] += n
            total += n
            cell_orgs.setdefault((r, column), set()).add(o)
            row_orgs.setdefault(r, set()).add(o)
            column_orgs.setdefault(column, set()).add(o)
            orgs.add(o)
        out[table] = {
            "cells": {k: (n, len(cell_orgs[k])) for k, n in cells.items()},
            "rows": {k: (n, len(row_orgs[k])) for k, n in rows.items()},
            "columns": {k: (n, len(column_orgs[k])) for k, n in columns.items()},
            "total": (total, len(orgs))}
    return out


def as_plain(sums: dict) -> dict[str, dict]:
    return {table: {
        "cells": {k: (n, s.cell_orgs[k]) for k, n in s.cells.items()},
        "rows": {k: (n, s.row_orgs[k]) for k, n in s.rows.items()},
        "columns": {k: (n, s.column_orgs[k]) for k, n in s.column_sums.items()},
        "total": (s.total, s.orgs)} for table, s in sums.items()}


def sums_of(network, period: str):
    last = LAST
    months = aggregates._columns(FIRST, last, period)
    members = list(NetworkMember.objects.filter(network=network, left_at__isnull=True)
                   .values_list("organization_id", *aggregates.STREAMS))
    return aggregates.network_sums(network, period, months=months, members=members,
                                   last=last, column_keys=list(dict.fromkeys(months.values())))


def random_network(seed: int):
    rng = random.Random(seed)
    organizations = [OrganizationFactory(name=f"Random {seed} {i}", slug=f"random-{seed}-{i}")
                     for i in range(rng.randint(3, 9))]
    network = network_with(*organizations, slug=f"random-{seed}")
    quarters = sorted({rollups.quarter_of(m)
                       for m in aggregates._columns(FIRST, LAST, "quarter")})
    months = sorted(aggregates._columns(FIRST, LAST, "quarter"))
    now = timezone.now()
    for o in organizations:
        NetworkMember.objects.filter(network=network, organization=o).update(
            shares_event_counts=rng.random() < 0.8, shares_action_strength=rng.random() < 0.7,
            left_at=now if rng.random() < 0.15 else None)
        EventRollup.objects.bulk_create([
            EventRollup(organization=o, quarter=q, category=c, events=n,
                        harmed=rng.randint(0, n))
            for q in rng.sample(quarters, rng.randint(0, len(quarters)))
            for c in rng.sample(CATEGORIES, rng.randint(1, len(CATEGORIES)))
            for n in [rng.choice([0, 1, 2, 5, 11, 40])]])
        ActionRollup.objects.bulk_create([
            ActionRollup(organization=o, month=m, strength=s, actions=rng.randint(0, 6))
            for m in rng.sample(months, rng.randint(0, 12)) for s in STRENGTHS])
        RollupState.objects.create(organization=o, built_at=now - dt.timedelta(hours=o.pk),
                                   through_month=LAST)
    return network


@pytest.mark.parametrize("seed", range(12))
def test_stored_sums_equal_a_straight_count_over_members_rollups(db, seed):
    network = random_network(seed)
    for period in aggregates.PERIODS:
        expected = straight(network, period)
        fresh, _ = sums_of(network, period)
        assert as_plain(fresh) == expected
        assert NetworkFigures.objects.filter(network=network, period=period).exists()
        stored, _ = sums_of(network, period)  # read back from NetworkFigures
        assert as_plain(stored) == expected


def test_stored_sums_are_read_not_summed_again(db, django_assert_max_num_queries):
    network = random_network(99)
    sums_of(network, "year")
    # The members, their rollups' build times, the stored sums: nothing summed.
    with django_assert_max_num_queries(3):
        sums_of(network, "year")


def test_changed_rollups_sharing_or_membership_are_summed_afresh(db):
    network = random_network(7)
    member = NetworkMember.objects.filter(network=network, left_at__isnull=True,
                                          shares_event_counts=True).first()
    sums_of(network, "year")
    # A member's rollups rebuilt: its rows change, its build time with them.
    EventRollup.objects.filter(organization_id=member.organization_id).delete()
    EventRollup.objects.create(organization_id=member.organization_id,
                               quarter=rollups.quarter_of(LAST), category="fall", events=3,
                               harmed=1)
    RollupState.objects.filter(organization_id=member.organization_id).update(
        built_at=timezone.now())
    assert as_plain(sums_of(network, "year")[0]) == straight(network, "year")
    # A sharing choice turned off.
    NetworkMember.objects.filter(pk=member.pk).update(shares_event_counts=False)
    assert as_plain(sums_of(network, "year")[0]) == straight(network, "year")
    # A member leaves.
    other = NetworkMember.objects.filter(network=network, left_at__isnull=True).first()
    NetworkMember.objects.filter(pk=other.pk).update(left_at=timezone.now())
    assert as_plain(sums_of(network, "year")[0]) == straight(network, "year")


def test_the_worker_stores_every_networks_sums_after_the_nightly_build(db):
    organizations = [OrganizationFactory(slug=f"night-{i}") for i in range(2)]
    network = network_with(*organizations, slug="night")
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    rollups.refresh_all()
    assert set(NetworkFigures.objects.filter(network=network)
               .values_list("period", flat=True)) == set(aggregates.PERIODS)


def test_the_page_and_api_say_how_old_the_figures_are(db, owner, org):
    network = network_with(org, slug="aged")
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    rollups.refresh_all()
    built = RollupState.objects.get(organization=org).built_at
    client = client_for(owner)
    page = client.get(f"/n/{network.slug}/dashboard/")
    assert "Figures as of" in page.content.decode()
    api = client.get(f"/api/v1/networks/{network.slug}/dashboard").json()
    assert dt.datetime.fromisoformat(api["figures_as_of"]) == built


def test_a_new_sharing_choice_stores_the_networks_sums_with_the_newcomer(
        db, django_capture_on_commit_callbacks):
    organizations = [OrganizationFactory(slug=f"old-{i}") for i in range(2)]
    network = network_with(*organizations, slug="growing")
    NetworkMember.objects.filter(network=network).update(shares_event_counts=True)
    rollups.refresh_all()
    before = NetworkFigures.objects.get(network=network, period="year").stamp
    newcomer = OrganizationFactory(slug="newcomer")
    member = NetworkMember.objects.create(network=network, organization=newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        member.shares_event_counts = True
        member.save()
    stored = NetworkFigures.objects.get(network=network, period="year")
    assert stored.stamp != before
    members = list(NetworkMember.objects.filter(network=network, left_at__isnull=True)
                   .values_list("organization_id", *aggregates.STREAMS))
    assert stored.stamp == aggregates._stamp(network, members, LAST)[0]
