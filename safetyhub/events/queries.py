"""Reads of event reports for the pages and the API: plain data both render."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from safetyhub.core.models import Organization, User

from .access import visible_reports
from .models import EventDraft, EventReport
from .taxonomy import LIGHT, Taxonomy, taxonomy_of


def reports_for_review(*, user: User, organization: Organization) -> QuerySet[EventReport]:
    """Every report the reviewer may see, newest first (the Events list)."""
    return (visible_reports(user=user, organization=organization)
            .select_related("site", "taxonomy").defer(*LIGHT).order_by("-created_at", "-pk"))


def my_reports(*, user: User, organization: Organization) -> QuerySet[EventReport]:
    """The named reports the person made here, newest first (anonymous ones are nobody's)."""
    return (EventReport.objects.filter(organization=organization, reporter=user,
                                       is_anonymous=False)
            .select_related("site", "taxonomy").defer(*LIGHT).order_by("-created_at", "-pk"))


def draft_of(*, organization: Organization, user: User) -> EventDraft | None:
    return EventDraft.objects.filter(organization=organization, user=user).first()


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


@dataclass(frozen=True)
class ReportView:
    """A report in words: its keys turned into the titles of its taxonomy version."""

    report: EventReport
    taxonomy: Taxonomy
    event_type: str
    category: str
    harm: str
    medication_error: str
    people: list[str]
    factors: list[str]
    answers: list[Answer]
    identifier_flags: list[str]
    answers_about: str = ""  # the category the answers are about (the reporter's choice)


def report_view(report: EventReport) -> ReportView:
    from .identifiers import LABELS

    taxonomy = taxonomy_of(report.taxonomy)
    answers = []
    # The answers belong to the category the reporter chose, which triage may have changed.
    from .models_triage import EventTriage

    answered = (EventTriage.objects.filter(report_id=report.pk)
                .values_list("original_category", flat=True).first()) or report.category
    for question in taxonomy.questions_for(answered):
        if question.id not in report.answers:
            continue
        value = report.answers[question.id]
        titles = {c.key: c.title for c in question.choices}
        if isinstance(value, list):
            text = ", ".join(titles.get(v, v) for v in value)
        elif question.type == "yes-no":
            text = {"yes": "Yes", "no": "No"}.get(value, value)
        else:
            text = titles.get(value, value)
        answers.append(Answer(question=question.text, answer=text))
    return ReportView(
        report=report, taxonomy=taxonomy,
        event_type=taxonomy.title_of("event-types", report.event_type),
        category=taxonomy.category_title(report.kind, report.category),
        harm=taxonomy.harm_title(report.kind, report.harm_level) if report.harm_level else "",
        medication_error=taxonomy.title_of("ncc-merp", report.medication_error_category)
        if report.medication_error_category else "",
        people=[taxonomy.title_of("people-roles", k) for k in report.people_involved],
        factors=[taxonomy.title_of("contributing-factors", k)
                 for k in report.contributing_factors],
        answers=answers,
        identifier_flags=[LABELS.get(flag, flag) for flag in report.identifier_flags],
        answers_about=taxonomy.category_title(report.kind, answered),
    )


@dataclass(frozen=True)
class ListRow:
    report: EventReport
    category: str
    harm: str


def list_rows(reports) -> list[ListRow]:
    """A page of reports with their category and harm in words (no query per row: each
    taxonomy version is parsed once)."""
    rows = []
    for report in reports:
        taxonomy = taxonomy_of(report.taxonomy)
        rows.append(ListRow(
            report=report, category=taxonomy.category_title(report.kind, report.category),
            harm=taxonomy.harm_title(report.kind, report.harm_level) if report.harm_level
            else ""))
    return rows


EXPORT_HEADER = ["reference", "kind", "event_type", "category", "category_title", "harm_level",
                 "harm_title", "ncc_merp", "occurred_at", "site_or_unit", "status", "channel",
                 "anonymous", "created_at"]


def export_rows(reports) -> Iterator[list]:
    """The reviewers' list as CSV rows (EXPORT_HEADER): what each report is about, never the
    narrative, the reporter or patient characteristics, like the list page itself."""
    for report in reports:
        taxonomy = taxonomy_of(report.taxonomy)
        yield [report.reference, report.kind, report.event_type, report.category,
               taxonomy.category_title(report.kind, report.category), report.harm_level,
               taxonomy.harm_title(report.kind, report.harm_level) if report.harm_level
               else "", report.medication_error_category, report.occurred_at.isoformat(),
               report.site.name if report.site_id else "", report.status, report.channel,
               "yes" if report.is_anonymous else "no", report.created_at.isoformat()]
