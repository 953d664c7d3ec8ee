from django import forms

from ..models import AuditEntry, Role, Site


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(
        label="Role", choices=Role.choices, initial=Role.ASSESSOR,
        help_text="Event reports are read by event reviewers and patient-safety leads only. "
                  "A support coordinator is the only one who sees who was offered peer "
                  "support after a harm event.")


class MemberForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    is_active = forms.BooleanField(label="Active member", required=False)


class SiteForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=Site.Kind.choices)
    parent = forms.ModelChoiceField(
        label="Part of", queryset=Site.objects.none(), required=False,
        empty_label="— the organization itself —",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organization's own sites can be chosen: a forged id fails validation.
        self.fields["parent"].queryset = Site.objects.filter(organization=organization)


class OrganizationSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    require_two_factor = forms.BooleanField(
        label="Require a second factor (authenticator app) for every member", required=False
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    object_type = forms.ChoiceField(label="Record type", required=False)
    actor = forms.CharField(label="Person", required=False, max_length=200)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Any record"), *[(t, t) for t in object_types]]
