"""The "Spread to other units" form: which sites and units adopt the initiative, and who owns
it in each (optional). The form only parses; services_spread decides what is allowed and its
errors come back on `units` (or `owner`) by name."""

from __future__ import annotations

from django import forms

from safetyhub.assessments.forms import PersonChoiceField
from safetyhub.core.models import Organization, Site, User

from . import queries
from .services_spread import Adoption


class SpreadForm(forms.Form):
    # Any of the organization's sites parses, so that the service can say exactly why one
    # cannot adopt (its own, already adopted, closed) instead of a bare "invalid choice".
    units = forms.TypedMultipleChoiceField(
        label="Sites and units", coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one site or unit to spread this initiative to.",
            "invalid_choice": "No such site or unit in this organization.",
        })

    def __init__(self, *args, organization: Organization, candidates: list[tuple[Site, int]],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {s.pk: s for s in Site.objects.filter(organization=organization)}
        self.fields["units"].choices = [(pk, s.name) for pk, s in self.sites.items()]
        self.candidates = candidates
        members = queries.people(organization=organization)
        people = User.objects.filter(pk__in=[u.pk for u, _ in members]).order_by(
            "full_name", "email")
        for site, _depth in candidates:
            field = PersonChoiceField(label=f"Owner in {site.name}", queryset=people,
                                      required=False, empty_label="No owner yet")
            field.roles = {u.pk: role for u, role in members}
            self.fields[self.owner_name(site)] = field

    @staticmethod
    def owner_name(site: Site) -> str:
        return f"owner_{site.pk}"

    def rows(self) -> list[dict]:
        """Each site or unit that may adopt, in tree order: its checkbox state and its
        owner field (what was typed is kept when the form comes back with errors)."""
        chosen = {str(v) for v in (self["units"].value() or [])}
        return [{"site": site, "depth": range(depth), "checked": str(site.pk) in chosen,
                 "owner": self[self.owner_name(site)]} for site, depth in self.candidates]

    def adoptions(self) -> list[Adoption]:
        data = self.cleaned_data
        return [Adoption(site=self.sites[pk], owner=data.get(self.owner_name(self.sites[pk])))
                for pk in data["units"]]
