"""Program measures of communication and resolution after harm, and of care for the
caregiver, per calendar quarter: what the board reads at least quarterly, and what the PSSM
evidence and board views call (`program_measures`).

* Time to first contact: for each harm event (resolution.needs_resolution) that happened
  in the quarter and has had its disclosure conversation, the days from the event to that
  first conversation; the quarter's median. Counted from when the event happened (the
  same anchor the record's dates are checked against), not from when it was reported.
* Share of harm events disclosed: of the harm events that happened in the quarter, how
  many have had a disclosure conversation (at any time since).
* Support offered / accepted / declined: peer support offers made in the quarter and the
  answers given. Counts only: who was offered support is for support coordinators alone.

Definitions are the project's own (SafetyHub), not an official measure specification; they
follow the intent of AHRQ's CANDOR toolkit (communication and optimal resolution).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Min, Q
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport

from .models_resolution import ResolutionContact, SupportOffer
from .resolution import harm_events_q

SOURCE_NOTE = ("SafetyHub's own measure definitions, following the intent of AHRQ's CANDOR "
               "toolkit; not an official measure.")


@dataclass(frozen=True)
class Figures:
    """One period's figures (a quarter, or the whole period asked for)."""

    label: str
    start: dt.date
    end: dt.date
    harm_events: int = 0
    disclosed: int = 0
    median_days_to_first_contact: float | None = None
    support_offered: int = 0
    support_accepted: int = 0
    support_declined: int = 0

    @property
    def share_disclosed(self) -> float | None:
        """Disclosed harm events as a share of all (0–1), None without any harm event."""
        return self.disclosed / self.harm_events if self.harm_events else None

    @property
    def share_disclosed_text(self) -> str:
        share = self.share_disclosed
        return "—" if share is None else f"{share:.0%} ({self.disclosed} of {self.harm_events})"

    @property
    def median_text(self) -> str:
        median = self.median_days_to_first_contact
        return "—" if median is None else f"{median:.1f} days"


@dataclass(frozen=True)
class ProgramMeasures:
    organization_id: int
    total: Figures
    quarters: list[Figures] = field(default_factory=list)
    note: str = SOURCE_NOTE


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 2
    next_start = (dt.date(day.year + 1, 1, 1) if end_month == 12
                  else dt.date(day.year, end_month + 1, 1))
    return start, next_start - dt.timedelta(days=1)


def quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters from the one holding `start` to the one holding `end`, each
    cut to [start, end]."""
    spans = []
    day = start
    while day <= end:
        q_start, q_end = quarter_of(day)
        spans.append((max(q_start, start), min(q_end, end)))
        day = q_end + dt.timedelta(days=1)
    return spans


def _label(start: dt.date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def program_measures(organization: Organization, start: dt.date,
                     end: dt.date) -> ProgramMeasures:
    """The program's figures for [start, end] (inclusive dates), in total and per quarter.
    Two queries whatever the number of events."""
    if end < start:
        raise ValueError("end is before start")
    since, until = _bounds(start, end)
    events = (EventReport.objects.filter(harm_events_q(), organization=organization,
                                         occurred_at__gte=since, occurred_at__lt=until)
              .annotate(first_contact=Min(
                  "resolution__contacts__happened_at",
                  filter=Q(resolution__contacts__kind=ResolutionContact.Kind.DISCLOSURE)))
              .values_list("occurred_at", "first_contact"))
    events = [(timezone.localtime(occurred).date(), (first - occurred).total_seconds() / 86400
               if first else None) for occurred, first in events]
    offers = [(timezone.localtime(at).date(), response) for at, response in
              SupportOffer.objects.filter(organization=organization, offered_at__gte=since,
                                          offered_at__lt=until)
              .values_list("offered_at", "response")]

    def figures(label: str, q_start: dt.date, q_end: dt.date) -> Figures:
        mine = [days for day, days in events if q_start <= day <= q_end]
        waits = [days for days in mine if days is not None]
        answers = [response for day, response in offers if q_start <= day <= q_end]
        return Figures(
            label=label, start=q_start, end=q_end, harm_events=len(mine),
            disclosed=len(waits),
            median_days_to_first_contact=round(statistics.median(waits), 1) if waits else None,
            support_offered=len(answers),
            support_accepted=answers.count(SupportOffer.Response.ACCEPTED),
            support_declined=answers.count(SupportOffer.Response.DECLINED))

    return ProgramMeasures(
        organization_id=organization.pk,
        total=figures(f"{start:%d %b %Y} to {end:%d %b %Y}", start, end),
        quarters=[figures(_label(q_start), q_start, q_end)
                  for q_start, q_end in quarters(start, end)])


def last_four_quarters(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """From the start of the quarter a year before this one, to today."""
    today = today or timezone.localdate()
    this_start, _ = quarter_of(today)
    year_ago = dt.date(this_start.year - 1, this_start.month, 1)
    start, _ = quarter_of(year_ago + dt.timedelta(days=92))
    return start, today
