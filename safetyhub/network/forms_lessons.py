"""Forms for lessons: starting a draft, editing it, the review's "add a redaction", publishing,
the library's filters and a comment. They parse; lessons.py decides."""

from __future__ import annotations

from django import forms

from safetyhub.core.models import Organization
from safetyhub.deid import KINDS
from safetyhub.investigations.hierarchy import LEVELS

from .models_lessons import LessonComment, LessonDraft

STRENGTH_CHOICES = [(lv.key, lv.label) for lv in LEVELS]
KIND_LABELS = {"NAME": "A name", "DATE": "A date", "AGE": "An age over 89",
               "PHONE": "A phone or fax number", "EMAIL": "An email address",
               "ADDRESS": "A street address", "PLACE": "A small place", "SSN": "A social "
               "security number", "MRN": "A medical record number", "ACCOUNT": "An account "
               "number", "LICENCE": "A licence number", "VEHICLE": "A vehicle number",
               "DEVICE": "A device serial number", "URL": "A web address",
               "IP": "An IP address"}
KIND_CHOICES = [(k, KIND_LABELS.get(k, k)) for k in KINDS]


def source_choices(organization: Organization) -> list:
    """The organization's recent events, reviews and initiatives a lesson may start from."""
    from safetyhub.events.models import EventReport
    from safetyhub.improvement.models import Initiative
    from safetyhub.investigations.models import Review

    events = EventReport.objects.filter(organization=organization).order_by("-created_at")[:50]
    reviews = Review.objects.filter(organization=organization,
                                    kind__in=["rca2", "aggregate"]).order_by("-created_at")[:50]
    initiatives = Initiative.objects.filter(organization=organization).order_by("-pk")[:50]
    return [
        ("none:", "Nothing: a blank lesson"),
        ("Event reports", [(f"event:{e.pk}", f"{e.reference}: {e.narrative[:60]}")
                           for e in events]),
        ("Reviews", [(f"{r.kind}:{r.pk}", f"{r.get_kind_display()}: {r.title}")
                     for r in reviews]),
        ("Initiatives", [(f"initiative:{i.pk}", i.title) for i in initiatives]),
    ]


class NewDraftForm(forms.Form):
    source = forms.ChoiceField(label="Start from", help_text="What happened, the contributing "
                               "factors, the actions and their charts are copied in for you "
                               "to edit.")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices(organization)

    def source_parts(self) -> tuple[str, int | None]:
        kind, _, pk = self.cleaned_data["source"].partition(":")
        return kind, int(pk) if pk else None


class DraftForm(forms.Form):
    title = forms.CharField(max_length=200)
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False,
                                    label="What happened",
                                    help_text="Say it in general terms: what another "
                                              "organization needs to know, nothing more.")
    contributing_factors = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}),
                                           required=False, label="Contributing factors")
    results = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              label="Results", help_text="What changed, and how you know.")
    category = forms.ChoiceField(required=False, label="Event category")
    recommendations = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        label="National Action Plan recommendations it helps with")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, draft: LessonDraft, categories, recommendations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "No category"), *categories]
        self.fields["recommendations"].choices = recommendations
        self.action_rows = []
        for k in range(len(draft.actions) + 1):
            action = draft.actions[k] if k < len(draft.actions) else {}
            d, s = f"action_{k}_description", f"action_{k}_strength"
            self.fields[d] = forms.CharField(
                required=False, widget=forms.Textarea(attrs={"rows": 2}),
                label=f"Action {k + 1}" if action else "Add an action",
                initial=action.get("description", ""),
                help_text="Leave empty to remove it." if action else "")
            self.fields[s] = forms.ChoiceField(
                required=False, choices=[("", "Choose"), *STRENGTH_CHOICES],
                label=f"Strength of action {k + 1}", initial=action.get("strength", ""))
            self.action_rows.append((self[d], self[s]))

    def actions(self) -> list[dict]:
        rows = []
        k = 0
        while f"action_{k}_description" in self.cleaned_data:
            description = self.cleaned_data[f"action_{k}_description"].strip()
            if description:
                rows.append({"description": description,
                             "strength": self.cleaned_data[f"action_{k}_strength"]})
            k += 1
        return rows

    def values(self) -> dict:
        data = {key: self.cleaned_data[key] for key in (
            "title", "what_happened", "contributing_factors", "results", "category",
            "recommendations")}
        data["actions"] = self.actions()
        return data


class AddRedactionForm(forms.Form):
    field = forms.ChoiceField(label="In")
    text = forms.CharField(max_length=300, label="Words to redact",
                           help_text="Exactly as written; every place they appear is "
                                     "redacted.")
    kind = forms.ChoiceField(choices=KIND_CHOICES, label="What it is")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, fields: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields


class PublishForm(forms.Form):
    network = forms.ChoiceField(label="Publish to")
    shows_owner = forms.BooleanField(required=False, label="Show our organization's name with "
                                     "the lesson")

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [(n.slug, n.name) for n in networks]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    category = forms.ChoiceField(required=False, label="Category")
    recommendation = forms.ChoiceField(required=False, label="Recommendation")
    strength = forms.ChoiceField(required=False, label="Action strength",
                                 choices=[("", "Any strength"), *STRENGTH_CHOICES])

    def __init__(self, *args, categories, recommendations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "All categories"), *categories]
        self.fields["recommendation"].choices = [("", "All recommendations"), *recommendations]


class CommentForm(forms.Form):
    organization = forms.ChoiceField(label="For")
    kind = forms.ChoiceField(choices=LessonComment.Kind.choices, label="What",
                             widget=forms.RadioSelect, initial=LessonComment.Kind.TRIED)
    result = forms.ChoiceField(required=False, label="How it went",
                               choices=[("", "Choose (for “we tried this”)"),
                                        *LessonComment.Result.choices])
    text = forms.CharField(required=False, max_length=5_000, label="Note",
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Names, dates and numbers that identify anyone are "
                                     "removed; you see the text before it is posted.")
    confirmed_text = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.slug, o.name) for o in organizations]
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].slug
