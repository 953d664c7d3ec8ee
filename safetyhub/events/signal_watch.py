"""The signal watch: every unit × category series of monthly report counts, charted with the
SPC engine, and the series whose latest month is part of a special-cause signal, newest
first (safetyhub.spc.watch does the statistics; this module gathers the series).

* A series is one unit (the site a report names) × one category, the last `MONTHS`
  complete months (36: three years; a month still under way would look like a drop), but
  none before the organization's first report (those months are no data, not zeros).
  Months with no report are 0. Reports with no unit are left out (they belong to no unit's
  series).
* A unit with patient days gets U charts (reports per 1,000 patient days; a month without
  patient days is a missing point); a unit without gets C charts of counts.
* Only series with at least one report in the window are charted: an all-zero series can
  signal nothing.

Counting three years of reports is what costs (over a million reports, seconds; the engine's
fast path judges 3,000 series in a fraction of that: bench/signal_watch.py,
bench/event_dashboard.py). So the counts of all but the latest LIVE_MONTHS months are kept in
a snapshot (SignalWatchSnapshot) rebuilt every night by a daily job (or at a reading when
there is none, or it is a day old); the months after it (at least the latest LIVE_MONTHS; one
more when a new month began before the nightly rebuild) are counted at every reading, so this
month's signals
always include every report made up to now. A late report, or a reclassification, in an
older month reaches the watch with the next night's rebuild (the page says when the older
months were counted). Both counts are GROUP BY (category, unit, month) over the index
`event_org_category_site`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from safetyhub.core.models import Organization, Site
from safetyhub.spc.watch import signals_in_latest_period

from .dashboard import month_range, months_between, reports_in
from .models import EventReport, PatientDays, SignalWatchSnapshot
from .taxonomy import KINDS, Taxonomy

__all__ = ["MONTHS", "WatchResult", "WatchedSignal", "watch"]

MONTHS = 36
LIVE_MONTHS = 2  # the latest complete months are always counted at reading
SNAPSHOT_MAX_AGE = dt.timedelta(hours=26)  # the nightly rebuild, with an hour or two spare


@dataclass
class WatchedSignal:
    site_id: int
    unit: str
    category: str
    category_title: str
    chart: str  # "c" or "u"
    signal: object  # safetyhub.spc.watch.Signal
    labels: list[str]

    @property
    def began(self) -> str:
        return self.labels[self.signal.began_at - 1]

    @property
    def title(self) -> str:
        return f"{self.category_title} on {self.unit}"


@dataclass
class WatchResult:
    first: dt.date
    last: dt.date
    series: int  # series charted
    signals: list[WatchedSignal]  # newest first
    refused: list[tuple[str, str]]  # (series, why no chart) — should stay empty
    snapshot_at: dt.datetime | None = None  # when the months before live_from were counted
    live_from: dt.date | None = None  # the first month counted now


def _series(organization: Organization, first: dt.date, last: dt.date, kind: str = ""):
    """{(site_id, category): {month: count}} of the months first..last."""
    counts: dict[tuple[int, str], dict[dt.date, int]] = {}
    reports = reports_in(organization=organization, first=first, last=last, kind=kind
                         ).filter(site__isnull=False)
    # Grouped in the order of the index event_org_category_site (PostgreSQL can stream the
    # groups from an index-only scan), the month as a number: some 100,000 groups come back,
    # and numbers cost far less to read than time-zone-aware datetimes.
    for category, site_id, number, n in (
            reports.order_by()
            .annotate(m=ExtractYear("occurred_at") * 12 + ExtractMonth("occurred_at") - 1)
            .values_list("category", "site", "m").annotate(n=Count("*"))):
        day = dt.date(number // 12, number % 12 + 1, 1)
        counts.setdefault((site_id, category), {})[day] = n
    return counts


def _window(organization: Organization, months: int, today: dt.date
            ) -> tuple[dt.date, dt.date]:
    first, last = month_range(months, today=today)
    # Months before the organization's first report are not zeros but no data: a chart
    # padded with them would signal (a long run below the centre line) for every series.
    earliest = EventReport.objects.filter(organization=organization).aggregate(
        m=Min("occurred_at"))["m"]
    if earliest is not None:
        start = timezone.localtime(earliest).date().replace(day=1)
        first = min(max(first, start), last)
    return first, last


def build_snapshot(*, organization: Organization, first: dt.date, through: dt.date
                   ) -> SignalWatchSnapshot:
    """Count the months first..through of every series and keep them (one row per
    organization, replaced)."""
    counts = _series(organization, first, through)
    months = months_between(first, through)
    data = {f"{site_id}|{category}": [by_month.get(m, 0) for m in months]
            for (site_id, category), by_month in counts.items()}
    values = {"first_month": first, "through_month": through, "built_at": timezone.now(),
              "counts": data}
    try:
        with transaction.atomic():
            snapshot, _ = SignalWatchSnapshot.objects.update_or_create(
                organization=organization, defaults=values)
    except IntegrityError:  # another request made it at the same moment: use ours
        snapshot = SignalWatchSnapshot(organization=organization, **values)
    return snapshot


def _counts(organization: Organization, first: dt.date, last: dt.date
            ) -> tuple[dict, SignalWatchSnapshot | None, dt.date]:
    """The series' counts of first..last: the snapshot's months (when it starts at or before
    `first` and is less than SNAPSHOT_MAX_AGE old; else it is rebuilt first) and the months
    after it, at least the latest LIVE_MONTHS, counted now. A snapshot a month or two behind
    (a new month began before the nightly rebuild) is used as it is, with a month or two more
    counted now. Returns (counts, the snapshot or None, the first month counted now)."""
    months = months_between(first, last)
    if len(months) <= LIVE_MONTHS:
        return _series(organization, first, last), None, first
    through = months[-LIVE_MONTHS - 1]
    snapshot = SignalWatchSnapshot.objects.filter(organization=organization).first()
    if (snapshot is None or snapshot.first_month > first
            or snapshot.through_month < first
            or timezone.now() - snapshot.built_at > SNAPSHOT_MAX_AGE):
        snapshot = build_snapshot(organization=organization, first=first, through=through)
    kept = months_between(snapshot.first_month, snapshot.through_month)
    live_from = months[months.index(min(snapshot.through_month, through)) + 1]
    counts: dict[tuple[int, str], dict[dt.date, int]] = {}
    for key, values in snapshot.counts.items():
        site_id, category = key.split("|", 1)
        counts[(int(site_id), category)] = {m: n for m, n in zip(kept, values, strict=True)
                                            if n and first <= m < live_from}
    for key, by_month in _series(organization, live_from, last).items():
        counts.setdefault(key, {}).update(by_month)
    return counts, snapshot, live_from


def refresh_snapshots(*, today: dt.date) -> int:
    """The daily job: rebuild every organization's snapshot, so that a late report or a
    reclassification of an older month is in the watch by the next morning."""
    made = 0
    for organization in Organization.objects.filter(
            pk__in=EventReport.objects.values("organization").distinct()):
        first, last = _window(organization, MONTHS, today)
        months = months_between(first, last)
        if len(months) > LIVE_MONTHS:
            build_snapshot(organization=organization, first=first,
                           through=months[-LIVE_MONTHS - 1])
            made += 1
    return made


def watch(*, organization: Organization, taxonomy: Taxonomy | None, months: int = MONTHS,
          today: dt.date | None = None, kind: str = "") -> WatchResult:
    first, last = _window(organization, months, today or timezone.localdate())
    periods = months_between(first, last)
    labels = [f"{m:%b %Y}" for m in periods]
    snapshot, live_from = None, first
    if kind or months != MONTHS:  # the snapshot is of the page's window, both kinds
        counts = _series(organization, first, last, kind)
    else:
        counts, snapshot, live_from = _counts(organization, first, last)
    days: dict[int, dict[dt.date, int]] = {}
    for site_id, month, n in (PatientDays.objects.filter(
            organization=organization, month__gte=first, month__lte=last)
            .values_list("site", "month", "days")):
        days.setdefault(site_id, {})[month] = n

    c_counts, u_counts, u_days = {}, {}, {}
    shared_days: dict[int, list] = {}
    for key, by_month in counts.items():
        site_id = key[0]
        if site_id in days:
            if site_id not in shared_days:  # one list per unit: the engine reuses it
                shared_days[site_id] = [days[site_id].get(m) for m in periods]
            dens = shared_days[site_id]
            u_counts[key] = [by_month.get(m, 0) if dens[k] is not None else None
                             for k, m in enumerate(periods)]
            u_days[key] = dens
        else:
            c_counts[key] = [by_month.get(m, 0) for m in periods]

    found, refused = [], []
    if c_counts:
        result = signals_in_latest_period(c_counts, periods=labels, chart="c")
        found += [("c", s) for s in result.signals]
        refused += list(result.refused.items())
    if u_counts:
        result = signals_in_latest_period(u_counts, periods=labels, chart="u",
                                          denominators=u_days, multiply=1000)
        found += [("u", s) for s in result.signals]
        refused += list(result.refused.items())

    units = dict(Site.objects.filter(organization=organization,
                                     pk__in={k[0] for k in counts}).values_list("pk", "name"))
    titles: dict[str, str] = {}
    if taxonomy is not None:
        for k in KINDS:
            titles.update({o.key: o.title for o in taxonomy.categories(k)})
    signals = [WatchedSignal(site_id=s.key[0], unit=units.get(s.key[0], "?"),
                             category=s.key[1],
                             category_title=titles.get(s.key[1], s.key[1]),
                             chart=chart, signal=s, labels=labels)
               for chart, s in found]
    # newest first: where the signal's evidence begins, latest first; then by name
    signals.sort(key=lambda w: (-w.signal.began_at, w.unit, w.category_title))
    return WatchResult(first=first, last=last, series=len(counts), signals=signals,
                       snapshot_at=snapshot.built_at if snapshot else None,
                       live_from=live_from,
                       refused=[(f"{units.get(k[0], '?')} × {titles.get(k[1], k[1])}", why)
                                for k, why in refused])


def kinds() -> list[tuple[str, str]]:
    return list(EventReport.Kind.choices)
