"""Forms of the action plan of a review, one action's page, and gathering an aggregate
review. They parse; services_actions.py and aggregate.py decide what is allowed."""

from __future__ import annotations

from django import forms

from safetyhub.core.models import Membership, Organization, Role, Site, User
from safetyhub.measures.models import Measure

from . import hierarchy
from .models_actions import ReviewAction
from .services_actions import EFFECT_TYPES, MAX_DESCRIPTION, MAX_TEXT

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.email


def owners_of(organization: Organization):
    """Active members who may own an action (executive viewers only read)."""
    return User.objects.filter(
        pk__in=Membership.objects.filter(organization=organization, is_active=True)
        .exclude(role=Role.EXECUTIVE_VIEWER).values("user_id"), is_active=True,
    ).order_by("full_name", "email")


def strength_choices() -> list[tuple[str, str]]:
    return [(lv.key, f"{lv.label}: {lv.meaning} For example: "
                     f"{'; '.join(e.lower() for e in lv.examples[:3])}.")
            for lv in hierarchy.LEVELS]


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What will change", max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A change to the system, not to a person: the review names no one at fault.")
    strength = forms.ChoiceField(label="Strength on the action hierarchy", choices=(),
                                 widget=forms.RadioSelect, help_text=hierarchy.SOURCE)
    owner = PersonField(label="Owner", queryset=User.objects.none(), required=False,
                        empty_label="Choose one person",
                        help_text="One person who answers for it, not a committee.")
    due_on = forms.DateField(label="Due", required=False, widget=DATE)
    measure = forms.ModelChoiceField(
        label="Measure of its effect", queryset=Measure.objects.none(), required=False,
        empty_label="None yet",
        help_text="A process or outcome measure of the improvement work: its run or control "
                  "chart shows whether the action worked.")
    new_measure_name = forms.CharField(
        label="Or make a new measure named", required=False, max_length=200,
        help_text="e.g. “Falls with injury per 1,000 patient days on 4 West”.")
    new_measure_type = forms.ChoiceField(
        label="The new measure is a", required=False,
        choices=[("", "Choose"), *[(t.value, f"{t.label} measure") for t in EFFECT_TYPES]])
    new_measure_direction = forms.ChoiceField(
        label="On the new measure", required=False,
        choices=[("", "Choose"), (Measure.Direction.DECREASE, "Lower is better"),
                 (Measure.Direction.INCREASE, "Higher is better")])
    expected_effect = forms.CharField(
        label="What you expect to see", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What, how much and by when, e.g. “alarms on for 95% of patients at high "
                  "risk within 3 months”.")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strength"].choices = strength_choices()
        self.fields["owner"].queryset = owners_of(organization)
        self.fields["measure"].queryset = Measure.objects.filter(
            organization=organization, type__in=EFFECT_TYPES).order_by("name")

    def new_measure(self) -> dict | None:
        data = self.cleaned_data
        if not (data.get("new_measure_name") or "").strip():
            return None
        return {"name": data["new_measure_name"], "type": data.get("new_measure_type"),
                "direction": data.get("new_measure_direction")}


class ProgressForm(forms.Form):
    """What the action's owner changes: its status (and why, when cancelled)."""

    status = forms.ChoiceField(label="Status", choices=ReviewAction.Status.choices)
    cancel_reason = forms.CharField(label="Why it is cancelled", required=False,
                                    max_length=MAX_TEXT,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="Needed to cancel.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActionEditForm(ActionForm, ProgressForm):
    """What a reviewer changes: the action and its progress."""


class WeakerReasonForm(forms.Form):
    weaker_only_reason = forms.CharField(
        label="Why weaker actions are enough here", required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}))


class AggregateForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200,
                            help_text="e.g. “Medication near misses on 4 West, 2026”.")
    category = forms.ChoiceField(label="Category", choices=())
    site = forms.ModelChoiceField(label="Unit", queryset=Site.objects.none(), required=False,
                                  empty_label="All units")
    contributing_factors = forms.MultipleChoiceField(
        label="Contributing factors", choices=(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Gather events that name any of these; none chosen gathers all.")
    first_day = forms.DateField(label="From", widget=DATE)
    last_day = forms.DateField(label="To", widget=DATE)

    def __init__(self, *args, organization: Organization, taxonomy, **kwargs):
        super().__init__(*args, **kwargs)
        if taxonomy is not None:
            self.fields["category"].choices = [
                (o.key, o.title) for o in taxonomy.categories("patient_safety")]
            self.fields["contributing_factors"].choices = [
                (o.key, o.title) for o in taxonomy.options("contributing-factors")]
        self.fields["site"].queryset = Site.objects.filter(organization=organization,
                                                           is_active=True)
