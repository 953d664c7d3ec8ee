"""API for shared goals.

The network's side (`/networks/{network_slug}/goals…`, through `access_network`: 404 for a
network the caller neither leads nor reaches through a member organization): the goals, and
a goal's network series — month by month how many organizations sent a value and, for
months with at least MIN_ORGANIZATIONS of them, the sums and the chart's record; never one
organization's value.

The organization's side (`/orgs/{slug}/network/goals/{goal_id}…`, through
`api_organization`): its taking part, and its monthly values — read by its members, sent
by its admins and patient-safety leads (`network.submit_goal_data`). A value for a month
already sent corrects it (200; 201 for a new month). Bad input answers 422 naming the
field and the reason, and changes nothing."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Id, Number
from safetyhub.measures.queries import measure_ref

from . import goal_queries as queries
from . import goals as services
from .access import access_network, require_lead
from .goal_charts import chart_of
from .models_goals import GoalParticipation, GoalValue, SharedGoal
from .suppression import MIN_ORGANIZATIONS

router = Router(tags=["network"])

VIEW = "core.view_organization"
SUBMIT = "network.submit_goal_data"

GoalChartType = StrEnum("GoalChartType", {c.name: c.value for c in SharedGoal.Chart})
GoalDirection = StrEnum("GoalDirection", {c.name: c.value for c in SharedGoal.Direction})
GoalSource = StrEnum("GoalSource", {c.name: c.value for c in GoalParticipation.Source})


class SharedGoalRead(Schema):
    id: int
    title: str
    why: str
    numerator: str
    denominator: str
    unit: str
    multiplier: int
    chart: GoalChartType
    direction: GoalDirection
    target: float | None
    start_month: dt.date
    event_category: str
    event_harm_at_least: str
    per_patient_days: bool
    taking_part: int = Field(..., description="current members taking part")


class SharedGoalCreate(Schema):
    title: str = Field(..., max_length=200)
    why: str = ""
    numerator: str
    denominator: str = ""
    unit: str = Field("", max_length=100)
    multiplier: int = Field(1, ge=1, le=10_000_000)
    chart: GoalChartType = GoalChartType.RUN
    direction: GoalDirection
    target: Number | None = None
    start_month: dt.date = Field(..., description="the first month counted (any day of it)")
    event_category: str = Field("", max_length=64)
    event_harm_at_least: str = Field("", max_length=64)
    per_patient_days: bool = False


class NetworkMonthRead(Schema):
    month: dt.date
    organizations: int = Field(..., description="how many organizations sent a value")
    suppressed: bool = Field(..., description=f"true when fewer than {MIN_ORGANIZATIONS} "
                                              "organizations sent one: no figure is given")
    numerator: float | None
    denominator: float | None
    value: float | None = Field(..., description="as plotted (× the goal's multiplier)")
    cl: float | None
    lcl: float | None
    ucl: float | None
    sigma_signal: bool


class NetworkSeriesRead(Schema):
    goal: SharedGoalRead
    min_organizations: int
    months: list[NetworkMonthRead]
    explanations: list[str]


class GoalValueRead(Schema):
    month: dt.date
    numerator: float
    denominator: float | None
    note: str
    via: str
    corrections: int
    updated_at: dt.datetime


class GoalValueWrite(Schema):
    month: dt.date = Field(..., description="the month's first day, e.g. 2026-03-01")
    numerator: Number
    denominator: Number | None = None
    note: str = Field("", max_length=500)


class ParticipationRead(Schema):
    taking_part: bool
    source: GoalSource | None
    measure_id: int | None


class ParticipationWrite(Schema):
    taking_part: bool = True
    source: GoalSource = GoalSource.ENTERED
    measure_id: Id | None = None


class GoalImportRead(Schema):
    rows: int
    added: int
    changed: int
    unchanged: int


def _goal_read(goal: SharedGoal, taking_part: int | None = None) -> dict:
    if taking_part is None:
        taking_part = queries.goals_of(goal.network).get(pk=goal.pk).taking_part
    return {**{name: getattr(goal, name) for name in ("id", *services.GOAL_FIELDS)},
            "taking_part": taking_part}


def _value_read(value: GoalValue) -> dict:
    return {name: getattr(value, name) for name in (
        "month", "numerator", "denominator", "note", "via", "corrections", "updated_at")}


def _org_goal(request, slug: str, goal_id: int, permission: str = VIEW):
    organization = api_organization(request, slug, permission)
    return organization, queries.access_org_goal(organization=organization, pk=goal_id)


# --- the network's side ---------------------------------------------------------------------


@router.get("/networks/{network_slug}/goals", response=list[SharedGoalRead])
def goal_list(request, network_slug: str):
    """The network's shared goals."""
    access = access_network(user=request.user, slug=network_slug)
    return [_goal_read(goal, goal.taking_part) for goal in queries.goals_of(access.network)]


@router.post("/networks/{network_slug}/goals", response={201: SharedGoalRead})
def goal_create(request, network_slug: str, payload: SharedGoalCreate):
    """Set a shared goal (the network's leads)."""
    access = access_network(user=request.user, slug=network_slug)
    require_lead(access)
    values = payload.model_dump()
    values["chart"], values["direction"] = payload.chart.value, payload.direction.value
    goal = services.create_goal(network=access.network, by=request.user, **values)
    return Status(201, _goal_read(goal, 0))


@router.get("/networks/{network_slug}/goals/{goal_id}", response=NetworkSeriesRead)
def goal_series(request, network_slug: str, goal_id: int):
    """The goal and its network series: every complete month since the goal started, with
    how many organizations sent a value; the sums and the chart's record only for months
    with values from at least `min_organizations` organizations."""
    access = access_network(user=request.user, slug=network_slug)
    goal = queries.access_goal(access=access, pk=goal_id)
    chart = chart_of(goal, queries.network_series(goal), title=goal.title)
    months = []
    for row, record in chart.table:
        shown = record is not None and record.y is not None
        months.append({
            "month": row.month, "organizations": row.organizations,
            "suppressed": row.suppressed, "numerator": row.numerator,
            "denominator": row.denominator, "value": record.y if shown else None,
            "cl": record.cl if record else None,
            "lcl": record.lcl if shown else None, "ucl": record.ucl if shown else None,
            "sigma_signal": bool(record and record.sigma_signal)})
    return {"goal": _goal_read(goal), "min_organizations": MIN_ORGANIZATIONS,
            "months": months, "explanations": chart.explanations}


# --- the organization's side ------------------------------------------------------------------


@router.get("/orgs/{slug}/network/goals/{goal_id}/participation", response=ParticipationRead)
def participation_read(request, slug: str, goal_id: int):
    organization, goal = _org_goal(request, slug, goal_id)
    participation = queries.participation_of(goal, organization)
    current = participation is not None and participation.is_current
    return {"taking_part": current, "source": participation.source if current else None,
            "measure_id": participation.measure_id if current else None}


@router.put("/orgs/{slug}/network/goals/{goal_id}/participation", response=ParticipationRead)
def participation_write(request, slug: str, goal_id: int, payload: ParticipationWrite):
    """Take part (with where the values come from: `entered`, or `measure` with one of the
    organization's monthly event-derived measures), or stop (`taking_part`: false)."""
    organization, goal = _org_goal(request, slug, goal_id, SUBMIT)
    if not payload.taking_part:
        services.stop_taking_part(goal=goal, organization=organization, by=request.user)
        return {"taking_part": False, "source": None, "measure_id": None}
    measure = measure_ref(organization, payload.measure_id)
    try:
        participation = services.take_part(goal=goal, organization=organization,
                                           by=request.user, source=payload.source.value,
                                           measure=measure)
    except ValidationError as exc:
        raise ValidationError({("measure_id" if k == "measure" else k): v
                               for k, v in exc.message_dict.items()}) from None
    return {"taking_part": True, "source": participation.source,
            "measure_id": participation.measure_id}


@router.get("/orgs/{slug}/network/goals/{goal_id}/values", response=list[GoalValueRead])
def value_list(request, slug: str, goal_id: int):
    """Every value the organization sent for the goal, by month."""
    organization, goal = _org_goal(request, slug, goal_id)
    return [_value_read(v) for v in queries.own_values(goal, organization)]


@router.post("/orgs/{slug}/network/goals/{goal_id}/values",
             response={200: GoalValueRead, 201: GoalValueRead})
def value_save(request, slug: str, goal_id: int, payload: GoalValueWrite):
    """Send one month's value: 201 for a new month, 200 for a correction of a month already
    sent (the audit log keeps what it replaced)."""
    organization, goal = _org_goal(request, slug, goal_id, SUBMIT)
    value, created = services.save_value(goal=goal, organization=organization,
                                         by=request.user, via=GoalValue.Via.API,
                                         **payload.model_dump())
    return Status(201 if created else 200, _value_read(value))


@router.post("/orgs/{slug}/network/goals/{goal_id}/values/import", response=GoalImportRead)
def value_import(request, slug: str, goal_id: int, file: UploadedFile = File(...)):  # noqa: B008
    """Import a CSV or XLSX file (multipart field `file`): a header row (month, numerator,
    denominator, note), then one row per month. All rows or none: any bad row answers 422
    listing every problem by row and column, and nothing is saved."""
    organization, goal = _org_goal(request, slug, goal_id, SUBMIT)
    content = file.read(services.measure_services.MAX_IMPORT_BYTES + 1)
    result = services.import_values(goal=goal, organization=organization,
                                    file_name=file.name or "", content=content,
                                    by=request.user)
    return {"rows": result.rows, "added": result.added, "changed": result.changed,
            "unchanged": result.unchanged}
