"""The signal watch: finds a planted shift in the latest month (C chart of counts, U chart per
1,000 patient days where the unit has them), not a stable series; the page lists it with its
chart and plain words."""

import datetime as dt

import pytest
from django.urls import reverse

from safetyhub.events.dashboard import month_range, months_between
from safetyhub.events.demo import bulk_reports
from safetyhub.events.models import PatientDays
from safetyhub.events.signal_watch import watch
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of
from tests.factories import SiteFactory

# 36 months: a stable series around 3 a month, then a shift to 10+ in the last four
STABLE = [3, 2, 4, 3, 3, 2, 4, 3, 2, 3, 4, 3, 3, 2, 4, 3, 3, 4, 2, 3, 3, 4, 2, 3, 3, 2, 4, 3,
          3, 4, 2, 3, 3, 2, 4, 3]
SHIFTED = [*STABLE[:32], 10, 11, 9, 12]


def _rows(site, category, counts):
    first, last = month_range(36)
    rows = []
    for month, n in zip(months_between(first, last), counts, strict=True):
        rows += [{"occurred_at": month + dt.timedelta(days=1 + k % 27), "category": category,
                  "site": site} for k in range(n)]
    return rows


@pytest.fixture
def planted(org):
    west = SiteFactory(organization=org, name="4 West", kind="unit")
    icu = SiteFactory(organization=org, name="ICU", kind="unit")
    bulk_reports(organization=org, rows=_rows(west, "fall", SHIFTED)
                 + _rows(west, "medication", STABLE) + _rows(icu, "fall", STABLE))
    return west, icu


def test_watch_finds_the_planted_shift_and_not_the_stable_series(org, planted):
    _west, _icu = planted
    taxonomy = taxonomy_of(active_taxonomy_pack(organization=org))
    result = watch(organization=org, taxonomy=taxonomy)
    assert result.series == 3
    assert [(s.unit, s.category) for s in result.signals] == [("4 West", "fall")]
    found = result.signals[0]
    assert found.chart == "c"
    assert found.signal.side == "above"
    assert found.title == "Fall on 4 West"
    assert any("above" in s or "limit" in s for s in found.signal.sentences)
    assert result.refused == []


def test_watch_uses_u_charts_where_patient_days_exist(org, planted):
    west, _icu = planted
    first, last = month_range(36)
    for month in months_between(first, last):
        PatientDays.objects.create(organization=org, site=west, month=month, days=1000)
    result = watch(organization=org, taxonomy=None)
    assert [(s.unit, s.category, s.chart) for s in result.signals] == [
        ("4 West", "fall", "u")]
    # per 1,000 patient days: the latest plotted value is 12 reports / 1,000 days × 1,000
    assert result.signals[0].signal.points[-1].y == pytest.approx(12.0)


def test_watch_finds_nothing_in_stable_series(org):
    site = SiteFactory(organization=org, kind="unit")
    bulk_reports(organization=org, rows=_rows(site, "fall", STABLE))
    assert watch(organization=org, taxonomy=None).signals == []


def test_watch_page_shows_the_shift_with_its_chart(org, planted, executive):
    from tests.conftest import client_for

    response = client_for(executive).get(reverse("events:signals", args=[org.slug]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Fall on 4 West" in text
    assert "<svg" in text and "Higher than expected" in text
    assert "Medication on 4 West" not in text


def test_months_before_the_first_report_are_not_zeros(org):
    """An organization with a year of steady reports: the chart starts at its first report,
    not 36 months back (two years of zeros would read as a shift up)."""
    site = SiteFactory(organization=org, kind="unit")
    rows = _rows(site, "fall", [0] * 24 + STABLE[:12])
    bulk_reports(organization=org, rows=rows)
    result = watch(organization=org, taxonomy=None)
    assert result.signals == []
    assert result.first == month_range(12)[0]


def test_older_months_come_from_the_nightly_snapshot_latest_months_live(org, planted):
    """The first reading keeps the older months' counts; a report made later in the latest
    month shows at once, one in an older month after the nightly rebuild."""
    from safetyhub.events.models import SignalWatchSnapshot
    from safetyhub.events.signal_watch import refresh_snapshots

    west, _icu = planted
    first = watch(organization=org, taxonomy=None)
    snapshot = SignalWatchSnapshot.objects.get(organization=org)
    assert snapshot.through_month == month_range(3)[0]
    assert first.live_from == month_range(2)[0]
    latest = month_range(1)[0]
    older = month_range(10)[0]
    bulk_reports(organization=org, rows=[
        {"occurred_at": latest + dt.timedelta(days=3), "category": "vte", "site": west},
        {"occurred_at": older + dt.timedelta(days=3), "category": "blood", "site": west}])
    second = watch(organization=org, taxonomy=None)
    keys = {(s.unit, s.category) for s in second.signals}
    assert second.series == 4  # the latest month's new series, not yet the older one's
    assert watch_series(org, "vte")[-1] == 1
    assert watch_series(org, "blood") is None  # the older month waits for the rebuild
    assert ("4 West", "fall") in keys
    assert refresh_snapshots(today=dt.date.today()) == 1
    assert sum(watch_series(org, "blood")) == 1


def watch_series(org, category):
    """The counts the watch charted for 4 West × category (through the snapshot)."""
    from safetyhub.events.signal_watch import _counts, _window, months_between

    first, last = _window(org, 36, dt.date.today())
    counts, _snapshot, _live = _counts(org, first, last)
    key = next((k for k in counts if k[1] == category), None)
    if key is None:
        return None
    return [counts[key].get(m, 0) for m in months_between(first, last)]


def test_a_snapshot_a_month_behind_is_used_with_one_more_month_counted_now(org, planted):
    """A new month began before the nightly rebuild: the watch does not count three years
    again at the first visit; it reads the snapshot and counts the months after it."""
    from safetyhub.events.models import SignalWatchSnapshot
    from safetyhub.events.signal_watch import build_snapshot

    fresh = watch(organization=org, taxonomy=None)
    SignalWatchSnapshot.objects.all().delete()
    build_snapshot(organization=org, first=month_range(36)[0], through=month_range(4)[0])
    built = SignalWatchSnapshot.objects.get().built_at
    behind = watch(organization=org, taxonomy=None)
    assert SignalWatchSnapshot.objects.get().built_at == built  # not rebuilt
    assert behind.live_from == month_range(3)[0]  # three months counted now
    assert [(s.unit, s.category) for s in behind.signals] == [
        (s.unit, s.category) for s in fresh.signals]
    assert behind.series == fresh.series
