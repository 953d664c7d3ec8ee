"""API for the action plan: initiatives (list with filters, create, read, change), their
progress notes, and their PDSA cycles (list, start, read, record any stage).

Every endpoint resolves the organization with `api_organization` (404 for outsiders) and the
initiative or cycle with the access helpers (404 for missing and foreign alike), then applies
the same permission rules as the pages (`improvement.*` in rules.py: everyone in the
organization reads; admins, safety leads and the initiative's owner and team write, but only
the owner, safety leads and admins change the owner and team; executive viewers only read).
Writes go through services.py; bad input is answered 422 naming the field."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from safetyhub.core.access import access_site
from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Day, Id
from safetyhub.core.models import Organization, User
from safetyhub.core.queries import site_tree
from safetyhub.frameworks.access import access_pack
from safetyhub.frameworks.models import PackItem
from safetyhub.measures.queries import measure_refs

from . import queries, services
from .access import access_cycle, access_initiative
from .models import Initiative, PdsaCycle
from .rules import ASSIGN_RULE

router = Router(tags=["improvement"])

VIEW = "improvement.view_plan"
CHANGE = "improvement.change_initiative"
ASSIGN = "improvement.assign_initiative"
NOT_ALLOWED = ("Only the initiative's owner and team, a patient-safety lead or an organization "
               "admin can change it.")

# Named apart from other apps' enums: OpenAPI has one namespace of schemas.
InitiativeStatus = StrEnum("InitiativeStatus", {c.name: c.value for c in Initiative.Status})
PdsaDecision = StrEnum("PdsaDecision", {**{c.name: c.value for c in PdsaCycle.Act},
                                        "UNDECIDED": ""})


# --- schemas -------------------------------------------------------------------------------


class ItemRef(Schema):
    """A framework item: a recommendation (or other item) or a tactic."""

    pack_id: str = Field("nap-2020", min_length=1, max_length=60)
    version: str = Field("", max_length=20, description="empty: the newest visible version")
    key: str = Field(..., min_length=1, max_length=64, examples=["R01"])


class ItemRead(Schema):
    pack_id: str = Field(..., alias="pack.pack_id")
    version: str = Field(..., alias="pack.version")
    key: str
    number: str
    title: str


class PersonRead(Schema):
    id: int
    email: str
    full_name: str


class InitiativeRead(Schema):
    id: int
    title: str
    description: str
    status: InitiativeStatus
    overdue: bool = Field(..., description="past its due date and neither done nor stopped")
    site_id: int | None
    site: str | None = Field(None, alias="site.name")
    recommendation: ItemRead | None
    tactic: ItemRead | None
    source_assessment_id: int | None
    source_item: ItemRead | None = Field(None, description="the assessment element it answers")
    owner: PersonRead | None
    team: list[PersonRead]
    start_on: dt.date | None
    due_on: dt.date | None
    cycle_count: int
    created_at: dt.datetime
    updated_at: dt.datetime = Field(
        ..., description="send it back as `expected_updated_at` to be refused, not "
                         "overwritten, if someone changed the initiative in between")

    @staticmethod
    def resolve_team(initiative: Initiative) -> list[User]:
        return list(initiative.team.all())


class InitiativeCreate(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    recommendation: ItemRef | None = None
    tactic: ItemRef | None = Field(None, description="a tactic alone links its recommendation")
    site_id: Id | None = None
    owner: Id | str | None = Field(None, description="user id or email of an active member")
    team: list[Id | str] = Field(default_factory=list, max_length=200,
                                  description="user ids or emails of active members")
    status: InitiativeStatus = InitiativeStatus.PROPOSED
    start_on: Day | None = None
    due_on: Day | None = None


class InitiativeUpdate(Schema):
    """The fields to change; a field left out keeps its value (null clears it)."""

    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    recommendation: ItemRef | None = None
    tactic: ItemRef | None = None
    site_id: Id | None = None
    owner: Id | str | None = None
    team: list[Id | str] | None = Field(None, max_length=200)
    status: InitiativeStatus | None = None
    start_on: Day | None = None
    due_on: Day | None = None
    expected_updated_at: dt.datetime | None = Field(
        None, description="the `updated_at` you loaded: refused with 422 if it changed since")


class PlanFilters(Schema):
    status: InitiativeStatus | None = None
    area: str = Field("", max_length=64, description="a National Action Plan area, e.g. CLG")
    recommendation: str = Field("", max_length=64,
                                description="a National Action Plan recommendation, e.g. R01")
    owner: str = Field("", max_length=20, description="a user id, or `none` for no owner")
    site_id: Id | None = Field(None, description="a site; its units are included")
    overdue: bool = False


class NoteCreate(Schema):
    text: str = Field(..., min_length=1, max_length=5000)


class NoteRead(Schema):
    id: int
    author_id: int | None
    author: str | None
    text: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(note) -> str | None:
        return str(note.author) if note.author_id else None


class CycleCreate(Schema):
    change: str = Field(..., min_length=1, max_length=300)
    prediction: str = Field("", max_length=10_000)
    plan_details: str = Field("", max_length=10_000, description="who, when, where")
    started_on: Day | None = Field(None, description="empty: today")
    measure_ids: list[Id] = Field(default_factory=list, max_length=200)


class CycleUpdate(Schema):
    """The fields to change; a field left out keeps its value."""

    change: str | None = Field(None, min_length=1, max_length=300)
    prediction: str | None = Field(None, max_length=10_000)
    plan_details: str | None = Field(None, max_length=10_000)
    started_on: Day | None = None
    ended_on: Day | None = None
    observations: str | None = Field(None, max_length=10_000)
    study: str | None = Field(None, max_length=10_000)
    act: PdsaDecision | None = None
    act_notes: str | None = Field(None, max_length=10_000)
    measure_ids: list[Id] | None = Field(None, max_length=200)
    expected_updated_at: dt.datetime | None = Field(
        None, description="the `updated_at` you loaded: refused with 422 if it changed since")


class CycleRead(Schema):
    id: int
    initiative_id: int
    number: int
    change: str
    prediction: str
    plan_details: str
    started_on: dt.date
    ended_on: dt.date | None
    observations: str
    study: str
    act: PdsaDecision
    act_notes: str
    measure_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime = Field(
        ..., description="send it back as `expected_updated_at` to be refused, not "
                         "overwritten, if someone changed the cycle in between")

    @staticmethod
    def resolve_measure_ids(cycle: PdsaCycle) -> list[int]:
        return sorted(m.pk for m in cycle.measures.all())


# --- helpers -------------------------------------------------------------------------------


def _initiative(request: HttpRequest, slug: str, initiative_id: int, *, write: bool = False):
    org = api_organization(request, slug, VIEW)
    initiative = access_initiative(user=request.user, organization=org, pk=initiative_id)
    if write and not request.user.has_perm(CHANGE, initiative):
        raise PermissionDenied(NOT_ALLOWED)
    return org, initiative


def _out(organization: Organization, pk: int) -> Initiative:
    """One initiative as the list shows it (overdue, cycle count, team)."""
    today = timezone.localdate()
    initiative = (queries.initiatives_queryset(organization=organization, today=today)
                  .prefetch_related("team").get(pk=pk))
    initiative.overdue = services.is_overdue(initiative, today)
    return initiative


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors
                            for field, errors in exc.error_dict.items()})


INITIATIVE_NAMES = {"site": "site_id", "updated_at": "expected_updated_at"}
CYCLE_NAMES = {"measures": "measure_ids", "updated_at": "expected_updated_at"}


def _item(request, organization: Organization, ref: ItemRef | None, kind: str, field: str
          ) -> PackItem | None:
    if ref is None:
        return None
    try:
        pack = access_pack(user=request.user, organization=organization, pack_id=ref.pack_id,
                           version=ref.version)
    except Http404:
        raise ValidationError({field: f"No framework {ref.pack_id!r}"
                                      f"{' version ' + ref.version if ref.version else ''} "
                                      "for this organization."}) from None
    item = pack.items.filter(key=ref.key, kind=kind).select_related("pack", "parent").first()
    if item is None:
        what = "tactic" if kind == PackItem.Kind.TACTIC else "recommendation"
        raise ValidationError({field: f"{ref.key!r} is not a {what} of {pack.pack_id} "
                                      f"version {pack.version}."})
    return item


def _people(organization: Organization, refs: list[int | str], field: str,
            already: set[int] = frozenset()) -> list[User]:
    """Users named by id or email: active members of the organization, or people already on
    the initiative (`already`). 422 naming `field` for anyone else, missing or foreign
    alike."""
    ids = {r for r in refs if isinstance(r, int)}
    emails = {r.strip().lower() for r in refs if isinstance(r, str)}
    wanted = Q(pk__in=ids)
    for email in emails:
        wanted |= Q(email__iexact=email)
    allowed = Q(memberships__organization=organization, memberships__is_active=True,
                is_active=True) | Q(pk__in=already)
    found = list(User.objects.filter(wanted).filter(allowed).distinct())
    known_ids = {u.pk for u in found}
    known_emails = {u.email.lower() for u in found}
    unknown = [str(i) for i in sorted(ids - known_ids)] + sorted(emails - known_emails)
    if unknown:
        raise ValidationError({field: "Not active members of this organization: "
                                      f"{', '.join(unknown)}."})
    return found


def _site(request, organization: Organization, site_id: int | None):
    if site_id is None:
        return None
    try:
        return access_site(user=request.user, organization=organization, pk=site_id)
    except Http404:
        raise ValidationError({"site_id": "No such site in this organization."}) from None


def _plan_filter(organization: Organization, filters: PlanFilters) -> queries.PlanFilter:
    areas = queries.nap_areas(organization=organization)
    errors = {}
    area_keys = [a.section.key for a in areas]
    if filters.area and filters.area not in area_keys:
        errors["area"] = f"Unknown area {filters.area!r}; one of {', '.join(area_keys)}."
    rec_keys = {r.key for a in areas for r in a.recommendations}
    if filters.recommendation and filters.recommendation not in rec_keys:
        errors["recommendation"] = (f"Unknown recommendation {filters.recommendation!r}; "
                                    "for example R01.")
    owner = filters.owner.strip()
    if owner and owner != queries.NO_OWNER and not owner.isdigit():
        errors["owner"] = "Give a user id, or `none` for initiatives without an owner."
    site_ids = None
    if filters.site_id is not None:
        tree = site_tree(organization=organization)
        site_ids = frozenset(queries.sites_with_units(tree, filters.site_id))
        if not site_ids:
            errors["site_id"] = "No such site in this organization."
    if errors:
        raise ValidationError(errors)
    return queries.PlanFilter(area=filters.area, recommendation=filters.recommendation,
                              status=filters.status.value if filters.status else "",
                              owner=owner, site_ids=site_ids, overdue=filters.overdue)


# --- initiatives ---------------------------------------------------------------------------


@router.get("/orgs/{slug}/initiatives", response=list[InitiativeRead])
def initiative_list(request, slug: str, filters: Query[PlanFilters]):
    """The action plan, soonest due first: every member may read it."""
    org = api_organization(request, slug, VIEW)
    plan_filter = _plan_filter(org, filters)
    today = timezone.localdate()
    rows = list(queries.initiatives_queryset(organization=org, filters=plan_filter,
                                             today=today).prefetch_related("team"))
    for initiative in rows:
        initiative.overdue = services.is_overdue(initiative, today)
    return rows


@router.post("/orgs/{slug}/initiatives", response={201: InitiativeRead})
def initiative_create(request, slug: str, payload: InitiativeCreate):
    """Add an initiative (organization admins and patient-safety leads)."""
    org = api_organization(request, slug, "improvement.add_initiative")
    owner = _people(org, [payload.owner], "owner")[0] if payload.owner is not None else None
    try:
        initiative = services.create_initiative(
            organization=org, by=request.user, title=payload.title,
            description=payload.description,
            recommendation=_item(request, org, payload.recommendation, PackItem.Kind.ITEM,
                                 "recommendation"),
            tactic=_item(request, org, payload.tactic, PackItem.Kind.TACTIC, "tactic"),
            site=_site(request, org, payload.site_id), owner=owner,
            team=_people(org, payload.team, "team"), status=payload.status.value,
            start_on=payload.start_on, due_on=payload.due_on,
        )
    except ValidationError as exc:
        raise _renamed(exc, INITIATIVE_NAMES) from None
    return Status(201, _out(org, initiative.pk))


@router.get("/orgs/{slug}/initiatives/{initiative_id}", response=InitiativeRead)
def initiative_detail(request, slug: str, initiative_id: int):
    org, initiative = _initiative(request, slug, initiative_id)
    return _out(org, initiative.pk)


@router.patch("/orgs/{slug}/initiatives/{initiative_id}", response=InitiativeRead)
def initiative_update(request, slug: str, initiative_id: int, payload: InitiativeUpdate):
    """Change the fields sent (any status may follow any other; the audit trail records
    who changed what and when)."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    sent = payload.model_dump(exclude_unset=True)
    for name in ("title", "status"):
        if name in sent and sent[name] is None:
            raise ValidationError({name: "Cannot be empty."})
    changes: dict = {}
    if "title" in sent:
        changes["title"] = payload.title
    if "description" in sent:
        changes["description"] = payload.description or ""
    if "status" in sent:
        changes["status"] = payload.status.value
    for name in ("start_on", "due_on"):
        if name in sent:
            changes[name] = sent[name]
    if "recommendation" in sent:
        changes["recommendation"] = _item(request, org, payload.recommendation,
                                          PackItem.Kind.ITEM, "recommendation")
    if "tactic" in sent:
        changes["tactic"] = _item(request, org, payload.tactic, PackItem.Kind.TACTIC, "tactic")
    if "site_id" in sent:
        changes["site"] = (initiative.site if payload.site_id == initiative.site_id
                           else _site(request, org, payload.site_id))
    already = {u.pk for u in initiative.team.all()} | ({initiative.owner_id} - {None})
    if "owner" in sent:
        changes["owner"] = (None if payload.owner is None
                            else _people(org, [payload.owner], "owner", already)[0])
    if "team" in sent:
        changes["team"] = _people(org, payload.team or [], "team", already)
    # Clients may send back the owner and team they read; only a change needs the right.
    if _changes_people(initiative, changes) and not request.user.has_perm(ASSIGN, initiative):
        raise PermissionDenied(ASSIGN_RULE)
    try:
        services.update_initiative(initiative=initiative, by=request.user,
                                   expected_updated_at=payload.expected_updated_at, **changes)
    except ValidationError as exc:
        raise _renamed(exc, INITIATIVE_NAMES) from None
    return _out(org, initiative.pk)


def _changes_people(initiative: Initiative, changes: dict) -> bool:
    """Whether `changes` names another owner or another team than the initiative has."""
    if "owner" in changes:
        owner = changes["owner"]
        if (owner.pk if owner is not None else None) != initiative.owner_id:
            return True
    return "team" in changes and (
        {u.pk for u in changes["team"]} != {u.pk for u in initiative.team.all()})


@router.get("/orgs/{slug}/initiatives/{initiative_id}/notes", response=list[NoteRead])
def note_list(request, slug: str, initiative_id: int):
    _org, initiative = _initiative(request, slug, initiative_id)
    return list(queries.notes_of(initiative))


@router.post("/orgs/{slug}/initiatives/{initiative_id}/notes", response={201: NoteRead})
def note_create(request, slug: str, initiative_id: int, payload: NoteCreate):
    _org, initiative = _initiative(request, slug, initiative_id, write=True)
    note = services.add_progress_note(initiative=initiative, by=request.user, text=payload.text)
    return Status(201, note)


# --- PDSA cycles ---------------------------------------------------------------------------


@router.get("/orgs/{slug}/initiatives/{initiative_id}/cycles", response=list[CycleRead])
def cycle_list(request, slug: str, initiative_id: int):
    _org, initiative = _initiative(request, slug, initiative_id)
    return list(initiative.cycles.prefetch_related("measures"))


@router.post("/orgs/{slug}/initiatives/{initiative_id}/cycles", response={201: CycleRead})
def cycle_create(request, slug: str, initiative_id: int, payload: CycleCreate):
    """Plan a PDSA cycle: it takes the initiative's next number."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    try:
        cycle = services.start_cycle(
            initiative=initiative, by=request.user, change=payload.change,
            prediction=payload.prediction, plan_details=payload.plan_details,
            started_on=payload.started_on, measures=measure_refs(org, payload.measure_ids))
    except ValidationError as exc:
        raise _renamed(exc, CYCLE_NAMES) from None
    return Status(201, cycle)


@router.get("/orgs/{slug}/cycles/{cycle_id}", response=CycleRead)
def cycle_detail(request, slug: str, cycle_id: int):
    org = api_organization(request, slug, VIEW)
    return access_cycle(user=request.user, organization=org, pk=cycle_id)


@router.patch("/orgs/{slug}/cycles/{cycle_id}", response=CycleRead)
def cycle_update(request, slug: str, cycle_id: int, payload: CycleUpdate):
    """Record any stage of the cycle: plan, do (what happened, end), study, act (adopt,
    adapt or abandon), and the measures whose charts show it."""
    org = api_organization(request, slug, VIEW)
    cycle = access_cycle(user=request.user, organization=org, pk=cycle_id)
    if not request.user.has_perm("improvement.change_cycle", cycle):
        raise PermissionDenied(NOT_ALLOWED)
    sent = payload.model_dump(exclude_unset=True)
    for name in ("change", "started_on", "act"):
        if name in sent and sent[name] is None:
            raise ValidationError({name: "Cannot be empty."})
    changes = {name: value for name, value in sent.items()
               if name not in ("measure_ids", "expected_updated_at")}
    if "act" in changes:
        changes["act"] = payload.act.value
    for name in ("prediction", "plan_details", "observations", "study", "act_notes"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    if "measure_ids" in sent:
        changes["measures"] = measure_refs(org, payload.measure_ids or [])
    try:
        cycle = services.update_cycle(cycle=cycle, by=request.user,
                                      expected_updated_at=payload.expected_updated_at,
                                      **changes)
    except ValidationError as exc:
        raise _renamed(exc, CYCLE_NAMES) from None
    return cycle
