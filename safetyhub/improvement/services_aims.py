"""Writes and readings for an initiative's aim statement.

The aim is kept as its four parts (what, for whom, how much, by when), each checked with a
reason that names the part. The sentence is composed from the parts. One source of truth
for the goal: the aim's target becomes the goal line of the measure that tracks it (set
here, audited through the measure's own audit registration); whether the goal is met is
read from that measure's chart (the centre line of its latest phase), not re-computed."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.inputs import check_date
from safetyhub.core.models import User
from safetyhub.measures.models import Measure
from safetyhub.measures.queries import MeasureChart, chart_for
from safetyhub.measures.reading import goal_met

from .models import Initiative
from .models_aims import Aim
from .services import UNSET, _to_ms

MAX_PART = 200
MAX_UNIT = 100
CHANGED_MEANWHILE = ("Someone else saved this aim after you opened it (theirs is on the "
                     "initiative's page). Your text is kept below: save again to replace "
                     "theirs with it.")
HOW_MUCH_HINT = "give a number, e.g. 2.0 per 1,000 patient days, or 50 for “by 50%”"


def _number(value) -> str:
    """3.0 stays "3.0" (how aims are written), 2.25 "2.25", 1500 "1,500"."""
    if value == int(value) and abs(value) >= 100:
        return f"{int(value):,}"
    text = f"{value:,.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def how_much(aim: Aim) -> str:
    """The "by how much" part in words: "from 3.0 to 2.0 per 1,000 patient days",
    "to 95%", or "by 50%"."""
    unit = f" {aim.unit}" if aim.unit else ""
    if aim.target_is_percent:
        pct = f"{aim.target:g}"  # "50", "12.5": percentages are written without ".0"
        return f"by {pct}%" + (f" from {_number(aim.baseline)}{unit}"
                                               if aim.baseline is not None else "")
    if aim.baseline is not None:
        return f"from {_number(aim.baseline)} to {_number(aim.target)}{unit}"
    return f"to {_number(aim.target)}{unit}"


def sentence(aim: Aim) -> str:
    """"Reduce falls with injury for adult inpatients on 4 West from 3.0 to 2.0 per 1,000
    patient days by 30 June 2027." """
    what = aim.what[:1].upper() + aim.what[1:]
    return f"{what} for {aim.who} {how_much(aim)} by {aim.by_when:%-d %B %Y}."


def goal_of(aim: Aim, direction: str | None) -> float | None:
    """The goal line the aim sets on its measure: the target itself, or for "by N%" the
    baseline moved N% in the measure's better direction (no goal without a baseline)."""
    if not aim.target_is_percent:
        return aim.target
    if aim.baseline is None or direction not in ("increase", "decrease"):
        return None
    factor = 1 + aim.target / 100 if direction == "increase" else 1 - aim.target / 100
    return round(aim.baseline * factor, 6)


def measures_for_aim(initiative: Initiative):
    """The measures offered: the initiative's own and those of its site first, then the
    organization's others (all of them the same organization's)."""
    measures = list(Measure.objects.filter(organization_id=initiative.organization_id)
                    .order_by("name", "pk"))
    linked = set(initiative.measures.values_list("pk", flat=True))

    def rank(m: Measure) -> int:
        if m.pk in linked:
            return 0
        return 1 if initiative.site_id and m.site_id == initiative.site_id else 2
    return sorted(measures, key=rank)


def _check(initiative: Initiative, values: dict, *, was: Aim | None,
           today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, label, ask in (
            ("what", "What", "say what will improve, e.g. “Reduce falls with injury”"),
            ("who", "For whom", "name the patients or unit, e.g. “adult inpatients on 4 West”")):
        values[name] = (values[name] or "").strip()
        if not values[name]:
            errors[name] = f"{label}: {ask}."
        elif len(values[name]) > MAX_PART:
            errors[name] = f"{label}: at most {MAX_PART} characters."
    values["unit"] = (values["unit"] or "").strip()
    if len(values["unit"]) > MAX_UNIT:
        errors["unit"] = f"Unit: at most {MAX_UNIT} characters."
    for name, label in (("target", "How much"), ("baseline", "From")):
        value = values[name]
        if value is None:
            if name == "target":
                errors[name] = f"How much: {HOW_MUCH_HINT}."
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            errors[name] = f"{label}: {HOW_MUCH_HINT}."
    if "target" not in errors and values["target_is_percent"] and not 0 < values["target"] <= 100:
        errors["target"] = "How much: a percentage change between 0 and 100, e.g. 50 for “by 50%”."
    by_when = values["by_when"]
    if by_when is None:
        errors["by_when"] = "By when: give the date the aim should be reached, e.g. 30 June 2027."
    else:
        problem = check_date(by_when)
        changed = was is None or was.by_when != by_when
        if problem:
            errors["by_when"] = f"By when: {problem[0].lower()}{problem[1:]}"
        elif changed and by_when <= today:
            errors["by_when"] = (f"By when: a date after today ({today:%-d %B %Y}); an aim "
                                 "says when it will be reached.")
        elif initiative.start_on and by_when < initiative.start_on:
            errors["by_when"] = (f"By when: not before the initiative starts "
                                 f"({initiative.start_on:%-d %B %Y}).")
    measure = values["measure"]
    if measure is not None and measure.organization_id != initiative.organization_id:
        errors["measure"] = "Choose one of your organization's measures."
    return errors


FIELDS = ("what", "who", "baseline", "target", "target_is_percent", "unit", "by_when",
          "measure")


@transaction.atomic
def set_aim(*, initiative: Initiative, by: User, what: str, who: str, target: float | None,
            by_when: dt.date | None, baseline: float | None = None,
            target_is_percent: bool = False, unit: str = "",
            measure: Measure | None = None, today: dt.date | None = None,
            expected_updated_at: dt.datetime | None = UNSET) -> Aim:
    """Write (or rewrite) the initiative's aim. With a measure, its goal line becomes the
    aim's target (and its unit is the aim's when none is given). With
    `expected_updated_at` (the version the writer loaded; None: there was no aim yet), a
    change saved by someone else in between is refused, not overwritten."""
    today = today or timezone.localdate()
    was = Aim.objects.select_for_update().filter(initiative=initiative).first()
    if expected_updated_at is not UNSET and (
            (was is None) != (expected_updated_at is None)
            or (was is not None and _to_ms(was.updated_at) != _to_ms(expected_updated_at))):
        raise ValidationError({"updated_at": CHANGED_MEANWHILE})
    values = {"what": what, "who": who, "baseline": baseline, "target": target,
              "target_is_percent": bool(target_is_percent), "unit": unit,
              "by_when": by_when, "measure": measure}
    errors = _check(initiative, values, was=was, today=today)
    if errors:
        raise ValidationError(errors)
    if measure is not None and not values["unit"] and not values["target_is_percent"]:
        values["unit"] = measure.unit
    with audit.acting_as(by):
        if was is None:
            aim = Aim.objects.create(initiative=initiative, created_by=by,
                                     organization_id=initiative.organization_id, **values)
        else:
            aim = was
            for name, value in values.items():
                setattr(aim, name, value)
            aim.save()
        if measure is not None:
            goal = goal_of(aim, measure.direction)
            if goal is not None and measure.goal != goal:
                locked = Measure.objects.select_for_update().get(pk=measure.pk)
                locked.goal = goal
                locked.save(update_fields=["goal"])
    return aim


@dataclass(frozen=True)
class GoalReading:
    """Whether the aim's measure meets its goal: `met` is None when it cannot be said."""

    met: bool | None
    text: str


def goal_reading(aim: Aim, chart: MeasureChart | None = None) -> GoalReading:
    """Read the measure's chart (`chart`, when the caller loaded it already): the centre
    line of its latest phase against the goal, on the measure's better side."""
    measure = aim.measure
    if measure is None:
        return GoalReading(None, "No measure tracks this aim yet.")
    if measure.goal is None:
        return GoalReading(None, f"“{measure.name}” has no goal line yet.")
    if measure.direction not in ("increase", "decrease"):
        return GoalReading(None, f"“{measure.name}” does not say which direction is better.")
    chart = chart or chart_for(measure)
    centre = None if chart.error else chart.latest_centre
    if centre is None:
        return GoalReading(None, f"No chart of “{measure.name}” yet to judge the goal by.")
    met = goal_met(centre, measure.goal, measure.direction)
    unit = f" {measure.unit}" if measure.unit else ""
    phase = "latest phase" if chart.records[-1].part > 1 else "chart"
    return GoalReading(met, f"Goal {_number(measure.goal)}{unit} "
                            f"{'met' if met else 'not met yet'}: the {phase}'s centre line is "
                            f"{_number(centre)}{unit}.")


def copy_aim_on_spread(original: Initiative, adopted: Initiative) -> None:
    """Spread copier (services_spread): the adopting unit starts from the original's aim,
    tracked by its own copy of the measure. Its baseline is the unit's own to find, so it is
    left empty, and the original's unit named in "for whom" becomes the adopting unit."""
    from .services_spread import measure_copies  # it imports this app's services

    aim = Aim.objects.filter(initiative=original).select_related("initiative__site").first()
    if aim is None:
        return
    who = aim.who
    if original.site is not None and adopted.site is not None:
        who = who.replace(original.site.name, adopted.site.name)
    Aim.objects.create(
        initiative=adopted, organization_id=adopted.organization_id, what=aim.what,
        who=who[:MAX_PART], baseline=None, target=aim.target,
        target_is_percent=aim.target_is_percent, unit=aim.unit, by_when=aim.by_when,
        measure=measure_copies(adopted).get(aim.measure_id), created_by=adopted.created_by)
