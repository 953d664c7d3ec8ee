"""Demo events (registered with core.demo): two years of reports across Riverside General's
units, so the first run shows the event dashboard and the signal watch at work —

* a steady background of reports per unit and category (seeded, so every demo is the same);
* patient days for the inpatient units (their series are U charts, the others C charts);
* a planted shift: falls on Medical-Surgical Unit 4 West rise over the last four complete
  months (about three a month before, about ten after), which the signal watch lists;
* one serious safety event (severe harm, on the Intensive Care Unit, yesterday), made through
  the reporting service like any report, awaiting a leader's acknowledgement.

The background is written with bulk_create (thousands of rows in a few statements): these
rows are demo data, not reports anyone made, so they have no audit entries. Loading twice
adds nothing (the demo organization's reports are made once)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from safetyhub.core.models import Organization, Role, Site

from .dashboard import month_range, months_between
from .event_stats import forget_months
from .models import EventReport, PatientDays
from .services import _random, submit_report
from .taxonomy import active_taxonomy_pack

__all__ = ["bulk_reports", "load_event_demo"]

ORGANIZATION = "riverside-general"
SEED = 7  # with this seed the planted shift was the demo's only signal (Dec 2026)
SHIFT_UNIT = "Medical-Surgical Unit 4 West"
SHIFT_MONTHS = 4
SHIFT_FALLS = (9, 11, 10, 12)  # the last four months: well above the earlier ~3 a month
# unit → {category: mean reports a month}
RATES = {
    "Emergency Department": {"medication": 4, "fall": 1.5, "diagnostic": 2.5, "device": 1,
                             "other": 1, "violence-patient": 2, "sharps": 0.8},
    SHIFT_UNIT: {"medication": 5, "fall": 3, "pressure-injury": 2, "device": 1, "hai": 0.8,
                 "vte": 0.5, "staff-injury": 0.8},
    "Intensive Care Unit": {"medication": 3.5, "device": 2, "pressure-injury": 1.5, "hai": 1,
                            "blood": 0.6, "fall": 0.4},
    "Pre-op and Recovery": {"surgery": 2, "medication": 1.5, "device": 0.8, "other": 0.5},
}
PATIENT_DAYS = {SHIFT_UNIT: 900, "Intensive Care Unit": 420}
WORKFORCE = {"staff-injury", "sharps", "violence-patient", "violence-staff", "violence-other",
             "psychological"}
HARM = [("none", 45), ("mild", 30), ("moderate", 15), ("unknown", 7), ("severe", 3)]
WF_HARM = [("wf-none", 35), ("wf-first-aid", 40), ("wf-recordable", 15), ("wf-restricted", 6),
           ("wf-days-away", 4)]
TYPES = [("incident", 70), ("near-miss", 22), ("unsafe-condition", 8)]
AGE = [("0-17", 3), ("18-44", 20), ("45-64", 30), ("65-84", 35), ("85+", 12)]
SEX = [("female", 50), ("male", 48), ("unknown", 2)]
RACE = [("white", 55), ("black", 15), ("hispanic", 14), ("asian", 7), ("aian", 2),
        ("nhpi", 1), ("mena", 2), ("declined", 4)]
LANGUAGE = [("en", 82), ("es", 11), ("zh", 2), ("vi", 2), ("other", 3)]
ANSWERS = {"fall": {"injury": "none"}}
NARRATIVE = {
    "fall": "Patient found on the floor beside the bed; call light out of reach.",
    "medication": "Dose given later than ordered after a delay in pharmacy verification.",
    "pressure-injury": "Stage 2 pressure injury found on the sacrum at skin check.",
    "device": "Infusion pump alarmed repeatedly; replaced and sent for checking.",
    "hai": "New central line infection suspected; cultures sent.",
    "vte": "Prophylaxis not restarted after the procedure until the next day.",
    "blood": "Unit of blood arrived without the second identity check recorded.",
    "diagnostic": "Abnormal result not seen until the next shift.",
    "surgery": "Count discrepancy at closing, resolved by X-ray before leaving theatre.",
    "other": "Wet floor near the nurses' station without a sign.",
    "violence-patient": "Staff member pushed by a confused patient; no injury.",
    "sharps": "Needlestick while disposing of a used needle; protocol followed.",
    "staff-injury": "Back strain while repositioning a patient without a lift.",
}


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def bulk_reports(*, organization: Organization, rows: Iterable[Mapping[str, Any]],
                 batch_size: int = 2000) -> int:
    """Write reports straight to the table (demo data, tests' datasets and benchmarks):
    each row gives at least occurred_at and category; the rest defaults to a plausible
    named staff incident. No validation, no audit, no notification — never for real reports
    (they go through services.submit_report)."""
    pack = active_taxonomy_pack(organization=organization)
    tz = timezone.get_current_timezone()
    objects, made, months = [], 0, set()
    for row in rows:
        values = {"kind": EventReport.Kind.PATIENT_SAFETY, "event_type": "incident",
                  "harm_level": "none", "narrative": "Demo event.",
                  "channel": EventReport.Channel.STAFF, "status": EventReport.Status.NEW}
        values.update(row)
        if values.get("category") in WORKFORCE and "kind" not in row:
            values["kind"] = EventReport.Kind.WORKFORCE
        occurred = values["occurred_at"]
        if isinstance(occurred, dt.date) and not isinstance(occurred, dt.datetime):
            values["occurred_at"] = dt.datetime.combine(occurred, dt.time(12), tzinfo=tz)
        values.setdefault("created_at", values["occurred_at"] + dt.timedelta(hours=3))
        months.add(timezone.localtime(values["occurred_at"]).date().replace(day=1))
        # nine characters (45 bits), one more than a real report's: bulk rows are not
        # retried on a clash, so make one unlikely even in a benchmark's million
        values.setdefault("reference", f"EV-{_random(9)}")
        objects.append(EventReport(organization=organization, taxonomy=pack, **values))
        if len(objects) >= batch_size:
            EventReport.objects.bulk_create(objects)
            made += len(objects)
            objects = []
    if objects:
        EventReport.objects.bulk_create(objects)
        made += len(objects)
    forget_months(organization.pk, months)  # bulk_create sends no signal
    return made


def _background(units: dict[str, Site], today: dt.date, rng: random.Random):
    first, last = month_range(24, today=today)
    months = months_between(first, last)
    shift_from = months[-SHIFT_MONTHS]
    for unit_name, rates in RATES.items():
        site = units.get(unit_name)
        if site is None:
            continue
        for month in months:
            days_in = ((month + dt.timedelta(days=32)).replace(day=1) - month).days
            for category, mean in rates.items():
                if unit_name == SHIFT_UNIT and category == "fall" and month >= shift_from:
                    count = SHIFT_FALLS[months.index(month) - len(months) + SHIFT_MONTHS]
                else:
                    count = _poisson(rng, mean)
                workforce = category in WORKFORCE
                for _ in range(count):
                    when = dt.datetime.combine(
                        month + dt.timedelta(days=rng.randrange(days_in)),
                        dt.time(rng.randrange(24), rng.randrange(60)),
                        tzinfo=timezone.get_current_timezone())
                    row = {"occurred_at": when, "category": category, "site": site,
                           "event_type": _pick(rng, TYPES),
                           "narrative": NARRATIVE.get(category, "Demo event."),
                           "answers": ANSWERS.get(category, {}),
                           "status": _pick(rng, [("closed", 70), ("actions", 10),
                                                 ("investigating", 5), ("in_review", 10),
                                                 ("new", 5)])}
                    if workforce:
                        row["kind"] = EventReport.Kind.WORKFORCE
                        row["channel"] = EventReport.Channel.WORKFORCE
                        row["reported_by"] = "injured_person"
                        row["harm_level"] = _pick(rng, WF_HARM)
                    else:
                        row["harm_level"] = (_pick(rng, HARM) if row["event_type"] == "incident"
                                             else "none")
                        if rng.random() < 0.7:  # characteristics are optional
                            row.update({
                                "patient_age_band": _pick(rng, AGE),
                                "patient_sex": _pick(rng, SEX),
                                "patient_race_ethnicity": [_pick(rng, RACE)],
                                "patient_language": _pick(rng, LANGUAGE),
                            })
                            row["patient_interpreter_needed"] = (
                                "yes" if row["patient_language"] != "en" and rng.random() < 0.6
                                else "no")
                            row["patient_disability"] = _pick(rng, [("no", 80), ("yes", 15),
                                                                    ("unknown", 5)])
                    yield row


@transaction.atomic
def load_event_demo() -> None:
    organization = Organization.objects.filter(slug=ORGANIZATION).first()
    if organization is None or EventReport.objects.filter(organization=organization).exists():
        return
    if active_taxonomy_pack(organization=organization) is None:
        return  # no taxonomy loaded: `safetyhub packs --sync` first
    today = timezone.localdate()
    # Reports may not predate the organization: the demo hospital has been here a while.
    Organization.objects.filter(pk=organization.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3 * 365))
    organization.refresh_from_db()
    units = {s.name: s for s in Site.objects.filter(organization=organization,
                                                    kind=Site.Kind.UNIT)}
    rng = random.Random(SEED)  # noqa: S311 - demo data, seeded to be the same every time
    bulk_reports(organization=organization, rows=_background(units, today, rng))
    first, last = month_range(24, today=today)
    PatientDays.objects.bulk_create([
        PatientDays(organization=organization, site=units[name], month=month,
                    days=round(days * rng.uniform(0.9, 1.1)))
        for name, days in PATIENT_DAYS.items() if name in units
        for month in months_between(first, last)])
    reporter = (organization.memberships.filter(role=Role.STAFF_REPORTER, is_active=True)
                .select_related("user").first())
    icu = units.get("Intensive Care Unit")
    submit_report(
        organization=organization, kind=EventReport.Kind.PATIENT_SAFETY,
        event_type="incident", category="medication",
        occurred_at=timezone.now() - dt.timedelta(days=1), site_id=icu.pk if icu else None,
        narrative="Ten times the ordered dose of insulin was given from a pump programmed "
                  "in units per hour instead of units per day; the patient needed a "
                  "glucose infusion and transfer to closer monitoring.",
        harm_level="severe", channel=EventReport.Channel.STAFF,
        reporter=reporter.user if reporter else None, anonymous=reporter is None,
        answers={"stage": "administering", "ncc-merp": "F"})
