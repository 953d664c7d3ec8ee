"""The network dashboard page: the network's suppressed aggregates and, for a person of a
member organization, their organization's own figures beside them. Thin: aggregates.py reads,
access.py is the door."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import aggregates
from .access import access_network


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label="Show by", required=False,
                               choices=[("year", "Year"), ("quarter", "Quarter")])
    organization = forms.ChoiceField(label="Beside the figures of", required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if choices:
            self.fields["organization"].choices = list(choices)
        else:
            del self.fields["organization"]


@login_required
def dashboard(request, network_slug: str):
    access = access_network(user=request.user, slug=network_slug)
    mine = access.organizations_allowed(request.user, "events.view_aggregates")
    form = PeriodForm(request.GET or None, choices=[(o.slug, o.name) for o in mine])
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    period = data.get("period") or "year"
    own = aggregates.own_organization(request.user, access, data.get("organization") or "")
    dash = aggregates.dashboard(network=access.network, period=period, own=own)
    return render(request, "network/dashboard.html", {
        "access": access, "network": access.network, "form": form, "dash": dash,
    }, status=200 if valid else 422)
