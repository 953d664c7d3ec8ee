"""Forms for the aim statement and the driver diagram's nodes. They parse what was typed
and offer only what the organization has; services_aims and services_drivers decide what
is allowed and their ValidationErrors are put back on these fields by name."""

from django import forms

from safetyhub.frameworks.models import PackItem
from safetyhub.measures.models import Measure

from .forms import DATE, ItemChoiceField, _VersionMixin
from .models import Initiative, PdsaCycle
from .queries import choosable_items
from .services_aims import HOW_MUCH_HINT, measures_for_aim

NUMBER_ERROR = {"invalid": f"How much: {HOW_MUCH_HINT}."}


class AimForm(_VersionMixin):
    what = forms.CharField(label="What will improve", max_length=200,
                           help_text="Start with the change, e.g. “Reduce falls with injury”.")
    who = forms.CharField(label="For whom", max_length=200,
                          help_text="The patients or the unit, e.g. “adult inpatients on "
                                    "4 West”.")
    target_is_percent = forms.TypedChoiceField(
        label="How much is", widget=forms.RadioSelect, coerce=lambda v: v == "percent",
        choices=[("value", "a value to reach (from … to …)"),
                 ("percent", "a percentage change (by …%)")], initial="value")
    baseline = forms.FloatField(label="From (now)", required=False,
                                error_messages={"invalid": f"From: {HOW_MUCH_HINT}."},
                                help_text="Where it is now; optional.")
    target = forms.FloatField(label="To (or by, for a percentage)", required=False,
                              error_messages=NUMBER_ERROR,
                              help_text="A number, e.g. 2.0; for “by 50%” give 50.")
    unit = forms.CharField(label="Unit", max_length=100, required=False,
                           help_text="e.g. “per 1,000 patient days”; empty: the measure's.")
    by_when = forms.DateField(label="By when", required=False, widget=DATE,
                              error_messages={"invalid": "By when: a date, e.g. 2027-06-30."},
                              help_text="A date after today, not before the initiative "
                                        "starts.")
    measure = forms.ModelChoiceField(
        label="Measure that tracks it", queryset=Measure.objects.none(), required=False,
        empty_label="No measure yet",
        help_text="Its goal line becomes this aim's target.")

    def __init__(self, *args, initiative: Initiative, **kwargs):
        super().__init__(*args, **kwargs)
        measures = measures_for_aim(initiative)
        self.fields["measure"].queryset = Measure.objects.filter(
            pk__in=[m.pk for m in measures])
        self.fields["measure"].choices = [("", "No measure yet")] + [
            (m.pk, m.name + (f" ({m.unit})" if m.unit else "")) for m in measures]


class NodeForm(forms.Form):
    text = forms.CharField(label="Text", max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, initiative: Initiative, kind: str, tactic=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != "change":
            self.fields["text"].required = True
            return
        self.fields["text"].help_text = "Empty: the tactic's own words."
        self.fields["tactic"] = ItemChoiceField(
            label="From the tactics library", required=False,
            queryset=PackItem.objects.filter(pk__in=[
                t.pk for t in choosable_items(organization=initiative.organization,
                                              kind=PackItem.Kind.TACTIC, include=tactic)]),
            empty_label="None: our own idea")
        self.fields["cycles"] = forms.ModelMultipleChoiceField(
            label="PDSA cycles that test it", required=False,
            widget=forms.CheckboxSelectMultiple,
            queryset=PdsaCycle.objects.filter(initiative=initiative).order_by("number"))
        self.fields["measures"] = forms.ModelMultipleChoiceField(
            label="Measures that track it", required=False,
            widget=forms.CheckboxSelectMultiple,
            queryset=Measure.objects.filter(organization=initiative.organization_id)
            .order_by("name", "pk"))
