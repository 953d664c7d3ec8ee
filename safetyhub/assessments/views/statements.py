"""Official texts: for an attestation statement whose wording the pack does not have (status
partial or unconfirmed), the organization enters the official wording from the specification.
Until it does, a "yes" to that statement earns its domain nothing and the domain shows
"cannot be scored yet" (scoring.score_all_or_nothing). Anyone who may see the assessment
reads the entries; its lead (or a patient-safety lead or admin) enters them while it is open.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from safetyhub.core.decorators import org_view

from .. import queries, services
from ..access import access_assessment
from .cycles import NOT_LEAD


def _page(request, assessment, *, status: int = 200, errors=None, sent=None):
    results = queries.assessment_results(assessment=assessment, viewer=None)
    rows = [(section.section, [row for row in section.items if row.needs_official_text])
            for section in results.sections]
    return render(request, "assessments/official_texts.html", {
        "assessment": assessment,
        "sections": [(section, rows) for section, rows in rows if rows],
        "can_enter": assessment.is_open and request.user.has_perm(
            "assessments.lead_assessment", assessment),
        "errors": errors or {}, "sent": sent or {},
    }, status=status)


@require_GET
@org_view()
def official_texts(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    if assessment.pack.kind != "attestation":
        raise Http404("Only attestations have statements.")
    return _page(request, assessment)


@require_POST
@org_view()
def enter_official_text(request, pk: int, key: str):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    if not request.user.has_perm("assessments.lead_assessment", assessment):
        raise PermissionDenied(NOT_LEAD)
    item = services.answerable_item(assessment.pack, key)
    if item is None:
        raise Http404("No such statement.")
    sent = {"key": key, "text": request.POST.get("text", ""),
            "source": request.POST.get("source", "")}
    try:
        services.enter_official_text(assessment=assessment, item=item, text=sent["text"],
                                     source=sent["source"], by=request.user)
    except ValidationError as exc:
        return _page(request, assessment, status=422, errors=exc.message_dict, sent=sent)
    messages.success(request, f"Official text of statement {item.number or item.key} saved.")
    return redirect("assessments:official_texts", request.organization.slug, assessment.pk)
