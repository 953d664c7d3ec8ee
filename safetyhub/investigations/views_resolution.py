"""Communication and resolution after harm: the list of harm events and how far each
conversation has come, one event's record (disclosure, follow-ups, resolution, questions),
and the program measures page. Views parse, call resolution.py, render.

Events are loaded only through access.py (the event's own door first: the same 404 for
missing, foreign and not-yours; then the role, 403). Bad input is answered 422 on the form
that was sent, nothing is changed, and the refused attempt is in the audit trail."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors

from . import resolution as services
from . import resolution_queries as queries
from .access import access_question, access_resolution_event
from .forms_resolution import AnswerForm, ContactForm, QuestionForm, ResolutionForm
from .resolution_measures import last_four_quarters, program_measures

VIEW = "investigations.view_resolution"
MEASURES = "investigations.view_program_measures"
PAGE_SIZE = 25
FORMS = {"contact": ContactForm, "resolution": ResolutionForm, "question": QuestionForm,
         "answer": AnswerForm}


@require_GET
@org_view(VIEW)
def resolution_list(request):
    org = request.organization
    page = Paginator(queries.resolution_list(org), PAGE_SIZE).get_page(request.GET.get("page"))
    start, end = last_four_quarters()
    return render(request, "investigations/resolution_list.html", {
        "page": page, "rows": queries.rows(page.object_list),
        "measures": program_measures(org, start, end),
        "can_see_measures": request.user.has_perm(MEASURES, org),
    })


def _forms(panel: queries.Panel, *, action: str = "", bound=None) -> dict:
    record = panel.record
    initial = {"resolution": {
        "resolution_offered": record.resolution_offered if record else "",
        "resolution_offered_on": record.resolution_offered_on if record else None,
        "resolution_note": record.resolution_note if record else ""}}
    return {name: bound if name == action and bound is not None
            else cls(prefix=name, initial=initial.get(name))
            for name, cls in FORMS.items()}


def _render(request, report, *, action: str = "", form=None, status: int = 200):
    panel = queries.panel(report)
    return render(request, "investigations/resolution.html", {
        "report": report, "panel": panel, "eligible": services.needs_resolution(report),
        "forms": _forms(panel, action=action, bound=form), "failed": action if status != 200
        else "",
        "failed_question": form.data.get("answer-question_id", "")
        if action == "answer" and form is not None else "",
    }, status=status)


@require_http_methods(["GET", "POST"])
@org_view("core.view_organization")
def resolution_detail(request, pk: int):
    org = request.organization
    report = access_resolution_event(user=request.user, organization=org, pk=pk)
    if request.method == "GET":
        return _render(request, report)
    action = request.POST.get("action", "")
    if action not in FORMS:
        return _render(request, report, status=400)
    form = FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "contact":
                services.add_contact(report=report, by=request.user, **data)
                done = "Conversation recorded."
            elif action == "resolution":
                services.set_resolution(
                    report=report, by=request.user, offered=data["resolution_offered"],
                    offered_on=data["resolution_offered_on"], note=data["resolution_note"])
                done = "Resolution saved."
            elif action == "question":
                services.add_question(report=report, by=request.user, **data)
                done = "Question recorded."
            else:
                question = access_question(user=request.user, organization=org,
                                           report=report, pk=data["question_id"])
                services.answer_question(report=report, question=question, by=request.user,
                                         answer=data["answer"],
                                         answered_on=data["answered_on"])
                done = "Answer recorded."
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("investigations:resolution", args=[org.slug, report.pk]))
    return _render(request, report, action=action, form=form, status=422)


def _period(request) -> tuple[dt.date, dt.date, list[str]]:
    """The period asked for in the query string (?start=&end=), else the last four
    quarters; problems are named, not guessed around."""
    start, end = last_four_quarters()
    problems = []
    for name in ("start", "end"):
        value = request.GET.get(name, "")
        if not value:
            continue
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(f"{name}: write the date as YYYY-MM-DD.")
            continue
        if not 1900 <= day.year <= 2200:
            problems.append(f"{name}: choose a year between 1900 and 2200.")
            continue
        start, end = (day, end) if name == "start" else (start, day)
    if end < start:
        problems.append("end: the end is before the start.")
        start, end = last_four_quarters()
    return start, end, problems


@require_GET
@org_view(MEASURES)
def measures(request):
    org = request.organization
    start, end, problems = _period(request)
    return render(request, "investigations/resolution_measures.html", {
        "measures": program_measures(org, start, end), "start": start, "end": end,
        "problems": problems,
    }, status=400 if problems else 200)
