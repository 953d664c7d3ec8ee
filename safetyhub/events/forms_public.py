"""Forms of the public reporting page (patients, families, care partners) and of its switch.

The forms only read what was sent (a day, a choice, text); every rule about what may be
stored is the service's (public.py), which names the page's own fields in plain words."""

from __future__ import annotations

import secrets

from django import forms

from .models import EventReport
from .public import HURT, TIME_OF_DAY, Relationship

# Why each optional question about the patient is asked, in the words the page shows.
WHY_WE_ASK = ("We ask this to check that care is fair for everyone. "
              "You can skip it.")
NOT_SAYING = ("", "I would rather not say")
PICK = {"invalid_choice": "Please pick one of the answers on the list."}


def _choices(choices) -> list[tuple[str, str]]:
    return [NOT_SAYING, *[(value, label) for value, label in choices.choices
                          if value != "unknown"]]


class PublicReportForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened?", widget=forms.Textarea(attrs={"rows": 6}), required=False,
        help_text="Tell it in your own words. Please do not write anyone's full name.")
    day = forms.DateField(
        label="What day was it?", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="If you are not sure, pick the closest day.",
        error_messages={"invalid": "Please enter a real day, like 3/14/2026."})
    time_of_day = forms.ChoiceField(error_messages=PICK,
        label="About what time?", required=False, initial="not-sure",
        choices=[(key, label) for key, (label, _hour) in TIME_OF_DAY.items()],
        widget=forms.RadioSelect)
    site = forms.ChoiceField(label="Where did it happen?", required=False, error_messages={
        "invalid_choice": "Please pick a place from the list, or 'I am not sure'."})
    hurt = forms.ChoiceField(error_messages=PICK,
        label="Was someone hurt?", required=False,
        choices=[(hurt.key, hurt.label) for hurt in HURT], widget=forms.RadioSelect)
    relationship = forms.ChoiceField(error_messages=PICK,
        label="Who are you?", required=False, choices=Relationship.CHOICES,
        widget=forms.RadioSelect)
    anonymous = forms.ChoiceField(error_messages=PICK,
        label="Do you want to give your name?", required=False,
        choices=[("no", "Yes. You may call or write to me."),
                 ("yes", "No. I want to stay anonymous.")],
        widget=forms.RadioSelect)
    contact_name = forms.CharField(label="Your name", required=False,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contact_phone = forms.CharField(
        label="Your phone number", required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    contact_email = forms.CharField(
        label="Your email", required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}))
    patient_age_band = forms.ChoiceField(error_messages=PICK,
        label="The patient's age", required=False, help_text=WHY_WE_ASK,
        choices=_choices(EventReport.AgeBand))
    patient_sex = forms.ChoiceField(error_messages=PICK,
        label="The patient's sex", required=False, help_text=WHY_WE_ASK,
        choices=_choices(EventReport.Sex))
    patient_race_ethnicity = forms.MultipleChoiceField(error_messages=PICK,
        label="The patient's race or ethnic group", required=False,
        help_text=WHY_WE_ASK + " You can pick more than one.",
        choices=[(v, label) for v, label in EventReport.RaceEthnicity.choices
                 if v not in ("unknown", "declined")],
        widget=forms.CheckboxSelectMultiple)
    patient_language = forms.ChoiceField(error_messages=PICK,
        label="The language the patient likes to use", required=False, help_text=WHY_WE_ASK,
        choices=_choices(EventReport.Language))
    patient_interpreter_needed = forms.ChoiceField(error_messages=PICK,
        label="Does the patient need an interpreter?", required=False, help_text=WHY_WE_ASK,
        choices=_choices(EventReport.YesNo))
    patient_disability = forms.ChoiceField(error_messages=PICK,
        label="Does the patient have a disability?", required=False, help_text=WHY_WE_ASK,
        choices=_choices(EventReport.YesNo))
    # One per page load: sending the form twice (a double tap, a retry) makes one report.
    client_key = forms.CharField(widget=forms.HiddenInput, required=False)

    PATIENT_FIELDS = ("patient_age_band", "patient_sex", "patient_race_ethnicity",
                      "patient_language", "patient_interpreter_needed", "patient_disability")

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "I am not sure"),
                                       *[(str(site.pk), site.name) for site in sites]]
        if not self.is_bound:
            self.initial["client_key"] = secrets.token_urlsafe(24)

    def service_arguments(self) -> dict:
        """What submit_public_report takes, from the cleaned data."""
        data = self.cleaned_data
        anonymous = {"yes": True, "no": False}.get(data.get("anonymous") or "")
        site = data.get("site") or ""
        return {
            "what_happened": data.get("what_happened", ""),
            "day": data.get("day"),
            "time_of_day": data.get("time_of_day") or "not-sure",
            "site_id": int(site) if site.isdigit() else None,
            "hurt": data.get("hurt") or "",
            "relationship": data.get("relationship") or "",
            "anonymous": anonymous,
            "contact_name": data.get("contact_name", ""),
            "contact_phone": data.get("contact_phone", ""),
            "contact_email": data.get("contact_email", ""),
            "patient": {name: data[name] for name in self.PATIENT_FIELDS if data.get(name)},
            "client_key": data.get("client_key", ""),
        }


class FollowUpForm(forms.Form):
    code = forms.CharField(
        label="Your code", max_length=100, required=False,
        help_text="It looks like ABCD-EFGH-JKMN-PQRS-TVWX. Small letters and spaces are fine.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}))


class PublicPageSettingsForm(forms.Form):
    is_open = forms.BooleanField(
        label="Patients, families and care partners can report on the public page",
        required=False,
        help_text="Anyone with the link can report without an account. Turned off, the page "
                  "answers 'not found'.")
