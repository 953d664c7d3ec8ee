"""Lesson pages. The organization's side (/o/<org>/network/lessons/…): its drafts, editing
one, the de-identification review, approving, publishing and withdrawing. The network's side
(/n/<network>/lessons/…): the library (search, filters), one lesson with similar lessons,
comments and "we tried this".

Views parse, call lessons.py, render. Drafts are loaded through `access_draft` after the
organization's door; network pages through `access_network` (the same 404 for a missing
network and one the person does not reach) and then `access_lesson`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core.access import require_permission
from safetyhub.core.decorators import org_view
from safetyhub.investigations.hierarchy import LEVELS

from . import lesson_queries as queries
from . import lessons, library
from .access import access_network
from .forms_lessons import (
    KIND_LABELS,
    AddRedactionForm,
    CommentForm,
    DraftForm,
    LibraryFilterForm,
    NewDraftForm,
    PublishForm,
)
from .models_lessons import LessonDraft

DRAFT = "network.draft_lessons"
APPROVE = "network.approve_lessons"
CONTRIBUTE = "network.contribute"
PAGE_SIZE = 20
STRENGTH_LABELS = {lv.key: lv.label for lv in LEVELS}


def _put_errors(form, exc: ValidationError) -> None:
    for field, problems in exc.message_dict.items():
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if visible else None, problems)


def _words(exc: ValidationError) -> str:
    return " ".join(problem for problems in exc.message_dict.values() for problem in problems)


def _draft_url(draft: LessonDraft, page: str = "draft") -> str:
    return reverse(f"network:lesson_{page}", args=[draft.organization.slug, draft.pk])


# --- the organization's side ------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@org_view(DRAFT)
def drafts(request):
    org = request.organization
    initial = {"source": request.GET["source"]} if "source" in request.GET else None
    form = NewDraftForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        source, pk = form.source_parts()
        try:
            draft = lessons.create_draft(organization=org, by=request.user, source=source,
                                         source_pk=pk)
        except ValidationError as exc:
            form.add_error("source", _words(exc))
        else:
            messages.success(request, "Lesson started. Edit it, then review what leaves.")
            return redirect(_draft_url(draft))
    rows = [(d, lessons.is_approved(d)) for d in queries.drafts_for(organization=org)]
    return render(request, "network/lesson_drafts.html", {"rows": rows, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@org_view(DRAFT)
def draft_edit(request, pk: int):
    org = request.organization
    draft = queries.access_draft(user=request.user, organization=org, pk=pk)
    form = DraftForm(request.POST or None, draft=draft,
                     categories=queries.organization_categories(org),
                     recommendations=queries.recommendation_choices(),
                     initial={"title": draft.title, "what_happened": draft.what_happened,
                              "contributing_factors": draft.contributing_factors,
                              "results": draft.results, "category": draft.category,
                              "recommendations": draft.recommendations,
                              "version": draft.version})
    if request.method == "POST" and form.is_valid():
        try:
            lessons.update_draft(draft=draft, by=request.user,
                                 version=form.cleaned_data["version"], **form.values())
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, "Saved. Review the de-identification before it leaves.")
            return redirect(_draft_url(draft, "review"))
    return render(request, "network/lesson_edit.html", {
        "draft": draft, "form": form, "charts": queries.chart_svgs(draft.charts),
    }, status=400 if form.errors else 200)


def _review_rows(draft: LessonDraft) -> list[dict]:
    """Each text with its pieces (plain or redacted, with the kind and the replacement),
    the spans found that the reviewer undid, and the redacted result."""
    rows = []
    for key, entry in draft.review.items():
        text, pieces, position = entry["text"], [], 0
        for start, end, kind in entry["spans"]:
            pieces.append({"text": text[position:start]})
            pieces.append({"text": text[start:end], "kind": kind, "start": start,
                           "label": KIND_LABELS.get(kind, kind)})
            position = end
        pieces.append({"text": text[position:]})
        kept = {s[0] for s in entry["spans"]}
        undone = [{"start": s, "text": text[s:e], "kind": k, "label": KIND_LABELS.get(k, k)}
                  for s, e, k in entry["found"] if s not in kept]
        rows.append({"key": key, "label": lessons.field_label(key), "pieces": pieces,
                     "redacted": entry["redacted"], "undone": undone,
                     "changes": len(entry["spans"]), "empty": not text.strip()})
    return rows


@require_http_methods(["GET", "POST"])
@org_view(DRAFT)
def draft_review(request, pk: int):
    org = request.organization
    draft = queries.access_draft(user=request.user, organization=org, pk=pk)
    fields = [(k, lessons.field_label(k)) for k in draft.review]
    add_form = AddRedactionForm(request.POST if request.POST.get("do") == "add" else None,
                                fields=fields, initial={"version": draft.version})
    error = None
    if request.method == "POST":
        do = request.POST.get("do")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            if do == "undo" or do == "redo":
                field = request.POST.get("field", "")
                start = int(request.POST.get("start", ""))
                if do == "undo":
                    lessons.undo_span(draft=draft, field=field, start=start, by=request.user,
                                      version=version)
                    messages.success(request, "Redaction undone; the words will be shown.")
                else:
                    entry = draft.review.get(field) or {}
                    found = next((s for s in entry.get("found", []) if s[0] == start), None)
                    if found is None:
                        raise ValidationError({"start": "Nothing was found there."})
                    lessons.set_spans(draft=draft, field=field, by=request.user,
                                      spans=[*entry["spans"], found], version=version)
                    messages.success(request, "Redacted again.")
                return redirect(_draft_url(draft, "review"))
            if do == "add":
                if add_form.is_valid():
                    data = add_form.cleaned_data
                    lessons.add_span(draft=draft, field=data["field"], text=data["text"],
                                     kind=data["kind"], by=request.user,
                                     version=data["version"])
                    messages.success(request, "Redaction added.")
                    return redirect(_draft_url(draft, "review"))
            elif do == "approve":
                lessons.approve(draft=draft, by=request.user, version=version)
                messages.success(request, "Approved. The lesson may now be published.")
                return redirect(_draft_url(draft, "review"))
            elif do not in ("undo", "redo"):
                error = "Choose what to do."
        except ValidationError as exc:
            if do == "add":
                _put_errors(add_form, exc)
            else:
                error = _words(exc)
        except ValueError:
            error = "That redaction is not in the text."
    approved = lessons.is_approved(draft)
    networks = queries.member_networks(org)
    publish_form = PublishForm(networks=networks) if approved and networks else None
    published = list(draft.publications.select_related("network"))
    bad = bool(error or add_form.errors)
    return render(request, "network/lesson_review.html", {
        "draft": draft, "rows": _review_rows(draft), "add_form": add_form, "error": error,
        "approved": approved, "publish_form": publish_form, "networks": networks,
        "published": published,
        "can_approve": request.user.has_perm(APPROVE, org),
    }, status=400 if bad else 200)


@require_POST
@org_view(DRAFT)
def draft_publish(request, pk: int):
    org = request.organization
    draft = queries.access_draft(user=request.user, organization=org, pk=pk)
    require_permission(user=request.user, permission=APPROVE, organization=org)
    networks = queries.member_networks(org)
    form = PublishForm(request.POST, networks=networks)
    if not form.is_valid():
        messages.error(request, "Choose a network your organization is a member of.")
        return redirect(_draft_url(draft, "review"))
    network = next(n for n in networks if n.slug == form.cleaned_data["network"])
    try:
        lesson = lessons.publish_lesson(draft=draft, network=network, by=request.user,
                                        shows_owner=form.cleaned_data["shows_owner"])
    except ValidationError as exc:
        messages.error(request, _words(exc))
        return redirect(_draft_url(draft, "review"))
    messages.success(request, f"Published to {network.name}.")
    return redirect(reverse("network:lesson", args=[network.slug, lesson.pk]))


@require_POST
@org_view(DRAFT)
def draft_withdraw(request, pk: int):
    org = request.organization
    draft = queries.access_draft(user=request.user, organization=org, pk=pk)
    require_permission(user=request.user, permission=APPROVE, organization=org)
    chosen = request.POST.get("lesson", "")
    lesson = (draft.publications.filter(pk=int(chosen)).first()
              if chosen.isdigit() and len(chosen) < 19 else None)
    if lesson is None:
        raise Http404("No such lesson.")
    lessons.withdraw_lesson(lesson=lesson, by=request.user)
    messages.success(request, f"Withdrawn from {lesson.network.name}.")
    return redirect(_draft_url(draft, "review"))


# --- the network's side ------------------------------------------------------------------------

@require_GET
@login_required
def library_page(request, network_slug: str):
    access = access_network(user=request.user, slug=network_slug)
    network = access.network
    form = LibraryFilterForm(request.GET or None,
                             categories=queries.category_choices(network),
                             recommendations=queries.recommendation_choices())
    filters = queries.LibraryFilters(**{k: v for k, v in form.cleaned_data.items() if v}
                                     ) if form.is_valid() else queries.LibraryFilters()
    page = Paginator(queries.library_lessons(network=network, filters=filters),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in vars(filters).items() if v})
    return render(request, "network/lesson_library.html", {
        "network": network, "access": access, "form": form, "page": page, "query": query,
        "searching": bool(filters.q.strip()), "strength_labels": STRENGTH_LABELS,
    }, status=400 if form.errors else 200)


def _lesson_page(request, access, lesson, form, preview=None, status=200):
    return render(request, "network/lesson_detail.html", {
        "network": access.network, "access": access, "lesson": lesson,
        "charts": queries.chart_svgs(lesson.charts),
        "similar": library.similar(lesson), "comments": queries.comments_of(lesson),
        "form": form, "preview": preview, "strength_labels": STRENGTH_LABELS,
        "recommendations": dict(queries.recommendation_choices()),
    }, status=status)


@require_GET
@login_required
def lesson_page(request, network_slug: str, pk: int):
    access = access_network(user=request.user, slug=network_slug)
    lesson = queries.access_lesson(access=access, pk=pk)
    allowed = access.organizations_allowed(request.user, CONTRIBUTE)
    form = CommentForm(organizations=allowed) if allowed else None
    return _lesson_page(request, access, lesson, form)


@require_POST
@login_required
def lesson_comment(request, network_slug: str, pk: int):
    """First post: the text de-identified, for the author to confirm. Second post (with the
    confirmed text): the comment is posted."""
    access = access_network(user=request.user, slug=network_slug)
    lesson = queries.access_lesson(access=access, pk=pk)
    allowed = access.organizations_allowed(request.user, CONTRIBUTE)
    if not allowed:
        raise PermissionDenied("Only people of member organizations may comment.")
    form = CommentForm(request.POST, organizations=allowed)
    if not form.is_valid():
        return _lesson_page(request, access, lesson, form, status=400)
    data = form.cleaned_data
    organization = next(o for o in allowed if o.slug == data["organization"])
    if "confirm" not in request.POST:
        preview = lessons.preview_comment(data["text"])
        form = CommentForm(initial={**data, "confirmed_text": preview}, organizations=allowed)
        return _lesson_page(request, access, lesson, form, preview=preview)
    try:
        lessons.post_comment(lesson=lesson, organization=organization, by=request.user,
                             kind=data["kind"], result=data["result"], text=data["text"],
                             confirmed_text=data["confirmed_text"])
    except ValidationError as exc:
        _put_errors(form, exc)
        return _lesson_page(request, access, lesson, form, status=400)
    messages.success(request, "Posted.")
    return redirect(reverse("network:lesson", args=[access.network.slug, lesson.pk])
                    + "#comments")
