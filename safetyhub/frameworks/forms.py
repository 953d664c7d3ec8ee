from django import forms

MAX_UPLOAD_BYTES = 2_000_000


class PackUploadForm(forms.Form):
    file = forms.FileField(label="Pack file (YAML)",
                           help_text="See “Writing your own pack” for the format.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES} bytes.")
        if not upload.name.lower().endswith((".yaml", ".yml")):
            raise forms.ValidationError("Upload a .yaml or .yml file.")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class SearchForm(forms.Form):
    q = forms.CharField(label="Search frameworks", max_length=200, required=False)


class TacticFilterForm(forms.Form):
    area = forms.ChoiceField(label="Area", required=False)
    recommendation = forms.ChoiceField(label="Recommendation", required=False)

    def __init__(self, *args, areas, recommendations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "All areas"), *[(a.key, a.title) for a in areas]]
        self.fields["recommendation"].choices = [
            ("", "All recommendations"),
            *[(r.key, f"{r.number}. {r.title}") for r in recommendations],
        ]
