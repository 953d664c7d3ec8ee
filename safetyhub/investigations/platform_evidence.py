"""What reviews and their actions show for the PSSM readiness view (core/platform_evidence.py):
RCA²s started (chartered) within 72 hours, and the share of stronger actions on the action
hierarchy. Each over the 12 months that end today, aggregates only, linked to the records.
An organization that has never started a review gets no figure for reviews, and one that
has planned no action none for actions: SafetyHub's records then say nothing either way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.core.platform_evidence import Figure, period_words, share_words, year_before

from .action_queries import stronger_share
from .models import Review
from .models_actions import ReviewAction
from .services import START_HOURS

RCA_KEY = "investigations.rca_started_in_time"
STRONGER_KEY = "investigations.stronger_actions"


@dataclass(frozen=True)
class StartCount:
    """RCA²s whose 72-hour clock began in a window, and how the clock ended."""

    started_clocks: int
    on_time: int  # chartered by the end of the 72 hours
    late: int  # chartered after, or not chartered and past due
    running: int  # not chartered, still within the 72 hours

    @property
    def judged(self) -> int:
        return self.on_time + self.late


def rca_starts(*, organization: Organization, start: dt.date, end: dt.date,
               now: dt.datetime | None = None) -> StartCount:
    """The RCA²s whose clock began from `start` to `end` (local days, both included): chartered
    within 72 hours, late, or still within them at `now`. Stopped reviews count as they
    stood (a review stopped unchartered after its 72 hours was late). One query."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    rows = Review.objects.filter(
        organization=organization, kind=Review.Kind.RCA2, start_due_at__isnull=False,
        clock_started_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        clock_started_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min,
                                                 tzinfo=tz),
    ).values_list("start_due_at", "chartered_at", "status")
    on_time = late = running = 0
    for due, chartered, status in rows:
        if chartered is not None:
            if chartered <= due:
                on_time += 1
            else:
                late += 1
        elif now > due:
            late += 1
        elif status == Review.Status.STOPPED:
            continue  # stopped within its clock: it never needed to start
        else:
            running += 1
    return StartCount(started_clocks=on_time + late + running, on_time=on_time, late=late,
                      running=running)


def figures(*, organization: Organization, today: dt.date) -> list[Figure]:
    out = []
    slug = organization.slug
    if Review.objects.filter(organization=organization).exists():
        start = year_before(today)
        starts = rca_starts(organization=organization, start=start, end=today)
        note = ("The clock runs from the event's first score on the SAC matrix; a review has "
                "started when its team is formed and its charter written.")
        if starts.running:
            note += f" {starts.running} more still within {START_HOURS} hours, not counted yet."
        out.append(Figure(
            key=RCA_KEY, label=f"RCA² reviews started (chartered) within {START_HOURS} hours",
            value=share_words(starts.on_time, starts.judged),
            period=period_words(start, today),
            link=reverse("investigations:list", args=[slug]), link_text="Reviews",
            note=note))
    if ReviewAction.objects.filter(organization=organization).exists():
        share = stronger_share(organization, today=today)
        out.append(Figure(
            key=STRONGER_KEY,
            label="Review actions rated stronger on the action hierarchy",
            value=share_words(share.stronger, share.total),
            period=period_words(share.start, share.end),
            link=reverse("investigations:actions", args=[slug]), link_text="Review actions",
            note="Of the actions planned in these months, cancelled ones left out. Stronger "
                 "actions change the system rather than rely on memory or vigilance."))
    return out
