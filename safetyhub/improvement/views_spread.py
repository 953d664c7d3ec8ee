"""Spread pages: "Spread to other units" (for those who may change the initiative), and the
initiative page's spread parts — the link back on an adopting unit's initiative, and "Where
this spread" on the original. Views parse, call services_spread or queries_spread, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors

from . import queries_spread, services_spread
from .access import access_initiative
from .forms_spread import SpreadForm
from .models import Initiative

# The same permissions as the initiative's other pages (views.py): every member reads,
# whoever may change the initiative spreads it.
VIEW = "improvement.view_plan"
CHANGE = "improvement.change_initiative"
NOT_ALLOWED = ("Only the initiative's owner and team, a patient-safety lead or an organization "
               "admin can spread it to other units.")


def spread_section(request, initiative: Initiative) -> dict:
    """What the initiative's page shows of spread (see _initiative_spread*.html)."""
    return {
        "spread_origin": queries_spread.spread_origin(initiative),
        "adopters": queries_spread.where_spread(initiative=initiative),
        "can_spread": request.user.has_perm(CHANGE, initiative),
        "spread_here": f"{initiative.site.name if initiative.site else 'The whole organization'}"
                       " (this initiative)",
    }


@require_http_methods(["GET", "POST"])
@org_view(VIEW)
def spread(request, pk: int):
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    if not request.user.has_perm(CHANGE, initiative):
        raise PermissionDenied(NOT_ALLOWED)
    candidates = queries_spread.spread_candidates(initiative=initiative)
    form = SpreadForm(request.POST if request.method == "POST" else None, organization=org,
                      candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            adopted = services_spread.spread_initiative(initiative=initiative, by=request.user,
                                                        units=form.adoptions())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            names = ", ".join(a.site.name for a in adopted)
            messages.success(request, f"Spread “{initiative.title}” to {names}.")
            return redirect(reverse("improvement:initiative",
                                    kwargs={"org_slug": org.slug, "pk": initiative.pk})
                            + "#spread")
    return render(request, "improvement/spread.html", {
        "initiative": initiative, "form": form,
        "measure_count": initiative.measures.count(),
    }, status=422 if form.errors else 200)
