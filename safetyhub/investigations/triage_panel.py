"""What investigations adds to an event's triage page (events.triage_panels): the event's
SAC score, what the organization's rule says it needs next, a button to start that review,
and the reviews that cover the event."""

from __future__ import annotations

from safetyhub.events.models import EventReport
from safetyhub.events.triage_panels import register_panel

from . import sac, services


def build(*, report: EventReport, user) -> dict | None:
    organization = report.organization
    if not user.has_perm("investigations.view_reviews", organization):
        return None
    step = services.next_step(report)
    score = step.score
    return {
        "report": report, "step": step,
        "score_words": sac.SCORE_WORDS[score.score] if score else "",
        "severity": sac.title(sac.SEVERITIES, score.severity) if score else "",
        "probability": sac.title(sac.PROBABILITIES, score.probability) if score else "",
        "can_score": user.has_perm("investigations.score_events", organization),
        "can_manage": user.has_perm("investigations.manage_reviews", organization),
    }


def register() -> None:
    register_panel("investigations.sac", template="investigations/_triage_panel.html",
                   build=build, order=20)
