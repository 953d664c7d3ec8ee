"""Shared-goal pages. The network's side (/n/<network>/goals/…, through `access_network`):
the list, a goal's network chart with how many members sent each month and, for each of the
person's own member organizations, its chart beside it; leads set and change goals. The
organization's side (/o/<org>/network/goals/<pk>/, through `org_view`): taking part, where
the values come from, entering and uploading them, and what it sent.

Views parse, call goals.py or goal_queries.py, and render. Leads never see one
organization's values: the network page shows an organization's chart only to its own
people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.decorators import org_view

from . import goal_queries as queries
from . import goals as services
from .access import access_network, require_lead
from .forms_goals import GoalForm, TakePartForm, UploadForm, ValueForm, add_errors
from .goal_charts import chart_of
from .suppression import MIN_ORGANIZATIONS

SUBMIT = "network.submit_goal_data"
NOT_ALLOWED = "Only your organization's admins and patient-safety leads send its goal data."


def _goal_url(goal) -> str:
    return reverse("network:goal", args=[goal.network.slug, goal.pk])


def _org_goal_url(organization, goal) -> str:
    return reverse("network:org_goal", args=[organization.slug, goal.pk])


# --- the network's side ---------------------------------------------------------------------


@login_required
@require_GET
def goal_list(request, network_slug: str):
    access = access_network(user=request.user, slug=network_slug)
    return render(request, "network/goal_list.html", {
        "network": access.network, "access": access,
        "goals": queries.goals_of(access.network), "min_organizations": MIN_ORGANIZATIONS})


def _goal_form_view(request, access, goal=None):
    require_lead(access)
    initial = ({name: getattr(goal, name) for name in services.GOAL_FIELDS}
               if goal is not None else {})
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            if goal is None:
                goal = services.create_goal(network=access.network, by=request.user, **values)
                messages.success(request, "The goal is set. Members can now take part.")
            else:
                services.update_goal(goal=goal, **values)
                messages.success(request, "The goal is changed.")
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect(_goal_url(goal))
    return render(request, "network/goal_form.html", {
        "network": access.network, "access": access, "form": form, "goal": goal})


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request, network_slug: str):
    access = access_network(user=request.user, slug=network_slug)
    return _goal_form_view(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, network_slug: str, pk):
    access = access_network(user=request.user, slug=network_slug)
    goal = queries.access_goal(access=access, pk=pk)
    return _goal_form_view(request, access, goal)


@login_required
@require_GET
def goal_detail(request, network_slug: str, pk):
    access = access_network(user=request.user, slug=network_slug)
    goal = queries.access_goal(access=access, pk=pk)
    network_chart = chart_of(goal, queries.network_series(goal),
                             title=f"{goal.title} (network)")
    # Each of the person's own member organizations, its chart beside the network's.
    own = []
    for organization in access.organizations:
        participation = queries.participation_of(goal, organization)
        own.append({
            "organization": organization, "participation": participation,
            "chart": chart_of(goal, queries.own_series(goal, organization),
                              title=f"{goal.title} ({organization.name})"),
            "can_submit": request.user.has_perm(SUBMIT, organization)})
    return render(request, "network/goal_detail.html", {
        "network": access.network, "access": access, "goal": goal,
        "network_chart": network_chart, "own": own, "min_organizations": MIN_ORGANIZATIONS})


# --- the organization's side ------------------------------------------------------------------


def _org_page(request, goal, *, take_part_form=None, value_form=None, upload_form=None,
              status=200):
    organization = request.organization
    participation = queries.participation_of(goal, organization)
    if participation and participation.is_current and participation.measure_id:
        # On view as well as nightly, so the page shows the measure as it is now.
        services.pull_from_measure(participation=participation)
    can_submit = request.user.has_perm(SUBMIT, organization)
    initial = ({"source": participation.source, "measure": participation.measure_id}
               if participation else {})
    return render(request, "network/goal_org.html", {
        "goal": goal, "network": goal.network, "participation": participation,
        "can_submit": can_submit,
        "chart": chart_of(goal, queries.own_series(goal, organization),
                          title=f"{goal.title} ({organization.name})"),
        "values": queries.own_values(goal, organization),
        "take_part_form": take_part_form or TakePartForm(organization=organization,
                                                         initial=initial),
        "value_form": value_form or ValueForm(),
        "upload_form": upload_form or UploadForm(),
        "needs_denominator": services.has_denominator(goal),
    }, status=status)


def _require_submit(request) -> None:
    if not request.user.has_perm(SUBMIT, request.organization):
        raise PermissionDenied(NOT_ALLOWED)


@org_view()
@require_GET
def org_goal(request, pk):
    goal = queries.access_org_goal(organization=request.organization, pk=pk)
    return _org_page(request, goal)


@org_view()
@require_POST
def org_goal_take_part(request, pk):
    goal = queries.access_org_goal(organization=request.organization, pk=pk)
    _require_submit(request)
    if request.POST.get("stop"):
        try:
            services.stop_taking_part(goal=goal, organization=request.organization,
                                      by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your organization no longer takes part; its values "
                                      "no longer count in the network's figures.")
        return redirect(_org_goal_url(request.organization, goal))
    form = TakePartForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.take_part(goal=goal, organization=request.organization, by=request.user,
                               source=form.cleaned_data["source"],
                               measure=form.cleaned_data["measure"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Your organization takes part in this goal.")
            return redirect(_org_goal_url(request.organization, goal))
    return _org_page(request, goal, take_part_form=form, status=422)


@org_view()
@require_POST
def org_goal_value(request, pk):
    goal = queries.access_org_goal(organization=request.organization, pk=pk)
    _require_submit(request)
    form = ValueForm(request.POST)
    if form.is_valid():
        try:
            _value, created = services.save_value(goal=goal, organization=request.organization,
                                                  by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            month = form.cleaned_data["month"]
            messages.success(request, f"{month:%b %Y} {'saved' if created else 'corrected'}.")
            return redirect(_org_goal_url(request.organization, goal))
    return _org_page(request, goal, value_form=form, status=422)


@org_view()
@require_POST
def org_goal_upload(request, pk):
    goal = queries.access_org_goal(organization=request.organization, pk=pk)
    _require_submit(request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_values(
                goal=goal, organization=request.organization, by=request.user,
                file_name=upload.name or "", content=upload.read(
                    services.measure_services.MAX_IMPORT_BYTES + 1))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, result.summary())
            return redirect(_org_goal_url(request.organization, goal))
    return _org_page(request, goal, upload_form=form, status=422)


__all__ = ["goal_detail", "goal_edit", "goal_list", "goal_new",
           "org_goal", "org_goal_take_part", "org_goal_upload", "org_goal_value"]
