"""API for an initiative's aim and driver diagram: read and write the aim (GET/PUT); the
diagram as a nested outline (GET); its nodes listed, created, changed, moved and deleted.

The same doors and rules as the plan's API (api.py): the organization through
`api_organization` (404 for outsiders), the initiative and nodes through access.py (404 for
missing and foreign alike); every member reads, the initiative's editors write. Bad input
is answered 422 naming the field (`parent` for a node under the wrong kind of node or in
another diagram)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from ninja import Field, Router, Schema, Status

from safetyhub.core.inputs import Day, Id, Number
from safetyhub.frameworks.models import PackItem
from safetyhub.measures.queries import measure_ref, measure_refs

from . import services_aims, services_drivers
from .access import access_driver_node
from .api import ItemRead, ItemRef, _initiative, _item
from .drivers_draw import Branch, diagram_tree
from .models import PdsaCycle
from .models_aims import Aim
from .models_drivers import DriverNode
from .queries_aims import aim_of
from .services import UNSET

router = Router(tags=["improvement"])

DriverNodeKind = StrEnum("DriverNodeKind", {c.name: c.value for c in DriverNode.Kind})
MoveDirection = StrEnum("MoveDirection", {"UP": "up", "DOWN": "down"})


class AimRead(Schema):
    sentence: str
    what: str
    who: str
    baseline: float | None
    target: float
    target_is_percent: bool
    unit: str
    by_when: dt.date
    measure_id: int | None
    goal_met: bool | None = Field(None, description="whether the measure's latest phase "
                                                    "meets the goal; null when unknown")
    goal_reading: str
    updated_at: dt.datetime


class AimWrite(Schema):
    what: str = Field(..., max_length=200, examples=["Reduce falls with injury"])
    who: str = Field(..., max_length=200, examples=["adult inpatients on 4 West"])
    baseline: Number | None = None
    target: Number | None = Field(..., examples=[2.0])
    target_is_percent: bool = False
    unit: str = Field("", max_length=100, examples=["per 1,000 patient days"])
    by_when: Day | None = Field(..., examples=["2027-06-30"])
    measure_id: Id | None = None
    updated_at: dt.datetime | None = Field(
        None, description="the `updated_at` of the aim you read (null: there was none); "
                          "when given, a change saved by someone else in between is refused "
                          "(422 on updated_at) instead of overwritten")


def _aim_out(aim: Aim) -> dict:
    reading = services_aims.goal_reading(aim)
    return {**{name: getattr(aim, name) for name in (
        "what", "who", "baseline", "target", "target_is_percent", "unit", "by_when",
        "measure_id", "updated_at")},
        "sentence": services_aims.sentence(aim), "goal_met": reading.met,
        "goal_reading": reading.text}


@router.get("/orgs/{slug}/initiatives/{initiative_id}/aim", response=AimRead)
def aim_read(request, slug: str, initiative_id: int):
    _org, initiative = _initiative(request, slug, initiative_id)
    aim = aim_of(initiative)
    if aim is None:
        raise Http404("This initiative has no aim yet.")
    return _aim_out(aim)


@router.put("/orgs/{slug}/initiatives/{initiative_id}/aim", response=AimRead)
def aim_write(request, slug: str, initiative_id: int, payload: AimWrite):
    """Write the whole aim (create or replace). With `measure_id`, that measure's goal line
    becomes the aim's target."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    measure = measure_ref(org, payload.measure_id)
    try:
        aim = services_aims.set_aim(
            initiative=initiative, by=request.user, measure=measure,
            expected_updated_at=(payload.updated_at if "updated_at" in payload.model_fields_set
                                 else UNSET),
            **payload.model_dump(exclude={"measure_id", "updated_at"}))
    except ValidationError as exc:
        raise ValidationError({("measure_id" if k == "measure" else k): v
                               for k, v in exc.message_dict.items()}) from None
    return _aim_out(aim)


# --- the driver diagram --------------------------------------------------------------------


class NodeRead(Schema):
    id: int
    kind: DriverNodeKind
    text: str
    parent_id: int | None
    position: int
    tactic: ItemRead | None
    cycle_ids: list[int]
    measure_ids: list[int]


def _with_ids(node: DriverNode) -> DriverNode:
    """The ids of its links, from the prefetched rows (NodeRead reads them)."""
    node.cycle_ids = [c.pk for c in node.cycles.all()]
    node.measure_ids = [m.pk for m in node.measures.all()]
    return node


class OutlineNode(NodeRead):
    children: list[OutlineNode] = Field(default_factory=list, alias="outline_children")


class DiagramRead(Schema):
    aim: str | None = Field(..., description="the aim's sentence; null before it is written")
    drivers: list[OutlineNode]


class NodeCreate(Schema):
    kind: DriverNodeKind
    text: str = Field("", max_length=300, description="empty for a change idea: the "
                                                      "tactic's own words")
    parent_id: Id | None = Field(None, description="none for a primary driver; a primary "
                                                   "driver for a secondary; a secondary "
                                                   "driver for a change idea")
    tactic: ItemRef | None = None
    cycle_ids: list[Id] = Field(default_factory=list, max_length=100)
    measure_ids: list[Id] = Field(default_factory=list, max_length=100)


class NodeUpdate(Schema):
    text: str | None = Field(None, max_length=300)
    tactic: ItemRef | None = None
    cycle_ids: list[Id] | None = Field(None, max_length=100)
    measure_ids: list[Id] | None = Field(None, max_length=100)


class NodeMove(Schema):
    direction: MoveDirection


def _outline(tree: list[Branch]) -> list[DriverNode]:
    """The tree's nodes, each carrying its children (read by OutlineNode)."""
    for branch in tree:
        branch.node.outline_children = _outline(branch.children)
    return [_with_ids(b.node) for b in tree]


def _cycles(initiative, ids: list[int]) -> list[PdsaCycle]:
    found = list(PdsaCycle.objects.filter(initiative=initiative, pk__in=ids))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        raise ValidationError({"cycle_ids": "No such PDSA cycles on this initiative: "
                                            f"{', '.join(map(str, missing))}."})
    return found


def _node(request, org, initiative, node_id: int, field: str = "id") -> DriverNode:
    try:
        return access_driver_node(user=request.user, organization=org, initiative=initiative,
                                  pk=node_id)
    except Http404:
        if field == "id":
            raise
        raise ValidationError({field: "No such node in this initiative's diagram."}) from None


def _node_out(node: DriverNode) -> DriverNode:
    return _with_ids(DriverNode.objects.select_related("tactic__pack").prefetch_related(
        "cycles", "measures").get(pk=node.pk))


def _renamed(exc: ValidationError) -> ValidationError:
    names = {"parent": "parent_id", "cycles": "cycle_ids", "measures": "measure_ids"}
    return ValidationError({names.get(k, k): v for k, v in exc.message_dict.items()})


@router.get("/orgs/{slug}/initiatives/{initiative_id}/diagram", response=DiagramRead)
def diagram_read(request, slug: str, initiative_id: int):
    """The diagram as a nested outline: primary drivers, their secondary drivers, their
    change ideas."""
    _org, initiative = _initiative(request, slug, initiative_id)
    aim = aim_of(initiative)
    return {"aim": services_aims.sentence(aim) if aim else None,
            "drivers": _outline(diagram_tree(initiative))}


@router.get("/orgs/{slug}/initiatives/{initiative_id}/diagram/nodes",
            response=list[NodeRead])
def node_list(request, slug: str, initiative_id: int):
    _org, initiative = _initiative(request, slug, initiative_id)
    return [_with_ids(n) for n in DriverNode.objects.filter(initiative=initiative)
            .select_related("tactic__pack").prefetch_related("cycles", "measures")
            .order_by(F("parent_id").asc(nulls_first=True), "position", "pk")]


@router.post("/orgs/{slug}/initiatives/{initiative_id}/diagram/nodes",
             response={201: NodeRead})
def node_create(request, slug: str, initiative_id: int, payload: NodeCreate):
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    parent = (None if payload.parent_id is None
              else _node(request, org, initiative, payload.parent_id, "parent_id"))
    try:
        node = services_drivers.add_node(
            initiative=initiative, by=request.user, kind=payload.kind.value,
            text=payload.text, parent=parent,
            tactic=_item(request, org, payload.tactic, PackItem.Kind.TACTIC, "tactic"),
            cycles=_cycles(initiative, payload.cycle_ids),
            measures=measure_refs(org, payload.measure_ids))
    except ValidationError as exc:
        raise _renamed(exc) from None
    return Status(201, _node_out(node))


@router.patch("/orgs/{slug}/initiatives/{initiative_id}/diagram/nodes/{node_id}",
              response=NodeRead)
def node_update(request, slug: str, initiative_id: int, node_id: int, payload: NodeUpdate):
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    node = _node(request, org, initiative, node_id)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict = {}
    if "text" in sent:
        changes["text"] = payload.text or ""
    if "tactic" in sent:
        changes["tactic"] = _item(request, org, payload.tactic, PackItem.Kind.TACTIC, "tactic")
    if "cycle_ids" in sent:
        changes["cycles"] = _cycles(initiative, payload.cycle_ids or [])
    if "measure_ids" in sent:
        changes["measures"] = measure_refs(org, payload.measure_ids or [])
    try:
        services_drivers.update_node(node=node, by=request.user, **changes)
    except ValidationError as exc:
        raise _renamed(exc) from None
    return _node_out(node)


@router.post("/orgs/{slug}/initiatives/{initiative_id}/diagram/nodes/{node_id}/move",
             response=NodeRead)
def node_move(request, slug: str, initiative_id: int, node_id: int, payload: NodeMove):
    """Swap the node with its neighbour above or below among its siblings."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    node = _node(request, org, initiative, node_id)
    services_drivers.move_node(node=node, by=request.user, direction=payload.direction.value)
    return _node_out(node)


@router.delete("/orgs/{slug}/initiatives/{initiative_id}/diagram/nodes/{node_id}",
               response={204: None})
def node_delete(request, slug: str, initiative_id: int, node_id: int):
    """Delete the node and everything under it."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    services_drivers.delete_node(node=_node(request, org, initiative, node_id), by=request.user)
    return Status(204, None)
