"""The driver diagram as a tree to show (one query per kind of row) and as a drawing: a
server-rendered SVG in four columns (aim | primary drivers | secondary drivers | change
ideas), boxes with wrapped text joined by connectors. The same SVG is shown on the page,
downloaded, and laid out in the PDF.

For screen readers the drawing exposes its structure: the SVG is a labelled
graphics-document; each column is a group with role="list" and each box a role="listitem"
whose name is its text (and what it hangs from), so the reading order is the diagram's."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Initiative, PdsaCycle
from .models_drivers import DriverNode


@dataclass
class Branch:
    node: DriverNode
    children: list[Branch] = field(default_factory=list)


def diagram_tree(initiative: Initiative) -> list[Branch]:
    """The primary drivers, each with its secondary drivers and their change ideas, in
    order. A fixed number of queries whatever the size of the diagram."""
    nodes = list(DriverNode.objects.filter(initiative=initiative)
                 .select_related("tactic__pack")
                 .prefetch_related(Prefetch("cycles", queryset=PdsaCycle.objects.order_by(
                     "number")), "measures")
                 .order_by("position", "pk"))
    branches = {n.pk: Branch(n) for n in nodes}
    roots = []
    for n in nodes:
        (branches[n.parent_id].children if n.parent_id in branches else roots).append(
            branches[n.pk])
    return roots


def flat(tree: list[Branch], depth: int = 1) -> list[tuple[DriverNode, int]]:
    """(node, depth) in outline order."""
    out = []
    for branch in tree:
        out.append((branch.node, depth))
        out.extend(flat(branch.children, depth + 1))
    return out


# Layout, in SVG user units (the viewBox scales it to the page).
COL_W, BOX_W, GAP_Y, PAD, LINE_H, CHARS = 230, 190, 14, 8, 16, 26
TOP = 40
COLUMNS = ("Aim", "Primary drivers", "Secondary drivers", "Change ideas")


@dataclass
class _Box:
    column: int
    lines: list[str]
    text: str
    label: str
    parent: _Box | None = None
    y: float = 0.0

    @property
    def height(self) -> float:
        return len(self.lines) * LINE_H + 2 * PAD

    @property
    def x(self) -> float:
        return 10 + self.column * COL_W


def _wrap(text: str, limit: int = 8) -> list[str]:
    lines = textwrap.wrap(text, CHARS) or [""]
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1][:CHARS - 1] + "…"
    return lines


def _layout(aim_text: str, tree: list[Branch]) -> tuple[_Box, list[_Box], float]:
    """Place the boxes: each leaf takes the next free row of its column; a parent is
    centred on its children (and pushed down below the previous box of its column)."""
    boxes: list[_Box] = []
    bottom = [TOP] * 4

    def place(branch: Branch, column: int, parent: _Box | None) -> _Box:
        node = branch.node
        kind = node.get_kind_display()
        label = f"{kind}: {node.text}"
        if parent is not None and parent.column > 0:
            label += f" (under “{parent.text}”)"
        box = _Box(column, _wrap(node.text), node.text, label, parent)
        boxes.append(box)
        # Children start no higher than their parent's column has reached.
        for k in range(column + 1, 4):
            bottom[k] = max(bottom[k], bottom[column])
        kids = [place(child, column + 1, box) for child in branch.children]
        want = ((kids[0].y + kids[-1].y + kids[-1].height) / 2 - box.height / 2
                if kids else bottom[column])
        box.y = max(want, bottom[column])
        bottom[column] = box.y + box.height + GAP_Y
        if box.y > want:  # pushed down: keep the children level with it
            for k in range(column + 1, 4):
                bottom[k] = max(bottom[k], box.y)
        return box

    aim = _Box(0, _wrap(aim_text, 12), aim_text, f"Aim: {aim_text}")
    kids = [place(b, 1, aim) for b in tree]
    height = max(bottom) if kids else TOP + aim.height + GAP_Y
    aim.y = ((kids[0].y + kids[-1].y + kids[-1].height) / 2 - aim.height / 2
             if kids else TOP)
    aim.y = max(aim.y, TOP)
    return aim, boxes, max(height, aim.y + aim.height + GAP_Y)


def _box_svg(box: _Box, css: str) -> str:
    text = "".join(
        f'<tspan x="{box.x + PAD:.0f}" y="{box.y + PAD + (k + 1) * LINE_H - 4:.0f}">'
        f"{escape(line)}</tspan>" for k, line in enumerate(box.lines))
    return (f'<g role="listitem" aria-label="{escape(box.label)}" class="{css}">'
            f"<title>{escape(box.label)}</title>"
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{BOX_W}" height="{box.height:.0f}" '
            f'rx="6" fill="#ffffff" stroke="#1f4e79" stroke-width="1.5"/>'
            f'<text font-size="13" fill="#1a1a1a" aria-hidden="true">{text}</text></g>')


def diagram_svg(*, aim_text: str, tree: list[Branch], title: str) -> SafeString:
    """The diagram as an SVG document (responsive: width 100%, scaled by its viewBox)."""
    aim, boxes, height = _layout(aim_text, tree)
    width = 10 + 4 * COL_W - (COL_W - BOX_W) + 10
    headings = "".join(
        f'<text x="{10 + k * COL_W}" y="22" font-size="14" font-weight="bold" fill="#1a1a1a" '
        f'aria-hidden="true">{name}</text>' for k, name in enumerate(COLUMNS))
    lines = []
    for box in boxes:
        p = box.parent
        if p is None:
            continue
        x1, y1 = p.x + BOX_W, p.y + p.height / 2
        x2, y2 = box.x, box.y + box.height / 2
        mid = (x1 + x2) / 2
        lines.append(f'<path d="M{x1:.0f},{y1:.0f} H{mid:.0f} V{y2:.0f} H{x2:.0f}" '
                     'fill="none" stroke="#5a6b7b" stroke-width="1.2"/>')
    columns = []
    for k, name in enumerate(COLUMNS):
        members = [aim] if k == 0 else [b for b in boxes if b.column == k]
        items = "".join(_box_svg(b, "driver-box") for b in members)
        columns.append(f'<g role="list" aria-label="{name}">{items}</g>')
    summary = (f"Driver diagram of “{title}”: the aim, {sum(b.column == 1 for b in boxes)} "
               f"primary drivers, {sum(b.column == 2 for b in boxes)} secondary drivers and "
               f"{sum(b.column == 3 for b in boxes)} change ideas.")
    # Every text above is escaped.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="driver-diagram" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="graphics-document" '
        f'aria-roledescription="driver diagram" aria-label="{escape(summary)}">'
        f"<title>Driver diagram: {escape(title)}</title><desc>{escape(summary)}</desc>"
        f'<g aria-hidden="true">{"".join(lines)}</g>{headings}{"".join(columns)}</svg>')
