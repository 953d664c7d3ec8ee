"""Writes for shared goals: a lead sets a goal; a member organization takes part (or stops),
choosing how its data comes; its monthly values arrive from a form, a CSV/XLSX file (all rows
or none, read by the measures' importer), the API, or one of its own event-derived measures.
Plain functions with keyword-only arguments, one transaction each; bad input raises
ValidationError naming the field (or the file's row and column) and the reason, and changes
nothing. Who may call them is the views' and the API's business (rules.py).

A value for a month already recorded corrects it: the row changes, `corrections` counts the
changes, and the audit log (apps.py) keeps each value it had, who changed it and when."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from safetyhub.core.inputs import MAX_MAGNITUDE
from safetyhub.core.models import Organization, User
from safetyhub.measures import services as measure_services
from safetyhub.measures import sources as measure_sources
from safetyhub.measures.models import Measure

from .access import current_members
from .models import Network
from .models_goals import GoalParticipation, GoalValue, SharedGoal

__all__ = ["GOAL_FIELDS", "ImportResult", "create_goal", "import_values",
           "pull_from_measure", "pull_measure_values", "save_value", "stop_taking_part",
           "take_part", "update_goal"]

GOAL_FIELDS = ("title", "why", "numerator", "denominator", "unit", "multiplier", "chart",
               "direction", "target", "start_month", "event_category", "event_harm_at_least",
               "per_patient_days")
NEEDS_DENOMINATOR = measure_services.NEEDS_DENOMINATOR
CHART_LABEL = measure_services.CHART_LABEL


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_under_way(today: dt.date | None = None) -> dt.date:
    return first_of_month(today or timezone.localdate())


def has_denominator(goal: SharedGoal) -> bool:
    """Whether the goal's values carry a denominator: always for P and U charts, never for a
    C chart, and for run and I charts when the goal defines one."""
    return goal.chart in NEEDS_DENOMINATOR or (goal.chart != "c" and bool(goal.denominator))


# --- goals ----------------------------------------------------------------------------------


def _clean_goal(values: dict) -> dict:
    errors: dict[str, str] = {}
    out = dict(values)
    for name in ("title", "unit", "event_category", "event_harm_at_least"):
        out[name] = " ".join(str(out.get(name) or "").split())
    for name in ("why", "numerator", "denominator"):
        out[name] = str(out.get(name) or "").strip()
    if not out["title"]:
        errors["title"] = "Give the goal a title."
    elif len(out["title"]) > 200:
        errors["title"] = "At most 200 characters."
    if not out["numerator"]:
        errors["numerator"] = "Say what is counted (the numerator)."
    if len(out["unit"]) > 100:
        errors["unit"] = "At most 100 characters."
    for name in ("event_category", "event_harm_at_least"):
        if len(out[name]) > 64:
            errors[name] = "At most 64 characters."
    if out.get("chart") not in SharedGoal.Chart.values:
        errors["chart"] = (f"{out.get('chart')!r} is not a chart a shared goal can use (one of "
                           f"{', '.join(SharedGoal.Chart.values)}).")
    elif out["chart"] in NEEDS_DENOMINATOR and not out["denominator"]:
        errors["denominator"] = (f"A {CHART_LABEL[out['chart']]} needs a denominator: say what "
                                 "the numerator is counted against.")
    elif out["chart"] == "c" and out["denominator"]:
        errors["denominator"] = ("A C chart counts without a denominator: leave it empty, or "
                                 "use a U chart for counts against one.")
    if out.get("direction") not in SharedGoal.Direction.values:
        errors["direction"] = (f"{out.get('direction')!r} is not one of "
                               f"{', '.join(SharedGoal.Direction.values)}.")
    multiplier = out.get("multiplier")
    if (not isinstance(multiplier, int) or isinstance(multiplier, bool)
            or not 1 <= multiplier <= 10_000_000):
        errors["multiplier"] = "A whole number from 1 to 10,000,000 (1000 for per 1,000)."
    target = out.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int | float)
                               or not math.isfinite(target)):
        errors["target"] = "A number on the chart's scale, or empty."
    start = out.get("start_month")
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        errors["start_month"] = "Choose the first month counted."
    else:
        out["start_month"] = first_of_month(start)
    if out.get("per_patient_days") and out.get("chart") in ("c",):
        errors["per_patient_days"] = "Patient days are a denominator: a C chart has none."
    out["per_patient_days"] = bool(out.get("per_patient_days"))
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_goal(*, network: Network, by: User | None, title: str, numerator: str,
                direction: str, start_month: dt.date, chart: str = "run", why: str = "",
                denominator: str = "", unit: str = "", multiplier: int = 1,
                target: float | None = None, event_category: str = "",
                event_harm_at_least: str = "", per_patient_days: bool = False) -> SharedGoal:
    """A new shared goal of the network (its leads set goals)."""
    values = _clean_goal({
        "title": title, "why": why, "numerator": numerator, "denominator": denominator,
        "unit": unit, "multiplier": multiplier, "chart": chart, "direction": direction,
        "target": target, "start_month": start_month, "event_category": event_category,
        "event_harm_at_least": event_harm_at_least, "per_patient_days": per_patient_days})
    return SharedGoal.objects.create(network=network, created_by=by, **values)


@transaction.atomic
def update_goal(*, goal: SharedGoal, **changes) -> SharedGoal:
    """Change a goal's definition (only the given fields). Values already sent stay; a
    change of chart that the values do not suit is said on the goal's page."""
    unknown = set(changes) - set(GOAL_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a field of a shared goal." for name in sorted(unknown)})
    current = {name: getattr(goal, name) for name in GOAL_FIELDS}
    values = _clean_goal({**current, **changes})
    for name in changes:
        setattr(goal, name, values[name])
    goal.save()
    return goal


# --- taking part ----------------------------------------------------------------------------


def _require_member(goal: SharedGoal, organization: Organization, field: str) -> None:
    if not current_members(goal.network).filter(organization=organization).exists():
        raise ValidationError({field: "Your organization is not a member of this network."})


def _check_measure(goal: SharedGoal, organization: Organization, measure: Measure | None) -> None:
    if measure is None or measure.organization_id != organization.pk:
        raise ValidationError({"measure": "Choose one of your organization's measures."})
    if measure_sources.source_of(measure) is None:
        raise ValidationError({"measure": "Choose a measure counted from event reports; enter "
                                          "or upload the values of other measures here."})
    if measure.frequency != Measure.Frequency.MONTH:
        raise ValidationError({"measure": "Choose a monthly measure: shared goals are monthly."})
    measure_has_denominator = measure.chart in NEEDS_DENOMINATOR or bool(measure.denominator)
    if has_denominator(goal) and not measure_has_denominator:
        raise ValidationError({"measure": "This measure counts without a denominator, but the "
                                          "goal needs one (choose one per patient days)."})
    if not has_denominator(goal) and measure_has_denominator:
        raise ValidationError({"measure": "This measure has a denominator, but the goal counts "
                                          "without one (choose a plain count)."})


@transaction.atomic
def take_part(*, goal: SharedGoal, organization: Organization, by: User | None,
              source: str = GoalParticipation.Source.ENTERED,
              measure: Measure | None = None) -> GoalParticipation:
    """The organization takes part in the goal (again), its data entered or flowing from
    `measure`, one of its own event-derived measures (pulled now and every day after)."""
    _require_member(goal, organization, "organization")
    if source not in GoalParticipation.Source.values:
        raise ValidationError({"source": f"{source!r} is not one of "
                                         f"{', '.join(GoalParticipation.Source.values)}."})
    if source == GoalParticipation.Source.MEASURE:
        _check_measure(goal, organization, measure)
    else:
        measure = None
    participation, _ = GoalParticipation.objects.select_for_update().get_or_create(
        goal=goal, organization=organization,
        defaults={"source": source, "measure": measure, "changed_by": by})
    participation.source, participation.measure = source, measure
    participation.stopped_at, participation.changed_by = None, by
    participation.save()
    if measure is not None:
        pull_from_measure(participation=participation)
    return participation


@transaction.atomic
def stop_taking_part(*, goal: SharedGoal, organization: Organization,
                     by: User | None) -> GoalParticipation:
    """The organization stops taking part: from now on its values count in no network
    figure (they stay with the organization, and count again if it takes part again)."""
    participation = GoalParticipation.objects.select_for_update().filter(
        goal=goal, organization=organization, stopped_at__isnull=True).first()
    if participation is None:
        raise ValidationError({"organization": "Your organization does not take part in this "
                                               "goal."})
    participation.stopped_at, participation.changed_by = timezone.now(), by
    participation.save()
    return participation


# --- values ---------------------------------------------------------------------------------


def value_errors(goal: SharedGoal, month: dt.date | None, numerator: float | None,
                 denominator: float | None, *, today: dt.date | None = None) -> dict[str, str]:
    """The rules one month's value must meet, as {field: reason} (empty when fine)."""
    errors: dict[str, str] = {}
    if month is not None:
        if month.day != 1:
            errors["month"] = f"{month.isoformat()} is not a month: write {month:%Y-%m}"
        elif month < goal.start_month:
            errors["month"] = (f"{month:%b %Y} is before the goal starts "
                               f"({goal.start_month:%b %Y})")
        elif month >= month_under_way(today):
            errors["month"] = f"{month:%b %Y} is not over yet: send complete months only"
    for name, number in (("numerator", numerator), ("denominator", denominator)):
        if number is not None and abs(number) > MAX_MAGNITUDE:
            errors[name] = f"must be at most {MAX_MAGNITUDE:,.0f}"
    for name, reason in measure_services.value_errors(goal.chart, numerator,
                                                      denominator).items():
        errors.setdefault(name, reason)
    if has_denominator(goal) and denominator is None:
        errors.setdefault("denominator", "is required: the goal counts the numerator against "
                                         f"{goal.denominator.lower() or 'a denominator'}")
    elif not has_denominator(goal) and denominator is not None:
        errors.setdefault("denominator", "must be empty: the goal counts without a denominator")
    return errors


def _sentence(reason: str) -> str:
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", ")")) else reason + "."


def _participation_for_data(goal: SharedGoal, organization: Organization,
                            field: str) -> GoalParticipation:
    _require_member(goal, organization, field)
    participation = GoalParticipation.objects.filter(
        goal=goal, organization=organization, stopped_at__isnull=True).first()
    if participation is None:
        raise ValidationError({field: "Your organization does not take part in this goal: "
                                      "choose to take part first."})
    if participation.source == GoalParticipation.Source.MEASURE:
        raise ValidationError({field: "Your values come from your measure "
                                      f"“{participation.measure}”; they cannot be entered "
                                      "too. Choose to enter them instead."})
    return participation


def _upsert(goal: SharedGoal, organization: Organization, month: dt.date, numerator: float,
            denominator: float | None, note: str, via: str,
            by: User | None, existing: GoalValue | None) -> str:
    """Write one value; returns "added", "changed" or "unchanged"."""
    if existing is None:
        GoalValue.objects.create(goal=goal, organization=organization, month=month,
                                 numerator=numerator, denominator=denominator, note=note,
                                 via=via, updated_by=by)
        return "added"
    if (existing.numerator, existing.denominator, existing.note) == (numerator, denominator,
                                                                    note):
        return "unchanged"
    existing.numerator, existing.denominator, existing.note = numerator, denominator, note
    existing.via, existing.updated_by = via, by
    existing.corrections += 1
    existing.save()
    return "changed"


@transaction.atomic
def save_value(*, goal: SharedGoal, organization: Organization, month: dt.date,
               numerator: float | None, denominator: float | None = None, note: str = "",
               via: str = GoalValue.Via.FORM, by: User | None,
               today: dt.date | None = None) -> tuple[GoalValue, bool]:
    """Record the organization's value for one month: a new value, or a correction of the
    month's value. Returns (value, created)."""
    _participation_for_data(goal, organization, "month")
    errors: dict[str, str] = {}
    numerator = measure_services.finite_number(numerator, "numerator", errors)
    denominator = measure_services.finite_number(denominator, "denominator", errors)
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        errors["month"] = "must be a month, such as 2026-03"
        month = None
    note = " ".join(str(note or "").split())
    if len(note) > 500:
        errors["note"] = "must be at most 500 characters"
    for name, reason in value_errors(goal, month, numerator, denominator, today=today).items():
        errors.setdefault(name, reason)
    if errors:
        raise ValidationError({name: _sentence(reason) for name, reason in errors.items()})
    existing = GoalValue.objects.select_for_update().filter(
        goal=goal, organization=organization, month=month).first()
    try:
        with transaction.atomic():
            outcome = _upsert(goal, organization, month, numerator, denominator, note, via, by,
                              existing)
    except IntegrityError:
        raise ValidationError({"month": "Someone else saved this month just now; reload the "
                                        "page and try again."}) from None
    value = GoalValue.objects.get(goal=goal, organization=organization, month=month)
    return value, outcome == "added"


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        text = f"Read {self.rows} row{'' if self.rows == 1 else 's'}: {self.added} added, " \
               f"{self.changed} corrected"
        return text + (f", {self.unchanged} unchanged." if self.unchanged else ".")


def import_values(*, goal: SharedGoal, organization: Organization, file_name: str,
                  content: bytes, by: User | None,
                  today: dt.date | None = None) -> ImportResult:
    """Import the organization's values from a CSV or XLSX file: a header row (month,
    numerator, denominator, note; `period` and the measures' other names are accepted too),
    then one row per month. Every row is checked first; if any is wrong nothing is written
    and the ValidationError lists each problem as "row 4, column period: …"."""
    _participation_for_data(goal, organization, "file")

    def check_row(period, numerator, denominator) -> dict[str, str]:
        errors = {name: reason for name, reason in value_errors(
            goal, period, numerator, denominator, today=today).items()}
        if "month" in errors:
            errors["period"] = errors.pop("month")
        return errors

    rows = measure_services.parse_import(chart=goal.chart, frequency="month",
                                         file_name=file_name, content=content,
                                         check_row=check_row)
    excluded = [row.number for row in rows if row.excluded]
    if excluded:
        raise ValidationError({"file": [
            f"Row {number}, column excluded: a shared goal's month cannot be excluded; send "
            "the value, or leave the month out." for number in excluded]})
    result = ImportResult(rows=len(rows))
    try:
        with transaction.atomic():
            existing = {v.month: v for v in GoalValue.objects.select_for_update().filter(
                goal=goal, organization=organization, month__in=[r.period for r in rows])}
            for row in rows:
                outcome = _upsert(goal, organization, row.period, row.numerator,
                                  row.denominator, row.note, GoalValue.Via.FILE, by,
                                  existing.get(row.period))
                setattr(result, outcome, getattr(result, outcome) + 1)
    except IntegrityError:
        raise ValidationError({"file": ["Someone else saved values for this goal just now; "
                                        "nothing was imported. Try again."]}) from None
    return result


@transaction.atomic
def pull_from_measure(*, participation: GoalParticipation,
                      today: dt.date | None = None) -> int:
    """Copy the months of the participation's measure into the goal's values (complete
    months from the goal's start; a month the measure cannot count — no patient days — is
    left out). Returns how many values were added or corrected."""
    measure = participation.measure
    if participation.source != GoalParticipation.Source.MEASURE or measure is None:
        return 0
    goal = participation.goal
    points = measure_sources.derived_points(measure) or []
    wanted = {}
    for point in points:
        month = first_of_month(point.period)
        if point.numerator is None or value_errors(goal, month, point.numerator,
                                                   point.denominator, today=today):
            continue
        wanted[month] = (float(point.numerator),
                         None if point.denominator is None else float(point.denominator))
    existing = {v.month: v for v in GoalValue.objects.select_for_update().filter(
        goal=goal, organization_id=participation.organization_id, month__in=list(wanted))}
    written = 0
    for month, (numerator, denominator) in sorted(wanted.items()):
        outcome = _upsert(goal, participation.organization, month, numerator, denominator,
                          "", GoalValue.Via.MEASURE, None, existing.get(month))
        written += outcome != "unchanged"
    return written


def pull_measure_values(*, today: dt.date) -> int:
    """The daily job: every current participation fed by a measure is brought up to date
    (also done when the organization's goal page is opened)."""
    written = 0
    participations = (GoalParticipation.objects
                      .filter(source=GoalParticipation.Source.MEASURE,
                              stopped_at__isnull=True, measure__isnull=False)
                      .select_related("goal", "organization", "measure").order_by("pk"))
    for participation in participations:
        written += pull_from_measure(participation=participation, today=today)
    return written
