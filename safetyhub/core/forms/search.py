from django import forms

from .. import search


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False)
    kind = forms.ChoiceField(label="Show", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"),
                                       *[(s.key, s.label) for s in search.sources()]]
        self.fields["kind"].error_messages["invalid_choice"] = (
            "“%(value)s” is not a kind of record that can be searched.")
