"""Pages of the measures made from event reports: the event dashboard, the equity tables
(stratified, suppressed; CSV export), the signal watch, patient days (entry and import), and
the form that makes an improvement measure count its numerator from event reports.

Aggregates only: these pages never load a report, so executives and patient/family advisors
read them (`events.view_aggregates`); everyone else in the organization gets 403, outsiders
404 (org_view). Views parse, call a query or service, render."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.decorators import org_view
from safetyhub.core.models import Site
from safetyhub.measures import queries as measure_queries
from safetyhub.measures.chart import spc_svg
from safetyhub.measures.models import Measure

from . import event_measures, patient_days
from .dashboard import dashboard as dashboard_query
from .dashboard import month_range
from .models import EventCountSource, EventReport, PatientDays
from .signal_watch import watch
from .strata import STRATA, min_cell_size, stratum_table
from .taxonomy import active_taxonomy_pack, taxonomy_of

AGGREGATES = "events.view_aggregates"
PERIODS = [(3, "3 months"), (6, "6 months"), (12, "12 months"), (24, "24 months"),
           (36, "36 months")]
SHOWN_SIGNALS = 20  # charts drawn on the watch page; the rest are listed without one


def _taxonomy(org):
    pack = active_taxonomy_pack(organization=org)
    return taxonomy_of(pack) if pack else None


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class SiteChoice(forms.ModelChoiceField):
    def label_from_instance(self, site: Site) -> str:
        return site.name


class FilterForm(forms.Form):
    months = forms.TypedChoiceField(label="Period", choices=PERIODS, coerce=int, initial=12,
                                    required=False)
    kind = forms.ChoiceField(label="Kind of event", required=False,
                             choices=[("", "Both kinds"), *EventReport.Kind.choices])
    unit = SiteChoice(label="Unit", queryset=Site.objects.none(), required=False,
                      empty_label="Every unit")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Site.objects.filter(organization=organization)

    def values(self) -> tuple[int, str, Site | None]:
        """(months, kind, unit); defaults for anything missing or wrong."""
        if not self.is_valid():
            return 12, "", None
        data = self.cleaned_data
        return data.get("months") or 12, data.get("kind") or "", data.get("unit")


@require_GET
@org_view(AGGREGATES)
def dashboard(request):
    org = request.organization
    form = FilterForm(request.GET or None, organization=org)
    months, kind, unit = form.values()
    first, last = month_range(months)
    dash = dashboard_query(organization=org, first=first, last=last,
                           taxonomy=_taxonomy(org), kind=kind, site=unit)
    return render(request, "events/dashboard.html", {
        "form": form, "dash": dash, "unit": unit, "kind": kind,
        "can_manage": request.user.has_perm("events.manage_patient_days", org),
    }, status=422 if form.errors else 200)


class StratumForm(FilterForm):
    stratum = forms.ChoiceField(label="Stratify by", required=False,
                                choices=[(k, v[1]) for k, v in STRATA.items()])

    def chosen_stratum(self) -> str:
        return (self.cleaned_data.get("stratum") if self.is_valid() else "") or "age"


class CellSizeForm(forms.Form):
    min_cell_size = forms.IntegerField(
        label="Smallest count shown", min_value=1, max_value=1000,
        help_text="Counts from 1 up to one less than this are suppressed, with whatever else "
                  "would let them be worked out. 11 is the CMS cell-size rule.")


def _equity_context(request, form):
    org = request.organization
    months, _kind, unit = form.values()
    first, last = month_range(months)
    table = stratum_table(organization=org, stratum=form.chosen_stratum(), first=first, last=last,
                          taxonomy=_taxonomy(org), site=unit)
    return table, first, last, unit


@require_GET
@org_view(AGGREGATES)
def equity(request):
    org = request.organization
    form = StratumForm(request.GET or None, organization=org)
    table, first, last, unit = _equity_context(request, form)
    if request.GET.get("format") == "csv":
        return _equity_csv(table, first, last, unit)
    threshold = min_cell_size(org)
    return render(request, "events/equity.html", {
        "form": form, "table": table, "first": first, "last": last, "unit": unit,
        "threshold": threshold,
        "settings_form": CellSizeForm(initial={"min_cell_size": threshold}),
        "can_change_settings": request.user.has_perm("events.change_aggregate_settings", org),
        "csv_query": _with(request.GET, format="csv"),
    })


def _with(query, **extra) -> str:
    q = query.copy()
    for key, value in extra.items():
        q[key] = value
    return q.urlencode()


def _equity_csv(table, first, last, unit) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"Patient safety event reports by {table.label.lower()} and harm level, "
                     f"{first:%b %Y} to {last:%b %Y}"
                     f"{', ' + unit.name if unit else ''}. Counts under "
                     f"{table.table.threshold} are suppressed, with complementary cells, "
                     "and shown as 'suppressed'."])
    writer.writerow([table.label, *table.columns, "Total"])

    def shown(value):
        return "suppressed" if value is None else value

    for label, cells, total in table.body:
        writer.writerow([label, *map(shown, cells), shown(total)])
    writer.writerow(["Total", *map(shown, table.table.column_totals), shown(table.table.total)])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="events-by-{table.stratum}-'
                                       f'{first:%Y-%m}-{last:%Y-%m}.csv"')
    return response


@require_POST
@org_view("events.change_aggregate_settings")
def equity_settings(request):
    org = request.organization
    form = CellSizeForm(request.POST)
    if form.is_valid():
        try:
            patient_days.set_min_cell_size(organization=org,
                                           value=form.cleaned_data["min_cell_size"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved: counts under "
                                      f"{form.cleaned_data['min_cell_size']} are suppressed.")
            return redirect("events:equity", org_slug=org.slug)
    stratum_form = StratumForm(None, organization=org)
    table, first, last, unit = _equity_context(request, stratum_form)
    return render(request, "events/equity.html", {
        "form": stratum_form, "table": table, "first": first, "last": last, "unit": unit,
        "threshold": min_cell_size(org), "settings_form": form, "can_change_settings": True,
        "csv_query": "format=csv",
    }, status=422)


@require_GET
@org_view(AGGREGATES)
def signals(request):
    org = request.organization
    result = watch(organization=org, taxonomy=_taxonomy(org))
    shown = []
    for w in result.signals[:SHOWN_SIGNALS]:
        unit = "reports per 1,000 patient days" if w.chart == "u" else "reports"
        shown.append({"w": w, "svg": spc_svg(
            title=w.title, chart=w.chart, labels=w.labels, points=list(w.signal.points),
            explanations=list(w.signal.explanations), unit=unit, compact=True)})
    return render(request, "events/signals.html", {
        "result": result, "shown": shown, "more": result.signals[SHOWN_SIGNALS:],
        "can_measure": request.user.has_perm("measures.add_measure", org),
    })


# --- patient days ------------------------------------------------------------------------


class MonthField(forms.DateField):
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class PatientDaysForm(forms.Form):
    site = SiteChoice(label="Unit", queryset=Site.objects.none())
    month = MonthField(label="Month", help_text="e.g. 2025-03")
    days = forms.IntegerField(label="Patient days", min_value=0,
                              max_value=patient_days.MAX_DAYS)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(organization=organization)


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV or XLSX file")


def _patient_days_page(request, *, form=None, import_form=None, import_errors=(),
                       status=200):
    org = request.organization
    first, last = month_range(12)
    rows = (PatientDays.objects.filter(organization=org, month__gte=first)
            .select_related("site").order_by("site__name", "month"))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    grid: dict[int, dict] = {}
    for row in rows:
        grid.setdefault(row.site_id, {"site": row.site, "days": {}})["days"][row.month] = row
    table = [{"site": g["site"], "cells": [g["days"].get(m) for m in months]}
             for g in grid.values()]
    return render(request, "events/patient_days.html", {
        "months": months, "table": table,
        "can_manage": request.user.has_perm("events.manage_patient_days", org),
        "form": form or PatientDaysForm(organization=org),
        "import_form": import_form or ImportForm(), "import_errors": import_errors,
    }, status=status)


@require_http_methods(["GET", "POST"])
@org_view(AGGREGATES)
def patient_days_page(request):
    org = request.organization
    if request.method == "GET":
        return _patient_days_page(request)
    if not request.user.has_perm("events.manage_patient_days", org):
        raise PermissionDenied("Only patient-safety leads and organization admins record "
                               "patient days.")
    form = PatientDaysForm(request.POST, organization=org)
    if form.is_valid():
        try:
            row, created = patient_days.save_patient_days(organization=org, by=request.user,
                                                          **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{'Added' if created else 'Changed'}: {row.days} "
                                      f"patient days on {row.site.name} in {row.month:%b %Y}.")
            return redirect("events:patient_days", org_slug=org.slug)
    return _patient_days_page(request, form=form, status=422)


@require_POST
@org_view("events.manage_patient_days")
def patient_days_import(request):
    org = request.organization
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(patient_days.measure_io.MAX_IMPORT_BYTES + 1)
        try:
            result = patient_days.import_patient_days(organization=org, file_name=upload.name,
                                                      content=content, by=request.user)
        except ValidationError as exc:
            errors = exc.message_dict.get("file", exc.messages)
        else:
            messages.success(request, result.summary())
            return redirect("events:patient_days", org_slug=org.slug)
    return _patient_days_page(request, import_form=form, import_errors=errors, status=422)


# --- measures counted from events ----------------------------------------------------------


def _filter_choices(org):
    taxonomy = _taxonomy(org)
    categories, harms = [("", "Every category")], [("", "Any harm")]
    types = [("", "Every type")]
    if taxonomy is not None:
        types += [(o.key, o.title) for o in taxonomy.options("event-types")]
        for kind, label in EventReport.Kind.choices:
            categories.append((label, [(o.key, o.title) for o in taxonomy.categories(kind)]))
            harms.append((label, [(o.key, f"{o.title} or worse")
                                  for o in taxonomy.harm_levels(kind)
                                  if o.key not in ("unknown", "wf-unknown")]))
    return types, categories, harms


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of event", required=False,
                             choices=[("", "Both kinds"), *EventReport.Kind.choices])
    event_type = forms.ChoiceField(label="Event type", required=False)
    category = forms.ChoiceField(label="Category", required=False)
    harm_at_least = forms.ChoiceField(label="Harm", required=False)
    site = SiteChoice(label="Unit", queryset=Site.objects.none(), required=False,
                      empty_label="Every unit")
    since = MonthField(label="Count from", help_text="The first month counted, e.g. 2024-01.")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        types, categories, harms = _filter_choices(organization)
        self.fields["event_type"].choices = types
        self.fields["category"].choices = categories
        self.fields["harm_at_least"].choices = harms
        self.fields["site"].queryset = Site.objects.filter(organization=organization)


class EventMeasureForm(SourceForm):
    name = forms.CharField(label="Name", max_length=200,
                           help_text="e.g. “Falls with harm on 4 West”.")
    chart = forms.ChoiceField(label="Chart", choices=[
        ("c", "C chart: the count of reports per period"),
        ("u", "U chart: reports per 1,000 patient days (needs patient days)")])
    direction = forms.ChoiceField(label="Better when", choices=Measure.Direction.choices,
                                  initial=Measure.Direction.DECREASE,
                                  help_text="Fewer harmful events is better; more reporting "
                                            "of near misses may be too.")

    field_order = ["name", "category", "harm_at_least", "site", "kind", "event_type", "chart",
                   "direction", "since"]


@require_http_methods(["GET", "POST"])
@org_view("measures.add_measure")
def event_measure_new(request):
    org = request.organization
    default_since = month_range(24)[0]
    initial = {"since": default_since}
    for name in ("category", "harm_at_least", "kind"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    if request.GET.get("site"):
        initial["site"] = request.GET["site"]
    form = EventMeasureForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            measure = event_measures.create_event_measure(organization=org, by=request.user,
                                                          **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Added “{measure.name}”: its chart counts event "
                                      "reports whenever it is read.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return render(request, "events/event_measure_form.html", {"form": form, "measure": None},
                  status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view()
def event_measure_edit(request, pk: int):
    org = request.organization
    measure = measure_queries.access_measure(user=request.user, organization=org, pk=pk)
    try:
        source = measure.event_source
    except EventCountSource.DoesNotExist:
        raise Http404("This measure does not count event reports.") from None
    if not request.user.has_perm("measures.change_measure", measure):
        raise PermissionDenied("Only organization admins, patient-safety leads and the team "
                               "of an initiative the measure belongs to can change it.")
    initial = {name: getattr(source, name) for name in
               ("kind", "event_type", "category", "harm_at_least", "site", "since")}
    form = SourceForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event_measures.update_event_source(source=source, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved what the measure counts.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return render(request, "events/event_measure_form.html", {
        "form": form, "measure": measure,
        "back": reverse("measures:measure", args=[org.slug, measure.pk])},
        status=422 if form.errors else 200)
