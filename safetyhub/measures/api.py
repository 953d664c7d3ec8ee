"""API for measures: their definitions (and the starter library), their data points (one at
a time or imported from CSV/XLSX, all rows or none), and their computed charts as JSON — the
records of `safetyhub.spc.qic`, the signals in plain words, the PDSA markers and the phases.

Every endpoint resolves the organization with `api_organization` (404 for outsiders) and the
measure with `access_measure` (404 for another organization's); every member reads, and
writes follow the same permissions as the pages (`measures.add_measure`,
`measures.change_measure` in rules.py). Bad input answers 422 naming the field (or the
file's row and column) and the rule, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from safetyhub.core.access import access_site
from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id, Number
from safetyhub.improvement.models import Initiative

from . import queries, services
from .models import Measure
from .queries import access_measure

router = Router(tags=["measures"])

VIEW = "core.view_organization"
ADD = "measures.add_measure"
CHANGE = "measures.change_measure"

# Named apart from other apps' enums: OpenAPI has one namespace of schemas.
MeasureType = StrEnum("MeasureType", {c.name: c.value for c in Measure.Type})
MeasureFrequency = StrEnum("MeasureFrequency", {c.name: c.value for c in Measure.Frequency})
MeasureDirection = StrEnum("MeasureDirection", {c.name: c.value for c in Measure.Direction})
ImportNumberFormat = StrEnum("ImportNumberFormat", {v.upper(): v for v in ("auto", "dot",
                                                                          "comma")})
CHART_HELP = ("chart type: one of " + ", ".join(services.CHARTS) + " (run, I, P, Laney P', U, "
              "Laney U', C, G, T)")


# --- schemas -------------------------------------------------------------------------------


class LibraryMeasureRead(Schema):
    key: str
    name: str
    type: MeasureType
    numerator: str
    denominator: str
    unit: str
    multiplier: int
    frequency: MeasureFrequency
    direction: MeasureDirection
    chart: str
    source: str = Field(..., description="the public document that defines it; empty: "
                                         "SafetyHub's own definition")
    notes: str


class SignalStatusRead(Schema):
    kind: str = Field(..., description="no-data, error, common, improvement, concern or "
                                       "signal (latest phase)")
    label: str
    sentences: list[str]


class MeasureRead(Schema):
    id: int
    name: str
    type: MeasureType
    numerator: str
    denominator: str
    unit: str
    multiplier: int
    frequency: MeasureFrequency
    direction: MeasureDirection
    goal: float | None
    chart: str
    screened_mr: bool
    freeze_after: dt.date | None
    definition_source: str = Field(..., description="empty: the organization's own")
    library_key: str
    site_id: int | None
    initiative_ids: list[int]
    points: int = Field(..., description="how many data points it has")
    status: SignalStatusRead
    created_at: dt.datetime


class MeasureCreate(Schema):
    """Either `library_key` (a measure defined as the library's entry) or a definition."""

    library_key: str = Field("", max_length=60)
    name: str = Field("", max_length=200)
    type: MeasureType | None = None
    numerator: str = Field("", max_length=5000)
    denominator: str = Field("", max_length=5000)
    unit: str = Field("", max_length=100)
    multiplier: int = 1
    frequency: MeasureFrequency = MeasureFrequency.MONTH
    direction: MeasureDirection | None = None
    goal: Number | None = None
    chart: str = Field("run", max_length=10, description=CHART_HELP)
    screened_mr: bool = True
    freeze_after: Day | None = None
    definition_source: str = Field("", max_length=300)
    site_id: Id | None = None
    initiative_ids: list[Id] = Field(default_factory=list, max_length=200)


class MeasureUpdate(Schema):
    """The fields to change; a field left out keeps its value."""

    name: str | None = Field(None, max_length=200)
    type: MeasureType | None = None
    numerator: str | None = Field(None, max_length=5000)
    denominator: str | None = Field(None, max_length=5000)
    unit: str | None = Field(None, max_length=100)
    multiplier: int | None = None
    frequency: MeasureFrequency | None = None
    direction: MeasureDirection | None = None
    goal: Number | None = None
    chart: str | None = Field(None, max_length=10, description=CHART_HELP)
    screened_mr: bool | None = None
    freeze_after: Day | None = None
    definition_source: str | None = Field(None, max_length=300)
    site_id: Id | None = None
    initiative_ids: list[Id] | None = Field(None, max_length=200)


class DataPointRead(Schema):
    period: dt.date
    label: str
    numerator: float | None
    denominator: float | None
    excluded: bool
    note: str
    updated_at: dt.datetime


class DataPointWrite(Schema):
    period: Day
    numerator: Number | None = None
    denominator: Number | None = None
    excluded: bool = False
    note: str = Field("", max_length=500)


class ImportRead(Schema):
    rows: int
    added: int
    updated: int
    unchanged: int


class ImportMappingWrite(Schema):
    """Which columns hold what, by header name (any column left empty is not imported). With
    no column named, the header names must be the standard ones (period, numerator …)."""

    period_column: str = Field("", max_length=200)
    numerator_column: str = Field("", max_length=200)
    denominator_column: str = Field("", max_length=200)
    excluded_column: str = Field("", max_length=200)
    note_column: str = Field("", max_length=200)
    number_format: ImportNumberFormat = Field(
        "auto", description="auto (detected per column), dot (1,234.5) or comma (1.234,5)")
    sheet: str = Field("", max_length=200, description="the workbook's sheet; empty: the first")


class ImportProblemRead(Schema):
    field: str = Field(..., description="`file`, or the mapping's field at fault")
    reason: str
    row: int | None = Field(None, description="the spreadsheet's row number (header = 1)")
    column: str | None = Field(None, description="period, numerator, denominator, excluded "
                                                 "or note")


class ImportErrorRead(Schema):
    detail: list[ImportProblemRead]


class ChartPointRead(Schema):
    """One plotted point: qic's record (dots written as underscores), with its period."""

    position: int
    period: dt.date
    x: str = Field(..., description="the period's label, as qic received it")
    y: float | None
    n: float | None
    cl: float | None
    lcl: float | None
    ucl: float | None
    lcl_95: float | None
    ucl_95: float | None
    part: int
    baseline: bool
    include: bool
    sigma_signal: bool
    runs_signal: bool
    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None


class ChartMarkerRead(Schema):
    cycle_id: int | None
    position: float = Field(..., description="on the points' scale (1 = first point)")
    label: str
    said: str


class ChartSplitRead(Schema):
    id: int
    after_period: dt.date
    reason: str
    active: bool = Field(..., description="false when no point lies after it (yet)")


class ChartReadingRead(Schema):
    kind: str = Field(..., description="shift, crossings or limit")
    verdict: str = Field(..., description="improvement, deterioration or change (no direction)")
    sentence: str
    start: int = Field(..., description="position where the signal begins (1 = first point)")


class SuggestedSplitRead(Schema):
    after_period: dt.date = Field(..., description="the new phase would start after it")
    after_label: str
    start_label: str


class ShiftSplitWrite(Schema):
    reason: str = Field(..., description="what changed in the process (kept in the audit log)")
    after_period: Day | None = Field(None, description="the suggested period as read from "
                                                       "the chart; a second request with it "
                                                       "returns the split already made")


class MeasureChartRead(Schema):
    measure_id: int
    chart: str
    chart_name: str
    multiply: int
    screened_mr: bool
    freeze: int | None = Field(..., description="last baseline position, or null")
    unit: str
    goal: float | None
    points: list[ChartPointRead]
    explanations: list[str]
    status: SignalStatusRead
    markers: list[ChartMarkerRead]
    unplaced_markers: list[str]
    splits: list[ChartSplitRead]
    readings: list[ChartReadingRead] = Field(..., description="the latest phase's signals, "
                                                              "judged by the direction")
    suggested_split: SuggestedSplitRead | None = Field(
        ..., description="where a sustained shift of the latest phase began, if any")
    statement: str | None = Field(..., description="after a split: the change of the centre "
                                                   "line between the last two phases, with "
                                                   "the goal")


# --- helpers -------------------------------------------------------------------------------


def _measure(request: HttpRequest, slug: str, measure_id: int, permission: str = VIEW):
    org = api_organization(request, slug, VIEW)
    measure = access_measure(user=request.user, organization=org, pk=measure_id)
    if permission == CHANGE and not request.user.has_perm(CHANGE, measure):
        raise PermissionDenied("Only organization admins, patient-safety leads and the team "
                               "of an initiative the measure belongs to can change it.")
    if permission == ADD and not request.user.has_perm(ADD, org):
        raise PermissionDenied("Only organization admins and patient-safety leads can do "
                               "this.")
    return org, measure


def _read(measure: Measure, chart: queries.MeasureChart | None = None) -> dict:
    chart = chart or queries.chart_for(measure)
    status = chart.status
    return {
        **{name: getattr(measure, name) for name in (
            "id", "name", "type", "numerator", "denominator", "unit", "multiplier",
            "frequency", "direction", "goal", "chart", "screened_mr", "freeze_after",
            "definition_source", "library_key", "site_id", "created_at")},
        "initiative_ids": sorted(i.pk for i in measure.initiatives.all()),
        "points": len(chart.points),
        "status": {"kind": status.kind, "label": status.label,
                   "sentences": list(status.sentences)},
    }


def _reload(request: HttpRequest, org, measure: Measure) -> Measure:
    return access_measure(user=request.user, organization=org, pk=measure.pk)


def _site(request: HttpRequest, org, site_id: int | None):
    if site_id is None:
        return None
    try:
        return access_site(user=request.user, organization=org, pk=site_id)
    except Http404:
        raise ValidationError({"site_id": "No such site in this organization."}) from None


def _initiatives(org, ids: list[int]) -> list[Initiative]:
    found = list(Initiative.objects.filter(organization=org, pk__in=ids))
    missing = sorted(set(ids) - {i.pk for i in found})
    if missing:
        raise ValidationError({"initiative_ids": "No such initiatives in this organization: "
                                                 f"{', '.join(map(str, missing))}."})
    return found


def _renamed(exc: ValidationError) -> ValidationError:
    names = {"site": "site_id", "initiatives": "initiative_ids"}
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


# --- endpoints -----------------------------------------------------------------------------


@router.get("/orgs/{slug}/measure-library", response=list[LibraryMeasureRead])
def measure_library(request, slug: str):
    """The starter library of patient- and workforce-safety measures."""
    api_organization(request, slug, VIEW)
    return [entry.__dict__ for entry in services.library()]


@router.get("/orgs/{slug}/measures", response=list[MeasureRead])
def measure_list(request, slug: str):
    """Every measure of the organization, with its latest signal status."""
    org = api_organization(request, slug, VIEW)
    return [_read(m) for m in queries.measures_for(organization=org)]


@router.post("/orgs/{slug}/measures", response={201: MeasureRead})
def measure_create(request, slug: str, payload: MeasureCreate):
    """Define a measure, or add the library's entry `library_key` (organization admins and
    patient-safety leads)."""
    org = api_organization(request, slug, ADD)
    site = _site(request, org, payload.site_id)
    initiatives = _initiatives(org, payload.initiative_ids)
    try:
        if payload.library_key:
            measure = services.add_from_library(organization=org, key=payload.library_key,
                                                by=request.user, site=site,
                                                initiatives=initiatives)
        else:
            missing = {name: "is required" for name in ("type", "direction")
                       if getattr(payload, name) is None}
            if missing:
                raise ValidationError(missing)
            measure = services.create_measure(
                organization=org, by=request.user, name=payload.name,
                type=payload.type.value, numerator=payload.numerator,
                denominator=payload.denominator, unit=payload.unit,
                multiplier=payload.multiplier, frequency=payload.frequency.value,
                direction=payload.direction.value, goal=payload.goal, chart=payload.chart,
                screened_mr=payload.screened_mr, freeze_after=payload.freeze_after,
                definition_source=payload.definition_source, site=site,
                initiatives=initiatives)
    except ValidationError as exc:
        raise _renamed(exc) from None
    return Status(201, _read(_reload(request, org, measure)))


@router.get("/orgs/{slug}/measures/{measure_id}", response=MeasureRead)
def measure_detail(request, slug: str, measure_id: int):
    _org, measure = _measure(request, slug, measure_id)
    return _read(measure)


@router.patch("/orgs/{slug}/measures/{measure_id}", response=MeasureRead)
def measure_update(request, slug: str, measure_id: int, payload: MeasureUpdate):
    """Change a measure's definition (the fields sent)."""
    org, measure = _measure(request, slug, measure_id, CHANGE)
    sent = payload.model_dump(exclude_unset=True)
    initiatives = (_initiatives(org, sent.pop("initiative_ids") or [])
                   if "initiative_ids" in sent else None)
    if "site_id" in sent:
        sent["site"] = _site(request, org, sent.pop("site_id"))
    for name, value in list(sent.items()):
        if value is None and name not in ("goal", "freeze_after", "site"):
            raise ValidationError({name: "may not be null"})
        if isinstance(value, StrEnum):
            sent[name] = value.value
    try:
        services.update_measure(measure=measure, initiatives=initiatives, **sent)
    except ValidationError as exc:
        raise _renamed(exc) from None
    return _read(_reload(request, org, measure))


@router.delete("/orgs/{slug}/measures/{measure_id}", response={204: None})
def measure_delete(request, slug: str, measure_id: int):
    """Delete a measure with its data (organization admins and patient-safety leads; the
    deletion of the measure and of each point is audited)."""
    _org, measure = _measure(request, slug, measure_id, ADD)
    measure.delete()
    return Status(204, None)


@router.get("/orgs/{slug}/measures/{measure_id}/points", response=list[DataPointRead])
def point_list(request, slug: str, measure_id: int):
    _org, measure = _measure(request, slug, measure_id)
    chart = queries.chart_for(measure)
    return [{**{name: getattr(p, name) for name in (
        "period", "numerator", "denominator", "excluded", "note", "updated_at")},
        "label": label} for p, label in zip(chart.points, chart.labels, strict=True)]


@router.post("/orgs/{slug}/measures/{measure_id}/points",
             response={200: DataPointRead, 201: DataPointRead})
def point_save(request, slug: str, measure_id: int, payload: DataPointWrite):
    """Record one period's value: 201 for a new period, 200 for a change to a period already
    recorded."""
    _org, measure = _measure(request, slug, measure_id, CHANGE)
    point, created = services.save_data_point(measure=measure, by=request.user,
                                              **payload.model_dump())
    body = {**{name: getattr(point, name) for name in (
        "period", "numerator", "denominator", "excluded", "note", "updated_at")},
        "label": queries.period_label(point.period, measure.frequency)}
    return Status(201 if created else 200, body)


@router.post("/orgs/{slug}/measures/{measure_id}/points/import",
             response={200: ImportRead, 422: ImportErrorRead})
def point_import(request, slug: str, measure_id: int,
                 file: UploadedFile = File(...),  # noqa: B008
                 mapping: Form[ImportMappingWrite] = None):
    """Import a CSV or XLSX file (multipart field `file`): a header row, then one row per
    period. Name the columns (`period_column`, `numerator_column` …, by header name) and
    the `number_format`, or use the standard header names (period, numerator, denominator,
    excluded, note). All rows or none: any bad row answers 422 listing every problem with
    its `row` and `column`, and nothing is written. The columns used are remembered for the
    measure's import page."""
    _org, measure = _measure(request, slug, measure_id, CHANGE)
    content = file.read(services.MAX_IMPORT_BYTES + 1)
    chosen = mapping or ImportMappingWrite()
    columns = {role: getattr(chosen, f"{role}_column").strip() for role in services.COLUMNS}
    plan = services.Mapping(columns={k: v for k, v in columns.items() if v},
                            number_format=str(chosen.number_format), sheet=chosen.sheet)
    try:
        result = services.import_data(measure=measure, file_name=file.name or "",
                                      content=content, by=request.user, mapping=plan)
    except services.ImportProblems as exc:
        # the summary first, then each problem (as many as a page lists) with its row and
        # column apart as well as in the sentence
        summary, *listed = exc.messages
        shown = exc.problems[:len(listed)]
        return Status(422, {"detail": [
            {"field": "file", "reason": summary},
            *({"field": "file", "reason": str(p), "row": p.row, "column": p.column}
              for p in shown),
            *({"field": "file", "reason": more} for more in listed[len(shown):])]})
    if plan.columns:
        from .staged_imports import remember_mapping

        remember_mapping(measure=measure, mapping=plan, by=request.user)
    return {"rows": result.rows, "added": result.added, "updated": result.updated,
            "unchanged": result.unchanged}


@router.get("/orgs/{slug}/measures/{measure_id}/chart", response=MeasureChartRead)
def measure_chart(request, slug: str, measure_id: int):
    """The computed chart: qic's records for every point (with its period), the signals in
    plain words, the latest signal status, the PDSA markers and the phase splits. 422 naming
    the point and the rule when the data cannot make the chart."""
    _org, measure = _measure(request, slug, measure_id)
    chart = queries.chart_for(measure)
    if chart.error:
        raise ValidationError({"points": chart.error})
    records = chart.records or []
    status = chart.status
    return {
        "measure_id": measure.pk, "chart": measure.chart, "chart_name": chart.chart_name,
        "multiply": measure.multiplier, "screened_mr": measure.screened_mr,
        "freeze": chart.freeze, "unit": measure.unit, "goal": measure.goal,
        "points": [{"position": k, "period": point.period, **record._asdict()}
                   for k, (point, record) in enumerate(zip(chart.points, records,
                                                               strict=True), 1)],
        "explanations": chart.explanations,
        "status": {"kind": status.kind, "label": status.label,
                   "sentences": list(status.sentences)},
        "markers": [{"cycle_id": m.ref, "position": m.position, "label": m.label,
                     "said": m.said} for m in chart.markers],
        "unplaced_markers": chart.unplaced,
        "splits": [{"id": s.pk, "after_period": s.after_period, "reason": s.reason,
                    "active": s in chart.splits}
                   for s in sorted([*chart.splits, *chart.inactive_splits],
                                   key=lambda s: s.after_period)],
        "readings": [r.__dict__ for r in chart.readings],
        "suggested_split": chart.suggested_split.__dict__ if chart.suggested_split else None,
        "statement": chart.statement,
    }


@router.post("/orgs/{slug}/measures/{measure_id}/splits/shift",
             response={200: ChartSplitRead, 201: ChartSplitRead})
def split_at_shift(request, slug: str, measure_id: int, payload: ShiftSplitWrite):
    """Start a new phase where the latest phase's sustained shift began (the chart's
    `suggested_split`), for a reason: 201 with the split; 200 with the split already made
    when `after_period` names one; 422 naming the field when the chart shows no shift, the
    data changed since `after_period` was read, or the reason is empty."""
    _org, measure = _measure(request, slug, measure_id, CHANGE)
    split, created = services.start_phase_at_shift(
        measure=measure, reason=payload.reason, by=request.user,
        after_period=payload.after_period)
    return Status(201 if created else 200, {"id": split.pk, "after_period": split.after_period,
                                            "reason": split.reason, "active": True})
