"""A network's dashboard figures, read from the rollups of its current members that share
each stream, with small cells suppressed (suppression.py) — and, for a person of a member
organization, that organization's own figures beside them (its own, so not suppressed; they
say nothing about anyone else). Never a league table: no figure here is per organization
except the viewer's own, and nothing is ranked.

Figures cover the complete months the rollups hold (the last MONTHS), by year or quarter."""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.investigations.hierarchy import LEVELS, STRONGER

from . import rollups
from .access import NetworkAccess, current_members
from .models import Network
from .models_rollups import (
    ActionRollup,
    AreaScoreRollup,
    EventRollup,
    NetworkFigures,
    RollupState,
)
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
    # The oldest build of the members' rollups the figures include (None: none yet).
    figures_as_of: dt.datetime | None = None


def _period_of(year: int, quarter: int, period: str) -> str:
    return str(year) if period == "year" else f"{year} Q{quarter}"


STREAMS = ("shares_event_counts", "shares_action_strength", "shares_assessment_scores")


def _members(members: list[tuple]) -> dict[str, list[int]]:
    """{sharing stream: the current members sharing it}, from (organization, *choices)."""
    out: dict[str, list[int]] = {stream: [] for stream in STREAMS}
    for org_id, *flags in members:
        for stream, on in zip(STREAMS, flags, strict=True):
            if on:
                out[stream].append(org_id)
    return out


@dataclass
class Sums:
    """A table's counts, summed over the members' rows by the database: per cell, row, column
    and the whole, the events and the organizations that counted any (what suppression needs;
    nothing per organization comes back to Python)."""

    columns: list[str]
    cells: Counter = field(default_factory=Counter)
    cell_orgs: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    row_orgs: Counter = field(default_factory=Counter)
    column_sums: Counter = field(default_factory=Counter)
    column_orgs: Counter = field(default_factory=Counter)
    total: int = 0
    orgs: int = 0

    def verdicts(self, rows: list[str], min_organizations: int = MIN_ORGANIZATIONS) -> dict:
        return suppress_table(
            {(r, c): Count(self.cell_orgs[(r, c)], self.cells[(r, c)])
             for r in rows for c in self.columns},
            rows={r: Count(self.row_orgs[r], self.rows[r]) for r in rows},
            columns={c: Count(self.column_orgs[c], self.column_sums[c]) for c in self.columns},
            total=Count(self.orgs, self.total),
            min_organizations=min_organizations)


def _summed(model, *, members: QuerySet, value_fields: list[str], row_field: str,
            date_field: str, spans: list[tuple[dt.date, dt.date]],
            columns: list[str]) -> list[Sums]:
    """One `Sums` per value field of `model`'s rows of `members`' organizations, each row
    counted in the column whose span [first, last] holds its date — in one statement: first
    each organization's figures per table row, one per column (a few thousand rows for
    hundreds of members); then per table row, the cells and the row's total with the
    organizations counting each; and per organization, summed again, each column's total
    and the whole with theirs. No DISTINCT and no GROUPING SETS: plain SQL that SQLite and
    PostgreSQL both run with hash aggregates; nothing per organization comes back."""
    q = connection.ops.quote_name
    day = connection.ops.adapt_datefield_value
    table = q(model._meta.db_table)
    member_sql, member_params = members.values("organization_id").query.sql_with_params()
    width = len(spans)
    names = [[f"v{k}_{i}" for i in range(width)] for k in range(len(value_fields))]
    wide, wide_params = [], []
    for k, value in enumerate(value_fields):
        for i, (start, end) in enumerate(spans):
            wide.append(f"SUM(CASE WHEN {q(date_field)} BETWEEN %s AND %s THEN {q(value)} "
                        f"ELSE 0 END) AS {names[k][i]}")
            wide_params += [day(start), day(end)]
    # Only quoted names of our own tables and columns are formatted in; values are params.
    per_row = (f"SELECT organization_id AS o, {q(row_field)} AS r, {', '.join(wide)} "  # noqa: S608
               f"FROM {table} WHERE organization_id IN ({member_sql}) "
               f"AND {q(date_field)} BETWEEN %s AND %s GROUP BY organization_id, {q(row_field)}")
    params = [*wide_params, *member_params, day(spans[0][0]), day(spans[-1][1])]

    def figures(group: str) -> str:
        """Per value field: each column's sum and organizations counting it, then the sum
        over the columns and the organizations counting any."""
        out = []
        for column_names in names:
            for name in column_names:
                out.append(f"SUM({name}), COUNT(CASE WHEN {name} > 0 THEN 1 END)")
            every = " + ".join(column_names)
            out.append(f"SUM({every}), COUNT(CASE WHEN {every} > 0 THEN 1 END)")
        return ", ".join(out)

    every_name = ", ".join(f"SUM({n}) AS {n}" for column_names in names for n in column_names)
    sql = (f"WITH per_row AS ({per_row}) "  # noqa: S608
           f"SELECT r, {figures('r')} FROM per_row GROUP BY r "
           f"UNION ALL SELECT NULL, {figures('o')} FROM "
           f"(SELECT o, {every_name} FROM per_row GROUP BY o) AS per_organization")
    out = [Sums(columns) for _ in value_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        results = cursor.fetchall()
    for row, *values in results:
        figures_of = [int(v or 0) for v in values]
        for k, sums in enumerate(out):
            chunk = figures_of[k * 2 * (width + 1):(k + 1) * 2 * (width + 1)]
            pairs = [(chunk[2 * i], chunk[2 * i + 1]) for i in range(width + 1)]
            if row is None:  # per organization: the columns' totals and the whole
                for column, (n, orgs) in zip(columns, pairs, strict=False):
                    if n:
                        sums.column_sums[column], sums.column_orgs[column] = n, orgs
                sums.total, sums.orgs = pairs[width]
                continue
            for column, (n, orgs) in zip(columns, pairs, strict=False):
                if n:
                    sums.cells[(row, column)], sums.cell_orgs[(row, column)] = n, orgs
            if pairs[width][0]:
                sums.rows[row], sums.row_orgs[row] = pairs[width]
    return out


TABLES = ("events", "harmed", "actions")


def _sums_json(sums: Sums) -> dict:
    return {"cells": [[r, c, n, sums.cell_orgs[(r, c)]] for (r, c), n in sums.cells.items()],
            "rows": [[r, n, sums.row_orgs[r]] for r, n in sums.rows.items()],
            "columns": [[c, n, sums.column_orgs[c]] for c, n in sums.column_sums.items()],
            "total": [sums.total, sums.orgs]}


def _sums_from_json(columns: list[str], data: dict) -> Sums:
    sums = Sums(columns)
    for r, c, n, orgs in data["cells"]:
        sums.cells[(r, c)], sums.cell_orgs[(r, c)] = n, orgs
    for r, n, orgs in data["rows"]:
        sums.rows[r], sums.row_orgs[r] = n, orgs
    for c, n, orgs in data["columns"]:
        sums.column_sums[c], sums.column_orgs[c] = n, orgs
    sums.total, sums.orgs = data["total"]
    return sums


def _stamp(network: Network, members: list[tuple], last: dt.date
           ) -> tuple[str, dt.datetime | None]:
    """A fingerprint of what the network's sums come from — the current members, their
    sharing choices, when each one's rollups were built, the span — and the oldest build
    among the sharing members (the dashboard's "figures as of")."""
    sharing = [org_id for org_id, *flags in members if any(flags)]
    built = sorted(RollupState.objects.filter(organization_id__in=sharing)
                   .values_list("organization_id", "built_at"))
    digest = hashlib.sha256(repr((network.pk, last.isoformat(), sorted(members),
                                  [(o, b.isoformat()) for o, b in built])).encode())
    return digest.hexdigest(), min((b for _, b in built), default=None)


def _sum_afresh(network: Network, period: str, months: dict[dt.date, str],
                column_keys: list[str]) -> dict[str, Sums]:
    """The network's sums for `period` straight from its members' rollups (one statement
    per table)."""
    members = current_members(network)
    events, harmed = _summed(
        EventRollup, members=members.filter(shares_event_counts=True),
        value_fields=["events", "harmed"], row_field="category", date_field="quarter",
        spans=_spans(months, date_field="quarter"), columns=column_keys)
    (actions,) = _summed(
        ActionRollup, members=members.filter(shares_action_strength=True),
        value_fields=["actions"], row_field="strength", date_field="month",
        spans=_spans(months), columns=column_keys)
    return {"events": events, "harmed": harmed, "actions": actions}


def network_sums(network: Network, period: str, *, months: dict[dt.date, str],
                 column_keys: list[str], members: list[tuple], last: dt.date
                 ) -> tuple[dict[str, Sums], dt.datetime | None]:
    """The network's sums for `period`: the stored ones while what they come from is
    unchanged (the worker stores them after each rollup build), else summed afresh and
    stored. Returns them and the time of the oldest member rollup they include."""
    stamp, as_of = _stamp(network, members, last)
    stored = (NetworkFigures.objects.filter(network=network, period=period, stamp=stamp,
                                            through_month=last)
              .values_list("figures", flat=True).first())
    if stored is not None:
        return {t: _sums_from_json(column_keys, stored[t]) for t in TABLES}, as_of
    sums = _sum_afresh(network, period, months, column_keys)
    try:
        with transaction.atomic():
            NetworkFigures.objects.update_or_create(
                network=network, period=period,
                defaults={"through_month": last, "stamp": stamp, "built_at": timezone.now(),
                          "figures": {t: _sums_json(sums[t]) for t in TABLES}})
    except IntegrityError:
        pass  # another request stored the same sums first
    return sums, as_of


def store_network_sums(*, network: Network, today: dt.date | None = None) -> None:
    """Sum and store a network's figures for every period (the worker, after rebuilding
    rollups), so that the next page reads them instead of summing."""
    last = rollups.last_complete_month(today)
    first = rollups._first_month(last)
    members = list(current_members(network).values_list("organization_id", *STREAMS))
    for period in PERIODS:
        months = _columns(first, last, period)
        network_sums(network, period, months=months, members=members, last=last,
                     column_keys=list(dict.fromkeys(months.values())))


def _cell(verdict, own: int | None = None) -> Cell:
    return Cell(value=verdict.events, reason=verdict.reason, own=own)


def _table(caption: str, tally: Sums, *, rows: list[tuple[str, str]],
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


def _spans(months: dict[dt.date, str], *, date_field: str = "month"
           ) -> list[tuple[dt.date, dt.date]]:
    """Each column's (first, last) date in order, for rows dated by month or — `date_field`
    "quarter" — by their quarter's first day; the database places rows in columns by plain
    comparisons (no date function per row)."""
    spans: dict[str, list[dt.date]] = {}
    for month, column in months.items():
        spans.setdefault(column, []).append(
            rollups.quarter_of(month) if date_field == "quarter" else month)
    return [(min(ms), max(ms)) for ms in spans.values()]


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

    # The sums behind every table: stored per network and period, summed afresh from the
    # members' rollups when those changed.
    members = list(current_members(network).values_list("organization_id", *STREAMS))
    sharing = _members(members)
    event_orgs = sharing["shares_event_counts"]
    sums, as_of = network_sums(network, period, months=months, column_keys=column_keys,
                               members=members, last=last)
    events, harmed = sums["events"], sums["harmed"]
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
    actions = sums["actions"]
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
        areas=areas, own_organization=own, figures_as_of=as_of,
        members_sharing={"events": len(event_orgs), "actions": len(action_orgs),
                         "areas": len(area_orgs)})
