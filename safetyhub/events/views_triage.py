"""Triage pages: one report's triage page (status, assignment, classification, duplicates,
serious-event clock, closing message), the serious-events page leaders read and acknowledge
from, and the organization's event settings. Views parse, call triage.py, render.

Reports are loaded only through access.py first (the same 404 for missing, foreign and
not-yours), then the role is checked (403): a reporter who may read their own report is
refused its triage; anyone else learns nothing, not even that the report exists."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.access import require_permission
from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors

from . import triage as services
from . import triage_queries as queries
from .access import access_event, access_serious_event
from .forms_triage import (
    AssignForm,
    DuplicateForm,
    ReclassifyForm,
    SettingsForm,
    StatusForm,
    UnlinkForm,
)
from .models import EventReport
from .triage_panels import panels_for

ACKNOWLEDGED_SHOWN_DAYS = 90


def _forms(panel: queries.Panel, data=None, action: str = "", bound=None) -> dict:
    """Every form of the page; the one whose action was posted is bound to the post."""
    triage, report = panel.triage, panel.report
    version = {"version": triage.version}
    kinds = {
        "status": (StatusForm, {"steps": panel.steps}, {}),
        "assign": (AssignForm, {"reviewers": queries.reviewers_of(report.organization)},
                   {"assignee": triage.assignee_id, "due_on": triage.due_on}),
        "reclassify": (ReclassifyForm, {"options": panel.options}, {
            "event_type": report.event_type, "category": report.category,
            "harm_level": report.harm_level,
            "medication_error_category": report.medication_error_category}),
        "duplicate": (DuplicateForm, {}, {}),
        "unlink": (UnlinkForm, {}, {}),
    }
    forms = {}
    for name, (cls, extra, initial) in kinds.items():
        if name == action and bound is not None:
            forms[name] = bound  # the posted form, with its errors
        elif name == action and data is not None:
            forms[name] = cls(data, prefix=name, **extra)
        else:
            forms[name] = cls(prefix=name, initial={**initial, **version}, **extra)
    return forms


def _render(request, report: EventReport, *, form=None, action: str = "", status: int = 200):
    panel = queries.triage_panel(report)
    return render(request, "events/triage.html", {
        "report": report, "panel": panel, "forms": _forms(panel, action=action, bound=form),
        "failed": action if status != 200 else "",
        "can_acknowledge": request.user.has_perm("events.acknowledge_serious",
                                                 request.organization),
        "extra_panels": panels_for(report=report, user=request.user),
    }, status=status)


def _primary(organization, reference: str) -> EventReport | None:
    return EventReport.objects.filter(organization=organization,
                                      reference=reference.strip().upper()).first()


@require_http_methods(["GET", "POST"])
@org_view("events.report")
def triage(request, pk: int):
    org = request.organization
    report = access_event(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission="events.triage", organization=org)
    if request.method == "GET":
        return _render(request, report)
    action = request.POST.get("action", "")
    panel = queries.triage_panel(report)
    forms = _forms(panel, request.POST, action)
    form = forms.get(action)
    if form is None:
        return _render(request, report, status=400)
    if form.is_valid():
        data, version = form.cleaned_data, form.cleaned_data["version"]
        try:
            if action == "status":
                services.change_status(report=report, by=request.user, to=data["to"],
                                       reason=data["reason"],
                                       closing_message=data["closing_message"],
                                       expected_version=version)
                done = f"The report is now {EventReport.Status(data['to']).label.lower()}."
            elif action == "assign":
                services.assign(report=report, by=request.user, assignee=data["assignee"],
                                due_on=data["due_on"], expected_version=version)
                done = "Assignment saved."
            elif action == "reclassify":
                services.reclassify(
                    report=report, by=request.user, event_type=data["event_type"],
                    category=data["category"], harm_level=data["harm_level"],
                    medication_error_category=data["medication_error_category"],
                    reason=data["reason"], expected_version=version)
                done = "Classification saved; the reporter's answers stay as they were."
            elif action == "duplicate":
                primary = _primary(org, data["duplicate_of"])
                if primary is None:
                    raise ValidationError({"duplicate_of": "No report with this reference in "
                                                           "this organization."})
                linked = services.link_duplicate(report=report, primary=primary,
                                                 by=request.user, expected_version=version)
                done = f"Linked as a duplicate of {linked.duplicate_of.reference}."
            else:
                services.unlink_duplicate(report=report, by=request.user,
                                          expected_version=version)
                done = "No longer linked as a duplicate."
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                # a stale version concerns the whole form, not a hidden field
                form.add_error(field if field in form.fields and field != "version" else None,
                               problems)
        else:
            messages.success(request, done)
            return redirect(reverse("events:triage", args=[org.slug, report.pk]))
    report.refresh_from_db()
    return _render(request, report, form=form, action=action, status=422)


@require_GET
@org_view("events.view_serious")
def serious(request):
    org = request.organization
    now = timezone.now()
    return render(request, "events/serious.html", {
        "awaiting": queries.serious_awaiting(org, now=now),
        "acknowledged": queries.serious_acknowledged(
            org, since=now - dt.timedelta(days=ACKNOWLEDGED_SHOWN_DAYS), now=now),
        "shown_days": ACKNOWLEDGED_SHOWN_DAYS,
        "counts": queries.status_counts(org),
        "threshold": dict(services.severity.THRESHOLDS)[services.serious_threshold(org)],
        "can_acknowledge": request.user.has_perm("events.acknowledge_serious", org),
        "can_triage": request.user.has_perm("events.triage", org),
        "can_manage": request.user.has_perm("events.manage_settings", org),
        "days": services.SERIOUS_DAYS,
    })


@require_POST
@org_view("events.report")
def acknowledge(request, pk: int):
    org = request.organization
    report = access_serious_event(user=request.user, organization=org, pk=pk)  # 404 first
    require_permission(user=request.user, permission="events.acknowledge_serious",
                       organization=org)
    try:
        services.acknowledge_serious(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Serious event {report.reference} acknowledged.")
    back = request.POST.get("next", "")
    if back == "triage" and request.user.has_perm("events.triage", org):
        return redirect(reverse("events:triage", args=[org.slug, report.pk]))
    return redirect(reverse("events:serious", args=[org.slug]) + f"#{report.reference}")


@require_http_methods(["GET", "POST"])
@org_view("events.manage_settings")
def event_settings(request):
    org = request.organization
    form = SettingsForm(request.POST or None,
                        initial={"serious_harm_threshold": services.serious_threshold(org)})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_serious_threshold(
                organization=org, by=request.user,
                threshold=form.cleaned_data["serious_harm_threshold"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Event settings saved.")
            return redirect(reverse("events:settings", args=[org.slug]))
    return render(request, "events/settings.html", {"form": form},
                  status=422 if form.errors else 200)
