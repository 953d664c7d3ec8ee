"""The notifications self-assessments send (core/notifications.py): their kinds, registered
from apps.py, and one function per occasion, called by services.py."""

from collections.abc import Iterable

from django.urls import reverse

from safetyhub.core import notifications
from safetyhub.core.models import User

from .models import Assessment, TeamMember

TEAM_ADDED = "assessments.team_added"
CONSENSUS_OPENED = "assessments.consensus_opened"
FINALIZED = "assessments.finalized"
GAP_OWNER = "assessments.gap_owner"


def register_kinds() -> None:
    notifications.register_kind(
        TEAM_ADDED, "Added to an assessment team",
        "Someone put you on the team of a self-assessment: your answers are wanted.")
    notifications.register_kind(
        CONSENSUS_OPENED, "Consensus opened",
        "An assessment you are on moved to consensus: the team now sees everyone's answers "
        "and agrees on one.")
    notifications.register_kind(
        GAP_OWNER, "Made owner of an attestation gap",
        "Someone asked you to close the gap of an attestation statement (such as a PSSM "
        "statement not yet met) by a date.")
    notifications.register_kind(
        FINALIZED, "Assessment finalized",
        "An assessment you are on was finalized: its results and report are ready.")


def _link(assessment: Assessment, name: str) -> str:
    return reverse(f"assessments:{name}",
                   kwargs={"org_slug": assessment.organization.slug, "pk": assessment.pk})


def _team(assessment: Assessment) -> list[User]:
    return [m.user for m in TeamMember.objects.filter(assessment=assessment)
            .select_related("user")]


def team_added(*, assessment: Assessment, users: Iterable[User], by: User) -> None:
    notifications.notify(
        recipients=users, kind=TEAM_ADDED, organization=assessment.organization, actor=by,
        title=f"You are on the team of “{assessment.title}”: answer by "
              f"{assessment.closes_on:%d %b %Y}",
        link=_link(assessment, "answer"))


def consensus_opened(*, assessment: Assessment, by: User) -> None:
    notifications.notify(
        recipients=_team(assessment), kind=CONSENSUS_OPENED,
        organization=assessment.organization, actor=by,
        title=f"Consensus is open on “{assessment.title}”",
        link=_link(assessment, "consensus"))


def finalized(*, assessment: Assessment, by: User) -> None:
    notifications.notify(
        recipients=_team(assessment), kind=FINALIZED, organization=assessment.organization,
        actor=by, title=f"“{assessment.title}” is finalized: its results are ready",
        link=_link(assessment, "results"))


def gap_owner(*, assessment: Assessment, item, owner: User, target_date, by: User) -> None:
    due = f" by {target_date:%d %b %Y}" if target_date else ""
    notifications.notify(
        recipients=[owner], kind=GAP_OWNER, organization=assessment.organization, actor=by,
        title=f"Close the gap of statement {item.number} in “{assessment.title}”{due}",
        link=_link(assessment, "readiness") + f"#statement-{item.key}")
