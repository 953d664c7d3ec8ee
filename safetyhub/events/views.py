"""Reporting a safety event (staff and workforce), the confirmation, a report's page, the
reporter's own list and the reviewers' list. Views parse, call a service or a query, and
render; reports are loaded only through access.py (the same 404 for missing, foreign and
not yours), and every opening of one is audited.

An anonymous report is answered on the POST itself (its follow-up code is shown there, once,
and kept nowhere: not in the session, not in a redirect); the request's log line names no
one (request.log_no_user)."""

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core import audit
from safetyhub.core.decorators import org_view
from safetyhub.core.exports import csv_download
from safetyhub.core.views.organizations import add_errors

from . import queries, services
from .access import access_attachment, access_event
from .anonymity import leave_no_trace
from .forms import ReportForm, draft_initial, new_client_key
from .models import EventReport
from .taxonomy import active_taxonomy_pack, taxonomy_of
from .triage_queries import follow_ups, status_for_follow_up

REPORT = "events.report"
REVIEW = "events.review"
PAGE_SIZE = 25


def _kind(value: str | None) -> str:
    return value if value in EventReport.Kind.values else EventReport.Kind.PATIENT_SAFETY


def _taxonomy(request):
    pack = active_taxonomy_pack(organization=request.organization)
    if pack is None:
        raise ValidationError("No event taxonomy is loaded: ask an administrator to run "
                              "`safetyhub packs --sync`.")
    return taxonomy_of(pack)


def _form_context(request, form: ReportForm, *, status_text: str = "") -> dict:
    return {
        "form": form,
        "kind": form.kind,
        "workforce": form.kind == EventReport.Kind.WORKFORCE,
        "other_kind": (EventReport.Kind.PATIENT_SAFETY if form.kind == EventReport.Kind.WORKFORCE
                       else EventReport.Kind.WORKFORCE),
        "draft_status": status_text,
        "harm_help": [(o.key, o.summary) for o in form.taxonomy.harm_levels(form.kind)],
    }


@require_http_methods(["GET", "POST"])
@org_view(REPORT)
def report(request):
    """The reporting form: required fields first, the rest folded away; the category's
    questions follow the category (HTMX, or the "Show its questions" button without
    JavaScript); what is typed is kept as a draft as it is typed."""
    org = request.organization
    taxonomy = _taxonomy(request)
    if request.method == "GET":
        draft = queries.draft_of(organization=org, user=request.user)
        initial = draft_initial(draft.data) if draft else {}
        kind = _kind(request.GET.get("kind") or initial.get("kind"))
        if initial.get("kind") not in (None, kind):
            initial = {}  # a draft of the other kind of report stays for that form
        initial.setdefault("client_key", new_client_key())
        initial["kind"] = kind
        for key in ("people_involved", "contributing_factors", "patient_race_ethnicity"):
            if isinstance(initial.get(key), str):
                initial[key] = [initial[key]]
        form = ReportForm(initial=initial, organization=org, taxonomy=taxonomy, kind=kind,
                          questions_url=reverse("events:questions", args=[org.slug]))
        status = (f"Your draft from {timezone.localtime(draft.updated_at):%d %b %Y %H:%M} is "
                  "back." if draft and initial.get("narrative") else "")
        return render(request, "events/report.html", _form_context(request, form,
                                                                   status_text=status))

    kind = _kind(request.POST.get("kind"))
    if request.POST.get("anonymous"):
        # Chosen anonymity covers every try, refused ones too: a named log line for a refused
        # try a minute before an anonymous report would name its author.
        leave_no_trace(request)
    form = ReportForm(request.POST, request.FILES, organization=org, taxonomy=taxonomy,
                      kind=kind, questions_url=reverse("events:questions", args=[org.slug]))
    if "show_questions" in request.POST:  # without JavaScript: the category's questions
        form.errors.clear()
        return render(request, "events/report.html", _form_context(request, form))
    if form.is_valid():
        data = form.cleaned_data
        anonymous = bool(data["anonymous"])
        try:
            submission = services.submit_report(
                organization=org, kind=kind, event_type=data["event_type"],
                category=data["category"], occurred_at=data["occurred_at"],
                site_id=data["site_id"], narrative=data["narrative"],
                harm_level=data["harm_level"], people_involved=data["people_involved"],
                immediate_actions=data["immediate_actions"],
                contributing_factors=data["contributing_factors"], answers=form.answers(),
                channel=(EventReport.Channel.WORKFORCE if kind == EventReport.Kind.WORKFORCE
                         else EventReport.Channel.STAFF),
                reporter=request.user, anonymous=anonymous,
                reported_by=data.get("reported_by") or "", patient=form.patient(),
                client_key=data["client_key"], attachments=data["attachments"],
                clear_draft_of=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if anonymous:
                return render(request, "events/received.html", {
                    "report": submission.report, "code": submission.follow_up_code,
                    "replayed": not submission.created})
            return redirect("events:received", org.slug, submission.report.pk)
    return render(request, "events/report.html", _form_context(request, form), status=422)


@require_GET
@org_view(REPORT)
def received(request, pk: int):
    """The confirmation of a named report (its reporter opens it once, after sending)."""
    report = access_event(user=request.user, organization=request.organization, pk=pk)
    return render(request, "events/received.html", {"report": report, "code": None})


@require_POST
@org_view(REPORT)
def draft(request):
    """Autosave: keep what the form holds now (files excepted) as the person's draft."""
    if request.POST.get("anonymous"):
        # Log lines naming the writer of a draft seconds before an anonymous report arrives
        # would name its author; the draft itself is the person's own and goes on sending.
        request.log_no_user = True
    data = {key: (values if len(values) > 1 or key in _LISTS else values[0])
            for key, values in request.POST.lists()
            if key != "csrfmiddlewaretoken"}
    try:
        services.save_draft(organization=request.organization, user=request.user, data=data)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=422, content_type="text/plain")
    return HttpResponse(f"Draft saved at {timezone.localtime():%H:%M}.",
                        content_type="text/plain")


_LISTS = frozenset({"people_involved", "contributing_factors", "patient_race_ethnicity"})


@require_http_methods(["POST"])
@org_view(REPORT)
def discard(request):
    services.discard_draft(organization=request.organization, user=request.user)
    messages.info(request, "Your draft was discarded.")
    return redirect("events:report", request.organization.slug)


@require_GET
@org_view(REPORT)
def questions(request):
    """The chosen category's questions (HTMX swaps them into the form)."""
    kind = _kind(request.GET.get("kind"))
    form = ReportForm({"category": request.GET.get("category", ""), "kind": kind},
                      organization=request.organization, taxonomy=_taxonomy(request), kind=kind)
    return render(request, "events/_questions.html", {"form": form, "fresh": True})


@require_GET
@org_view(REPORT)
def detail(request, pk: int):
    report = access_event(user=request.user, organization=request.organization, pk=pk)
    view = queries.report_view(report)
    return render(request, "events/detail.html", {
        "view": view, "report": report,
        "reviewer": request.user.has_perm(REVIEW, request.organization),
        "attachments": list(report.attachments.all()),
        # triage (views_triage.py): the reporter's answer, and the reviewers' door
        "follow_up": status_for_follow_up(report),
        "can_triage": request.user.has_perm("events.triage", request.organization),
    })


@require_GET
@org_view(REPORT)
def attachment(request, pk: int, file_pk: int):
    report = access_event(user=request.user, organization=request.organization, pk=pk)
    file = access_attachment(user=request.user, organization=request.organization,
                             report=report, pk=file_pk)
    response = FileResponse(file.file.open("rb"), content_type=file.content_type,
                            as_attachment=True, filename=file.file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@org_view(REPORT)
def my_reports(request):
    page = _page(request, queries.my_reports(user=request.user,
                                              organization=request.organization)
                 .select_related("triage"))  # the closing messages, in the same query
    reports = list(page.object_list)
    answers = [f for f in follow_ups(reports).values() if f.closing_message]
    return render(request, "events/mine.html", {"page": page,
                                                "rows": queries.list_rows(reports),
                                                "answers": answers})


@require_GET
@org_view(REVIEW)
def event_list(request):
    page = _page(request, queries.reports_for_review(user=request.user,
                                                      organization=request.organization))
    return render(request, "events/list.html", {"page": page,
                                                "rows": queries.list_rows(page.object_list)})



@require_GET
@org_view(REVIEW)
def event_list_csv(request):
    """The reviewers' list as a spreadsheet-safe CSV (core/exports.py), audited as a view."""
    org = request.organization
    reports = queries.reports_for_review(user=request.user, organization=org)
    with audit.acting_as(request.user):
        audit.record(action="view", organization_id=org.pk, object_type="events.EventReport",
                     object_repr="Event reports exported as CSV")
    rows = queries.export_rows(reports.iterator(chunk_size=2000))
    return csv_download(itertools.chain([queries.EXPORT_HEADER], rows),
                        filename=f"events-{org.slug}.csv")
