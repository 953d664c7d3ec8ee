"""Consensus in minutes, on the consensus sheet: how many items need discussion, a filter
showing only those (a plain GET parameter, `?discuss=1`, so it works without JavaScript), and
the one button that accepts every unanimous answer (see assessments/consensus.py for what
counts as which)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from safetyhub.core.decorators import org_view

from .. import consensus
from ..access import access_assessment
from ..models import Assessment
from ..rules import agreed_by_rule

DISCUSS_PARAM = "discuss"


def discussion_context(request, assessment: Assessment, sections, *, shown: bool) -> dict:
    """The sheet's count and filter. Shown only on an independent assessment to those who see
    every member's answers (the count is derived from them). With the filter on, every
    section's items that need discussion are shown on one page (`filtered`)."""
    if assessment.mode != Assessment.Mode.INDEPENDENT_THEN_CONSENSUS or not shown:
        return {"discussion": None}
    found = consensus.summary(assessment=assessment)
    keys = found.discuss_keys
    context = {
        "discussion": found,
        "discuss_only": request.GET.get(DISCUSS_PARAM) == "1",
        "can_accept": assessment.is_open and request.user.has_perm(
            "assessments.write_agreed_answers", assessment),
    }
    if context["discuss_only"]:
        kept = [(section, [r for r in rows if r.item.key in keys]) for section, rows in sections]
        context["filtered"] = {"sections": [(s, rows) for s, rows in kept if rows],
                               "current_section": "", "next_section": None}
    return context


@require_POST
@org_view()
def accept_unanimous(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization,
                                   pk=pk)
    if not request.user.has_perm("assessments.write_agreed_answers", assessment):
        raise PermissionDenied(agreed_by_rule(assessment))
    try:
        result = consensus.accept_unanimous(assessment=assessment, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, result.message)
    url = reverse("assessments:consensus", args=[request.organization.slug, assessment.pk])
    if request.POST.get(DISCUSS_PARAM) == "1":
        url += f"?{DISCUSS_PARAM}=1"
    return redirect(url)
