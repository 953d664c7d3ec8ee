"""The staff reporting form. It offers what the organization's taxonomy pack holds (types,
categories, harm levels, the chosen category's questions, roles, contributing factors) and
its sites; the service decides what is allowed and its errors go back on these fields by
name (`answers.<question>` included)."""

import secrets

from django import forms
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.core.queries import site_tree

from .models import EventReport
from .taxonomy import Question, Taxonomy

ANSWER_PREFIX = "answers."
NARRATIVE_HELP = ("What happened, in your own words. Describe the event, not the people: "
                  "names are not needed (roles are enough).")


def new_client_key() -> str:
    """The form's own idempotency key: a double submit (or a resend after a lost connection)
    makes one report."""
    return secrets.token_urlsafe(24)


def _options(options) -> list[tuple[str, str]]:
    return [(option.key, option.title) for option in options]


def question_field(question: Question) -> forms.Field:
    label = question.text
    help_text = question.help
    if question.type == "yes-no":
        return forms.ChoiceField(label=label, help_text=help_text, required=False,
                                 choices=[("yes", "Yes"), ("no", "No")],
                                 widget=forms.RadioSelect)
    if question.type == "text":
        return forms.CharField(label=label, help_text=help_text, required=False,
                               max_length=500)
    choices = [(c.key, f"{c.key}: {c.title}" if question.choices_from else c.title)
               for c in question.choices]
    if question.type == "multi":
        return forms.MultipleChoiceField(label=label, help_text=help_text, required=False,
                                         choices=choices, widget=forms.CheckboxSelectMultiple)
    return forms.ChoiceField(label=label, help_text=help_text, required=False,
                             choices=choices, widget=forms.RadioSelect)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "accept": "application/pdf,image/png,image/jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ReportForm(forms.Form):
    """Required first (what kind of event, which category, when, where, what happened, how
    much harm), then everything optional. The service checks the rest."""

    kind = forms.ChoiceField(choices=EventReport.Kind.choices, widget=forms.HiddenInput)
    client_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    reported_by = forms.ChoiceField(label="Who is reporting?", required=False,
                                    choices=EventReport.ReportedBy.choices,
                                    widget=forms.RadioSelect)
    event_type = forms.ChoiceField(label="What kind of event?", widget=forms.RadioSelect)
    category = forms.ChoiceField(label="Category")
    occurred_at = forms.DateTimeField(
        label="When did it happen?", help_text="Your best estimate is fine.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    site_id = forms.TypedChoiceField(label="Where?", coerce=int, required=False,
                                     empty_value=None)
    narrative = forms.CharField(label="What happened?", help_text=NARRATIVE_HELP,
                                widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000)
    harm_level = forms.ChoiceField(label="How much harm did it do?", required=False,
                                   widget=forms.RadioSelect)
    anonymous = forms.BooleanField(label="Report anonymously", required=False)
    # --- optional details
    people_involved = forms.MultipleChoiceField(label="People involved (roles only)",
                                                required=False,
                                                widget=forms.CheckboxSelectMultiple)
    immediate_actions = forms.CharField(label="What was done straight away?", required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}),
                                        max_length=5_000)
    contributing_factors = forms.MultipleChoiceField(label="What may have contributed?",
                                                     required=False,
                                                     widget=forms.CheckboxSelectMultiple)
    attachments = MultipleFileField(label="Photos or documents", required=False,
                                    help_text="PDF, PNG or JPEG.")
    patient_age_band = forms.ChoiceField(label="Age", required=False)
    patient_sex = forms.ChoiceField(label="Sex", required=False)
    patient_race_ethnicity = forms.MultipleChoiceField(
        label="Race and ethnicity (any that apply)", required=False,
        choices=EventReport.RaceEthnicity.choices, widget=forms.CheckboxSelectMultiple)
    patient_language = forms.ChoiceField(label="Preferred language", required=False)
    patient_interpreter_needed = forms.ChoiceField(label="Interpreter needed?", required=False)
    patient_disability = forms.ChoiceField(label="Has a disability?", required=False)

    REQUIRED = ("event_type", "category", "occurred_at", "site_id", "narrative", "harm_level")
    PATIENT = ("patient_age_band", "patient_sex", "patient_race_ethnicity", "patient_language",
               "patient_interpreter_needed", "patient_disability")

    def __init__(self, *args, organization: Organization, taxonomy: Taxonomy, kind: str,
                 questions_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.taxonomy = taxonomy
        self.kind = kind
        f = self.fields
        f["event_type"].choices = _options(taxonomy.options("event-types"))
        f["category"].choices = [("", "Choose a category"), *_options(taxonomy.categories(kind))]
        f["harm_level"].choices = _options(taxonomy.harm_levels(kind))
        f["people_involved"].choices = _options(taxonomy.options("people-roles"))
        f["contributing_factors"].choices = _options(taxonomy.options("contributing-factors"))
        sites = [(site.pk, "\u2003" * depth + site.name)
                 for site, depth in site_tree(organization=organization) if site.is_active]
        f["site_id"].choices = [("", "Choose a site or unit"), *sites]
        # "Where" is required as soon as the organization has places to choose from.
        f["site_id"].required = bool(sites)
        for name, choices in (("patient_age_band", EventReport.AgeBand),
                              ("patient_sex", EventReport.Sex),
                              ("patient_language", EventReport.Language),
                              ("patient_interpreter_needed", EventReport.YesNo),
                              ("patient_disability", EventReport.YesNo)):
            f[name].choices = [("", "Not given"), *choices.choices]
        f["occurred_at"].widget.attrs["max"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if kind == EventReport.Kind.WORKFORCE:
            f["reported_by"].required = True
            f["harm_level"].label = "How badly was the person hurt?"
            for name in self.PATIENT:
                del f[name]
        else:
            del f["reported_by"]
        if questions_url:  # the chosen category's questions, swapped in by HTMX
            f["category"].widget.attrs.update({
                "hx-get": questions_url, "hx-trigger": "change",
                "hx-target": "#category-questions", "hx-swap": "innerHTML",
                "hx-include": "#id_kind",
                # its own queue: the form's autosave (hx-sync on the form, inherited) would
                # otherwise cancel this request when the same change reaches the form
                "hx-sync": "this:replace"})
        self.category_key = self._chosen_category()
        for question in taxonomy.questions_for(self.category_key):
            f[ANSWER_PREFIX + question.id] = question_field(question)

    def _chosen_category(self) -> str:
        value = (self.data.get("category") if self.is_bound
                 else self.initial.get("category")) or ""
        keys = {option.key for option in self.taxonomy.categories(self.kind)}
        return value if value in keys else ""

    # --- what the template shows where

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ANSWER_PREFIX)]

    def detail_fields(self) -> list[forms.BoundField]:
        names = ("people_involved", "immediate_actions", "contributing_factors", "attachments")
        return [self[name] for name in names]

    def patient_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PATIENT if name in self.fields]

    def answers(self) -> dict:
        data = self.cleaned_data
        return {name[len(ANSWER_PREFIX):]: data.get(name) for name in self.fields
                if name.startswith(ANSWER_PREFIX) and data.get(name) not in (None, "", [])}

    def patient(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.PATIENT
                if name in self.fields and self.cleaned_data.get(name)}


def draft_initial(data: dict) -> dict:
    """A saved draft as the form's initial values."""
    return {key: value for key, value in data.items() if value not in (None, "")}
