from django import forms

from .. import board_pack
from ..models import BoardPack

DATE = forms.DateInput(attrs={"type": "date"})


class BoardPackForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    period_start = forms.DateField(label="Period from", widget=DATE)
    period_end = forms.DateField(label="Period to", widget=DATE)
    summary = forms.CharField(
        label="What we ask of the board", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="A few short paragraphs: what the board should know, decide or support. "
                  "Printed on page one beside the headline figures.")
    key_measures = forms.TypedMultipleChoiceField(
        label="Key measures", required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Pick {board_pack.KEY_MEASURES_MIN} to {board_pack.KEY_MEASURES_MAX}: "
                  "each is printed with its chart and a one-line reading.")
    schedule = forms.ChoiceField(
        label="Generate and mail to the executives", required=False,
        choices=BoardPack.Schedule.choices,
        help_text="On the first day of each month or quarter, a pack for the period just "
                  "ended, with this summary and these measures.")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organization's own measures can be chosen: a forged id fails validation.
        self.fields["key_measures"].choices = board_pack.key_measure_choices(
            organization=organization)
