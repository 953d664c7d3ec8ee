"""Lessons learned: drafting a lesson from an event, a review or an initiative, the
de-identification review of its text, approval, publishing a de-identified copy to a
network, withdrawal, and members' comments and "we tried this".

Every write is one keyword-only function and one transaction. The rule that matters most:
nothing crosses to a network without an approved review of the draft's current text
(`publish_lesson` checks the approval's fingerprint against the text and spans as they are
now, so an edit after approval re-opens the review)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.deid import KINDS, Span, deidentify, find_identifiers, redact
from safetyhub.investigations.hierarchy import STRENGTHS

from .access import current_members
from .models import Network
from .models_lessons import LessonComment, LessonDraft, PublishedLesson

MAX_TEXT = 20_000
MAX_ACTIONS = 30
MAX_CHARTS = 6
MAX_POINTS = 200
# The draft's free-text fields, reviewed one by one (actions' descriptions and charts'
# titles are reviewed as "action:N" and "chart:N").
TEXT_FIELDS = ("title", "what_happened", "contributing_factors", "results")
FIELD_LABELS = {"title": "Title", "what_happened": "What happened",
                "contributing_factors": "Contributing factors", "results": "Results"}


# --- the review's fields ------------------------------------------------------------------------

def field_texts(draft: LessonDraft) -> dict[str, str]:
    """Every text of the draft that would leave the organization, by review key."""
    texts = {key: getattr(draft, key) for key in TEXT_FIELDS}
    for k, action in enumerate(draft.actions):
        texts[f"action:{k}"] = action.get("description", "")
    for k, chart in enumerate(draft.charts):
        texts[f"chart:{k}"] = chart.get("title", "")
    return texts


def field_label(key: str) -> str:
    if key.startswith("action:"):
        return f"Action {int(key.split(':')[1]) + 1}"
    if key.startswith("chart:"):
        return f"Chart {int(key.split(':')[1]) + 1} title"
    return FIELD_LABELS.get(key, key)


def _entry(text: str, spans: list[Span], found: list[Span], reference_date) -> dict:
    return {"text": text, "found": [list(s) for s in found], "spans": [list(s) for s in spans],
            "redacted": redact(text, spans, reference_date=reference_date)}


def _refresh_review(draft: LessonDraft) -> None:
    """Keep each field's review while its text is unchanged; run the de-identification
    afresh on a field whose text changed (its spans are the ones found again)."""
    review = {}
    for key, text in field_texts(draft).items():
        old = draft.review.get(key)
        if old and old.get("text") == text:
            review[key] = old
        else:
            found = find_identifiers(text)
            review[key] = _entry(text, found, found, draft.reference_date)
    draft.review = review


def fingerprint(draft: LessonDraft) -> str:
    """What an approval covers: every text that would leave, with the spans kept in it."""
    texts = field_texts(draft)
    body = {key: [texts[key], draft.review.get(key, {}).get("spans")] for key in texts}
    body["_numbers"] = [[c.get("values"), c.get("n")] for c in draft.charts]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def is_approved(draft: LessonDraft) -> bool:
    """Approved, and nothing changed since."""
    return bool(draft.approved_fingerprint) and draft.approved_fingerprint == fingerprint(draft)


def _reopen(draft: LessonDraft) -> None:
    draft.approved_by = None
    draft.approved_at = None
    draft.approved_fingerprint = ""


def _check_version(draft: LessonDraft, version: int | None) -> None:
    if version is not None and version != draft.version:
        raise ValidationError({"version": "Someone else changed this lesson since you opened "
                                          "it. Reload the page to see their changes."})


def _save(draft: LessonDraft) -> None:
    draft.version = F("version") + 1
    draft.save()
    draft.refresh_from_db()


# --- drafting --------------------------------------------------------------------------------

@dataclass
class Prefill:
    title: str = ""
    what_happened: str = ""
    contributing_factors: str = ""
    actions: list | None = None
    results: str = ""
    charts: list | None = None
    category: str = ""
    recommendations: list | None = None
    reference_date: dt.date | None = None


def _factor_titles(report, keys) -> str:
    from safetyhub.events.taxonomy import taxonomy_of

    if not keys:
        return ""
    taxonomy = taxonomy_of(report.taxonomy) if report is not None else None
    titles = [(taxonomy.title_of("contributing-factors", k) if taxonomy else None) or k
              for k in keys]
    return "\n".join(f"- {t}" for t in titles)


def _chart_of(measure) -> dict | None:
    """A measure's chart as numbers (no periods, no ids): its values and denominators."""
    from safetyhub.measures.queries import chart_for

    chart = chart_for(measure)
    if not chart.points:
        return None
    values = [float(v) if v is not None else None for v in chart.values][-MAX_POINTS:]
    dens = [p.denominator for p in chart.points][-MAX_POINTS:]
    return {"title": measure.name, "chart": measure.chart, "unit": measure.unit,
            "multiplier": measure.multiplier or 1, "values": values,
            "n": dens if any(d is not None for d in dens) else None}


def _actions_and_charts(actions) -> tuple[list, list]:
    rows, charts, seen = [], [], set()
    for action in actions:
        rows.append({"description": action.description, "strength": action.strength})
        measure = action.measure
        if measure is not None and measure.pk not in seen and len(charts) < MAX_CHARTS:
            seen.add(measure.pk)
            chart = _chart_of(measure)
            if chart:
                charts.append(chart)
    return rows, charts


def prefill_from(*, organization: Organization, source: str, source_pk: int | None) -> Prefill:
    """What a new lesson starts with, read from its source (the organization's own rows)."""
    from safetyhub.events.models import EventReport
    from safetyhub.improvement.models import Initiative
    from safetyhub.investigations.models import Review, ReviewAction

    if source == LessonDraft.Source.EVENT:
        report = EventReport.objects.get(organization=organization, pk=source_pk)
        actions = (ReviewAction.objects.filter(organization=organization,
                                               review__events=report)
                   .exclude(status="cancelled").select_related("measure").distinct())
        rows, charts = _actions_and_charts(actions)
        return Prefill(title="Lesson from an event", what_happened=report.narrative,
                       contributing_factors=_factor_titles(report, report.contributing_factors),
                       actions=rows, charts=charts, category=report.category,
                       reference_date=timezone.localtime(report.occurred_at).date())
    if source in (LessonDraft.Source.RCA2, LessonDraft.Source.AGGREGATE):
        review = Review.objects.select_related("index_event").get(
            organization=organization, pk=source_pk, kind=source)
        event = review.index_event
        actions = review.actions.exclude(status="cancelled").select_related("measure")
        rows, charts = _actions_and_charts(actions)
        category = event.category if event else ""
        if not category and hasattr(review, "aggregate_scope"):
            category = review.aggregate_scope.category
        return Prefill(
            title=review.title, what_happened=review.scope or (event.narrative if event else ""),
            contributing_factors=_factor_titles(event, review.contributing_factors),
            actions=rows, results=review.lesson, charts=charts, category=category,
            reference_date=timezone.localtime(event.occurred_at).date() if event else None)
    if source == LessonDraft.Source.INITIATIVE:
        initiative = Initiative.objects.select_related("recommendation").get(
            organization=organization, pk=source_pk)
        charts = [c for c in (_chart_of(m) for m in initiative.measures.all()[:MAX_CHARTS]) if c]
        rec = initiative.recommendation
        return Prefill(title=initiative.title, what_happened=initiative.description,
                       charts=charts, recommendations=[rec.key] if rec else [],
                       reference_date=initiative.start_on)
    return Prefill(title="A lesson")


def _clean(values: dict) -> dict:
    errors: dict[str, str] = {}
    out = {}
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title:
            errors["title"] = "Give the lesson a title."
        elif len(title) > 200:
            errors["title"] = "Keep the title to 200 characters."
        out["title"] = title
    for key in ("what_happened", "contributing_factors", "results"):
        if key in values:
            text = (values[key] or "").strip()
            if len(text) > MAX_TEXT:
                errors[key] = f"Keep this to {MAX_TEXT:,} characters."
            out[key] = text
    if "actions" in values:
        actions = values["actions"] or []
        if len(actions) > MAX_ACTIONS:
            errors["actions"] = f"At most {MAX_ACTIONS} actions."
        cleaned = []
        for k, action in enumerate(actions, 1):
            description = (action.get("description") or "").strip()
            strength = action.get("strength") or ""
            if not description:
                errors["actions"] = f"Action {k}: describe the action."
            elif strength not in STRENGTHS:
                errors["actions"] = (f"Action {k}: the strength must be one of "
                                     f"{', '.join(STRENGTHS)}.")
            cleaned.append({"description": description, "strength": strength})
        out["actions"] = cleaned
    if "category" in values:
        out["category"] = (values["category"] or "").strip()[:64]
    if "recommendations" in values:
        out["recommendations"] = sorted({str(r)[:20] for r in values["recommendations"] or []})
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def create_draft(*, organization: Organization, by: User | None, source: str = "none",
                 source_pk: int | None = None) -> LessonDraft:
    """A new draft prefilled from its source (which must be the organization's own)."""
    from django.core.exceptions import ObjectDoesNotExist

    if source not in LessonDraft.Source.values:
        raise ValidationError({"source": "Choose an event, a review, an initiative or "
                                         "nothing."})
    if source != LessonDraft.Source.NONE and source_pk is None:
        raise ValidationError({"source_id": "Choose which one the lesson starts from."})
    try:
        prefill = prefill_from(organization=organization, source=source, source_pk=source_pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise ValidationError({"source_id": "No such record in this organization."}) from None
    draft = LessonDraft(
        organization=organization, source=source, created_by=by,
        source_event_id=source_pk if source == "event" else None,
        source_review_id=source_pk if source in ("rca2", "aggregate") else None,
        source_initiative_id=source_pk if source == "initiative" else None,
        title=prefill.title, what_happened=prefill.what_happened,
        contributing_factors=prefill.contributing_factors, actions=prefill.actions or [],
        results=prefill.results, charts=prefill.charts or [], category=prefill.category,
        recommendations=prefill.recommendations or [], reference_date=prefill.reference_date)
    _refresh_review(draft)
    draft.save()
    return draft


@transaction.atomic
def update_draft(*, draft: LessonDraft, by: User | None, version: int | None = None,
                 **values) -> LessonDraft:
    """Change the draft's text, actions, category or recommendations. A changed text is
    de-identified afresh, and any change re-opens the review."""
    draft = LessonDraft.objects.select_for_update().get(pk=draft.pk)
    _check_version(draft, version)
    allowed = {"title", "what_happened", "contributing_factors", "results", "actions",
               "category", "recommendations"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not a field of a lesson."})
    cleaned = _clean(values)
    if "actions" in cleaned and len(cleaned["actions"]) != len(draft.actions):
        # Action rows are reviewed by position: a different count starts those afresh.
        draft.review = {k: v for k, v in draft.review.items() if not k.startswith("action:")}
    for key, value in cleaned.items():
        setattr(draft, key, value)
    _refresh_review(draft)
    if not is_approved(draft):
        _reopen(draft)
    _save(draft)
    return draft


# --- the de-identification review ----------------------------------------------------------------

def _spans_from(field: str, text: str, spans) -> list[Span]:
    try:
        out = [Span(int(s[0]), int(s[1]), str(s[2])) for s in spans]
        out = sorted(out)
        for span in out:
            if span.kind not in KINDS:
                raise ValueError(f"unknown kind {span.kind!r}")
            if not 0 <= span.start < span.end <= len(text):
                raise ValueError(f"a span from {span.start} to {span.end} is outside the text")
        for a, b in itertools.pairwise(out):
            if b.start < a.end:
                raise ValueError(f"the spans at {a.start} and {b.start} overlap")
    except (TypeError, ValueError, IndexError) as exc:
        raise ValidationError({"spans": f"{field_label(field)}: {exc}"}) from None
    return out


@transaction.atomic
def set_spans(*, draft: LessonDraft, field: str, spans, by: User | None,
              version: int | None = None) -> LessonDraft:
    """The reviewer's final spans for one field (those found, less any undone, plus any
    added). Re-opens the review."""
    draft = LessonDraft.objects.select_for_update().get(pk=draft.pk)
    _check_version(draft, version)
    entry = draft.review.get(field)
    if entry is None:
        raise ValidationError({"field": "No such text in this lesson."})
    chosen = _spans_from(field, entry["text"], spans)
    draft.review[field] = _entry(entry["text"], chosen,
                                 [Span(*s) for s in entry["found"]], draft.reference_date)
    _reopen(draft)
    _save(draft)
    return draft


def undo_span(*, draft: LessonDraft, field: str, start: int, by: User | None,
              version: int | None = None) -> LessonDraft:
    entry = draft.review.get(field) or {}
    spans = [s for s in entry.get("spans", []) if s[0] != start]
    if len(spans) == len(entry.get("spans", [])):
        raise ValidationError({"start": "No redaction starts there."})
    return set_spans(draft=draft, field=field, spans=spans, by=by, version=version)


def add_span(*, draft: LessonDraft, field: str, text: str, kind: str, by: User | None,
             version: int | None = None) -> LessonDraft:
    """Redact every occurrence of `text` (exactly as written) in the field, where it does not
    overlap a redaction already kept."""
    entry = draft.review.get(field)
    if entry is None:
        raise ValidationError({"field": "Choose one of the lesson's texts."})
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose what kind of identifier it is."})
    if not text or not text.strip():
        raise ValidationError({"text": "Enter the words to redact, exactly as written."})
    spans = [Span(*s) for s in entry["spans"]]
    added = 0
    position = entry["text"].find(text)
    while position >= 0:
        end = position + len(text)
        if not any(position < s.end and s.start < end for s in spans):
            spans.append(Span(position, end, kind))
            added += 1
        position = entry["text"].find(text, end)
    if not added:
        where = "is already redacted" if text in entry["text"] else "is not in this text"
        raise ValidationError({"text": f"“{text[:60]}” {where} ({field_label(field)})."})
    return set_spans(draft=draft, field=field, spans=spans, by=by, version=version)


@transaction.atomic
def approve(*, draft: LessonDraft, by: User, version: int | None = None) -> LessonDraft:
    """Approve the review of the draft's current text (network.approve_lessons)."""
    draft = LessonDraft.objects.select_for_update().get(pk=draft.pk)
    if not by.has_perm("network.approve_lessons", draft.organization):
        raise PermissionDenied("Only the organization's leads may approve what leaves it.")
    _check_version(draft, version)
    _refresh_review(draft)
    draft.approved_by = by
    draft.approved_at = timezone.now()
    draft.approved_fingerprint = fingerprint(draft)
    _save(draft)
    return draft


# --- publishing ------------------------------------------------------------------------------

def category_title(organization: Organization, category: str) -> str:
    """The event taxonomy's title for a category key (the key when it has none)."""
    from safetyhub.events.taxonomy import KINDS as EVENT_KINDS
    from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of

    if not category:
        return ""
    pack = active_taxonomy_pack(organization=organization)
    if pack is None:
        return category
    taxonomy = taxonomy_of(pack)
    for kind in EVENT_KINDS:
        for option in taxonomy.categories(kind):
            if option.key == category:
                return option.title
    return category


@transaction.atomic
def publish_lesson(*, draft: LessonDraft, network: Network, by: User,
                   shows_owner: bool = False) -> PublishedLesson:
    """Publish a de-identified copy of an approved draft to one network the organization is
    a current member of."""
    from . import library

    draft = LessonDraft.objects.select_for_update().get(pk=draft.pk)
    org = draft.organization
    if not by.has_perm("network.approve_lessons", org):
        raise PermissionDenied("Only the organization's leads may publish a lesson.")
    if not current_members(network).filter(organization=org).exists():
        raise ValidationError({"network": "Your organization is not a member of this "
                                          "network."})
    if not is_approved(draft):
        raise ValidationError({"review": "Review and approve the de-identification of the "
                                         "lesson's current text before publishing."})
    texts = {key: draft.review[key]["redacted"] for key in field_texts(draft)}
    lesson = PublishedLesson.objects.create(
        network=network, owner=org, shows_owner=shows_owner,
        title=texts["title"][:200], what_happened=texts["what_happened"],
        contributing_factors=texts["contributing_factors"], results=texts["results"],
        actions=[{"description": texts[f"action:{k}"], "strength": a["strength"]}
                 for k, a in enumerate(draft.actions)],
        charts=[{"title": texts[f"chart:{k}"], "chart": c["chart"], "unit": c.get("unit", ""),
                 "multiplier": c.get("multiplier", 1), "values": c["values"], "n": c.get("n")}
                for k, c in enumerate(draft.charts)],
        category=draft.category, category_title=category_title(org, draft.category),
        recommendation_keys="".join(f"|{r}" for r in draft.recommendations) + "|"
        if draft.recommendations else "",
        strength_keys="".join(f"|{s}" for s in sorted({a["strength"] for a in draft.actions}))
        + "|" if draft.actions else "",
    )
    library.index_lesson(lesson)
    draft.publications.add(lesson)
    return lesson


@transaction.atomic
def withdraw_lesson(*, lesson: PublishedLesson, by: User) -> PublishedLesson:
    """The owner takes its lesson out of the library (its comments go with it)."""
    lesson = PublishedLesson.objects.select_for_update().get(pk=lesson.pk)
    if not by.has_perm("network.approve_lessons", lesson.owner):
        raise PermissionDenied("Only the organization's leads may withdraw its lesson.")
    if lesson.withdrawn_at is None:
        lesson.withdrawn_at = timezone.now()
        lesson.save(update_fields=["withdrawn_at"])
        lesson.terms.all().delete()
    return lesson


# --- comments and "we tried this" ----------------------------------------------------------------

def preview_comment(text: str) -> str:
    """The comment's text as it would be posted: de-identified."""
    return deidentify((text or "").strip())[0]


@transaction.atomic
def post_comment(*, lesson: PublishedLesson, organization: Organization, by: User,
                 kind: str, text: str, confirmed_text: str,
                 result: str = "") -> LessonComment:
    """A comment or "we tried this" for a member organization. The text is de-identified,
    and posted only when the author confirmed exactly that de-identified text."""
    if not by.has_perm("network.contribute", organization):
        raise PermissionDenied("Your role does not let you speak for this organization.")
    if not current_members(lesson.network).filter(organization=organization).exists():
        raise ValidationError({"organization": "That organization is not a member of this "
                                               "network."})
    errors = {}
    if kind not in LessonComment.Kind.values:
        errors["kind"] = "Choose a comment or “we tried this”."
    if kind == LessonComment.Kind.TRIED and result not in LessonComment.Result.values:
        errors["result"] = "Say how it went."
    if kind == LessonComment.Kind.COMMENT:
        result = ""
    text = (text or "").strip()
    if kind == LessonComment.Kind.COMMENT and not text:
        errors["text"] = "Write the comment."
    if len(text) > 5_000:
        errors["text"] = "Keep it to 5,000 characters."
    redacted = preview_comment(text)
    if not errors and confirmed_text != redacted:
        errors["confirmed_text"] = ("Confirm the text as it will be posted, with identifiers "
                                    "removed.")
    if errors:
        raise ValidationError(errors)
    return LessonComment.objects.create(lesson=lesson, organization=organization, author=by,
                                        kind=kind, result=result, text=redacted)
