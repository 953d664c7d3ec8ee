"""API for lessons. The organization's side (/orgs/{slug}/network/lessons…): its drafts, the
de-identification review (read it, set a field's spans), approve, publish to a network,
withdraw. The network's side (/networks/{network_slug}/lessons…): search the library, a
lesson, similar lessons, and comments ("we tried this"), whose text is de-identified and
posted only as the author confirmed it.

The same doors as the pages: `api_organization` then `access_draft` (404 for outsiders and
other organizations' drafts), `access_network` then `access_lesson`. Bad input is a 422
naming the field and changes nothing."""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Id, Line, Pagination, Text
from safetyhub.deid import KINDS
from safetyhub.investigations.hierarchy import STRENGTHS

from . import lesson_queries as queries
from . import lessons, library
from .access import access_network
from .models_lessons import LessonComment, LessonDraft, PublishedLesson

router = Router(tags=["network"])

DRAFT = "network.draft_lessons"
CONTRIBUTE = "network.contribute"
Source = StrEnum("LessonSource", {c.name: c.value for c in LessonDraft.Source})
Strength = StrEnum("ActionStrengthKey", {s.upper(): s for s in STRENGTHS})
CommentKind = StrEnum("LessonCommentKind", {c.name: c.value for c in LessonComment.Kind})
TriedResult = StrEnum("TriedResult", {c.name: c.value for c in LessonComment.Result})
VERSION = Field(None, ge=1, description="the version you read: a change made by someone "
                                        "else since is refused (422 on version)")


class LessonActionIn(Schema):
    description: Text = Field(..., max_length=lessons.MAX_TEXT)
    strength: Strength


class LessonActionRead(Schema):
    description: str
    strength: str


class LessonChartRead(Schema):
    title: str
    chart: str
    unit: str = ""
    values: list[float | None]
    n: list[float | None] | None = None


class LessonDraftCreate(Schema):
    source: Source = Field(..., description="what the lesson starts from")
    source_id: Id | None = Field(None, description="the event, review or initiative (not "
                                                   "for 'none')")


class LessonDraftUpdate(Schema):
    """Only the fields sent change; any change re-opens the review."""

    title: Line | None = Field(None, max_length=200)
    what_happened: Text | None = Field(None, max_length=lessons.MAX_TEXT)
    contributing_factors: Text | None = Field(None, max_length=lessons.MAX_TEXT)
    results: Text | None = Field(None, max_length=lessons.MAX_TEXT)
    actions: list[LessonActionIn] | None = Field(None, max_length=lessons.MAX_ACTIONS)
    category: str | None = Field(None, max_length=64)
    recommendations: list[str] | None = Field(None, max_length=20)
    version: int | None = VERSION


class LessonDraftRead(Schema):
    id: int
    source: str
    title: str
    what_happened: str
    contributing_factors: str
    actions: list[LessonActionRead]
    results: str
    charts: list[LessonChartRead]
    category: str
    recommendations: list[str]
    approved: bool = Field(..., description="approved, and unchanged since")
    approved_at: dt.datetime | None
    published_lesson_ids: list[int]
    version: int


class LessonReviewFieldRead(Schema):
    field: str
    label: str
    text: str = Field(..., description="as written (stays in the organization)")
    found: list[tuple[int, int, str]] = Field(..., description="[start, end, kind] found")
    spans: list[tuple[int, int, str]] = Field(..., description="[start, end, kind] the "
                                                               "reviewer keeps")
    redacted: str = Field(..., description="what the network would see")


class LessonReviewRead(Schema):
    lesson_id: int
    approved: bool
    kinds: list[str]
    fields: list[LessonReviewFieldRead]
    version: int


class LessonSpansIn(Schema):
    field: str = Field(..., max_length=40, description="a field of the review, e.g. "
                                                       "'what_happened' or 'action:0'")
    spans: list[tuple[int, int, str]] = Field(..., max_length=500)
    version: int | None = VERSION


class LessonVersionIn(Schema):
    version: int | None = VERSION


class LessonPublishIn(Schema):
    network: str = Field(..., max_length=60, description="the network's slug")
    shows_owner: bool = Field(False, description="show the organization's name")


class LessonWithdrawIn(Schema):
    lesson_id: Id


class LessonRead(Schema):
    id: int
    title: str
    what_happened: str
    contributing_factors: str
    actions: list[LessonActionRead]
    results: str
    charts: list[LessonChartRead]
    category: str
    category_title: str
    recommendations: list[str]
    strengths: list[str]
    shared_by: str | None = Field(..., description="the organization, when it chose to "
                                                   "be named")
    published_at: dt.datetime


class LessonSummary(Schema):
    id: int
    title: str
    category: str
    category_title: str
    strengths: list[str]
    published_at: dt.datetime


class LessonLibraryQuery(Schema):
    q: str = Field("", max_length=200)
    category: str = Field("", max_length=64)
    recommendation: str = Field("", max_length=20)
    strength: Strength | None = None


class LessonCommentPreviewIn(Schema):
    text: Text = Field(..., max_length=5_000)


class LessonCommentPreviewRead(Schema):
    text: str = Field(..., description="the text as it would be posted; send it back as "
                                       "confirmed_text")


class LessonCommentCreate(Schema):
    organization: str = Field(..., max_length=60, description="the member organization's "
                                                              "slug you speak for")
    kind: CommentKind
    result: TriedResult | None = Field(None, description="for 'tried': how it went")
    text: Text = Field("", max_length=5_000)
    confirmed_text: str = Field(..., max_length=6_000, description="the preview's text")


class LessonCommentRead(Schema):
    id: int
    organization: str
    kind: str
    result: str
    text: str
    created_at: dt.datetime


def _draft(d: LessonDraft) -> dict:
    return {"id": d.pk, "source": d.source, "title": d.title,
            "what_happened": d.what_happened, "contributing_factors": d.contributing_factors,
            "actions": d.actions, "results": d.results, "charts": d.charts,
            "category": d.category, "recommendations": d.recommendations,
            "approved": lessons.is_approved(d), "approved_at": d.approved_at,
            "published_lesson_ids": [p.pk for p in d.publications.all()],
            "version": d.version}


def _review(d: LessonDraft) -> dict:
    return {"lesson_id": d.pk, "approved": lessons.is_approved(d), "kinds": list(KINDS),
            "version": d.version,
            "fields": [{"field": k, "label": lessons.field_label(k), "text": e["text"],
                        "found": e["found"], "spans": e["spans"], "redacted": e["redacted"]}
                       for k, e in d.review.items()]}


def _lesson(lesson: PublishedLesson) -> dict:
    return {"id": lesson.pk, "title": lesson.title, "what_happened": lesson.what_happened,
            "contributing_factors": lesson.contributing_factors, "actions": lesson.actions,
            "results": lesson.results, "charts": lesson.charts, "category": lesson.category,
            "category_title": lesson.category_title,
            "recommendations": lesson.recommendations, "strengths": lesson.strengths,
            "shared_by": lesson.owner.name if lesson.shows_owner else None,
            "published_at": lesson.published_at}


def _summary(lesson: PublishedLesson) -> dict:
    return {"id": lesson.pk, "title": lesson.title, "category": lesson.category,
            "category_title": lesson.category_title, "strengths": lesson.strengths,
            "published_at": lesson.published_at}


def _own_draft(request: HttpRequest, slug: str, lesson_id: int) -> LessonDraft:
    org = api_organization(request, slug, DRAFT)
    return queries.access_draft(user=request.user, organization=org, pk=lesson_id)


# --- the organization's side -----------------------------------------------------------------

@router.get("/orgs/{slug}/network/lessons", response=list[LessonDraftRead])
@paginate(Pagination)
def draft_list(request, slug: str):
    """The organization's lesson drafts, the latest changed first."""
    org = api_organization(request, slug, DRAFT)
    return [_draft(d) for d in queries.drafts_for(organization=org)
            .prefetch_related("publications")]


@router.post("/orgs/{slug}/network/lessons", response={201: LessonDraftRead})
def draft_create(request, slug: str, payload: LessonDraftCreate):
    """Start a lesson from one of the organization's events, reviews or initiatives."""
    org = api_organization(request, slug, DRAFT)
    draft = lessons.create_draft(organization=org, by=request.user,
                                 source=payload.source.value, source_pk=payload.source_id)
    return Status(201, _draft(draft))


@router.get("/orgs/{slug}/network/lessons/{lesson_id}", response=LessonDraftRead)
def draft_detail(request, slug: str, lesson_id: Id):
    return _draft(_own_draft(request, slug, lesson_id))


@router.patch("/orgs/{slug}/network/lessons/{lesson_id}", response=LessonDraftRead)
def draft_update(request, slug: str, lesson_id: Id, payload: LessonDraftUpdate):
    draft = _own_draft(request, slug, lesson_id)
    values = payload.model_dump(exclude_unset=True, mode="json")
    version = values.pop("version", None)
    draft = lessons.update_draft(draft=draft, by=request.user, version=version, **values)
    return _draft(draft)


@router.get("/orgs/{slug}/network/lessons/{lesson_id}/review", response=LessonReviewRead)
def review_detail(request, slug: str, lesson_id: Id):
    """Every text of the lesson as written, the spans found, the spans kept and the text the
    network would see."""
    return _review(_own_draft(request, slug, lesson_id))


@router.put("/orgs/{slug}/network/lessons/{lesson_id}/review", response=LessonReviewRead)
def review_set_spans(request, slug: str, lesson_id: Id, payload: LessonSpansIn):
    """Set one field's final spans (undo by leaving one out, add by putting one in).
    Re-opens the review."""
    draft = _own_draft(request, slug, lesson_id)
    draft = lessons.set_spans(draft=draft, field=payload.field, spans=payload.spans,
                              by=request.user, version=payload.version)
    return _review(draft)


@router.post("/orgs/{slug}/network/lessons/{lesson_id}/approve", response=LessonReviewRead)
def review_approve(request, slug: str, lesson_id: Id, payload: LessonVersionIn):
    """Approve the review of the current text (the organization's leads)."""
    draft = _own_draft(request, slug, lesson_id)
    return _review(lessons.approve(draft=draft, by=request.user, version=payload.version))


@router.post("/orgs/{slug}/network/lessons/{lesson_id}/publish", response={201: LessonRead})
def draft_publish(request, slug: str, lesson_id: Id, payload: LessonPublishIn):
    """Publish a de-identified copy to a network the organization is a member of; refused
    (422 on review) unless the review of the current text is approved."""
    draft = _own_draft(request, slug, lesson_id)
    network = next((n for n in queries.member_networks(draft.organization)
                    if n.slug == payload.network), None)
    if network is None:
        raise ValidationError({"network": "Your organization is not a member of this "
                                          "network."})
    lesson = lessons.publish_lesson(draft=draft, network=network, by=request.user,
                                    shows_owner=payload.shows_owner)
    return Status(201, _lesson(lesson))


@router.post("/orgs/{slug}/network/lessons/{lesson_id}/withdraw", response=LessonSummary)
def draft_withdraw(request, slug: str, lesson_id: Id, payload: LessonWithdrawIn):
    draft = _own_draft(request, slug, lesson_id)
    lesson = draft.publications.filter(pk=payload.lesson_id).first()
    if lesson is None:
        raise ValidationError({"lesson_id": "This lesson was not published from this draft."})
    return _summary(lessons.withdraw_lesson(lesson=lesson, by=request.user))


# --- the network's side ----------------------------------------------------------------------

@router.get("/networks/{network_slug}/lessons", response=list[LessonSummary])
@paginate(Pagination)
def library_search(request, network_slug: str, filters: Query[LessonLibraryQuery]):
    """The library: the best matches first when `q` is given, else the newest first."""
    access = access_network(user=request.user, slug=network_slug)
    chosen = queries.LibraryFilters(q=filters.q, category=filters.category,
                                    recommendation=filters.recommendation,
                                    strength=filters.strength.value if filters.strength else "")
    # Lessons (not dicts): the pagination loads one page of them only.
    return queries.library_lessons(network=access.network, filters=chosen)


@router.get("/networks/{network_slug}/lessons/{lesson_id}", response=LessonRead)
def lesson_detail(request, network_slug: str, lesson_id: Id):
    access = access_network(user=request.user, slug=network_slug)
    return _lesson(queries.access_lesson(access=access, pk=lesson_id))


@router.get("/networks/{network_slug}/lessons/{lesson_id}/similar",
            response=list[LessonSummary])
def lesson_similar(request, network_slug: str, lesson_id: Id):
    access = access_network(user=request.user, slug=network_slug)
    lesson = queries.access_lesson(access=access, pk=lesson_id)
    return [_summary(other) for other in library.similar(lesson)]


@router.get("/networks/{network_slug}/lessons/{lesson_id}/comments",
            response=list[LessonCommentRead])
def comment_list(request, network_slug: str, lesson_id: Id):
    access = access_network(user=request.user, slug=network_slug)
    lesson = queries.access_lesson(access=access, pk=lesson_id)
    return [_comment(c) for c in queries.comments_of(lesson)]


def _comment(c: LessonComment) -> dict:
    return {"id": c.pk, "organization": c.organization.name, "kind": c.kind,
            "result": c.result, "text": c.text, "created_at": c.created_at}


@router.post("/networks/{network_slug}/lessons/{lesson_id}/comments/preview",
             response=LessonCommentPreviewRead)
def comment_preview(request, network_slug: str, lesson_id: Id, payload: LessonCommentPreviewIn):
    """The text as it would be posted, identifiers removed. Nothing is saved."""
    access = access_network(user=request.user, slug=network_slug)
    queries.access_lesson(access=access, pk=lesson_id)
    return {"text": lessons.preview_comment(payload.text)}


@router.post("/networks/{network_slug}/lessons/{lesson_id}/comments",
             response={201: LessonCommentRead})
def comment_create(request, network_slug: str, lesson_id: Id, payload: LessonCommentCreate):
    """A comment or "we tried this" for one of your member organizations; `confirmed_text`
    must be the preview's text for this `text` (422 on confirmed_text otherwise)."""
    access = access_network(user=request.user, slug=network_slug)
    lesson = queries.access_lesson(access=access, pk=lesson_id)
    allowed = access.organizations_allowed(request.user, CONTRIBUTE)
    if not allowed:
        raise PermissionDenied("Only people of member organizations may comment.")
    organization = next((o for o in allowed if o.slug == payload.organization), None)
    if organization is None:
        raise ValidationError({"organization": "Choose one of your member organizations."})
    comment = lessons.post_comment(
        lesson=lesson, organization=organization, by=request.user, kind=payload.kind.value,
        result=payload.result.value if payload.result else "", text=payload.text,
        confirmed_text=payload.confirmed_text)
    return Status(201, _comment(comment))
