"""Progress ratings on the initiative page: the form to rate a month, the history chart, and
the context the page and the board need. Rules as for the rest of the initiative: everyone
in the organization reads, those who may change the initiative rate it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors

from . import services_ratings as ratings
from .access import access_initiative
from .models import Initiative
from .views import _render_initiative, _require_change

VIEW = "improvement.view_plan"
CHANGE = "improvement.change_initiative"


class RatingForm(forms.Form):
    month = forms.CharField(label="Month", max_length=10,
                            widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="This month or an earlier one (YYYY-MM).")
    rating = forms.ChoiceField(label="Rating")
    note = forms.CharField(label="Why this rating (optional)", required=False,
                           max_length=ratings.MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"month": f"{timezone.localdate():%Y-%m}"})
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [("", "Choose a point of the scale")] + [
            (str(p.value), f"{p.label}: {p.description}") for p in ratings.scale().points]


def ratings_context(request, initiative: Initiative, form: RatingForm | None = None) -> dict:
    """What the initiative page's ratings section needs."""
    history = ratings.ratings_of(initiative)
    current = history[-1] if history else None
    return {
        "rating_form": form or RatingForm(),
        "ratings": history,
        "ratings_chart": ratings.history_svg(history),
        "current_rating": current,
        "current_rating_stale": ratings.is_stale(current),
        "rating_scale": ratings.scale(),
    }


@require_POST
@org_view(VIEW)
def rate(request, pk: int):
    org = request.organization
    initiative = access_initiative(user=request.user, organization=org, pk=pk)
    _require_change(request, initiative)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating = ratings.rate_month(initiative=initiative, by=request.user,
                                        month=form.cleaned_data["month"],
                                        rating=form.cleaned_data["rating"],
                                        note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Rated {rating.month:%B %Y}: {rating.rating}.")
            return redirect(reverse("improvement:initiative",
                                    kwargs={"org_slug": org.slug, "pk": initiative.pk})
                            + "#ratings")
    return _render_initiative(request, initiative, rating_form=form, status=422)
