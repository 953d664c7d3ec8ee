from django import forms

from . import services
from .models import Network


class NetworkForm(forms.Form):
    name = forms.CharField(label="Name", max_length=services.MAX_NAME)
    slug = forms.SlugField(label="Short name (in its web address)", max_length=60,
                           required=False, help_text="Letters, digits and dashes; made from "
                                                     "the name if left empty.")
    kind = forms.ChoiceField(label="Kind", choices=Network.Kind.choices,
                             initial=Network.Kind.REGIONAL)
    description = forms.CharField(label="What the network is for", required=False,
                                  max_length=services.MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class InvitationForm(forms.Form):
    note = forms.CharField(label="Who it is for", max_length=services.MAX_NOTE, required=False,
                           help_text="For your own list, e.g. the hospital's name. The link "
                                     "works for whoever opens it first.")


class LeadForm(forms.Form):
    email = forms.EmailField(label="Email of their SafetyHub account", max_length=254)


class JoinForm(forms.Form):
    organization = forms.ChoiceField(label="Organization that joins")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organizations = {str(org.pk): org for org in organizations}
        self.fields["organization"].choices = [(pk, org.name)
                                               for pk, org in self.organizations.items()]
        if len(self.organizations) == 1:
            self.fields["organization"].initial = next(iter(self.organizations))

    def clean_organization(self):
        return self.organizations[self.cleaned_data["organization"]]


class SharingForm(forms.Form):
    shares_assessment_scores = forms.BooleanField(
        label="Self-assessment scores", required=False,
        help_text="Your area scores from finished self-assessments join the network's "
                  "spread of scores. Your organization is never named, and a figure drawn "
                  "from fewer than 5 organizations is not shown.")
    shares_event_counts = forms.BooleanField(
        label="Event counts and harm rates", required=False,
        help_text="Monthly counts of event reports by category and harm level, with no "
                  "narrative, person, place or date finer than the month. A cell with fewer "
                  "than 5 organizations or fewer than 11 events is not shown.")
    shares_action_strength = forms.BooleanField(
        label="Strength of actions", required=False,
        help_text="How many of your review actions are stronger, intermediate or weaker, by "
                  "month. Only counts leave; the same small-number rule applies.")


class LeaveForm(forms.Form):
    reason = forms.CharField(label="Why the organization leaves", max_length=services.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="The network's leads read this.")
