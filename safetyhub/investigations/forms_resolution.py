"""Forms of the communication-and-resolution page and the support pages. They only parse:
the rules (dates not before the event, the parts each record needs) live in resolution.py
and support.py, so the page and the API give the same answers."""

from django import forms

from safetyhub.events.models import EventReport

from .models_resolution import ResolutionContact, ResolutionRecord, SupportOffer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label="Conversation", choices=ResolutionContact.Kind.choices)
    happened_at = forms.DateTimeField(label="When", widget=WHEN)
    organization_people = forms.CharField(
        label="Who spoke for the organization", max_length=300,
        help_text="Names and roles, e.g. the attending physician and the unit manager.")
    with_whom = forms.ChoiceField(label="With whom", choices=ResolutionContact.With.choices)
    what_was_shared = forms.CharField(
        label="What was shared", widget=_textarea(4),
        help_text="What happened as far as it is known, what is being done, what happens "
                  "next. Facts, not blame.")
    apology_given = forms.BooleanField(label="An apology was given", required=False)


class ResolutionForm(forms.Form):
    resolution_offered = forms.ChoiceField(label="Resolution offered",
                                           choices=ResolutionRecord.Offer.choices,
                                           required=False)
    resolution_offered_on = forms.DateField(label="Offered on", required=False, widget=DATE)
    resolution_note = forms.CharField(label="Note", required=False, widget=_textarea(3),
                                      help_text="Needed for “something else”.")


class QuestionForm(forms.Form):
    asked_on = forms.DateField(label="Asked on", widget=DATE)
    question = forms.CharField(label="The question, in their words", widget=_textarea(3))
    answer = forms.CharField(label="The answer given", required=False, widget=_textarea(3),
                             help_text="Leave empty if it is not answered yet.")
    answered_on = forms.DateField(label="Answered on", required=False, widget=DATE)


class AnswerForm(forms.Form):
    question_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    answer = forms.CharField(label="The answer given", widget=_textarea(3))
    answered_on = forms.DateField(label="Answered on", widget=DATE)


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, report: EventReport) -> str:
        unit = report.site.name if report.site_id else "no unit given"
        return f"{report.reference}, {report.occurred_at:%d %b %Y} ({unit})"


class OfferForm(forms.Form):
    event = EventChoiceField(label="Harm event", queryset=EventReport.objects.none(),
                             empty_label="Choose the event")
    staff_name = forms.CharField(label="Member of staff offered support", max_length=150)
    staff_role = forms.CharField(label="Their role", max_length=100, required=False,
                                 help_text="Optional, e.g. registered nurse.")
    offered_by = forms.CharField(label="Offered by", max_length=150,
                                 help_text="The peer supporter or coordinator who offered it.")
    offered_at = forms.DateTimeField(label="When", widget=WHEN)
    note = forms.CharField(label="Note", required=False, widget=_textarea(2),
                           help_text="Optional. Only support coordinators read it.")

    def __init__(self, *args, events=None, **kwargs):
        super().__init__(*args, **kwargs)
        if events is not None:
            self.fields["event"].queryset = events


class ResponseForm(forms.Form):
    response = forms.ChoiceField(label="Their answer", choices=SupportOffer.Response.choices)
    responded_at = forms.DateTimeField(label="When", required=False, widget=WHEN)
