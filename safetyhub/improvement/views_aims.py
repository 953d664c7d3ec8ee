"""Pages of the aim statement and the driver diagram: writing the aim; the diagram as an
outline (nested lists, one form or link per action, each named with its node's text, so it
works with a keyboard and a screen reader without JavaScript) beside its drawing; the
drawing as SVG and PDF downloads. After each action the page returns to the node it acted
on (#node-<id>), so focus is not lost."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core import audit
from safetyhub.core.decorators import org_view
from safetyhub.core.models import AuditEntry
from safetyhub.core.pdf import ChartPainter, write_pdf
from safetyhub.core.views.organizations import add_errors

from . import services_aims, services_drivers
from .access import access_driver_node, access_initiative
from .drivers_draw import diagram_svg, diagram_tree, flat
from .forms_aims import AimForm, NodeForm
from .models_drivers import DriverNode
from .queries_aims import aim_of
from .views import VIEW, _require_change

PRINT_CSS = "css/report.css"


def _initiative(request, pk: int, *, write: bool = False):
    initiative = access_initiative(user=request.user, organization=request.organization, pk=pk)
    if write:
        _require_change(request, initiative)
    return initiative


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def aim_edit(request, pk: int):
    initiative = _initiative(request, pk, write=True)
    aim = aim_of(initiative)
    initial = {}
    if aim is not None:
        initial = {"what": aim.what, "who": aim.who, "baseline": aim.baseline,
                   "target": aim.target, "unit": aim.unit, "by_when": aim.by_when,
                   "measure": aim.measure_id,
                   "target_is_percent": "percent" if aim.target_is_percent else "value",
                   "updated_at": aim.updated_at.isoformat()}
    form = AimForm(request.POST or None, initiative=initiative, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            services_aims.set_aim(initiative=initiative, by=request.user,
                                  expected_updated_at=values.pop("updated_at"), **values)
        except ValidationError as exc:
            conflict = exc.message_dict.pop("updated_at", None)
            if conflict:
                # Saving again now replaces the version this person has been told about.
                form.data = form.data.copy()
                form.data["updated_at"] = aim.updated_at.isoformat() if aim else ""
                form.add_error(None, conflict)
            add_errors(form, ValidationError(exc.message_dict))
        else:
            messages.success(request, "Aim saved.")
            return redirect(reverse("improvement:initiative", args=[
                request.organization.slug, initiative.pk]) + "#aim")
    return render(request, "improvement/aim_form.html",
                  {"form": form, "initiative": initiative, "aim": aim},
                  status=422 if form.errors else 200)


def _aim_text(initiative) -> str:
    aim = aim_of(initiative)
    return services_aims.sentence(aim) if aim else f"{initiative.title} (no aim written yet)"


def _diagram_url(request, initiative, node_pk: int | None = None) -> str:
    url = reverse("improvement:diagram", args=[request.organization.slug, initiative.pk])
    return url + (f"#node-{node_pk}" if node_pk else "")


@require_GET
@org_view(VIEW)
def diagram(request, pk: int):
    initiative = _initiative(request, pk)
    tree = diagram_tree(initiative)
    aim_text = _aim_text(initiative)
    return render(request, "improvement/diagram.html", {
        "initiative": initiative, "tree": tree, "aim_text": aim_text,
        "svg": diagram_svg(aim_text=aim_text, tree=tree, title=initiative.title),
        "can_change": request.user.has_perm("improvement.change_initiative", initiative),
    })


def _parent_and_kind(request, initiative):
    raw = request.GET.get("parent") or request.POST.get("parent") or ""
    if not raw:
        return None, DriverNode.Kind.PRIMARY
    parent = access_driver_node(user=request.user, organization=request.organization,
                                initiative=initiative, pk=raw)
    kind = services_drivers.CHILD_KIND.get(parent.kind)
    if kind is None:
        raise Http404("A change idea has nothing under it.")
    return parent, kind


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def node_new(request, pk: int):
    initiative = _initiative(request, pk, write=True)
    parent, kind = _parent_and_kind(request, initiative)
    form = NodeForm(request.POST or None, initiative=initiative, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            node = services_drivers.add_node(initiative=initiative, by=request.user, kind=kind,
                                             parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Added the {node.get_kind_display().lower()} "
                                      f"“{node.text}”.")
            return redirect(_diagram_url(request, initiative, node.pk))
    return render(request, "improvement/diagram_node_form.html", {
        "form": form, "initiative": initiative, "parent": parent, "node": None,
        "kind_label": DriverNode.Kind(kind).label,
        "back": _diagram_url(request, initiative, parent.pk if parent else None),
    }, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def node_edit(request, pk: int, node_pk: int):
    initiative = _initiative(request, pk, write=True)
    node = access_driver_node(user=request.user, organization=request.organization,
                              initiative=initiative, pk=node_pk)
    initial = {"text": node.text}
    if node.kind == DriverNode.Kind.CHANGE:
        initial.update(tactic=node.tactic_id, cycles=list(node.cycles.all()),
                       measures=list(node.measures.all()))
    form = NodeForm(request.POST or None, initiative=initiative, kind=node.kind,
                    tactic=node.tactic, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services_drivers.update_node(node=node, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(_diagram_url(request, initiative, node.pk))
    return render(request, "improvement/diagram_node_form.html", {
        "form": form, "initiative": initiative, "parent": node.parent, "node": node,
        "kind_label": node.get_kind_display(), "back": _diagram_url(request, initiative,
                                                                    node.pk),
    }, status=422 if form.errors else 200)


@require_POST
@org_view(VIEW)
def node_move(request, pk: int, node_pk: int):
    initiative = _initiative(request, pk, write=True)
    node = access_driver_node(user=request.user, organization=request.organization,
                              initiative=initiative, pk=node_pk)
    try:
        services_drivers.move_node(node=node, by=request.user,
                                   direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Moved “{node.text}” {request.POST['direction']}.")
    return redirect(_diagram_url(request, initiative, node.pk))


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def node_delete(request, pk: int, node_pk: int):
    """Asks first (a page of its own, so it works without JavaScript)."""
    initiative = _initiative(request, pk, write=True)
    node = access_driver_node(user=request.user, organization=request.organization,
                              initiative=initiative, pk=node_pk)
    if request.method == "POST":
        count = services_drivers.delete_node(node=node, by=request.user)
        messages.success(request, f"Deleted “{node.text}”" + (
            f" and the {count - 1} item{'s' if count > 2 else ''} under it." if count > 1
            else "."))
        return redirect(_diagram_url(request, initiative, node.parent_id))
    below = [n for n, _ in flat(next((b.children for b in _branches(initiative)
                                      if b.node.pk == node.pk), []))]
    return render(request, "improvement/diagram_node_delete.html", {
        "initiative": initiative, "node": node, "below": below,
        "back": _diagram_url(request, initiative, node.pk)})


def _branches(initiative):
    """Every branch of the tree, at any depth."""
    out, stack = [], list(diagram_tree(initiative))
    while stack:
        branch = stack.pop()
        out.append(branch)
        stack.extend(branch.children)
    return out


def _download(content: bytes | str, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@org_view(VIEW)
def diagram_download_svg(request, pk: int):
    initiative = _initiative(request, pk)
    svg = diagram_svg(aim_text=_aim_text(initiative), tree=diagram_tree(initiative),
                      title=initiative.title)
    return _download('<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
                     content_type="image/svg+xml",
                     name=f"driver-diagram-{slugify(initiative.title)[:60]}.svg")


def diagram_pdf_bytes(initiative) -> bytes:
    """The drawing and the outline, laid out by WeasyPrint (it renders the inline SVG)."""
    tree = diagram_tree(initiative)
    aim_text = _aim_text(initiative)
    html = render_to_string("improvement/diagram_print.html", {
        "initiative": initiative, "aim_text": aim_text, "outline": flat(tree),
        "svg": diagram_svg(aim_text=aim_text, tree=tree, title=initiative.title)})
    with ChartPainter() as painter:
        return write_pdf(html=html, painter=painter, stylesheet=PRINT_CSS).content


@require_GET
@org_view(VIEW)
def diagram_download_pdf(request, pk: int):
    initiative = _initiative(request, pk)
    pdf = diagram_pdf_bytes(initiative)
    audit.record(action=AuditEntry.Action.VIEW, obj=initiative,
                 changes={"driver_diagram": "pdf"})
    return _download(pdf, content_type="application/pdf",
                     name=f"driver-diagram-{slugify(initiative.title)[:60]}.pdf")


@require_GET
@org_view(VIEW)
def diagram_download_text(request, pk: int):
    """The outline as indented plain text (for an email, a document, a slide)."""
    initiative = _initiative(request, pk)
    lines = [f"Driver diagram: {initiative.title}", f"Aim: {_aim_text(initiative)}"]
    for node, depth in flat(diagram_tree(initiative)):
        extra = f" (tactic: {node.tactic.title})" if node.tactic else ""
        lines.append(f"{'  ' * depth}- {node.get_kind_display()}: {node.text}{extra}")
    return _download("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8",
                     name=f"driver-diagram-{slugify(initiative.title)[:60]}.txt")
