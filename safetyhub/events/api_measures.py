"""API for the measures made from event reports: the dashboard's figures, a stratified table
(suppressed as on the page), the signal watch's list, and patient days (read, record).

The same rules as the pages: aggregates are read by event reviewers, patient-safety leads,
executives, patient/family advisors and organization admins (403 for other members, 404 for
outsiders); patient days are recorded by patient-safety leads and admins. Bad input is
answered 422 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from safetyhub.core.api import api_organization
from safetyhub.core.models import Site

from . import patient_days
from .dashboard import dashboard, month_range
from .signal_watch import watch
from .strata import STRATA, stratum_table
from .taxonomy import active_taxonomy_pack, taxonomy_of

router = Router(tags=["event measures"])

AGGREGATES = "events.view_aggregates"
Kind = Literal["", "patient_safety", "workforce"]
Stratum = Literal[tuple(STRATA)]  # type: ignore[valid-type]


class Filters(Schema):
    months: int = Field(12, ge=1, le=36, description="the last N complete months")
    kind: Kind = Field("", description="one kind of event, or both ('')")
    unit: int | None = Field(None, description="a site or unit id; none for every unit")


class CountRow(Schema):
    key: str
    label: str
    count: int
    share: float
    rate: float | None = Field(None, description="per 1,000 patient days, where known")


class DashboardRead(Schema):
    first_month: dt.date
    last_month: dt.date
    total: int
    rate_per_1000_patient_days: float | None
    patient_days: int
    near_miss_share: float | None
    median_days_to_triage: float | None
    median_days_to_close: float | None
    closed: int
    answered: int
    by_type: list[CountRow]
    by_category: list[CountRow]
    by_harm: list[CountRow]
    by_unit: list[CountRow]
    by_month: list[CountRow]


class StratumRead(Schema):
    stratum: str
    first_month: dt.date
    last_month: dt.date
    min_cell_size: int
    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]] = Field(..., description="null where suppressed")
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


class SignalRead(Schema):
    unit_id: int
    unit: str
    category: str
    category_title: str
    chart: str
    side: str | None
    since: str
    rules: list[str]
    sentences: list[str]


class WatchRead(Schema):
    first_month: dt.date
    last_month: dt.date
    series: int
    signals: list[SignalRead]


class PatientDaysRead(Schema):
    unit_id: int
    month: dt.date
    days: int


class PatientDaysWrite(Schema):
    unit_id: int
    month: dt.date = Field(..., description="any day of the month")
    days: int


def _taxonomy(org):
    pack = active_taxonomy_pack(organization=org)
    return taxonomy_of(pack) if pack else None


def _unit(org, unit_id: int | None) -> Site | None:
    if unit_id is None:
        return None
    site = Site.objects.filter(organization=org, pk=unit_id).first()
    if site is None:
        raise ValidationError({"unit": "No such site or unit in this organization."})
    return site


@router.get("/orgs/{slug}/event-measures/dashboard", response=DashboardRead)
def event_dashboard(request: HttpRequest, slug: str, filters: Query[Filters]):
    """The event dashboard's figures (aggregates only)."""
    org = api_organization(request, slug, AGGREGATES)
    first, last = month_range(filters.months)
    d = dashboard(organization=org, first=first, last=last, taxonomy=_taxonomy(org),
                  kind=filters.kind, site=_unit(org, filters.unit))
    return {"first_month": d.first, "last_month": d.last, "total": d.total,
            "rate_per_1000_patient_days": d.rate, "patient_days": d.patient_days,
            "near_miss_share": d.near_miss_share, "median_days_to_triage": d.days_to_triage,
            "median_days_to_close": d.days_to_close, "closed": d.closed,
            "answered": d.answered, "by_type": d.by_type, "by_category": d.by_category,
            "by_harm": d.by_harm, "by_unit": d.by_unit, "by_month": d.by_month}


@router.get("/orgs/{slug}/event-measures/strata/{stratum}", response=StratumRead)
def event_stratum(request: HttpRequest, slug: str, stratum: Stratum,
                  filters: Query[Filters]):
    """Patient safety reports by a patient characteristic × harm level, small cells and
    their complements suppressed (null)."""
    org = api_organization(request, slug, AGGREGATES)
    first, last = month_range(filters.months)
    table = stratum_table(organization=org, stratum=stratum, first=first, last=last,
                          taxonomy=_taxonomy(org), site=_unit(org, filters.unit))
    t = table.table
    return {"stratum": stratum, "first_month": first, "last_month": last,
            "min_cell_size": t.threshold, "rows": table.rows, "columns": table.columns,
            "cells": [list(r) for r in t.cells], "row_totals": list(t.row_totals),
            "column_totals": list(t.column_totals), "total": t.total}


@router.get("/orgs/{slug}/event-measures/signals", response=WatchRead)
def event_signals(request: HttpRequest, slug: str):
    """The series whose latest complete month is part of a special-cause signal, newest
    first."""
    org = api_organization(request, slug, AGGREGATES)
    result = watch(organization=org, taxonomy=_taxonomy(org))
    return {"first_month": result.first, "last_month": result.last, "series": result.series,
            "signals": [{"unit_id": w.site_id, "unit": w.unit, "category": w.category,
                         "category_title": w.category_title, "chart": w.chart,
                         "side": w.signal.side, "since": w.began,
                         "rules": list(w.signal.rules), "sentences": list(w.signal.sentences)}
                        for w in result.signals]}


@router.put("/orgs/{slug}/event-measures/patient-days", response=PatientDaysRead)
def patient_days_put(request: HttpRequest, slug: str, payload: PatientDaysWrite):
    """Record one unit's patient days for a month (a new month, or a change)."""
    org = api_organization(request, slug, "events.manage_patient_days")
    site = Site.objects.filter(organization=org, pk=payload.unit_id).first()
    if site is None:
        raise ValidationError({"unit_id": "No such site or unit in this organization."})
    row, _created = patient_days.save_patient_days(organization=org, site=site,
                                                   month=payload.month, days=payload.days,
                                                   by=request.user)
    return {"unit_id": row.site_id, "month": row.month, "days": row.days}
