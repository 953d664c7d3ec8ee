"""PSSM attestation readiness: the page (per attestation assessment, and the organization's
current PSSM cycle at /pssm/), the reporting period and each statement's follow-up, and the
evidence binder (ZIP). Anyone who may see the assessment reads the page; its lead (or a
patient-safety lead or admin) edits the period and follow-ups; the team downloads the binder,
as it downloads the files (rules.py: files are the team's working material)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from safetyhub.core import audit, throttle
from safetyhub.core.decorators import org_view
from safetyhub.core.models import AuditEntry, Membership
from safetyhub.core.pdf import ChartPainter, write_pdf

from .. import readiness as ready_mod
from .. import services
from ..access import access_assessment
from .cycles import NOT_LEAD
from .reports import REPORT_CSS

NOT_ON_TEAM_BINDER = ("The evidence binder holds the team's files: the assessment's team "
                      "downloads it.")
ZIP_TYPE = "application/zip"


def _attestation(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    if assessment.pack.kind != "attestation":
        raise Http404("Only attestations have a readiness page.")
    return assessment


def _members(organization):
    return [m.user for m in Membership.objects.filter(
        organization=organization, is_active=True).select_related("user")
        .order_by("user__full_name", "user__email")]


def _page(request, assessment, *, status: int = 200, errors=None, sent=None):
    ready = ready_mod.readiness(assessment=assessment)
    can_edit = request.user.has_perm("assessments.lead_assessment", assessment)
    return render(request, "assessments/readiness.html", {
        "assessment": assessment, "ready": ready,
        "history": ready_mod.history(user=request.user, assessment=assessment),
        "can_edit": can_edit, "members": _members(request.organization) if can_edit else [],
        "can_download": request.user.has_perm("assessments.answer_assessment", assessment),
        "errors": errors or {}, "sent": sent or {},
    }, status=status)


@require_GET
@org_view()
def pssm(request):
    """The organization's current PSSM cycle's readiness, or how to start one."""
    cycle = ready_mod.current_cycle(user=request.user, organization=request.organization)
    if cycle is not None:
        return redirect("assessments:readiness", request.organization.slug, cycle.pk)
    return render(request, "assessments/readiness_none.html", {
        "can_start": request.user.has_perm("assessments.start_assessment",
                                           request.organization)})


@require_GET
@org_view()
def readiness(request, pk: int):
    return _page(request, _attestation(request, pk))


def _date(value: str, field: str, errors: dict) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = ["Enter a date as YYYY-MM-DD."]
        return None


def _require_lead(request, assessment) -> None:
    if not request.user.has_perm("assessments.lead_assessment", assessment):
        raise PermissionDenied(NOT_LEAD)


@require_POST
@org_view()
def save_period(request, pk: int):
    assessment = _attestation(request, pk)
    _require_lead(request, assessment)
    sent = {"form": "period", "reporting_year": request.POST.get("reporting_year", ""),
            "submission_date": request.POST.get("submission_date", "")}
    errors: dict = {}
    year = None
    if sent["reporting_year"].strip():
        try:
            year = int(sent["reporting_year"])
        except ValueError:
            errors["reporting_year"] = ["The reporting year is a calendar year, such as 2026."]
    day = _date(sent["submission_date"], "submission_date", errors)
    try:
        if errors:
            raise ValidationError(errors)
        services.set_attestation_period(assessment=assessment, reporting_year=year,
                                        submission_date=day, by=request.user)
    except ValidationError as exc:
        return _page(request, assessment, status=422, errors=exc.message_dict, sent=sent)
    messages.success(request, "Reporting period saved.")
    return redirect("assessments:readiness", request.organization.slug, assessment.pk)


@require_POST
@org_view()
def save_follow_up(request, pk: int, key: str):
    assessment = _attestation(request, pk)
    _require_lead(request, assessment)
    item = services.answerable_item(assessment.pack, key)
    if item is None:
        raise Http404("No such statement.")
    sent = {"form": key, "owner": request.POST.get("owner", ""),
            "target_date": request.POST.get("target_date", ""),
            "no_evidence_reason": request.POST.get("no_evidence_reason", "")}
    errors: dict = {}
    owner = None
    if sent["owner"].strip():
        owner = next((u for u in _members(request.organization)
                      if str(u.pk) == sent["owner"].strip()), None)
        if owner is None:
            errors["owner"] = ["The owner must be an active member of the organization."]
    day = _date(sent["target_date"], "target_date", errors)
    try:
        if errors:
            raise ValidationError(errors)
        services.set_follow_up(assessment=assessment, item=item, owner=owner, target_date=day,
                               no_evidence_reason=sent["no_evidence_reason"], by=request.user)
    except ValidationError as exc:
        return _page(request, assessment, status=422, errors=exc.message_dict, sent=sent)
    messages.success(request, f"Statement {item.number or item.key} saved.")
    return redirect(reverse("assessments:readiness", args=[request.organization.slug,
                                                          assessment.pk])
                    + f"#statement-{item.key}")


def _index_pdf(html: str) -> bytes:
    """The binder's index, laid out by WeasyPrint with report.css; it loads nothing else."""
    with ChartPainter() as no_charts:
        return write_pdf(html=html, painter=no_charts, stylesheet=REPORT_CSS).content


@transaction.non_atomic_requests
@require_GET
@org_view()
def evidence_binder(request, pk: int):
    assessment = _attestation(request, pk)
    if not request.user.has_perm("assessments.answer_assessment", assessment):
        raise PermissionDenied(NOT_ON_TEAM_BINDER)
    with throttle.report_slot(organization=request.organization):
        ready = ready_mod.readiness(assessment=assessment, with_platform=False)
        archive = ready_mod.build_binder(ready=ready, generated_by=str(request.user),
                                         index_pdf=_index_pdf)
    files = [e for s in ready.statements for e in s.evidence]
    # An export of the assessment, and a download of each file in it (as one by one).
    audit.record(action=AuditEntry.Action.VIEW, obj=assessment,
                 changes={"format": "evidence-binder", "files": len(files)})
    for evidence in files:
        audit.record_view(evidence)
    response = FileResponse(archive, content_type=ZIP_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{request.organization.slug}-pssm-evidence-{assessment.pk}.zip")
    response["Cache-Control"] = "private, no-store"
    return response

