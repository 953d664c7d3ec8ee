"""The notifications the action plan and measures send (core/notifications.py): their kinds,
registered from apps.py, and one function per occasion, called by services.py."""

import datetime as dt

from django.urls import reverse

from safetyhub.core import notifications
from safetyhub.core.models import User
from safetyhub.measures.models import Measure

from .models import Initiative, PdsaCycle

OWNER = "improvement.owner"
PDSA_COMPLETED = "improvement.pdsa_completed"
OVERDUE = "improvement.overdue"
DATA_DUE = "improvement.measure_data_due"


def register_kinds() -> None:
    notifications.register_kind(
        OWNER, "Made owner of an initiative",
        "Someone made you the owner of an action-plan initiative.")
    notifications.register_kind(
        PDSA_COMPLETED, "PDSA cycle completed",
        "A PDSA cycle of an initiative you own or work on reached its decision (adopt, "
        "adapt or abandon).")
    notifications.register_kind(
        OVERDUE, "Initiative overdue",
        "An initiative you own passed its due date and is neither done nor stopped.")
    notifications.register_kind(
        DATA_DUE, "Measure data due",
        "A measure you answer for has no data yet for its last week, month or quarter.")


def _initiative_link(initiative: Initiative) -> str:
    return reverse("improvement:initiative",
                   kwargs={"org_slug": initiative.organization.slug, "pk": initiative.pk})


def owner_made(*, initiative: Initiative, by: User) -> None:
    notifications.notify(
        recipients=[initiative.owner], kind=OWNER, organization=initiative.organization,
        actor=by, title=f"You own the initiative “{initiative.title}”"
                        + (f", due {initiative.due_on:%d %b %Y}" if initiative.due_on else ""),
        link=_initiative_link(initiative))


def pdsa_completed(*, cycle: PdsaCycle, by: User) -> None:
    initiative = cycle.initiative
    notifications.notify(
        recipients=[initiative.owner, *initiative.team.all()], kind=PDSA_COMPLETED,
        organization=initiative.organization, actor=by,
        title=f"PDSA {cycle.number} of “{initiative.title}” is complete: "
              f"{cycle.get_act_display().lower()}",
        link=reverse("improvement:cycle", kwargs={"org_slug": initiative.organization.slug,
                                                  "pk": cycle.pk}))


def initiative_overdue(*, initiative: Initiative, today: dt.date) -> list:
    return notifications.notify(
        recipients=[initiative.owner or initiative.created_by], kind=OVERDUE,
        organization=initiative.organization,
        title=f"“{initiative.title}” is overdue: it was due {initiative.due_on:%d %b %Y}",
        link=_initiative_link(initiative),
        dedupe_key=f"initiative-overdue:{initiative.pk}:{initiative.due_on.isoformat()}")


def measure_data_due(*, measure: Measure, recipients: list, start: dt.date, end: dt.date
                     ) -> list:
    period = (f"{start:%B %Y}" if measure.frequency == Measure.Frequency.MONTH
              else f"{start:%d %b} – {end:%d %b %Y}")
    return notifications.notify(
        recipients=recipients, kind=DATA_DUE, organization=measure.organization,
        title=f"Data due for “{measure.name}”: {period}",
        link=reverse("measures:measure", kwargs={"org_slug": measure.organization.slug,
                                                    "pk": measure.pk}),
        dedupe_key=f"measure-data-due:{measure.pk}:{start.isoformat()}")
