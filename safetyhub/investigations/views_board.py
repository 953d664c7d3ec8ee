"""The board view page: investigation and resolution in aggregates, for executives and
leads (rules_board.py). The same figures and template as the board pack's section
(board.py). A wrong period is refused with 400 naming the field; the page then shows the
default period."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safetyhub.core.decorators import org_view

from . import board

PERIODS = [(3, "3 months"), (6, "6 months"), (12, "12 months")]
DEFAULT_MONTHS = 3  # the board reads the communication-and-resolution results quarterly


class PeriodForm(forms.Form):
    months = forms.TypedChoiceField(label="Period", choices=PERIODS, coerce=int,
                                    initial=DEFAULT_MONTHS, required=False)


def months_before(today: dt.date, months: int) -> dt.date:
    """The first day of the `months` months that end today."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(today.day, last_day)) + dt.timedelta(days=1)


@require_GET
@org_view("investigations.view_board")
def board_view(request):
    form = PeriodForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    months = (form.cleaned_data.get("months") if form.is_bound and valid else None) \
        or DEFAULT_MONTHS
    today = timezone.localdate()
    view = board.board_view(organization=request.organization,
                            start=months_before(today, months), end=today, today=today)
    return render(request, "investigations/board.html", {
        "form": form, "b": view, "months": months, "method": board.METHOD,
    }, status=200 if valid else 400)
