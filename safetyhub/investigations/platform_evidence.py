"""What reviews, actions, and communication and resolution show for the PSSM readiness view
(core/platform_evidence.py): RCA²s started (chartered) within 72 hours, the share of stronger
actions on the action hierarchy, and the communication-and-resolution program's measures
(harm events disclosed, time to first contact, peer support offered and accepted; from
resolution_measures.py). Each over the 12 months that end today, aggregates only — never who
was offered support — linked to the records. An organization with nothing of a kind
recorded (no review; no action; no harm event and no resolution or support record) gets no
figure of that kind: SafetyHub's records then say nothing either way."""

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
from .models_resolution import ResolutionRecord, SupportOffer
from .resolution_measures import SOURCE_NOTE, program_measures
from .services import START_HOURS

RCA_KEY = "investigations.rca_started_in_time"
STRONGER_KEY = "investigations.stronger_actions"
DISCLOSED_KEY = "investigations.harm_events_disclosed"
FIRST_CONTACT_KEY = "investigations.time_to_first_contact"
SUPPORT_KEY = "investigations.support_offered"


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
    out.extend(_resolution_figures(organization, today))
    return out


def _resolution_figures(organization: Organization, today: dt.date) -> list[Figure]:
    start = year_before(today)
    program = program_measures(organization, start, today).total
    if not (program.harm_events or program.support_offered
            or ResolutionRecord.objects.filter(organization=organization).exists()
            or SupportOffer.objects.filter(organization=organization).exists()):
        return []
    period = period_words(start, today)
    link = reverse("investigations:resolution_measures", args=[organization.slug])
    link_text = "Resolution and support measures"
    return [
        Figure(key=DISCLOSED_KEY, label="Harm events disclosed to the patient or family",
               value=share_words(program.disclosed, program.harm_events), period=period,
               link=link, link_text=link_text,
               note="Events that reached a patient with harm (mild or worse) in these "
                    f"months, with a disclosure conversation recorded. {SOURCE_NOTE}"),
        Figure(key=FIRST_CONTACT_KEY,
               label="Time from the event to the first disclosure conversation (median)",
               value=(program.median_text if program.median_days_to_first_contact is not None
                      else "none yet"),
               period=period, link=link, link_text=link_text,
               note=f"Of the {program.disclosed} harm event"
                    f"{'s' if program.disclosed != 1 else ''} disclosed. {SOURCE_NOTE}"),
        Figure(key=SUPPORT_KEY, label="Peer support offered to staff involved in harm events",
               value=(f"{program.support_offered} offered, {program.support_accepted} "
                      f"accepted, {program.support_declined} declined"),
               period=period, link=link, link_text=link_text,
               note="Counts only: who was offered support is known to the support "
                    "coordinators alone."),
    ]
