"""A network's dashboard figures, read from the rollups of its current members that share
each stream, with small cells suppressed (suppression.py) — and, for a person of a member
organization, that organization's own figures beside them (its own, so not suppressed; they
say nothing about anyone else). Never a league table: no figure here is per organization
except the viewer's own, and nothing is ranked.

Figures cover the complete months the rollups hold (the last MONTHS), by year or quarter."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, Sum

from safetyhub.core.models import Organization
from safetyhub.investigations.hierarchy import LEVELS, STRONGER

from . import rollups
from .access import NetworkAccess, current_members
from .models import Network
from .models_rollups import ActionRollup, AreaScoreRollup, EventRollup
from .suppression import (
    MIN_ORGANIZATIONS,
    TOTAL,
    Count,
    Reason,
    cell_key,
    column_key,
    row_key,
    suppress_table,
)

PERIODS = ("year", "quarter")
HARMED = rollups.HARMED


@dataclass(frozen=True)
class Cell:
    """One figure as a page or the API may show it: the value, or None and why."""

    value: int | float | None
    reason: Reason | None = None
    own: int | float | None = None  # the viewer's organization's own figure, if any

    @property
    def reason_words(self) -> str:
        return self.reason.words if self.reason else ""


@dataclass
class Table:
    caption: str
    rows: list[tuple[str, str]]  # (key, label)
    columns: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    row_totals: dict[str, Cell]
    column_totals: dict[str, Cell]
    total: Cell | None
    organizations: int  # members contributing to this table

    def grid(self) -> list[tuple[str, list[Cell], Cell]]:
        """Rows as (label, cells in column order, row total): what the template walks."""
        return [(label, [self.cells[(key, c)] for c, _ in self.columns], self.row_totals[key])
                for key, label in self.rows]

    def footer(self) -> list[Cell]:
        return [self.column_totals[c] for c, _ in self.columns]


@dataclass(frozen=True)
class AreaDistribution:
    pack_title: str
    area_title: str
    organizations: int
    quartiles: tuple[float, float, float] | None  # None: fewer than 5 organizations
    own: float | None = None

    @property
    def reason_words(self) -> str:
        return "" if self.quartiles else Reason.ORGANIZATIONS.words


@dataclass
class Dashboard:
    network: Network
    period: str
    first: dt.date
    last: dt.date
    events: Table
    harm_rates: list[tuple[str, list[Cell], Cell]]  # (category label, per column, overall)
    actions: Table
    stronger_share: list[Cell]  # per column, then the whole span last
    areas: list[AreaDistribution]
    own_organization: Organization | None = None
    members_sharing: dict[str, int] = field(default_factory=dict)


def _period_of(year: int, quarter: int, period: str) -> str:
    return str(year) if period == "year" else f"{year} Q{quarter}"


STREAMS = ("shares_event_counts", "shares_action_strength", "shares_assessment_scores")


def _members(network: Network) -> dict[str, list[int]]:
    """{sharing stream: the current members sharing it} in one query."""
    out: dict[str, list[int]] = {stream: [] for stream in STREAMS}
    for org_id, *flags in current_members(network).values_list("organization_id", *STREAMS):
        for stream, on in zip(STREAMS, flags, strict=True):
            if on:
                out[stream].append(org_id)
    return out


class Tally:
    """A table's counts as the members' rows come in — each row one organization's figures
    of one table row (a category, a strength) per column — kept as sums and counts of
    organizations per cell, row, column and the whole, so that a network of hundreds of
    members costs one pass over its rows."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.cells: Counter = Counter()
        self.cell_orgs: Counter = Counter()
        self.rows: Counter = Counter()
        self.row_orgs: Counter = Counter()
        self.column_sums: list[int] = [0] * len(columns)
        self.column_orgs: list[set[int]] = [set() for _ in columns]
        self.orgs: set[int] = set()

    def add(self, organization_id: int, row: str, values) -> None:
        """One organization's figures of one table row, per column (each organization and
        row comes once: the rows are grouped by both)."""
        counted = 0
        for i, n in enumerate(values):
            if n:
                key = (row, self.columns[i])
                self.cells[key] += n
                self.cell_orgs[key] += 1
                self.column_sums[i] += n
                self.column_orgs[i].add(organization_id)
                counted += n
        if counted:
            self.rows[row] += counted
            self.row_orgs[row] += 1
            self.orgs.add(organization_id)

    def verdicts(self, rows: list[str], min_organizations: int = MIN_ORGANIZATIONS) -> dict:
        return suppress_table(
            {(r, c): Count(self.cell_orgs[(r, c)], self.cells[(r, c)])
             for r in rows for c in self.columns},
            rows={r: Count(self.row_orgs[r], self.rows[r]) for r in rows},
            columns={c: Count(len(self.column_orgs[i]), self.column_sums[i])
                     for i, c in enumerate(self.columns)},
            total=Count(len(self.orgs), sum(self.column_sums)),
            min_organizations=min_organizations)


def _cell(verdict, own: int | None = None) -> Cell:
    return Cell(value=verdict.events, reason=verdict.reason, own=own)


def _table(caption: str, tally: Tally, *, rows: list[tuple[str, str]],
           columns: list[tuple[str, str]], own: Counter | None, organizations: int) -> Table:
    row_keys = [k for k, _ in rows]
    column_keys = [k for k, _ in columns]
    verdicts = tally.verdicts(row_keys)

    own_rows: Counter = Counter()
    own_columns: Counter = Counter()
    if own is not None:
        for (r, c), n in own.items():
            own_rows[r] += n
            own_columns[c] += n

    def mine(counter: Counter, key) -> int | None:
        return None if own is None else counter.get(key, 0)

    return Table(
        caption=caption, rows=rows, columns=columns, organizations=organizations,
        cells={(r, c): _cell(verdicts[cell_key(r, c)], mine(own or Counter(), (r, c)))
               for r in row_keys for c in column_keys},
        row_totals={r: _cell(verdicts[row_key(r)], mine(own_rows, r)) for r in row_keys},
        column_totals={c: _cell(verdicts[column_key(c)], mine(own_columns, c))
                       for c in column_keys},
        total=_cell(verdicts[TOTAL], None if own is None else sum(own.values())))


def _rate(numerator: Cell, denominator: Cell) -> Cell:
    """A share in per cent, shown only when both counts are."""
    own = None
    if numerator.own is not None and denominator.own:
        own = round(100 * numerator.own / denominator.own, 1)
    if numerator.value is None or denominator.value is None:
        return Cell(value=None, reason=numerator.reason or denominator.reason, own=own)
    return Cell(value=round(100 * numerator.value / denominator.value, 1), own=own)


def _columns(first: dt.date, last: dt.date, period: str) -> dict[dt.date, str]:
    """{month: the column (year or quarter) it falls in} for the months first..last."""
    from safetyhub.events.event_stats import months_between

    return {month: _period_of(month.year, (month.month - 1) // 3 + 1, period)
            for month in months_between(first, last)}


def _per_column(months: dict[dt.date, str], field_name: str, *, prefix: str = "c",
                date_field: str = "month") -> dict:
    """{alias: SUM(field) over one column's months} for each column in order, so that the
    database adds each organization's rows up into the columns by plain comparisons (no
    date function per row). `date_field` "quarter": rows dated by their quarter's first
    day."""
    spans: dict[str, list[dt.date]] = {}
    for month, column in months.items():
        spans.setdefault(column, []).append(
            rollups.quarter_of(month) if date_field == "quarter" else month)
    return {f"{prefix}{i}": Sum(field_name, filter=Q(**{f"{date_field}__gte": min(ms),
                                                       f"{date_field}__lte": max(ms)}))
            for i, ms in enumerate(spans.values())}


def own_organization(user, access: NetworkAccess, slug: str = "") -> Organization | None:
    """The member organization whose own figures the person sees beside the network's: one
    whose event figures their role lets them read (the one named by `slug` if given). A lead
    who belongs to none sees the network's figures only."""
    allowed = access.organizations_allowed(user, "events.view_aggregates")
    for organization in allowed:
        if not slug or organization.slug == slug:
            return organization
    return None


def dashboard(*, network: Network, period: str = "year", own: Organization | None = None,
              today: dt.date | None = None) -> Dashboard:
    """The network's figures over the rollups' span, by `period` ("year" or "quarter")."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    last = rollups.last_complete_month(today)
    first = rollups._first_month(last)
    months = _columns(first, last, period)
    column_keys = list(dict.fromkeys(months.values()))
    columns = [(k, k) for k in column_keys]
    categories = rollups.builtin_categories()

    # Events: one GROUP BY over the sharing members' rows: per organization and category,
    # each column's reports and reports with harm.
    sharing = _members(network)
    event_orgs = sharing["shares_event_counts"]
    in_span = {"month__gte": first, "month__lte": last}
    all_events = _per_column(months, "events", date_field="quarter")
    with_harm = _per_column(months, "harmed", prefix="h", date_field="quarter")
    events, harmed = Tally(column_keys), Tally(column_keys)
    width = len(column_keys)
    for org, category, *values in (
            EventRollup.objects.filter(organization_id__in=event_orgs,
                                       quarter__gte=rollups.quarter_of(first),
                                       quarter__lte=last)
            .order_by().values("organization_id", "category")
            .annotate(**all_events, **with_harm)
            .values_list("organization_id", "category", *all_events, *with_harm)):
        events.add(org, category, values[:width])
        harmed.add(org, category, values[width:])
    present = set(events.rows)
    # Rows: the shipped taxonomy's categories anyone counted (a category nobody counted says
    # nothing and is left out), then "other".
    rows = [(k, v) for k, v in categories.items() if k in present]
    if rollups.OTHER_CATEGORY in present and rollups.OTHER_CATEGORY not in categories:
        rows.append((rollups.OTHER_CATEGORY, "Other categories"))

    own_events = own_harmed = own_actions = None
    own_areas: dict[tuple[str, str], float] = {}
    if own is not None:
        own_events, own_harmed = Counter(), Counter()
        for (month, category, band), n in rollups.event_counts(
                own, first=first, last=last, categories=categories).items():
            key = (category, months[month])
            own_events[key] += n
            if band in HARMED:
                own_harmed[key] += n
        own_actions = Counter()
        for (month, strength), n in rollups.action_counts(own, first=first, last=last).items():
            own_actions[(strength, months[month])] += n
        own_areas = {(a.pack_id, a.area): a.mean for a in rollups.area_means(own)}

    event_table = _table("Reported events by category", events, rows=rows, columns=columns,
                         own=own_events, organizations=len(event_orgs))
    harm_table = _table("Events with harm by category", harmed, rows=rows, columns=columns,
                        own=own_harmed, organizations=len(event_orgs))
    harm_rates = [
        (label, [_rate(harm_table.cells[(key, c)], event_table.cells[(key, c)])
                 for c, _ in columns],
         _rate(harm_table.row_totals[key], event_table.row_totals[key]))
        for key, label in rows]

    # Actions: per organization and strength, each column's actions.
    action_orgs = sharing["shares_action_strength"]
    actions = Tally(column_keys)
    per_column = _per_column(months, "actions")
    for org, strength, *values in (
            ActionRollup.objects.filter(organization_id__in=action_orgs, **in_span)
            .order_by().values("organization_id", "strength").annotate(**per_column)
            .values_list("organization_id", "strength", *per_column)):
        actions.add(org, strength, values)
    action_table = _table("Actions by strength", actions,
                          rows=[(level.key, level.label) for level in LEVELS], columns=columns,
                          own=own_actions, organizations=len(action_orgs))
    stronger_share = [_rate(action_table.cells[(STRONGER, c)], action_table.column_totals[c])
                      for c, _ in columns]
    stronger_share.append(_rate(action_table.row_totals[STRONGER], action_table.total))

    # Self-assessment areas: the spread of members' means, only where 5 or more contribute;
    # quartiles, never the lowest or highest (each of those is one organization's figure).
    area_orgs = sharing["shares_assessment_scores"]
    by_area: dict[tuple[str, str], list] = defaultdict(list)
    titles: dict[tuple[str, str], tuple[str, str, int]] = {}
    for pack_id, pack_title, area, area_title, position, mean in (
            AreaScoreRollup.objects.filter(organization_id__in=area_orgs)
            .values_list("pack_id", "pack_title", "area", "area_title", "position", "mean")):
        by_area[(pack_id, area)].append(mean)
        titles.setdefault((pack_id, area), (pack_title, area_title, position))
    areas = []
    for key in sorted(by_area, key=lambda k: (titles[k][0], titles[k][2])):
        means = by_area[key]
        quartiles = None
        if len(means) >= MIN_ORGANIZATIONS:
            q1, q2, q3 = statistics.quantiles(means, n=4, method="inclusive")
            quartiles = (round(q1, 2), round(q2, 2), round(q3, 2))
        pack_title, area_title, _ = titles[key]
        own_mean = own_areas.get(key)
        areas.append(AreaDistribution(pack_title=pack_title, area_title=area_title,
                                      organizations=len(means), quartiles=quartiles,
                                      own=round(own_mean, 2) if own_mean is not None
                                      else None))

    return Dashboard(
        network=network, period=period, first=first, last=last, events=event_table,
        harm_rates=harm_rates, actions=action_table, stronger_share=stronger_share,
        areas=areas, own_organization=own,
        members_sharing={"events": len(event_orgs), "actions": len(action_orgs),
                         "areas": len(area_orgs)})
