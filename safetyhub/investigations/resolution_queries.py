"""Reads for the communication-and-resolution pages and API: plain data both render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, Min, OuterRef, Q, QuerySet

from safetyhub.core import audit
from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport
from safetyhub.events.taxonomy import taxonomy_of

from .models_resolution import ResolutionContact, ResolutionQuestion, ResolutionRecord
from .resolution import harm_events

DISCLOSURE = ResolutionContact.Kind.DISCLOSURE


def resolution_list(organization: Organization) -> QuerySet[EventReport]:
    """The harm events, newest first, each with its first disclosure, its number of
    conversations, whether an apology was given and the resolution offered (one query)."""
    apology = ResolutionContact.objects.filter(record__report=OuterRef("pk"), apology_given=True)
    return (harm_events(organization).select_related("taxonomy", "site", "resolution")
            .annotate(first_disclosure=Min("resolution__contacts__happened_at",
                                           filter=Q(resolution__contacts__kind=DISCLOSURE)),
                      conversations=Count("resolution__contacts"),
                      apologized=Exists(apology, output_field=BooleanField())))


@dataclass(frozen=True)
class Row:
    report: EventReport
    category: str
    harm: str
    first_disclosure: dt.datetime | None
    days_to_first_contact: float | None
    conversations: int
    apologized: bool
    offered: str


def rows(reports) -> list[Row]:
    result = []
    for report in reports:
        taxonomy = taxonomy_of(report.taxonomy)
        first = report.first_disclosure
        record = getattr(report, "resolution", None) if _has_record(report) else None
        result.append(Row(
            report=report, category=taxonomy.category_title(report.kind, report.category),
            harm=taxonomy.harm_title(report.kind, report.harm_level),
            first_disclosure=first,
            days_to_first_contact=round((first - report.occurred_at).total_seconds() / 86400, 1)
            if first else None,
            conversations=report.conversations, apologized=report.apologized,
            offered=record.get_resolution_offered_display() if record else ""))
    return result


def _has_record(report: EventReport) -> bool:
    try:
        report.resolution  # noqa: B018 - select_related: no query
    except ResolutionRecord.DoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class Panel:
    report: EventReport
    category: str
    harm: str
    record: ResolutionRecord | None
    contacts: list[ResolutionContact]
    questions: list[ResolutionQuestion]

    @property
    def disclosed(self) -> bool:
        return any(c.kind == DISCLOSURE for c in self.contacts)

    @property
    def open_questions(self) -> list[ResolutionQuestion]:
        return [q for q in self.questions if not q.answer]


def panel(report: EventReport) -> Panel:
    taxonomy = taxonomy_of(report.taxonomy)
    record = ResolutionRecord.objects.filter(report_id=report.pk).first()
    if record is not None:
        audit.record_view(record)  # sensitive: every reading is in the trail
    contacts = list(ResolutionContact.objects.filter(record=record)) if record else []
    questions = list(ResolutionQuestion.objects.filter(record=record)) if record else []
    return Panel(report=report, category=taxonomy.category_title(report.kind, report.category),
                 harm=taxonomy.harm_title(report.kind, report.harm_level), record=record,
                 contacts=contacts, questions=questions)


TO_DISCLOSE_DAYS = 90
SHOWN = 20


def harm_events_to_disclose(user, organization: Organization) -> list:
    """My work, for event reviewers and patient-safety leads: harm events of the last
    90 days with no disclosure conversation recorded, the oldest first (one query)."""
    from django.urls import reverse
    from django.utils import timezone

    from safetyhub.core.my_work import WorkItem

    if not user.has_perm("investigations.view_resolution", organization):
        return []
    now = timezone.now()
    disclosed = ResolutionContact.objects.filter(record__report=OuterRef("pk"),
                                                 kind=DISCLOSURE)
    reports = (harm_events(organization)
               .filter(occurred_at__gte=now - dt.timedelta(days=TO_DISCLOSE_DAYS))
               .exclude(Exists(disclosed)).select_related("taxonomy")
               .order_by("occurred_at", "pk")[:SHOWN])
    items = []
    for report in reports:
        taxonomy = taxonomy_of(report.taxonomy)
        days = (now - report.occurred_at).days
        items.append(WorkItem(
            title=f"{report.reference}: {taxonomy.category_title(report.kind, report.category)}"
                  f", {taxonomy.harm_title(report.kind, report.harm_level).lower()}",
            link=reverse("investigations:resolution", args=[organization.slug, report.pk]),
            kind="Harm event to disclose",
            detail=f"Happened {days} day{'s' if days != 1 else ''} ago; no disclosure "
                   "conversation recorded"))
    return items
