"""Forms of shared goals: the goal a lead sets, an organization's choice to take part, one
month's value, and a file of values. They parse; goals.py checks the rules and says which
field is wrong."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from safetyhub.core.models import Organization
from safetyhub.measures import sources as measure_sources
from safetyhub.measures.models import Measure

from .models_goals import GoalParticipation, SharedGoal

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]
MONTH = forms.DateInput(attrs={"type": "month", "placeholder": "2026-03"}, format="%Y-%m")


def add_errors(form: forms.Form, exc: ValidationError, names: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form, each message on its field."""
    names = names or {}
    for name, errors in exc.message_dict.items():
        name = names.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


class MonthField(forms.DateField):
    widget = MONTH
    input_formats = MONTH_FORMATS
    default_error_messages = {"invalid": "Write a month as 2026-03."}


class GoalForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200,
                            help_text="What the network aims for, e.g. “Fewer falls with "
                                      "injury”.")
    why = forms.CharField(label="Why this goal", required=False,
                          widget=forms.Textarea(attrs={"rows": 3}))
    numerator = forms.CharField(label="What is counted (numerator)",
                                widget=forms.Textarea(attrs={"rows": 2}))
    denominator = forms.CharField(label="Counted against (denominator)", required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Empty for plain counts (C chart).")
    unit = forms.CharField(label="Unit", required=False, max_length=100,
                           help_text="As the chart's axis says it, e.g. “per 1,000 patient "
                                     "days”.")
    multiplier = forms.IntegerField(label="Multiplier", min_value=1, max_value=10_000_000,
                                    initial=1, help_text="1000 for “per 1,000”, 100 for a "
                                                         "percentage.")
    chart = forms.ChoiceField(label="Chart", choices=SharedGoal.Chart.choices,
                              initial=SharedGoal.Chart.RUN,
                              help_text="U for events per patient days, P for proportions, "
                                        "C for counts, or a run chart.")
    direction = forms.ChoiceField(label="Better when", choices=SharedGoal.Direction.choices)
    target = forms.FloatField(label="Target", required=False,
                              help_text="On the chart's scale (after the multiplier).")
    start_month = MonthField(label="First month counted")
    event_category = forms.CharField(label="Event category counted", required=False,
                                     max_length=64,
                                     help_text="Optional, for members whose event reports "
                                               "can feed the goal, e.g. “fall”.")
    event_harm_at_least = forms.CharField(label="Least harm counted", required=False,
                                          max_length=64,
                                          help_text="Optional, e.g. “mild” for falls with "
                                                    "injury.")
    per_patient_days = forms.BooleanField(label="Counted per patient days", required=False)


class TakePartForm(forms.Form):
    source = forms.ChoiceField(label="Where our values come from",
                               choices=GoalParticipation.Source.choices,
                               widget=forms.RadioSelect,
                               initial=GoalParticipation.Source.ENTERED)
    measure = forms.ModelChoiceField(label="Our measure", required=False,
                                     queryset=Measure.objects.none(),
                                     empty_label="Choose a measure",
                                     help_text="One of your monthly measures counted from "
                                               "event reports.")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = (
            Measure.objects.filter(organization=organization,
                                   frequency=Measure.Frequency.MONTH)
            .filter(measure_sources.computed()).order_by("name", "pk"))


class ValueForm(forms.Form):
    month = MonthField(label="Month", help_text="A month already sent is corrected.")
    numerator = forms.FloatField(label="Numerator")
    denominator = forms.FloatField(label="Denominator", required=False)
    note = forms.CharField(label="Note", required=False, max_length=500)


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV or XLSX file",
                           help_text="A header row (month, numerator, denominator, note), "
                                     "then one row per month. Every row is checked first: "
                                     "one wrong row and nothing is saved.")
