"""What event reports show for the PSSM readiness view (core/platform_evidence.py): serious
safety events acknowledged by a leader within 3 business days, the reporting rate, and the
closed reports whose reporter was told what was learned and done. Each over the 12 months
that end today (the reporting rate: the last 12 complete months, as the dashboard counts).

Aggregates only, each linked to the page of the records behind it. An organization with no
event report gets no figure: SafetyHub's records then say nothing either way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.core.platform_evidence import Figure, period_words, share_words, year_before

from . import business_days
from .dashboard import dashboard, month_range
from .models import EventReport
from .models_triage import EventTriage
from .triage import SERIOUS_DAYS

SERIOUS_KEY = "events.serious_acknowledged"
RATE_KEY = "events.reporting_rate"
FEEDBACK_KEY = "events.feedback_to_reporters"


@dataclass(frozen=True)
class SeriousCount:
    """Serious safety events flagged in a window and how their clocks ended."""

    flagged: int
    on_time: int  # acknowledged by the end of their 3 business days
    late: int  # acknowledged after it, or still waiting past it
    running: int  # not acknowledged, still within the clock

    @property
    def judged(self) -> int:
        """Events whose clock has ended (acknowledged, or past due): the share's whole."""
        return self.on_time + self.late


def serious_acknowledgement(*, organization: Organization, start: dt.date, end: dt.date,
                            now: dt.datetime | None = None) -> SeriousCount:
    """The serious safety events flagged from `start` to `end` (local days, both included):
    acknowledged within their 3 business days, late, or still within the clock at `now`.
    One query."""
    now = now or timezone.now()
    rows = EventTriage.objects.filter(
        organization=organization, serious_since__date__gte=start,
        serious_since__date__lte=end).values_list("serious_since", "serious_due_at",
                                                  "acknowledged_at")
    on_time = late = running = 0
    for since, due, acknowledged in rows:
        # Rows flagged before the due time was stored: the clock's arithmetic, as the page.
        due = due or business_days.add_business_days(timezone.localtime(since), SERIOUS_DAYS)
        if acknowledged is not None:
            if acknowledged <= due:
                on_time += 1
            else:
                late += 1
        elif now > due:
            late += 1
        else:
            running += 1
    return SeriousCount(flagged=on_time + late + running, on_time=on_time, late=late,
                        running=running)


def figures(*, organization: Organization, today: dt.date) -> list[Figure]:
    if not EventReport.objects.filter(organization=organization).exists():
        return []
    slug = organization.slug
    start = year_before(today)
    serious = serious_acknowledgement(organization=organization, start=start, end=today)
    if serious.flagged == 0:
        serious_note = "No serious safety event was flagged in these 12 months."
    else:
        serious_note = (f"{serious.running} more still within {SERIOUS_DAYS} business days "
                        "and not counted yet." if serious.running else "")
    first, last = month_range(12, today=today)
    dash = dashboard(organization=organization, first=first, last=last, taxonomy=None)
    months = period_words(first, (last + dt.timedelta(days=32)).replace(day=1)
                          - dt.timedelta(days=1))
    if dash.rate is not None:
        rate = f"{dash.rate:.1f} per 1,000 patient days ({dash.total} reports)"
        rate_note = ("Counts only units and months with patient days entered. Report counts "
                     "show how readily people report, not how safe care is.")
    else:
        rate = f"{dash.total} report{'s' if dash.total != 1 else ''}"
        rate_note = ("No patient days are entered for these months, so there is no rate. "
                     "Report counts show how readily people report, not how safe care is.")
    return [
        Figure(key=SERIOUS_KEY,
               label=f"Serious safety events acknowledged by a leader within {SERIOUS_DAYS} "
                     "business days",
               value=share_words(serious.on_time, serious.judged), period=period_words(
                   start, today),
               link=reverse("events:serious", args=[slug]),
               link_text="Serious safety events", note=serious_note),
        Figure(key=RATE_KEY, label="Safety events reported", value=rate, period=months,
               link=reverse("events:dashboard", args=[slug]), link_text="Event dashboard",
               note=rate_note),
        Figure(key=FEEDBACK_KEY,
               label="Closed reports whose reporter was told what was learned and done",
               value=share_words(dash.answered, dash.closed), period=months,
               link=reverse("events:dashboard", args=[slug]), link_text="Event dashboard",
               note="Of the reports of events in these months that are closed."),
    ]
