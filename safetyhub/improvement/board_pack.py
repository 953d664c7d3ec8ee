"""The action plan's and the measures' sections of the board pack (core/board_pack.py):
the plan's status with owners, due dates and overdue items, and the key measures the lead
picked, each with its SPC chart and a one-line reading in plain words."""

from __future__ import annotations

from collections import Counter

from safetyhub.core import board_pack
from safetyhub.core.models import Organization
from safetyhub.measures.models import Measure
from safetyhub.measures.queries import chart_for, measures_for

from .models import Initiative
from .queries_aims import loaded_aim
from .services import CLOSED, is_overdue
from .services_aims import goal_reading
from .services_aims import sentence as aim_sentence

SPC_METHOD = (
    "Each key measure is drawn as a run chart or a Shewhart control chart (the chart named "
    "under it), with the centre line and, on control charts, limits at three sigma. A signal "
    "of special cause is a point outside the limits, or a run of points on one side of the "
    "centre line longer than chance explains, or too few crossings of it (the Anhøj rules, "
    "as in the qicharts2 package). Without a signal, the variation is common cause: no "
    "change to read into a single month's rise or fall.")


def plan_section(*, organization: Organization, period: board_pack.Period,
                 options: board_pack.Options) -> dict | None:
    initiatives = list(Initiative.objects.filter(organization=organization)
                       .select_related("owner", "aim__measure").order_by("due_on", "pk"))
    if not initiatives:
        return None
    today = options.today
    counts = Counter(i.status for i in initiatives)
    open_ = [i for i in initiatives if i.status not in CLOSED]
    # The aims' measures' charts, loaded together (not one chart's queries per aim).
    aimed = {aim.measure_id for aim in map(loaded_aim, open_) if aim and aim.measure_id}
    charts = {m.pk: chart_for(m) for m in
              measures_for(organization=organization).filter(pk__in=aimed)} if aimed else {}
    open_rows = [{"initiative": i, "overdue": is_overdue(i, today), **_aim_of(i, charts)}
                 for i in open_]
    # Overdue first (longest overdue at the top), then by due date (undated last).
    open_rows.sort(key=lambda r: (not r["overdue"], r["initiative"].due_on is None,
                                  r["initiative"].due_on or today))
    overdue = sum(r["overdue"] for r in open_rows)
    return {
        "statuses": ", ".join(f"{counts[value]} {label.lower()}"
                             for value, label in Initiative.Status.choices if counts[value]),
        "rows": open_rows, "overdue": overdue, "total": len(initiatives), "today": today,
        "headlines": [("Initiatives overdue", f"{overdue} of {len(open_rows)} open")],
    }


def _aim_of(initiative: Initiative, charts: dict) -> dict:
    """The initiative's aim sentence and whether its goal is met (read from its measure's
    chart, from `charts` by measure id), for the plan's table."""
    aim = loaded_aim(initiative)
    if aim is None:
        return {}
    return {"aim": aim_sentence(aim), "goal": goal_reading(aim, charts.get(aim.measure_id))}


def reading(chart) -> str:
    """One line in plain words: the latest value and what the chart says about it."""
    status = chart.status
    if status.kind in ("no-data", "error"):
        return f"{status.label}." + (f" {status.sentences[0]}." if status.sentences else "")
    label, value = chart.latest or ("", None)
    unit = f" {chart.measure.unit}" if chart.measure.unit else ""
    latest = (f"Latest ({label}): {board_pack_number(value)}{unit}. "
              if value is not None else "")
    if status.kind == "common":
        return f"{latest}Common-cause variation only: no sign of a real change."
    first = status.sentences[0] if status.sentences else ""
    return f"{latest}{status.label}" + (f": {first}." if first else ".")


def board_pack_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def key_measures_section(*, organization: Organization, period: board_pack.Period,
                         options: board_pack.Options) -> dict | None:
    ids = options.board_pack.key_measures
    if not ids:
        return None
    by_id = {m.pk: m for m in measures_for(organization=organization).filter(pk__in=ids)}
    entries, signals = [], 0
    for measure in (by_id[pk] for pk in ids if pk in by_id):  # the lead's order
        chart = chart_for(measure)
        spec = chart.spec()
        signals += chart.status.is_signal
        entries.append({"measure": measure, "chart_name": chart.chart_name,
                        "reading": reading(chart),
                        "chart": options.painter.chart(spec) if spec else None})
    if not entries:
        return None
    return {"measures": entries,
            "headlines": [("Key measures with a signal", f"{signals} of {len(entries)}")],
            "appendix": [("How to read the charts", SPC_METHOD)]}


def measure_choices(*, organization: Organization) -> list[tuple[int, str]]:
    return list(Measure.objects.filter(organization=organization).order_by("name", "pk")
                .values_list("pk", "name"))


def register() -> None:
    board_pack.register_section("plan", title="Action plan: status", order=40,
                                build=plan_section, template="improvement/board_pack/plan.html")
    board_pack.register_section("key_measures", title="Key measures", order=50,
                                build=key_measures_section,
                                template="improvement/board_pack/key_measures.html")
    board_pack.set_key_measure_choices(measure_choices)
