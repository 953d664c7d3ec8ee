"""Pages for actions that work: a review's action plan (its actions by strength, the warning
when they are all weaker, adding one), one action's page (its measure's chart, progress,
"make it an initiative"), editing an action, the organization's actions, and gathering
and reading an aggregate review. Views parse, call a service or a query, and render.

Rows are loaded only through access_actions.py first (the same 404 for missing, foreign and
not-yours), then the role is checked (403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.access import require_permission
from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors
from safetyhub.measures.queries import chart_for

from . import action_queries, aggregate, hierarchy
from . import services_actions as services
from .access import access_review
from .access_actions import access_action, visible_actions
from .forms_actions import (
    ActionEditForm,
    ActionForm,
    AggregateForm,
    ProgressForm,
    WeakerReasonForm,
)
from .models import Review
from .models_actions import AggregateScope, ReviewAction

MEMBER = "core.view_organization"  # any member: the access helper and the role decide
MANAGE = "investigations.manage_actions"
GATHER = "investigations.gather_aggregate"


def _service_errors(form, exc: ValidationError) -> None:
    """A stale version concerns the whole form, not a hidden field; the new measure's
    fields are named new_measure_*; the rest go on their fields."""
    errors = dict(exc.message_dict)
    for name in ("version", "review"):
        if name in errors:
            form.add_error(None, errors.pop(name))
    add_errors(form, ValidationError(errors))


# --- a review's action plan --------------------------------------------------------------


def _plan_context(request, review: Review, *, form=None, reason_form=None) -> dict:
    org = request.organization
    actions = list(review.actions.select_related("owner", "measure", "initiative")
                   .order_by("status", "due_on", "pk"))
    rollup = action_queries.review_rollup(review)
    return {
        "review": review, "actions": actions, "rollup": rollup, "levels": hierarchy.LEVELS,
        "source": hierarchy.SOURCE, "today": timezone.localdate(),
        "needs_reason": services.plan_needs_reason(review),
        "form": form or ActionForm(organization=org),
        "reason_form": reason_form or WeakerReasonForm(
            initial={"weaker_only_reason": review.weaker_only_reason}),
        "is_aggregate": review.kind == Review.Kind.AGGREGATE,
    }


@require_http_methods(["GET", "POST"])
@org_view(MEMBER)
def review_actions(request, pk: int):
    org = request.organization
    review = access_review(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission=MANAGE, organization=org)
    if request.method == "GET":
        return render(request, "investigations/review_actions.html",
                      _plan_context(request, review))
    if request.POST.get("action") == "reason":
        reason_form = WeakerReasonForm(request.POST)
        if reason_form.is_valid():
            try:
                services.set_weaker_only_reason(
                    review=review, by=request.user,
                    reason=reason_form.cleaned_data["weaker_only_reason"])
            except ValidationError as exc:
                add_errors(reason_form, exc)
            else:
                messages.success(request, "The reason is saved with the plan.")
                return redirect(reverse("investigations:review_actions", args=[org.slug, pk]))
        return render(request, "investigations/review_actions.html",
                      _plan_context(request, review, reason_form=reason_form), status=422)
    form = ActionForm(request.POST, organization=org)
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = services.create_action(
                review=review, by=request.user, description=data["description"],
                strength=data["strength"], owner=data["owner"], due_on=data["due_on"],
                measure=data["measure"], new_measure=form.new_measure(),
                expected_effect=data["expected_effect"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "Action added to the plan.")
            return redirect(reverse("investigations:action", args=[org.slug, action.pk]))
    return render(request, "investigations/review_actions.html",
                  _plan_context(request, review, form=form), status=422)


# --- one action ------------------------------------------------------------------------------


def _action_context(request, action: ReviewAction, *, progress_form=None) -> dict:
    user, org = request.user, request.organization
    chart = chart_for(action.measure) if action.measure is not None else None
    return {
        "action": action, "level": hierarchy.level(action.strength),
        "source": hierarchy.SOURCE, "chart": chart,
        "svg": chart.svg() if chart is not None else None,
        "overdue": action.is_open and action.due_on < timezone.localdate(),
        "can_change": user.has_perm("investigations.change_action", action),
        "can_progress": user.has_perm("investigations.progress_action", action),
        "can_make_initiative": (user.has_perm("investigations.make_initiative", action)
                                and action.initiative_id is None
                                and action.status != ReviewAction.Status.CANCELLED),
        "can_read_review": user.has_perm(MANAGE, org),
        "progress_form": progress_form or ProgressForm(initial={
            "status": action.status, "cancel_reason": action.cancel_reason,
            "version": action.version}),
    }


@require_http_methods(["GET", "POST"])
@org_view(MEMBER)
def action_detail(request, pk: int):
    org = request.organization
    action = access_action(user=request.user, organization=org, pk=pk)  # 404 first
    if request.method == "GET":
        return render(request, "investigations/action_detail.html",
                      _action_context(request, action))
    if not request.user.has_perm("investigations.progress_action", action):
        raise PermissionDenied("Only the action's owner or a reviewer can change it.")
    form = ProgressForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.update_action(action=action, by=request.user,
                                   expected_version=data["version"], status=data["status"],
                                   cancel_reason=data["cancel_reason"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "Progress saved.")
            return redirect(reverse("investigations:action", args=[org.slug, pk]))
    return render(request, "investigations/action_detail.html",
                  _action_context(request, action, progress_form=form), status=422)


@require_http_methods(["GET", "POST"])
@org_view(MEMBER)
def action_edit(request, pk: int):
    org = request.organization
    action = access_action(user=request.user, organization=org, pk=pk)  # 404 first
    if not request.user.has_perm("investigations.change_action", action):
        raise PermissionDenied("Only event reviewers and patient-safety leads can change "
                               "an action's plan.")
    if request.method == "POST":
        form = ActionEditForm(request.POST, organization=org)
        if form.is_valid():
            data = form.cleaned_data
            try:
                changes = {name: data[name] for name in (
                    "description", "strength", "owner", "due_on", "measure",
                    "expected_effect", "status", "cancel_reason")}
                new_measure = form.new_measure()
                if new_measure:
                    raise ValidationError({"new_measure_name": (
                        "Make new measures when adding an action, or on the measures "
                        "page; here choose one from the list.")})
                services.update_action(action=action, by=request.user,
                                       expected_version=data["version"], **changes)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, "Action saved.")
                return redirect(reverse("investigations:action", args=[org.slug, pk]))
        status = 422
    else:
        form = ActionEditForm(organization=org, initial={
            "description": action.description, "strength": action.strength,
            "owner": action.owner_id, "due_on": action.due_on, "measure": action.measure_id,
            "expected_effect": action.expected_effect, "status": action.status,
            "cancel_reason": action.cancel_reason, "version": action.version})
        status = 200
    return render(request, "investigations/action_edit.html",
                  {"action": action, "form": form}, status=status)


@require_POST
@org_view(MEMBER)
def action_initiative(request, pk: int):
    org = request.organization
    action = access_action(user=request.user, organization=org, pk=pk)  # 404 first
    if not request.user.has_perm("investigations.make_initiative", action):
        raise PermissionDenied("Only a patient-safety lead can put an action on the action "
                               "plan.")
    try:
        initiative = services.make_initiative(action=action, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("investigations:action", args=[org.slug, pk]))
    messages.success(request, f"The action is now the initiative “{initiative.title}” on the "
                              "action plan.")
    return redirect(reverse("improvement:initiative", args=[org.slug, initiative.pk]))


@require_GET
@org_view(MEMBER)
def action_list(request):
    """Reviewers: every open action, overdue first, and the strength mix. Anyone else: the
    actions they own."""
    org = request.organization
    actions = (visible_actions(user=request.user, organization=org)
               .select_related("review", "owner").order_by("due_on", "pk"))
    show = request.GET.get("show", "open")
    if show != "all":
        actions = actions.filter(status__in=action_queries.OPEN)
    return render(request, "investigations/action_list.html", {
        "actions": list(actions), "show": show, "today": timezone.localdate(),
        "is_reviewer": request.user.has_perm(MANAGE, org),
        "rollup": action_queries.rollup_of(visible_actions(user=request.user,
                                                           organization=org)),
        "share": action_queries.stronger_share(org),
        "can_gather": request.user.has_perm(GATHER, org),
    })


# --- aggregate review --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@org_view(GATHER)
def aggregate_new(request):
    org = request.organization
    taxonomy = aggregate.taxonomy_for(org)
    form = AggregateForm(request.POST or None, organization=org, taxonomy=taxonomy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = aggregate.gather_aggregate_review(
                organization=org, by=request.user, title=data["title"],
                category=data["category"], site=data["site"],
                contributing_factors=data["contributing_factors"],
                first_day=data["first_day"], last_day=data["last_day"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{review.events.count()} events gathered into the "
                                      "aggregate review.")
            return redirect(reverse("investigations:aggregate", args=[org.slug, review.pk]))
    return render(request, "investigations/aggregate_new.html", {"form": form},
                  status=422 if form.errors else 200)


@require_GET
@org_view(MEMBER)
def aggregate_detail(request, pk: int):
    org = request.organization
    review = access_review(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission=MANAGE, organization=org)
    if review.kind != Review.Kind.AGGREGATE:
        return redirect(reverse("investigations:review_actions", args=[org.slug, pk]))
    scope = AggregateScope.objects.filter(review=review).select_related("site").first()
    taxonomy = aggregate.taxonomy_for(org)
    return render(request, "investigations/aggregate_detail.html", {
        "review": review, "scope": scope, "summary": aggregate.summary(review),
        "category": taxonomy.category_title("patient_safety", scope.category)
        if taxonomy and scope else (scope.category if scope else ""),
        "factors": [taxonomy.title_of("contributing-factors", k) if taxonomy else k
                    for k in (scope.contributing_factors if scope else [])],
        "events": review.events.select_related("site").order_by("occurred_at", "pk"),
        "rollup": action_queries.review_rollup(review),
    })
