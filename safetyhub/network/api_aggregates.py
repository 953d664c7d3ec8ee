"""API for network aggregates: the dashboard's figures as JSON, with the same suppression as
the page (a hidden figure is null, with the reason in words), through the same door
(access_network: 404 for a missing network and one the caller does not reach)."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema

from . import aggregates
from .access import access_network

router = Router(tags=["network"])

Period = StrEnum("NetworkDashboardPeriod", {"YEAR": "year", "QUARTER": "quarter"})


class CellOut(Schema):
    value: float | None
    hidden_because: str | None
    own: float | None


class TableOut(Schema):
    caption: str
    organizations: int
    columns: list[str]
    rows: list[dict]
    column_totals: list[CellOut]
    total: CellOut | None


class AreaOut(Schema):
    pack: str
    area: str
    organizations: int
    quartiles: list[float] | None
    hidden_because: str | None
    own: float | None


class DashboardOut(Schema):
    network: str
    period: str
    first_month: str
    last_month: str
    # The oldest build of the members' figures included (ISO time; null: none built yet).
    figures_as_of: str | None
    own_organization: str | None
    events: TableOut
    harm_rates: list[dict]
    actions: TableOut
    stronger_share: list[CellOut]
    areas: list[AreaOut]


def _cell(cell: aggregates.Cell) -> dict:
    return {"value": cell.value, "hidden_because": cell.reason_words or None,
            "own": cell.own}


def _table(table: aggregates.Table) -> dict:
    return {
        "caption": table.caption, "organizations": table.organizations,
        "columns": [label for _key, label in table.columns],
        "rows": [{"label": label, "cells": [_cell(c) for c in cells],
                  "total": _cell(total)} for label, cells, total in table.grid()],
        "column_totals": [_cell(c) for c in table.footer()],
        "total": _cell(table.total) if table.total else None,
    }


@router.get("/networks/{network_slug}/dashboard", response=DashboardOut)
def network_dashboard(request: HttpRequest, network_slug: str, period: Period = Period.YEAR,
                      organization: str = ""):
    """The network's dashboard figures. `organization`: the slug of one of your member
    organizations whose own figures come beside the network's (the first you may read when
    empty; leads who belong to none get the network's figures only)."""
    access = access_network(user=request.user, slug=network_slug)
    own = aggregates.own_organization(request.user, access, organization)
    if organization and own is None:
        raise ValidationError({"organization": [
            "not one of your member organizations whose figures you may read"]})
    dash = aggregates.dashboard(network=access.network, period=str(period.value), own=own)
    return {
        "network": access.network.slug, "period": dash.period,
        "first_month": dash.first.isoformat(), "last_month": dash.last.isoformat(),
        "figures_as_of": dash.figures_as_of.isoformat() if dash.figures_as_of else None,
        "own_organization": own.slug if own else None,
        "events": _table(dash.events),
        "harm_rates": [{"label": label, "cells": [_cell(c) for c in cells],
                        "total": _cell(overall)} for label, cells, overall in dash.harm_rates],
        "actions": _table(dash.actions),
        "stronger_share": [_cell(c) for c in dash.stronger_share],
        "areas": [{"pack": a.pack_title, "area": a.area_title,
                   "organizations": a.organizations,
                   "quartiles": list(a.quartiles) if a.quartiles else None,
                   "hidden_because": a.reason_words or None, "own": a.own}
                  for a in dash.areas],
    }
