"""Reads of aims for the initiative page, My work and the board pack."""

from __future__ import annotations

from django.urls import reverse

from .models import Initiative
from .models_aims import Aim
from .models_drivers import DriverNode
from .services_aims import goal_reading, how_much, sentence


def aim_of(initiative: Initiative) -> Aim | None:
    """The initiative's aim with its measure, or None."""
    return Aim.objects.filter(initiative=initiative).select_related("measure").first()


def loaded_aim(initiative: Initiative) -> Aim | None:
    """The initiative's aim as loaded with it (select_related("aim")), or None."""
    try:
        return initiative.aim
    except Aim.DoesNotExist:
        return None


def aim_parts(aim: Aim) -> list[tuple[str, str]]:
    """The four checked parts, labelled."""
    return [("What", aim.what), ("For whom", aim.who), ("How much", how_much(aim)),
            ("By when", f"{aim.by_when:%-d %B %Y}")]


def aim_card(initiative: Initiative) -> dict:
    """What the initiative page shows of its aim and its driver diagram."""
    aim = aim_of(initiative)
    card: dict = {"aim": aim,
                  "nodes": DriverNode.objects.filter(initiative=initiative).count()}
    if aim is not None:
        card.update(sentence=sentence(aim), parts=aim_parts(aim), goal=goal_reading(aim))
        if aim.measure_id:
            card["measure_url"] = reverse("measures:measure", kwargs={
                "org_slug": initiative.organization.slug, "pk": aim.measure_id})
    return card
