"""Forms for assessment cycles. They parse what was typed; the services decide what is
allowed (their ValidationErrors are put back on these fields by name)."""

import re

from django import forms

from safetyhub.core.models import Membership, Organization, Role, User
from safetyhub.core.queries import site_tree
from safetyhub.frameworks.models import Pack
from safetyhub.frameworks.queries import newest_versions

from .models import Assessment, ChosenPriority
from .services import DEFAULT_REMINDER_DAYS, DEFAULT_WINDOW_DAYS, MAX_PRIORITY_REASON

ANSWERED_KINDS = ("instrument", "attestation")
KIND_LABELS = {"instrument": "self-assessment", "attestation": "attestation"}


def startable_packs(organization: Organization) -> list[Pack]:
    """The newest version of every instrument and attestation pack the organization sees."""
    return [p for p in newest_versions(organization=organization) if p.kind in ANSWERED_KINDS]


class PackChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, pack: Pack) -> str:
        whose = "your organization's own" if pack.organization_id else "shipped with SafetyHub"
        return (f"{pack.title} (version {pack.version}; {KIND_LABELS.get(pack.kind, pack.kind)}, "
                f"{whose})")


class PersonChoiceMixin:
    """Shows each person with their role in the organization."""

    roles: dict[int, str]

    def label_from_instance(self, user: User) -> str:
        role = Role(self.roles[user.pk]).label if user.pk in self.roles else ""
        name = f"{user.full_name} ({user.email})" if user.full_name else user.email
        return f"{name} — {role}" if role else name


class PersonChoiceField(PersonChoiceMixin, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class SiteChoiceField(forms.ModelChoiceField):
    depth: dict[int, int]

    def label_from_instance(self, site) -> str:
        return "\u2003" * self.depth.get(site.pk, 0) + f"{site.name} ({site.get_kind_display()})"


class StartAssessmentForm(forms.Form):
    pack = PackChoiceField(
        label="Self-assessment or attestation", queryset=Pack.objects.none(),
        empty_label="— choose what the team will answer —",
    )
    title = forms.CharField(
        label="Title", max_length=200,
        help_text="How the team will recognise this round, e.g. “Spring 2026 self-assessment”.",
    )
    mode = forms.ChoiceField(
        label="How the team scores", choices=Assessment.Mode.choices,
        initial=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS, widget=forms.RadioSelect,
    )
    site = SiteChoiceField(
        label="For", queryset=None, required=False,
        empty_label="The whole organization",
    )
    team = PeopleChoiceField(
        label="Team", queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Anyone in the organization, patient and family advisors included. "
                  "The lead is always on the team.",
    )
    lead = PersonChoiceField(label="Lead", queryset=None, empty_label=None)
    agreed_by = forms.ChoiceField(
        label="Who writes the agreed answers", choices=Assessment.AgreedBy.choices,
        initial=Assessment.AgreedBy.LEADS, widget=forms.RadioSelect, required=False,
        help_text="Everyone on the team sees the agreed answers; these people record them.",
    )
    window_days = forms.IntegerField(
        label="Open for (days)", initial=DEFAULT_WINDOW_DAYS,
        help_text="The assessment opens today and closes after this many days.",
    )
    due_on = forms.DateField(
        label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for the day the window closes.",
    )
    reminder_days = forms.CharField(
        label="Remind the team on days", required=False, max_length=200,
        initial=", ".join(str(d) for d in DEFAULT_REMINDER_DAYS),
        help_text="Days of the window, separated by commas; members who have not finished "
                  "get a reminder on each.",
    )

    def __init__(self, *args, organization: Organization, starter: User, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("lead", starter.pk)
        super().__init__(*args, **kwargs)
        # Only what this organization can see and whom it has: a forged id fails validation.
        self.fields["pack"].queryset = Pack.objects.filter(
            pk__in=[p.pk for p in startable_packs(organization)]
        ).order_by("organization_id", "title")
        tree = [(site, depth) for site, depth in site_tree(organization=organization)
                if site.is_active]
        self.fields["site"].queryset = organization.sites.filter(
            pk__in=[site.pk for site, _ in tree])
        self.fields["site"].depth = {site.pk: depth for site, depth in tree}
        order = {site.pk: n for n, (site, _) in enumerate(tree)}
        self.fields["site"].choices = self._ordered(self.fields["site"], order)
        memberships = list(Membership.objects.filter(organization=organization, is_active=True)
                           .values_list("user_id", "role"))
        roles = dict(memberships)
        people = User.objects.filter(pk__in=roles).order_by("full_name", "email")
        for name in ("team", "lead"):
            self.fields[name].queryset = people
            self.fields[name].roles = roles

    @staticmethod
    def _ordered(field, order: dict[int, int]):
        """The site choices in tree order (parents before their units)."""
        choices = list(field.choices)
        head, rest = choices[:1], choices[1:]
        return head + sorted(rest, key=lambda c: order.get(int(str(c[0])), 0))

    def clean_agreed_by(self) -> str:
        return self.cleaned_data["agreed_by"] or Assessment.AgreedBy.LEADS

    def clean_reminder_days(self) -> list[int]:
        text = self.cleaned_data["reminder_days"].strip()
        if not text:
            return []
        parts = [p for p in re.split(r"[\s,;]+", text) if p]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                "Give whole numbers of days separated by commas, for example “7, 15, 29”.")
        return [int(p) for p in parts]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen it?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Recorded in the audit log with your name.",
    )


class ChoosePriorityForm(forms.Form):
    """Why the team will work on an element, and its judgement of effort and impact."""

    LEVELS = [("", "Choose…"), *ChosenPriority.Level.choices]

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=MAX_PRIORITY_REASON,
                             help_text="Why the team will work on this, in a sentence.")
    effort = forms.ChoiceField(choices=LEVELS, help_text="How much work it will take.")
    impact = forms.ChoiceField(choices=LEVELS, help_text="How much it will improve safety.")
