"""Forms of the triage page, the serious-event acknowledgement and the event settings. Each
carries the triage `version` the page was loaded with, so a change made by someone else in
between is refused (services check it), never overwritten."""

from django import forms

from safetyhub.core.models import User

from .severity import THRESHOLDS
from .triage import MAX_CLOSING_MESSAGE, MAX_REASON

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(_Versioned):
    to = forms.ChoiceField(label="Move the report to", choices=())
    reason = forms.CharField(
        label="Reason", required=False, max_length=MAX_REASON, widget=_textarea(2),
        help_text="Needed when going back, skipping a step, reopening or closing without "
                  "review.")
    closing_message = forms.CharField(
        label="Closing message to the reporter", required=False,
        max_length=MAX_CLOSING_MESSAGE, widget=_textarea(4),
        help_text="Needed to close: what was learned and what was done, in plain words. "
                  "The reporter reads it (a named reporter on “My reports”, an anonymous one "
                  "with their follow-up code); do not name people.")

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(to, f"{label} ({step.label.lower()})")
                                     for to, label, step in steps]


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.email


class AssignForm(_Versioned):
    assignee = PersonField(label="Reviewer", queryset=User.objects.none(), required=False,
                           empty_label="Nobody yet",
                           help_text="An event reviewer or patient-safety lead.")
    due_on = forms.DateField(label="Triage due by", required=False, widget=DATE)

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(pk__in=[u.pk for u in reviewers])


class ReclassifyForm(_Versioned):
    event_type = forms.ChoiceField(label="Event type", choices=())
    category = forms.ChoiceField(label="Category", choices=())
    harm_level = forms.ChoiceField(label="Harm", choices=(), required=False)
    medication_error_category = forms.ChoiceField(
        label="NCC MERP category (medication events only)", choices=(), required=False)
    reason = forms.CharField(label="Why this classification", max_length=MAX_REASON,
                             widget=_textarea(2))

    def __init__(self, *args, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = options or {}
        for name in ("event_type", "category"):
            self.fields[name].choices = options.get(name, [])
        self.fields["harm_level"].choices = [("", "Not stated"),
                                             *options.get("harm_level", [])]
        self.fields["medication_error_category"].choices = [
            ("", "None (not a medication event)"),
            *options.get("medication_error_category", [])]


class DuplicateForm(_Versioned):
    duplicate_of = forms.CharField(
        label="Duplicate of report", max_length=20,
        help_text="The reference of the report this one duplicates, e.g. EV-7K2M9QXC. If "
                  "that report is itself a duplicate, the link goes to its primary.")


class UnlinkForm(_Versioned):
    pass


class SettingsForm(forms.Form):
    serious_harm_threshold = forms.ChoiceField(
        label="A report is a serious safety event from", choices=THRESHOLDS,
        help_text="Harm on the AHRQ Common Formats Harm Scale. NCC MERP categories and "
                  "workforce injuries are ranked against it by SafetyHub's own approximate "
                  "crosswalk (see the documentation).")
