"""What the action plan and the measures put on My work (registered in apps.py): the
initiatives a person owns, the PDSA cycles in progress on initiatives they work on, the
measures whose data they should enter; and for the status strip the plan's progress and the
measures with a signal. Each function costs a fixed number of queries whatever the number of
rows."""

import calendar
import datetime as dt

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import Hint, Status, WorkItem
from safetyhub.measures import queries as measure_queries
from safetyhub.measures import sources as measure_sources
from safetyhub.measures.models import Measure

from .models import Initiative, PdsaCycle
from .queries import plan_counts, plan_initiatives
from .queries_aims import loaded_aim
from .rules import is_plan_lead, is_read_only_role
from .services import CLOSED, is_overdue
from .services_aims import sentence as aim_sentence


def _ordered(items: list[WorkItem]) -> list[WorkItem]:
    """Overdue first, then soonest due (undated last)."""
    return sorted(items, key=lambda i: (not i.overdue, i.due_on is None, i.due_on or 0))


def initiatives_owned(user: User, organization: Organization) -> list[WorkItem]:
    """Open initiatives (neither done nor stopped) the user owns, overdue first. One query."""
    today = timezone.localdate()
    rows = (Initiative.objects.filter(organization=organization, owner=user)
            .exclude(status__in=CLOSED).select_related("recommendation", "aim"))
    return _ordered([WorkItem(
        title=i.title,
        link=reverse("improvement:initiative", args=[organization.slug, i.pk]),
        kind="Initiative you own", due_on=i.due_on, overdue=is_overdue(i, today),
        detail=i.get_status_display() + (f" · {i.recommendation.title}"
                                         if i.recommendation else "")
        + (f" · Aim: {aim_sentence(i.aim)}" if loaded_aim(i) else ""),
    ) for i in rows])


def aims_to_write(user: User, organization: Organization) -> list[WorkItem]:
    """Active initiatives the user owns that have no aim yet. One query."""
    if is_read_only_role(user, organization.pk):
        return []
    rows = (Initiative.objects.filter(organization=organization, owner=user,
                                      status=Initiative.Status.ACTIVE, aim__isnull=True)
            .order_by("due_on", "pk"))
    return [WorkItem(
        title=f"Write an aim for “{i.title}”",
        link=reverse("improvement:aim_edit", args=[organization.slug, i.pk]),
        kind="Aim to write", due_on=i.due_on,
        detail="What will improve, for whom, by how much and by when.",
    ) for i in rows]


def plan_hint(user: User, organization: Organization) -> Hint:
    if is_plan_lead(user, organization.pk):
        return Hint(text="You own no open initiative. Turn a priority into an initiative, "
                         "with an owner and a due date.",
                    link=reverse("improvement:initiative_new", args=[organization.slug]),
                    link_text="Add an initiative")
    return Hint(text="You own no open initiative. The action plan shows the whole "
                     "organization's work.",
                link=reverse("improvement:plan", args=[organization.slug]),
                link_text="Action plan")


def cycles_in_progress(user: User, organization: Organization) -> list[WorkItem]:
    """PDSA cycles not yet decided (no Act) on open initiatives the user owns or is on the
    team of, oldest first. One query. Executive viewers only read: nothing waits on them."""
    if is_read_only_role(user, organization.pk):
        return []
    cycles = (PdsaCycle.objects.filter(organization=organization, act="")
              .filter(Q(initiative__owner=user) | Q(initiative__team=user))
              .exclude(initiative__status__in=CLOSED)
              .select_related("initiative").distinct().order_by("started_on", "pk"))
    return [WorkItem(
        title=f"PDSA {c.number}: {c.change}",
        link=reverse("improvement:cycle", args=[organization.slug, c.pk]),
        kind="PDSA cycle in progress",
        detail=(f"{c.initiative.title}. " + (
            f"Ended {c.ended_on:%-d %b %Y}: study the results and decide what to do next."
            if c.ended_on else f"Testing since {c.started_on:%-d %b %Y}.")),
    ) for c in cycles]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_period(period: dt.date, frequency: str) -> dt.date:
    """The start of the period after `period`, for a measure of this frequency."""
    if frequency == Measure.Frequency.WEEK:
        return period + dt.timedelta(days=7)
    return _add_months(period, 3 if frequency == Measure.Frequency.QUARTER else 1)


def data_due(user: User, organization: Organization) -> list[WorkItem]:
    """Measures whose next period has ended without data, among those the user enters data
    for: every measure for a patient-safety lead or admin, otherwise the measures of the
    initiatives the user works on. The data of a period is due when the period ends, and
    overdue once the period after it has ended too. Measures counted per event have no
    schedule. One query."""
    today = timezone.localdate()
    if is_read_only_role(user, organization.pk):
        return []
    qs = Measure.objects.filter(organization=organization).exclude(
        frequency=Measure.Frequency.EVENT).exclude(measure_sources.computed())
    if not is_plan_lead(user, organization.pk):
        qs = qs.filter(Q(initiatives__owner=user) | Q(initiatives__team=user)).distinct()
    items = []
    for m in qs.annotate(latest=Max("points__period")).order_by("name", "pk"):
        link = reverse("measures:measure", args=[organization.slug, m.pk])
        if m.latest is None:
            items.append(WorkItem(title=m.name, link=link, kind="Measure data due",
                                  detail="No data yet: enter the first periods."))
            continue
        wanted = next_period(m.latest, m.frequency)
        due_on = next_period(wanted, m.frequency)  # the day after the period ends
        if today < due_on:
            continue
        items.append(WorkItem(
            title=m.name, link=link, kind="Measure data due", due_on=due_on,
            overdue=today >= next_period(due_on, m.frequency),
            detail=f"Data from {measure_queries.period_label(wanted, m.frequency)} on.",
        ))
    return _ordered(items)


def plan_status(user: User, organization: Organization) -> Status:
    """Initiatives done of all, and how many are overdue. One query."""
    counts = plan_counts(plan_initiatives(organization=organization,
                                          today=timezone.localdate()))
    plan = reverse("improvement:plan", args=[organization.slug])
    if not counts.total:
        return Status(value="No initiatives yet",
                      detail="Choose priorities from a self-assessment and turn them into "
                             "initiatives.", link=plan, link_text="Action plan")
    done = next(n for value, _label, n in counts.by_status if value == Initiative.Status.DONE)
    if counts.overdue:
        return Status(value=f"{done} of {counts.total} done",
                      detail=f"{counts.overdue} overdue", tone="concern",
                      link=f"{plan}?overdue=on", link_text="Overdue initiatives")
    return Status(value=f"{done} of {counts.total} done", detail="None overdue",
                  link=plan, link_text="Action plan")


def measures_status(user: User, organization: Organization) -> Status:
    """Measures whose chart shows a special cause now, from the same signal status the
    measures dashboard shows (measure_queries.signal_status). A fixed number of queries."""
    charts = [measure_queries.chart_for(m)
              for m in measure_queries.measures_for(organization=organization)]
    dashboard = reverse("measures:dashboard", args=[organization.slug])
    if not charts:
        return Status(value="No measures yet",
                      detail="Add measures from the library to see whether changes help.",
                      link=reverse("measures:list", args=[organization.slug]),
                      link_text="Measures")
    kinds = [chart.status.kind for chart in charts]
    signals = sum(1 for chart in charts if chart.status.is_signal)
    parts = [f"{n} {word}" for n, word in ((kinds.count("concern"), "deterioration"),
                                            (kinds.count("improvement"), "improvement"))
             if n]
    detail = f"of {len(charts)} measure{'s' if len(charts) != 1 else ''}"
    if parts:
        detail += ": " + ", ".join(p + ("s" if not p.startswith("1 ") else "") for p in parts)
    return Status(value=f"{signals} with a signal", detail=detail, link=dashboard,
                  link_text="Dashboard", tone="concern" if "concern" in kinds else "")
