"""The board pack pages: the list (and a new pack), one pack as a page with its PDF's
progress, the PDF itself. Who may do what: core/rules.py (leads write and generate,
executives read)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit, board_pack, services, throttle
from ..access import access_board_pack
from ..decorators import org_view
from ..forms.board_pack import BoardPackForm
from ..models import AuditEntry, BoardPack
from ..pdf import ChartPainter
from .organizations import add_errors

VIEW = "core.view_board_pack"
CHANGE = "core.change_board_pack"


def _require_change(request) -> None:
    if not request.user.has_perm(CHANGE, request.organization):
        raise PermissionDenied("Your role in this organization does not allow this.")


def _initial_period(today: dt.date) -> board_pack.Period:
    return board_pack.last_full_period(schedule="quarter", today=today)


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def board_packs(request):
    org = request.organization
    can_change = request.user.has_perm(CHANGE, org)
    period = _initial_period(timezone.localdate())
    form = BoardPackForm(request.POST or None, organization=org, initial={
        "title": f"Board pack, {period.label}", "period_start": period.start,
        "period_end": period.end})
    if request.method == "POST":
        _require_change(request)
        if form.is_valid():
            try:
                pack = services.create_board_pack(organization=org, by=request.user,
                                                  **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Made “{pack.title}”. Generate its PDF when "
                                          "the summary reads right.")
                return redirect("board_pack", org_slug=org.slug, pk=pack.pk)
    return render(request, "core/board_pack/list.html", {
        "packs": BoardPack.objects.filter(organization=org), "form": form,
        "can_change": can_change, "organization": org}, status=422 if form.errors else 200)


@transaction.non_atomic_requests
@require_GET
@org_view(VIEW)
def board_pack_page(request, pk):
    """The pack as a page (the PDF's content, with the site around it)."""
    pack = access_board_pack(user=request.user, organization=request.organization, pk=pk)
    can_change = request.user.has_perm(CHANGE, request.organization)
    form = None
    if can_change:
        form = BoardPackForm(organization=request.organization, initial={
            "title": pack.title, "period_start": pack.period_start,
            "period_end": pack.period_end, "summary": pack.summary,
            "key_measures": pack.key_measures, "schedule": pack.schedule})
    with throttle.report_slot(organization=request.organization), ChartPainter() as painter:
        context = board_pack.pack_context(board_pack=pack, painter=painter,
                                          today=timezone.localdate())
        return render(request, "core/board_pack/pack.html", {
            **context, "layout": "base.html", "print": False, "form": form,
            "can_change": can_change})


@require_POST
@org_view(CHANGE)
def board_pack_edit(request, pk):
    org = request.organization
    pack = access_board_pack(user=request.user, organization=org, pk=pk)
    form = BoardPackForm(request.POST, organization=org)
    if form.is_valid():
        try:
            services.update_board_pack(board_pack=pack, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Saved. Generate the PDF again to include the change.")
            return redirect("board_pack", org_slug=org.slug, pk=pack.pk)
    return render(request, "core/board_pack/edit.html",
                  {"board_pack": pack, "form": form, "organization": org}, status=422)


@require_POST
@org_view(CHANGE)
def board_pack_generate(request, pk):
    pack = access_board_pack(user=request.user, organization=request.organization, pk=pk)
    pack = services.request_board_pack(board_pack=pack)
    if request.headers.get("HX-Request"):
        return render(request, "core/board_pack/_status.html",
                      {"board_pack": pack, "organization": request.organization,
                       "can_change": True})
    return redirect("board_pack", org_slug=request.organization.slug, pk=pack.pk)


@require_GET
@org_view(VIEW)
def board_pack_status(request, pk):
    """The PDF's progress (the page polls it while the worker makes the PDF)."""
    pack = access_board_pack(user=request.user, organization=request.organization, pk=pk)
    return render(request, "core/board_pack/_status.html", {
        "board_pack": pack, "organization": request.organization,
        "can_change": request.user.has_perm(CHANGE, request.organization)})


@require_GET
@org_view(VIEW)
def board_pack_pdf(request, pk):
    pack = access_board_pack(user=request.user, organization=request.organization, pk=pk)
    if not pack.pdf:
        raise Http404("This board pack has no PDF yet.")
    audit.record(action=AuditEntry.Action.VIEW, obj=pack, changes={"format": "pdf"})
    response = FileResponse(pack.pdf.open("rb"), as_attachment=True,
                            filename=f"{request.organization.slug}-board-pack-{pack.pk}.pdf",
                            content_type="application/pdf")
    # The pack holds the organization's results: no shared cache may keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response
