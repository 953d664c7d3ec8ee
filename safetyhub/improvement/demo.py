"""Demo improvement work (registered with core.demo), so the first run shows the Model for
Improvement's tools at work on Riverside General: "Pressure injury prevention" on the
Intensive Care Unit, with

* its aim, tied to a pressure-injury measure whose goal line the aim sets;
* a driver diagram (primary → secondary drivers → change ideas), one change idea tested by a
  PDSA cycle and tracked by the measure;
* two years of monthly data that fall a year ago, split into a new phase there, so the chart
  states the change and whether the goal is met;
* six months of progress ratings on the IHI scale;
* a spread to Medical-Surgical Unit 4 West, which has its own copy of the measure.

Made through the services, like work anyone does (audited as the demo loader). Loading
twice adds nothing (the initiative is made once). The figures are invented."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safetyhub.core.models import Organization, Site, User
from safetyhub.measures import services as measures
from safetyhub.measures.models import DataPoint, Measure

from . import services, services_aims, services_drivers, services_ratings
from .models import DriverNode, Initiative
from .services_spread import Adoption, spread_initiative

ORGANIZATION = "riverside-general"
TITLE = "Pressure injury prevention"
UNIT = "Intensive Care Unit"
SPREAD_TO = "Medical-Surgical Unit 4 West"
# Pressure injuries a month, the year before the bundle and the year after; patient days.
BEFORE = [3, 2, 3, 2, 3, 3, 2, 3, 2, 3, 2, 3]
AFTER = [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1]
PATIENT_DAYS = [612, 590, 604, 575, 620, 598, 586, 611, 593, 605, 580, 616]
RATINGS = ["2.5", "3.0", "3.0", "3.5", "3.5", "4.0"]  # the last six months, oldest first
DIAGRAM = [
    ("Skin is assessed reliably", [
        ("Every patient is assessed on admission and each shift", [
            "SKIN bundle checklist at every handover"]),
        ("Staff can spot early damage", ["Bedside teaching on early signs, monthly"]),
    ]),
    ("Pressure is relieved", [
        ("Patients are moved on time", ["Turning clock on every bed space"]),
    ]),
]


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    """The `count` complete months before this one, oldest first."""
    first = today.replace(day=1)
    out = []
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


def load_improvement_demo() -> None:
    organization = Organization.objects.filter(slug=ORGANIZATION).first()
    if organization is None or Initiative.objects.filter(organization=organization,
                                                         title=TITLE).exists():
        return
    units = {s.name: s for s in Site.objects.filter(organization=organization,
                                                    kind=Site.Kind.UNIT)}
    lead = User.objects.filter(email="lead@riverside.example").first()
    nurse = User.objects.filter(email="nurse@riverside.example").first()
    if UNIT not in units or lead is None:
        return
    today = timezone.localdate()
    months = _months_back(today, len(BEFORE) + len(AFTER))
    bundle_began = months[len(BEFORE)]

    initiative = services.create_initiative(
        organization=organization, by=lead, title=TITLE, owner=lead, site=units[UNIT],
        description="Fewer hospital-acquired pressure injuries through a skin bundle checked "
                    "at every handover.",
        status=Initiative.Status.ACTIVE, start_on=months[0],
        due_on=today.replace(year=today.year + 1, day=1))
    measure = measures.create_measure(
        organization=organization, by=lead, site=units[UNIT], initiatives=[initiative],
        name="Hospital-acquired pressure injuries per 1,000 patient days",
        type=Measure.Type.OUTCOME, numerator="Hospital-acquired pressure injuries (stage 2+)",
        denominator="Patient days", unit="per 1,000 patient days", multiplier=1000,
        direction=Measure.Direction.DECREASE, chart=Measure.Chart.U)
    DataPoint.objects.bulk_create([
        DataPoint(measure=measure, organization=organization, period=month, numerator=count,
                  denominator=days,
                  note="SKIN bundle at every handover" if month == bundle_began else "")
        for month, count, days in zip(months, BEFORE + AFTER, PATIENT_DAYS * 2, strict=True)])
    measures.split_phase(measure=measure, by=lead, after_period=months[len(BEFORE) - 1],
                         reason="The SKIN bundle began at every handover")
    services_aims.set_aim(
        initiative=initiative, by=lead, what="Reduce hospital-acquired pressure injuries",
        who=f"patients on the {UNIT}", baseline=4.2, target=2.0,
        unit="per 1,000 patient days", by_when=today.replace(year=today.year + 1, day=1),
        measure=measure, today=today)
    cycle = services.start_cycle(initiative=initiative, by=lead,
                                 change="SKIN bundle checklist at every handover",
                                 started_on=bundle_began)
    for primary_text, secondaries in DIAGRAM:
        primary = services_drivers.add_node(initiative=initiative, by=lead,
                                            kind=DriverNode.Kind.PRIMARY, text=primary_text)
        for secondary_text, ideas in secondaries:
            secondary = services_drivers.add_node(
                initiative=initiative, by=lead, kind=DriverNode.Kind.SECONDARY,
                text=secondary_text, parent=primary)
            for idea in ideas:
                tested = idea == cycle.change
                services_drivers.add_node(
                    initiative=initiative, by=lead, kind=DriverNode.Kind.CHANGE, text=idea,
                    parent=secondary, cycles=[cycle] if tested else [],
                    measures=[measure] if tested else [])
    for month, rating in zip(months[-len(RATINGS):], RATINGS, strict=True):
        services_ratings.rate_month(initiative=initiative, by=lead, month=month, rating=rating)
    if SPREAD_TO in units:
        spread_initiative(initiative=initiative, by=lead,
                          units=[Adoption(site=units[SPREAD_TO], owner=nurse)])
