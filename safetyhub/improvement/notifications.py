"""The notifications the action plan and measures send (core/notifications.py): their kinds,
registered from apps.py, and one function per occasion, called by services.py."""

from django.urls import reverse

from safetyhub.core import notifications
from safetyhub.core.models import User

from .models import Initiative, PdsaCycle

OWNER = "improvement.owner"
PDSA_COMPLETED = "improvement.pdsa_completed"


def register_kinds() -> None:
    notifications.register_kind(
        OWNER, "Made owner of an initiative",
        "Someone made you the owner of an action-plan initiative.")
    notifications.register_kind(
        PDSA_COMPLETED, "PDSA cycle completed",
        "A PDSA cycle of an initiative you own or work on reached its decision (adopt, "
        "adapt or abandon).")


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
