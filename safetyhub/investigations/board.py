"""The board view: what the board and leaders read about investigation and resolution, as a
page (views_board.py) and as a section of the PDF board pack (core/board_pack.py). The same
figures and the same template for both.

Aggregates only — counts, shares, the action strength mix, the units and categories where
the signal watch sees a special cause — never a narrative, a reporter, a person involved or
a team member's name:

* serious safety events flagged in the period, acknowledged within 3 business days
  (events.triage_queries.board_figures, as the events section counts them);
* RCA² reviews: started in the period, chartered within 72 hours, and the steps overdue
  today (a charter past its 72 hours, a review past its target date);
* actions planned in the period by strength on the action hierarchy, and those overdue today;
* the communication-and-resolution program's measures per quarter: harm events disclosed,
  time to first contact, and peer support offered, accepted and declined (counts only;
  resolution_measures.py);
* the signal watch's series whose latest month signals (events.signal_watch).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from safetyhub.core import board_pack
from safetyhub.core.models import Organization
from safetyhub.core.platform_evidence import share_words
from safetyhub.events.models import EventReport
from safetyhub.events.signal_watch import watch
from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of
from safetyhub.events.triage import SERIOUS_DAYS
from safetyhub.events.triage_queries import board_figures

from . import hierarchy
from .action_queries import STRENGTH_LABELS, overdue_actions, strength_mix
from .models import Review
from .models_actions import ReviewAction
from .platform_evidence import StartCount, rca_starts
from .resolution_measures import SOURCE_NOTE, ProgramMeasures, program_measures
from .services import START_HOURS

SIGNALS_SHOWN = 10
OPEN_REVIEW = (Review.Status.FORMING, Review.Status.CHARTERED, Review.Status.ANALYSING,
               Review.Status.ACTIONS)
METHOD = (
    f"Serious safety events: reports whose harm reached the organization's threshold, flagged "
    f"in the period; a leader acknowledges each within {SERIOUS_DAYS} business days (Monday to "
    f"Friday). RCA² reviews start within {START_HOURS} hours of the event's first score on the "
    "Safety Assessment Code matrix; a review has started when its team is formed and its "
    "charter written (adapted from RCA², NPSF 2015). Actions are rated on the action "
    "hierarchy: stronger actions change the system, weaker ones rely on memory and vigilance "
    f"({hierarchy.SOURCE}) Communication and resolution: harm events are incidents that "
    "reached a patient with harm (mild or worse) in the period; disclosed ones have a "
    "disclosure conversation recorded; the time to first contact runs from the event to "
    f"that conversation (the median). Peer support is counted, never named. {SOURCE_NOTE} "
    "Signals are the signal watch's unit and category series whose "
    "latest month is part of a special-cause signal on its control chart. The board view "
    "shows aggregates only: no narrative, reporter or person involved.")


@dataclass(frozen=True)
class Signal:
    title: str  # "Falls on 4 West"
    since: str  # the month the signal's evidence begins
    side: str  # "Higher than expected", "Lower than expected", "Special cause"


@dataclass
class BoardView:
    start: dt.date
    end: dt.date
    today: dt.date
    has_events: bool
    serious: dict  # events.triage_queries.board_figures
    rca_started: int  # RCA² reviews started in the period
    rca_starts: StartCount  # their 72-hour clocks
    charters_overdue: int  # open RCA²s past their 72 hours without a charter, today
    reviews_past_target: int  # open reviews past their target completion date, today
    open_reviews: int
    strength: list[tuple[str, str, int]]  # (key, label, count) of actions planned
    actions_overdue: int
    program: ProgramMeasures
    signals: list[Signal] = field(default_factory=list)
    signals_total: int = 0
    signal_months: str = ""  # the month the watch judged

    @property
    def serious_in_time(self) -> str:
        return share_words(self.serious["serious_on_time"], self.serious["serious"])

    @property
    def rca_in_time(self) -> str:
        return share_words(self.rca_starts.on_time, self.rca_starts.judged)

    @property
    def actions_total(self) -> int:
        return sum(n for _key, _label, n in self.strength)

    @property
    def stronger(self) -> str:
        stronger = next(n for key, _label, n in self.strength if key == hierarchy.STRONGER)
        return share_words(stronger, self.actions_total)

    @property
    def overdue_steps(self) -> int:
        return self.charters_overdue + self.reviews_past_target


def _signals(organization: Organization, today: dt.date) -> tuple[list[Signal], int, str]:
    pack = active_taxonomy_pack(organization=organization)
    result = watch(organization=organization, taxonomy=taxonomy_of(pack) if pack else None,
                   today=today)
    sides = {"above": "Higher than expected", "below": "Lower than expected"}
    shown = [Signal(title=w.title, since=w.began,
                    side=sides.get(w.signal.side, "Special cause"))
             for w in result.signals[:SIGNALS_SHOWN]]
    return shown, len(result.signals), f"{result.last:%B %Y}"


def board_view(*, organization: Organization, start: dt.date, end: dt.date,
               today: dt.date | None = None, now: dt.datetime | None = None) -> BoardView:
    """The board's figures for the period `start`..`end` (local days, both included); what
    is overdue is judged on `today`."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    has_events = EventReport.objects.filter(organization=organization).exists()
    tz = timezone.get_current_timezone()
    rcas = Review.objects.filter(organization=organization, kind=Review.Kind.RCA2)
    open_reviews = Review.objects.filter(organization=organization, status__in=OPEN_REVIEW)
    mix = strength_mix(organization, start=start, end=end)
    view = BoardView(
        start=start, end=end, today=today, has_events=has_events,
        serious=board_figures(organization, start=start, end=end),
        rca_started=rcas.filter(
            created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min,
                                               tzinfo=tz)).count(),
        rca_starts=rca_starts(organization=organization, start=start, end=end, now=now),
        charters_overdue=rcas.filter(status__in=OPEN_REVIEW, chartered_at=None,
                                     start_due_at__lt=now).count(),
        reviews_past_target=open_reviews.filter(target_completion_on__lt=today).count(),
        open_reviews=open_reviews.count(),
        strength=[(key, STRENGTH_LABELS[key], n) for key, n in mix.items()],
        actions_overdue=overdue_actions(organization, today=today).count(),
        program=program_measures(organization, start, end),
    )
    if has_events:
        view.signals, view.signals_total, view.signal_months = _signals(organization, today)
    return view


def has_anything(organization: Organization) -> bool:
    return (EventReport.objects.filter(organization=organization).exists()
            or Review.objects.filter(organization=organization).exists()
            or ReviewAction.objects.filter(organization=organization).exists())


# --- the board pack's section ---------------------------------------------------------------

def board_section(*, organization: Organization, period: board_pack.Period,
                  options: board_pack.Options) -> dict | None:
    """The board view for the pack's period; left out for an organization with no event
    report, review or action. The serious-event counts are the events section's: here they
    are not repeated."""
    if not has_anything(organization):
        return None
    view = board_view(organization=organization, start=period.start, end=period.end,
                      today=options.today)
    return {"b": view, "in_pack": True,
            "headlines": [("Overdue RCA² steps", str(view.overdue_steps)),
                          ("Stronger actions planned", view.stronger),
                          ("Harm events disclosed", share_words(
                              view.program.total.disclosed, view.program.total.harm_events))],
            "appendix": [("Investigation and resolution: method", METHOD)]}


def register() -> None:
    board_pack.register_section(
        "investigations", title="Investigation and resolution", order=47, build=board_section,
        template="investigations/board_pack/investigations.html")
