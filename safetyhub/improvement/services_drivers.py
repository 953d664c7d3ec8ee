"""Writes for an initiative's driver diagram: add, change, move and delete its nodes.

The levels are fixed: primary drivers hang from the aim (no parent), secondary drivers from
a primary driver, change ideas from a secondary driver. A change idea may be one of the
framework's tactics, and links to the initiative's own PDSA cycles and the organization's
measures only. Keyword-only functions, one transaction each; bad input raises
ValidationError({field: reason}) and changes nothing; every write is audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry, User
from safetyhub.frameworks.models import PackItem
from safetyhub.measures.models import Measure

from .models import Initiative, PdsaCycle
from .models_drivers import DriverNode
from .queries import choosable_items
from .services import UNSET

MAX_TEXT = 300
Kind = DriverNode.Kind
# The kind of parent each kind of node hangs from (None: the aim).
PARENT_KIND = {Kind.PRIMARY: None, Kind.SECONDARY: Kind.PRIMARY, Kind.CHANGE: Kind.SECONDARY}
CHILD_KIND = {None: Kind.PRIMARY, Kind.PRIMARY: Kind.SECONDARY, Kind.SECONDARY: Kind.CHANGE}


def _check_text(text: str, tactic: PackItem | None) -> str:
    text = (text or "").strip()
    if not text and tactic is not None:
        text = tactic.title[:MAX_TEXT]  # a tactic chosen as it is
    if not text:
        raise ValidationError({"text": "Write the driver or change idea, in a few words."})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": f"At most {MAX_TEXT} characters (this has "
                                       f"{len(text)})."})
    return text


def _check_parent(initiative: Initiative, kind: str, parent: DriverNode | None) -> None:
    if kind not in Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}; choose one of "
                                       f"{', '.join(Kind.values)}."})
    wanted = PARENT_KIND[kind]
    if parent is not None and parent.initiative_id != initiative.pk:
        raise ValidationError({"parent": "No such node in this initiative's diagram."})
    if wanted is None and parent is not None:
        raise ValidationError({"parent": "A primary driver hangs from the aim: give no "
                                         "parent."})
    if wanted is not None and (parent is None or parent.kind != wanted):
        raise ValidationError({"parent": f"A {Kind(kind).label.lower()} hangs from a "
                                         f"{Kind(wanted).label.lower()}."})


def _check_links(initiative: Initiative, kind: str, tactic: PackItem | None,
                 cycles: list[PdsaCycle], measures: list[Measure]) -> None:
    if kind != Kind.CHANGE and (tactic is not None or cycles or measures):
        raise ValidationError({"tactic" if tactic is not None else
                               "cycles" if cycles else "measures":
                               "Only a change idea takes a tactic, PDSA cycles or measures."})
    if tactic is not None and tactic.pk not in {
            t.pk for t in choosable_items(organization=initiative.organization,
                                          kind=PackItem.Kind.TACTIC, include=None)}:
        raise ValidationError({"tactic": "Choose a tactic from your organization's tactics "
                                         "library."})
    if any(c.initiative_id != initiative.pk for c in cycles):
        raise ValidationError({"cycles": "Link only this initiative's own PDSA cycles."})
    if any(m.organization_id != initiative.organization_id for m in measures):
        raise ValidationError({"measures": "Link only your organization's own measures."})


def _record_links(node: DriverNode, name: str, before: Iterable, after: Iterable) -> None:
    old, new = sorted(x.pk for x in before), sorted(x.pk for x in after)
    if old != new:
        audit.record(action=AuditEntry.Action.UPDATE, obj=node,
                     changes={name: {"from": old, "to": new}})


@transaction.atomic
def add_node(*, initiative: Initiative, by: User, kind: str, text: str = "",
             parent: DriverNode | None = None, tactic: PackItem | None = None,
             cycles: Iterable[PdsaCycle] = (), measures: Iterable[Measure] = ()
             ) -> DriverNode:
    """Add a node at the end of its parent's children."""
    cycles, measures = list(cycles), list(measures)
    _check_parent(initiative, kind, parent)
    text = _check_text(text, tactic)
    _check_links(initiative, kind, tactic, cycles, measures)
    # Lock the initiative so two additions at once take different positions.
    Initiative.objects.select_for_update().filter(pk=initiative.pk).first()
    last = DriverNode.objects.filter(initiative=initiative, parent=parent).aggregate(
        n=Max("position"))["n"]
    with audit.acting_as(by):
        node = DriverNode.objects.create(
            initiative=initiative, organization_id=initiative.organization_id, kind=kind,
            parent=parent, position=0 if last is None else last + 1, text=text,
            tactic=tactic, created_by=by)
        if cycles:
            node.cycles.set(cycles)
            _record_links(node, "cycles", [], cycles)
        if measures:
            node.measures.set(measures)
            _record_links(node, "measures", [], measures)
    return node


@transaction.atomic
def update_node(*, node: DriverNode, by: User, text: str = UNSET,
                tactic: PackItem | None = UNSET, cycles: Iterable[PdsaCycle] = UNSET,
                measures: Iterable[Measure] = UNSET) -> DriverNode:
    """Change the fields passed; the rest stay."""
    locked = DriverNode.objects.select_for_update().select_related("initiative__organization"
                                                                   ).get(pk=node.pk)
    new_tactic = locked.tactic if tactic is UNSET else tactic
    new_text = _check_text(locked.text if text is UNSET else text, new_tactic)
    new_cycles = list(locked.cycles.all()) if cycles is UNSET else list(cycles)
    new_measures = list(locked.measures.all()) if measures is UNSET else list(measures)
    _check_links(locked.initiative, locked.kind,
                 new_tactic if tactic is not UNSET else None,
                 new_cycles if cycles is not UNSET else [],
                 new_measures if measures is not UNSET else [])
    with audit.acting_as(by):
        locked.text, locked.tactic = new_text, new_tactic
        locked.save()
        if cycles is not UNSET:
            before = list(locked.cycles.all())
            if {c.pk for c in before} != {c.pk for c in new_cycles}:
                locked.cycles.set(new_cycles)
                _record_links(locked, "cycles", before, new_cycles)
        if measures is not UNSET:
            before = list(locked.measures.all())
            if {m.pk for m in before} != {m.pk for m in new_measures}:
                locked.measures.set(new_measures)
                _record_links(locked, "measures", before, new_measures)
    return locked


@transaction.atomic
def move_node(*, node: DriverNode, by: User, direction: str) -> DriverNode:
    """Swap the node with its neighbour above ("up") or below ("down") among its siblings;
    at the top (or bottom) already, nothing changes."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move “up” or “down”."})
    Initiative.objects.select_for_update().filter(pk=node.initiative_id).first()
    siblings = list(DriverNode.objects.filter(initiative_id=node.initiative_id,
                                              parent_id=node.parent_id)
                    .order_by("position", "pk"))
    index = next(k for k, s in enumerate(siblings) if s.pk == node.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return siblings[index]
    siblings[index], siblings[other] = siblings[other], siblings[index]
    with audit.acting_as(by):
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position", "updated_at"])
    return next(s for s in siblings if s.pk == node.pk)


def _descendants(node: DriverNode) -> list[DriverNode]:
    nodes = list(DriverNode.objects.filter(initiative_id=node.initiative_id))
    children: dict[int | None, list[DriverNode]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    out, stack = [], [node.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child.pk)
    return out


@transaction.atomic
def delete_node(*, node: DriverNode, by: User) -> int:
    """Delete the node and everything under it (each deletion audited); the number deleted."""
    doomed = _descendants(node)
    with audit.acting_as(by):
        # Deepest first, so every row is deleted (and audited) on its own.
        for n in reversed(doomed):
            n.delete()
        node.delete()
    return len(doomed) + 1


def copy_diagram_on_spread(original: Initiative, adopted: Initiative) -> None:
    """Spread copier (services_spread): the adopting unit gets the original's driver diagram,
    node for node, with each change idea's measures replaced by the unit's own copies. PDSA
    cycles stay with the unit that ran them: the adopter tests the changes itself."""
    from .services_spread import measure_copies  # it imports this app's services

    copies = measure_copies(adopted)
    new_ids: dict[int, DriverNode] = {}
    nodes = (DriverNode.objects.filter(initiative=original).prefetch_related("measures")
             .order_by("parent_id", "position", "pk"))
    pending = list(nodes)
    while pending:  # parents before their children, whatever the ids
        waiting = []
        for node in pending:
            if node.parent_id is not None and node.parent_id not in new_ids:
                waiting.append(node)
                continue
            copy = DriverNode.objects.create(
                initiative=adopted, organization_id=adopted.organization_id, kind=node.kind,
                parent=new_ids.get(node.parent_id), position=node.position, text=node.text,
                tactic_id=node.tactic_id, created_by=adopted.created_by)
            linked = [copies[m.pk] for m in node.measures.all() if m.pk in copies]
            if linked:
                copy.measures.set(linked)
                _record_links(copy, "measures", [], linked)
            new_ids[node.pk] = copy
        if len(waiting) == len(pending):
            break  # a parent outside the diagram: never written by add_node
        pending = waiting
