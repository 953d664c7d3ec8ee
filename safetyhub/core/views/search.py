"""The search page: one box over the organization's work (core/search.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import search
from ..decorators import org_view
from ..forms.search import SearchForm


@require_GET
@org_view()
def search_page(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        kind = form.cleaned_data["kind"]
        results = search.search(user=request.user, organization=request.organization,
                                query=form.cleaned_data["q"], kinds=[kind] if kind else None)
    return render(request, "core/search.html", {
        "form": form, "results": results,
        "kinds": search.counts_by_label(results) if results else [],
        "kind": form.cleaned_data.get("kind", "") if form.is_bound and not form.errors else "",
        "limit": search.PAGE,
    }, status=400 if form.errors else 200)
