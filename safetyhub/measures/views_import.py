"""The import's mapping step: the staged file's first rows as a table, a choice of which
column holds what and of the number format, a preview of the values as they will be read
with every problem by row and column, then "Import N points" (all rows or none). Also the
import template of a measure, as XLSX or CSV. Views parse, call staged_imports, render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from safetyhub.core.decorators import org_view

from . import import_mapping as reading
from . import staged_imports
from .queries import access_measure, access_staged_import, period_label
from .services import MAX_LISTED_ERRORS, NEEDS_DENOMINATOR, Mapping, _letter
from .views import _require_change

ROLE_LABELS = {
    "period": "Period",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "excluded": "Excluded (yes/no)",
    "note": "Note",
}


class MappingForm(forms.Form):
    sheet = forms.ChoiceField(label="Sheet", required=False)
    period = forms.ChoiceField(label="Period")
    numerator = forms.ChoiceField(label="Numerator", required=False)
    denominator = forms.ChoiceField(label="Denominator", required=False)
    excluded = forms.ChoiceField(label="Excluded (yes/no)", required=False)
    note = forms.ChoiceField(label="Note", required=False)
    number_format = forms.ChoiceField(
        label="Number format", choices=reading.FORMAT_CHOICES, initial=reading.AUTO,
        widget=forms.RadioSelect,
        help_text="How the file writes 1234.5. “Detect” reads each column as a whole: a "
                  "column of values like 1,234 alone is read with a thousands comma.")

    def __init__(self, *args, header: list[str], sheets: list[str], needed: list[str],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        columns = [(str(i), f"{_letter(i)}: {name or '(no header)'}")
                   for i, name in enumerate(header)]
        for role in ROLE_LABELS:
            required = role in needed
            self.fields[role].required = required
            self.fields[role].choices = [("", "Choose a column" if required else "None"),
                                         *columns]
        if len(sheets) > 1:
            self.fields["sheet"].choices = [(name, name) for name in sheets]
        else:
            del self.fields["sheet"]

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        columns = {role: self.header[int(data[role])] for role in ROLE_LABELS
                   if data.get(role)}
        return Mapping(columns=columns, number_format=data["number_format"],
                       sheet=data.get("sheet") or "")

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for role in ROLE_LABELS:
            value = data.get(role)
            if value:
                if value in seen:
                    self.add_error(role, f"This column is already chosen for the "
                                         f"{seen[value]}.")
                else:
                    seen[value] = role
        return data


def _initial(preview: staged_imports.Preview) -> dict:
    keys = [reading.header_key(name) for name in preview.header]
    initial = {"number_format": preview.mapping.number_format,
               "sheet": preview.mapping.sheet or (preview.sheets[0] if preview.sheets else "")}
    for role, name in preview.mapping.columns.items():
        key = reading.header_key(name)
        if key in keys:
            initial[role] = str(keys.index(key))
    return initial


def _needed(measure) -> list[str]:
    return ["period"] + ([] if measure.chart == "t" else ["numerator"]) + (
        ["denominator"] if measure.chart in NEEDS_DENOMINATOR else [])


@require_http_methods(["GET", "POST"])
@org_view()
def import_map(request, pk: int, staged_pk: int):
    org = request.organization
    measure = access_measure(user=request.user, organization=org, pk=pk)
    _require_change(request, measure)
    staged = access_staged_import(user=request.user, organization=org, measure=measure,
                                  pk=staged_pk)
    staged.measure = measure
    status = 200
    import_errors: list[str] = []
    sheet = request.POST.get("sheet", "") if request.method == "POST" else ""
    preview = staged_imports.preview(staged=staged, sheet=sheet)
    form = MappingForm(None, header=preview.header, sheets=preview.sheets,
                       needed=_needed(measure), initial=_initial(preview))
    if request.method == "POST" and preview.header:
        form = MappingForm(request.POST, header=preview.header, sheets=preview.sheets,
                           needed=_needed(measure))
        if not form.is_valid():
            status = 422
        else:
            mapping = form.mapping()
            if request.POST.get("action") == "import":
                try:
                    result = staged_imports.import_staged(staged=staged, mapping=mapping,
                                                          by=request.user)
                except ValidationError as exc:
                    import_errors = exc.messages
                    status = 422
                else:
                    messages.success(request, result.summary())
                    return redirect("measures:measure", org_slug=org.slug, pk=measure.pk)
            preview = staged_imports.preview(staged=staged, mapping=mapping)
    return render(request, "measures/import_map.html", {
        "measure": measure, "staged": staged, "preview": preview, "form": form,
        "import_errors": import_errors,
        "role_fields": [form[role] for role in ROLE_LABELS],
        **_preview_context(measure, preview),
    }, status=422 if preview.file_errors else status)


@require_GET
@org_view()
def import_template(request, pk: int, kind: str):
    measure = access_measure(user=request.user, organization=request.organization, pk=pk)
    if kind not in ("xlsx", "csv"):
        raise Http404("No such template.")
    name, content_type, content = staged_imports.template_file(measure=measure, kind=kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _preview_context(measure, preview: staged_imports.Preview) -> dict:
    checked = preview.checked
    if checked is None:
        return {"preview_rows": [], "problems": []}
    shown = checked.rows[:staged_imports.PREVIEW_ROWS]
    listed = checked.problems[:MAX_LISTED_ERRORS]
    formats = {value: label.split(" (")[0] for value, label in reading.FORMAT_CHOICES}
    return {
        "preview_rows": [{**row.__dict__, "label": period_label(row.period, measure.frequency)}
                         for row in shown],
        "more_rows": len(checked.rows) - len(shown),
        "problems": listed,
        "more_problems": len(checked.problems) - len(listed),
        "formats": "; ".join(f"{name} {formats[fmt]}" for name, fmt
                             in checked.number_formats.items() if name in checked.columns),
    }
