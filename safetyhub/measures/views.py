"""Measure pages: the list, defining a measure (blank or from the starter library), editing
it, its page (the run/control chart with its signals in plain words, the data table, data
entry, import, phase splits), the chart as an SVG file, and the improvement dashboard
(progress of the action plan by area and recommendation; every measure's latest chart and
signal status). Views parse, call a service (services.py) or a query (queries.py),
and render.

Every member reads; rules.py says who writes. Rows are loaded only through
`access_measure` / `access_split` (tenant_row: the same 404 for missing and foreign).
A chart the data cannot make (a negative denominator, too few points …) is never a 500:
the page names the point and the rule, and shows no chart."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.decorators import org_view
from safetyhub.core.models import Organization, Site
from safetyhub.improvement.models import Initiative

from . import queries, services
from . import sources as measure_sources
from .models import Measure
from .queries import access_measure, access_split

ADD = "measures.add_measure"
CHANGE = "measures.change_measure"
NOT_ALLOWED = ("Only organization admins, patient-safety leads and the team of an initiative "
               "the measure belongs to can change it.")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _require_change(request, measure: Measure) -> None:
    if not request.user.has_perm(CHANGE, measure):
        raise PermissionDenied(NOT_ALLOWED)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# --- forms ----------------------------------------------------------------------------------


class SiteField(forms.ModelChoiceField):
    def label_from_instance(self, site: Site) -> str:
        return f"{site.name} ({site.get_kind_display()})"


class MeasureForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    type = forms.ChoiceField(label="Type", choices=Measure.Type.choices,
                             help_text="Outcome: the result for patients or staff. Process: "
                                       "whether the work is done as designed. Balancing: "
                                       "what might get worse elsewhere.")
    numerator = forms.CharField(label="Numerator", widget=forms.Textarea(attrs={"rows": 2}),
                                help_text="What is counted.")
    denominator = forms.CharField(label="Denominator", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="What it is counted against (empty for plain "
                                            "counts, C, G and T charts).")
    unit = forms.CharField(label="Unit", required=False, max_length=100,
                           help_text="As the chart's axis says it, e.g. “falls per 1,000 "
                                     "patient days”.")
    multiplier = forms.IntegerField(label="Multiplier", min_value=1, max_value=10_000_000,
                                    initial=1, help_text="1000 for “per 1,000”, 100 for a "
                                                         "percentage.")
    frequency = forms.ChoiceField(label="Frequency", choices=Measure.Frequency.choices,
                                  initial=Measure.Frequency.MONTH,
                                  help_text="How often a value is recorded: the chart's "
                                            "periods, and when its data is due.")
    direction = forms.ChoiceField(label="Direction of improvement",
                                  choices=Measure.Direction.choices,
                                  help_text="Which way is better, so a signal reads as "
                                            "improvement or concern.")
    goal = forms.FloatField(label="Goal", required=False,
                            help_text="On the chart's scale (after the multiplier).")
    chart = forms.ChoiceField(label="Chart", choices=Measure.Chart.choices,
                              initial=Measure.Chart.RUN,
                              help_text="Start with a run chart; U for events per exposure, "
                                        "P for proportions, C for counts, G or T for rare "
                                        "events.")
    screened_mr = forms.BooleanField(
        label="Screen moving ranges (I, T, P\u2032 and U\u2032 charts)", required=False,
        initial=True,
        help_text="Leaves very large jumps between neighbouring points out of the limits, "
                  "so one odd value does not widen them (Nelson's screening, as qicharts2).")
    freeze_after = forms.DateField(label="Baseline ends", required=False, widget=DATE,
                                   help_text="Optional: the last period of the baseline; "
                                             "limits from it extend to later points (one "
                                             "phase only).")
    definition_source = forms.CharField(label="Source of the definition", required=False,
                                        max_length=300,
                                        help_text="Empty: your organization's own definition.")
    site = SiteField(label="Site or unit", required=False, queryset=Site.objects.none(),
                     empty_label="The whole organization")
    initiatives = forms.ModelMultipleChoiceField(
        label="Initiatives it judges", required=False, queryset=Initiative.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The owners and teams of these initiatives may record its data.")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(organization=organization)
        self.fields["initiatives"].queryset = Initiative.objects.filter(
            organization=organization).order_by("title", "pk")


class DataPointForm(forms.Form):
    period = forms.DateField(label="Period", widget=DATE,
                             help_text="The first day of the period, or the event's date. "
                                       "A period already recorded is changed.")
    numerator = forms.FloatField(label="Numerator", required=False)
    denominator = forms.FloatField(label="Denominator", required=False)
    excluded = forms.BooleanField(label="Exclude from the centre line and limits",
                                  required=False,
                                  help_text="Still drawn; for a value with a known, special "
                                            "cause that should not set the limits.")
    note = forms.CharField(label="Note", required=False, max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV or XLSX file",
                           help_text="A header row, then one row per period. Next you choose "
                                     "which column holds what and see a preview.")


class SplitForm(forms.Form):
    after_period = forms.ChoiceField(
        label="The new phase starts after",
        help_text="The chart gets a new centre line and limits from the next period on.")
    reason = forms.CharField(label="Reason", max_length=300,
                             help_text="What changed in the process (kept in the audit log).")

    def __init__(self, *args, chart: queries.MeasureChart, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(p.period.isoformat(), label)
                   for p, label in zip(chart.points[:-1], chart.labels[:-1], strict=True)]
        self.fields["after_period"].choices = [("", "Choose a period"), *choices]


class ShiftSplitForm(forms.Form):
    """The one-click offer to start a new phase where a sustained shift began."""

    after_period = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=300,
                             help_text="What changed in the process (kept in the audit log).")

    def __init__(self, *args, **kwargs):
        # its own ids: the page also holds the split form with a "reason" field
        kwargs.setdefault("auto_id", "id_shift_%s")
        super().__init__(*args, **kwargs)


# --- pages ----------------------------------------------------------------------------------


@require_GET
@org_view()
def measures(request):
    org = request.organization
    charts = [queries.chart_for(m) for m in queries.measures_for(organization=org)]
    return render(request, "measures/measure_list.html", {
        "charts": charts, "can_add": request.user.has_perm(ADD, org)})


@require_http_methods(["GET", "POST"])
@org_view(ADD)
def measure_new(request):
    org = request.organization
    form = MeasureForm(None, organization=org)
    if request.method == "POST":
        if "library_key" in request.POST:
            try:
                measure = services.add_from_library(
                    organization=org, key=request.POST["library_key"], by=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("measures:new", org_slug=org.slug)
            messages.success(request, f"Added “{measure.name}” from the library. Enter its "
                                      "data below or import a file.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
        form = MeasureForm(request.POST, organization=org)
        if form.is_valid():
            data = dict(form.cleaned_data)
            initiatives = data.pop("initiatives")
            try:
                measure = services.create_measure(organization=org, by=request.user,
                                                  initiatives=initiatives, **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"Added “{measure.name}”.")
                return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return render(request, "measures/measure_new.html", {
        "form": form, "library": services.library()},
        status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view()
def measure_edit(request, pk: int):
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    initial = {name: getattr(measure, name) for name in services.DEFINITION_FIELDS}
    initial["initiatives"] = [i.pk for i in measure.initiatives.all()]
    form = MeasureForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        initiatives = data.pop("initiatives")
        try:
            services.update_measure(measure=measure, initiatives=initiatives, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Measure saved.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return render(request, "measures/measure_edit.html", {"form": form, "measure": measure},
                  status=422 if form.errors else 200)


def _detail(request, measure: Measure, *, data_form=None, import_form=None, split_form=None,
            import_errors=(), status: int = 200, shift_form=None):
    chart = queries.chart_for(measure)
    can_change = request.user.has_perm(CHANGE, measure)
    found = measure_sources.source_of(measure)
    computed = ({"description": found[0].describe(found[1]),
                 "edit_url": found[0].edit_url(found[1], request.organization)}
                if found else None)
    return render(request, "measures/measure_detail.html", {
        "measure": measure,
        "computed": computed,
        "can_enter": can_change and not computed,
        "chart": chart,
        "svg": chart.svg(),
        # phones get the compact chart: fewer axis labels, legible at 360 px
        "svg_narrow": chart.svg(compact=True),
        "can_change": can_change,
        "data_form": data_form or DataPointForm(),
        "import_form": import_form or ImportForm(),
        "split_form": split_form or SplitForm(chart=chart),
        "shift_form": shift_form or (ShiftSplitForm(initial={
            "after_period": chart.suggested_split.after_period})
            if chart.suggested_split else None),
        "import_errors": import_errors,
        "initiatives": list(measure.initiatives.all()),
        "library_entry": services.library_entry(measure.library_key)
        if measure.library_key else None,
    }, status=status)


@require_GET
@org_view()
def measure(request, pk: int):
    measure = access_measure(user=request.user, organization=request.organization, pk=pk)
    return _detail(request, measure)


@require_POST
@org_view()
def measure_data(request, pk: int):
    """Record one period's value (a new period, or a change), or remove a period's point
    (`remove` = the period)."""
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    if "remove" in request.POST:
        try:
            period = forms.DateField(error_messages={
                "required": "Say which period to remove.",
                "invalid": "That is not a period of this measure."}).clean(
                request.POST["remove"])
            services.delete_data_point(measure=measure, period=period)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Removed the point of "
                                      f"{queries.period_label(period, measure.frequency)}.")
        return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    form = DataPointForm(request.POST)
    if form.is_valid():
        try:
            point, created = services.save_data_point(measure=measure, by=request.user,
                                                      **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            label = queries.period_label(point.period, measure.frequency)
            messages.success(request, f"{'Added' if created else 'Changed'} the point of "
                                      f"{label}.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return _detail(request, measure, data_form=form, status=422)


@require_POST
@org_view()
def measure_import(request, pk: int):
    """Stage an uploaded file and go on to choose its columns (views_import.import_map):
    the file is kept, so nothing is uploaded twice."""
    from . import staged_imports

    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(services.MAX_IMPORT_BYTES + 1)
        try:
            staged = staged_imports.stage_import(measure=measure, user=request.user,
                                                 file_name=upload.name, content=content)
        except ValidationError as exc:
            errors = exc.message_dict.get("file", exc.messages)
        else:
            return redirect("measures:import_map", org_slug=org.slug, pk=measure.pk,
                            staged_pk=staged.pk)
    return _detail(request, measure, import_form=form, import_errors=errors, status=422)


@require_POST
@org_view()
def measure_split(request, pk: int):
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    chart = queries.chart_for(measure)
    form = SplitForm(request.POST, chart=chart)
    if form.is_valid():
        try:
            services.split_phase(measure=measure, by=request.user,
                                 after_period=forms.DateField().clean(
                                     form.cleaned_data["after_period"]),
                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "New phase started; its centre line and limits are "
                                      "computed from its own points.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return _detail(request, measure, split_form=form, status=422)


@require_POST
@org_view()
def measure_split_shift(request, pk: int):
    """Accept the chart's offer: a new phase from where the sustained shift began."""
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    form = ShiftSplitForm(request.POST)
    if form.is_valid():
        try:
            split, created = services.start_phase_at_shift(
                measure=measure, by=request.user, reason=form.cleaned_data["reason"],
                after_period=form.cleaned_data["after_period"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            label = queries.period_label(split.after_period, measure.frequency)
            messages.success(request, f"New phase started after {label}; its centre line and "
                                      "limits come from its own points." if created else
                             f"The chart already starts a new phase after {label}.")
            return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
    return _detail(request, measure, shift_form=form, status=422)


@require_POST
@org_view()
def measure_split_remove(request, pk: int, split_pk: int):
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    split = access_split(user=request.user, organization=org, measure=measure, pk=split_pk)
    _require_change(request, measure)
    services.remove_split(split=split)
    messages.success(request, "Phases joined again.")
    return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)


@require_GET
@org_view()
def measure_chart_svg(request, pk: int):
    """The chart as an SVG file (`?compact=1`: the dashboard's smaller chart). 422 with the
    reason in words when the data cannot make a chart; 404 before there is any data."""
    measure = access_measure(user=request.user, organization=request.organization, pk=pk)
    chart = queries.chart_for(measure)
    if chart.error:
        return HttpResponse(f"No chart: {chart.error}", status=422,
                            content_type="text/plain; charset=utf-8")
    svg = chart.svg(compact=request.GET.get("compact") == "1")
    if svg is None:
        return HttpResponse("No chart: the measure has no data yet.", status=404,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="measure-{measure.pk}.svg"'
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@org_view()
def dashboard(request):
    org = request.organization
    charts = [queries.chart_for(m) for m in queries.measures_for(organization=org)]
    return render(request, "measures/dashboard.html", {
        "progress": queries.plan_progress(organization=org),
        "statuses": list(Initiative.Status),
        "charts": charts,
    })

