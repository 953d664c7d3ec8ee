"""Care for the caregiver: the support coordinator's pages (the offers of peer support, a new
offer, one offer and the person's answer). Views parse, call support.py, render.

Only support coordinators get past support.py's door; anyone else, whatever their role,
gets the same 404 as for a record that does not exist, and the attempt is audited. The
views run outside the request-wide transaction (`non_atomic_requests`) so that the audit
entry of a refused attempt is kept although the request ends in a 404; each write is its
own transaction in support.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors

from . import support as services
from .forms_resolution import OfferForm, ResponseForm

MEMBER = "core.view_organization"  # any member: support.py's door decides


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
@org_view(MEMBER)
def support_list(request):
    org = request.organization
    offers = services.visible_offers(user=request.user, organization=org)  # 404 first
    events = services.events_for_support(org)
    form = OfferForm(request.POST or None, events=events, prefix="offer")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offer = services.offer_support(
                organization=org, by=request.user, report=data["event"],
                staff_name=data["staff_name"], staff_role=data["staff_role"],
                offered_by=data["offered_by"], offered_at=data["offered_at"],
                note=data["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Support offer recorded.")
            return redirect(reverse("investigations:support_offer", args=[org.slug, offer.pk]))
    return render(request, "investigations/support_list.html", {
        "offers": offers, "form": form,
    }, status=422 if form.errors else 200)


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
@org_view(MEMBER)
def support_offer(request, pk: int):
    org = request.organization
    offer = services.access_offer(user=request.user, organization=org, pk=pk)  # 404 first
    form = ResponseForm(request.POST or None, prefix="response", initial={
        "response": offer.response, "responded_at": offer.responded_at})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_response(offer=offer, by=request.user,
                                     response=form.cleaned_data["response"],
                                     responded_at=form.cleaned_data["responded_at"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Answer recorded.")
            return redirect(reverse("investigations:support_offer", args=[org.slug, offer.pk]))
        offer.refresh_from_db()
    return render(request, "investigations/support_offer.html", {
        "offer": offer, "form": form,
    }, status=422 if form.errors else 200)
