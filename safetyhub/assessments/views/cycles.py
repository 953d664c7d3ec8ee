"""Assessment cycles as the team meets them: the list, starting one, its page, each member's
answer sheet, the consensus sheet, evidence, finishing, finalizing and reopening.

Answers save themselves: every control of a sheet posts its own field (HTMX) with the version
of the answer the page was showing, and gets the row back; the page chooses which parts of
the row to take (status, version, errors, conflict), so nothing the person is typing is
replaced. Without JavaScript each element is an ordinary form with a Save button. A save that
meets someone else's newer save is refused with 409 and both answers are shown."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetyhub.core import audit
from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors
from safetyhub.frameworks.models import PackItem

from .. import services
from ..access import access_assessment
from ..forms import ReopenForm, StartAssessmentForm
from ..models import Assessment, Evidence, Response, TeamMember
from ..queries import (
    assessment_results,
    assessments_for,
    evidence_by_response,
    not_done_members,
    own_answers,
)
from ..rules import agreed_by_rule, consensus_is_open, sees_answer_of
from .consensus import discussion_context

ANSWER_FIELDS = ("value", "criteria_met", "note", "evidence_links")
CONSENSUS_FIELDS = (*ANSWER_FIELDS, "rationale")
FIELD_LABELS = {"value": "Answer", "criteria_met": "Checks met", "note": "Note",
                "evidence_links": "Evidence links", "rationale": "Rationale",
                "file": "Attach a file"}
ALL_SECTIONS = "all"
NOT_ON_TEAM = ("Only members of this assessment's team can answer it. The results page shows "
               "the team's answers.")
NOT_LEAD = "Only the assessment's lead (or a patient-safety lead or admin) can do this."
NOT_ON_TEAM_FILES = "Only members of this assessment's team can open its evidence files."


# ---------------------------------------------------------------------------------------
# Rows: one element of a sheet, as the page shows it


@dataclass
class MemberAnswer:
    """One team member's own answer to an element, for the consensus sheet's spread."""

    member: TeamMember
    response: Response | None
    label: str
    criteria: list[str]  # ids of the criteria ticked, in the pack's order
    evidence: list[Evidence]


@dataclass
class Conflict:
    """Someone saved the answer after the page loaded: theirs, and what this person sent."""

    theirs: "Row"
    mine: list[tuple[str, str]]  # (what, shown value) of each field sent
    resend: list[tuple[str, str]]  # hidden inputs that re-post what was sent
    version: int


@dataclass
class Row:
    item: PackItem
    levels: list[dict]
    consensus: bool
    read_only: bool
    response: Response | None = None
    value: str = ""
    criteria_met: frozenset[str] = frozenset()
    note: str = ""
    links: str = ""
    rationale: str = ""
    version: int = 0
    evidence: list[Evidence] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: str = ""  # saved | attached | invalid | conflict
    conflict: Conflict | None = None
    members: list[MemberAnswer] = field(default_factory=list)
    show_members: bool = False
    disagreement: bool = False
    focus: bool = False
    attached: str = ""

    @property
    def criteria(self) -> list[dict]:
        return self.item.data.get("criteria") or []

    @property
    def value_label(self) -> str:
        return next((lvl["label"] for lvl in self.levels if lvl["value"] == self.value), "")

    @property
    def link_list(self) -> list[str]:
        return [line for line in self.links.splitlines() if line.strip()]

    @property
    def error_items(self) -> list[tuple[str, str, str]]:
        """(field, label, message) of each error but the conflict (shown on its own)."""
        return [(name, FIELD_LABELS.get(name, ""), " ".join(errors))
                for name, errors in self.errors.items() if name != "version"]

    @property
    def error_fields(self) -> set[str]:
        return set(self.errors)


def _levels(assessment: Assessment, item: PackItem) -> list[dict]:
    """The pack's scale, each level with its definition for this element if the element
    has its own, else the scale's."""
    own = {lvl["value"]: lvl for lvl in item.data.get("levels") or []}
    levels = []
    for lvl in assessment.pack.scale_levels:
        specific = (own.get(lvl["value"]) or {}).get("definition")
        levels.append({**lvl, "definition": specific or lvl.get("definition"),
                       "specific": bool(specific)})
    return levels


def _row(assessment: Assessment, item: PackItem, response: Response | None, *,
         consensus: bool, read_only: bool, evidence=()) -> Row:
    item.pack = assessment.pack  # shown with {% text %}, which reads the pack
    row = Row(item=item, levels=_levels(assessment, item), consensus=consensus,
              read_only=read_only, response=response, evidence=list(evidence))
    if response is not None:
        row.value = response.value
        row.criteria_met = frozenset(response.criteria_met)
        row.note = response.note
        row.links = "\n".join(response.evidence_links)
        row.rationale = response.rationale
        row.version = response.version
    return row


def _criteria_texts(item: PackItem, ids) -> list[str]:
    return [c["text"] for c in item.data.get("criteria") or [] if c["id"] in set(ids)]


def _criteria_ids(item: PackItem, ids) -> list[str]:
    return [c["id"] for c in item.data.get("criteria") or [] if c["id"] in set(ids)]


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# ---------------------------------------------------------------------------------------
# Loading and permissions


def _assessment(request, pk) -> Assessment:
    return access_assessment(user=request.user, organization=request.organization, pk=pk)


def _require(request, assessment: Assessment, permission: str, message: str) -> None:
    if not request.user.has_perm(permission, assessment):
        raise PermissionDenied(message)


def _own_rows(assessment: Assessment, user, *, read_only: bool):
    """[(section, [Row])] of the user's own answers: three queries whatever the team size."""
    items = PackItem.objects.filter(
        pack=assessment.pack, kind__in=[PackItem.Kind.SECTION, PackItem.Kind.ITEM],
    ).order_by("position")
    by_item, files = own_answers(assessment=assessment, user=user)
    sections, current = [], None
    for item in items:
        if item.kind == PackItem.Kind.SECTION:
            item.pack = assessment.pack
            current = (item, [])
            sections.append(current)
        else:
            if current is None:
                current = (None, [])
                sections.append(current)
            current[1].append(_row(assessment, item, by_item.get(item.pk), consensus=False,
                                   read_only=read_only, evidence=files[item.pk]))
    return sections


def _consensus_read_only(request, assessment: Assessment) -> bool:
    return not (assessment.is_open
                and request.user.has_perm("assessments.write_agreed_answers", assessment))


def _consensus_rows(request, assessment: Assessment, *, read_only: bool):
    """[(section, [Row])] of the team's consensus answers with each member's answer beside
    them for those who may see them (rules.sees_member_answers). A fixed number of queries
    whatever the size of the team."""
    results = assessment_results(assessment=assessment, viewer=request.user)
    labels = results.labels()
    files = evidence_by_response(results=results)
    me = next((m for m in results.team if m.user_id == request.user.pk), None)
    show = (assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS
            and results.sees_all_members)
    sections = []
    for section in results.sections:
        rows = []
        for result in section.items:
            consensus = result.consensus
            row = _row(assessment, result.item, consensus, consensus=True, read_only=read_only,
                       evidence=files[consensus.pk] if consensus else ())
            row.show_members = show
            row.disagreement = result.disagreement
            row.members = [
                MemberAnswer(member=m, response=r, label=labels.get(r.value, "") if r else "",
                             criteria=_criteria_ids(result.item, r.criteria_met) if r else [],
                             evidence=files[r.pk] if r else [])
                for m, r in result.by_member
            ]
            rows.append(row)
        sections.append((section.section, rows))
    return sections, results, me


def _find_row(sections, item: PackItem) -> Row:
    for _section, rows in sections:
        for row in rows:
            if row.item.pk == item.pk:
                return row
    raise Http404("No such question.")


def _sheet_url(assessment: Assessment, *, consensus: bool, item: PackItem | None = None) -> str:
    """The sheet, or the page of the sheet with `item`, scrolled to it."""
    name = "assessments:consensus" if consensus else "assessments:answer"
    url = reverse(name, args=[assessment.organization.slug, assessment.pk])
    if item is None:
        return url
    section = item.parent.key if item.parent_id else ALL_SECTIONS
    return f"{url}?{urlencode({'section': section})}#item-{item.key}"


# ---------------------------------------------------------------------------------------
# List, start, detail


@require_GET
@org_view()
def assessment_list(request):
    org = request.organization
    return render(request, "assessments/list.html", {
        "assessments": list(assessments_for(user=request.user, organization=org)),
        "can_start": request.user.has_perm("assessments.start_assessment", org),
    })


@require_http_methods(["GET", "POST"])
@org_view("assessments.start_assessment")
def assessment_start(request):
    org = request.organization
    form = StartAssessmentForm(request.POST or None, organization=org, starter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.start_assessment(
                organization=org, pack=data["pack"], title=data["title"], mode=data["mode"],
                lead=data["lead"], team=data["team"], by=request.user, site=data["site"],
                window_days=data["window_days"], due_on=data["due_on"],
                reminder_days=data["reminder_days"], agreed_by=data["agreed_by"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Started “{assessment.title}”. The team can answer now.")
            return redirect("assessments:detail", org.slug, assessment.pk)
    return render(request, "assessments/start.html", {"form": form},
                  status=422 if form.errors else 200)


def _detail(request, assessment: Assessment, *, status: int = 200, **extra) -> HttpResponse:
    results = assessment_results(assessment=assessment, viewer=request.user)
    agreed = sum(1 for s in results.sections for i in s.items if i.consensus_value)
    user = request.user
    me = next((m for m in results.team if m.user_id == user.pk), None)
    team = [{"member": m, "answered": results.answered_by_member.get(m.user_id, 0)}
            for m in results.team]
    context = {
        "assessment": assessment,
        "results": results,
        "team": team,
        "agreed": agreed,
        "me": me,
        "independent": assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
        "can_answer": user.has_perm("assessments.answer_assessment", assessment),
        "can_lead": user.has_perm("assessments.lead_assessment", assessment),
        "consensus_open": consensus_is_open(assessment),
        "agreed_by_rule": agreed_by_rule(assessment),
        "reopen_form": ReopenForm(),
        **extra,
    }
    return render(request, "assessments/detail.html", context, status=status)


@require_GET
@org_view()
def assessment_detail(request, pk):
    return _detail(request, _assessment(request, pk))


@require_http_methods(["GET", "POST"])
@org_view()
def finalize(request, pk):
    """GET: what finalizing would leave out and lock, to confirm; POST: finalize."""
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.lead_assessment", NOT_LEAD)
    if request.method == "GET":
        if not assessment.is_open:
            return redirect("assessments:detail", request.organization.slug, assessment.pk)
        return render(request, "assessments/finalize.html", {
            "assessment": assessment,
            "not_done": not_done_members(assessment=assessment),
            "unanswered": services.unanswered_items(assessment),
            "independent": assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
            "consensus_open": consensus_is_open(assessment),
        })
    try:
        services.finalize(assessment=assessment, by=request.user)
    except ValidationError as exc:
        return _detail(request, assessment, status=422,
                       finalize_errors=[e for errs in exc.message_dict.values() for e in errs])
    messages.success(request, "Finalized. The answers are now read-only; a lead can reopen "
                              "the assessment, giving a reason.")
    return redirect("assessments:detail", request.organization.slug, assessment.pk)


@require_POST
@org_view()
def open_consensus(request, pk):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.lead_assessment", NOT_LEAD)
    try:
        services.open_consensus(assessment=assessment, by=request.user)
    except ValidationError as exc:
        return _detail(request, assessment, status=422,
                       consensus_errors=[e for errs in exc.message_dict.values() for e in errs])
    messages.success(request, "Consensus is open: the whole team now sees each member's own "
                              "answers, notes and files on the consensus sheet.")
    return redirect("assessments:detail", request.organization.slug, assessment.pk)


@require_POST
@org_view()
def reopen(request, pk):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.lead_assessment", NOT_LEAD)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.reopen(assessment=assessment, by=request.user,
                            reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Reopened. The team can change answers again; the "
                                      "reason is in the audit log.")
            return redirect("assessments:detail", request.organization.slug, assessment.pk)
    return _detail(request, assessment, status=422, reopen_form=form)


@require_POST
@org_view()
def finish(request, pk):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM)
    done = request.POST.get("finished", "1") != "0"
    try:
        services.mark_finished(assessment=assessment, user=request.user, finished=done)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "Marked as finished: your lead can see it. You can still "
                                  "change answers until the assessment is finalized."
                         if done else "Marked as not finished yet.")
    return redirect(_sheet_url(assessment, consensus=False))


# ---------------------------------------------------------------------------------------
# Sheets


@require_GET
@org_view()
def answer_sheet(request, pk):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM)
    if assessment.mode == Assessment.Mode.CONSENSUS_ONLY:
        return redirect("assessments:consensus", request.organization.slug, assessment.pk)
    return _own_sheet(request, assessment)


@dataclass
class SectionLink:
    key: str
    section: PackItem | None
    done: int
    total: int
    current: bool


def _paginate(request, sections, *, base: str, row: Row | None = None) -> dict:
    """One section per page (`?section=<key>`, the first by default, the one holding a
    refused answer after a refused save), or all of them with `?section=all`; with links to
    each and to the next."""
    keys = [section.key if section else "" for section, _rows in sections]
    wanted = request.GET.get("section", "")
    if row is not None and wanted != ALL_SECTIONS:
        wanted = next((key for key, (_s, rows) in zip(keys, sections, strict=True)
                       if any(r.item.pk == row.item.pk for r in rows)), wanted)
    if wanted != ALL_SECTIONS and wanted not in keys:
        wanted = keys[0] if keys else ALL_SECTIONS
    links = [SectionLink(key=key, section=section, done=sum(1 for r in rows if r.value),
                         total=len(rows), current=key == wanted)
             for key, (section, rows) in zip(keys, sections, strict=True)]
    position = keys.index(wanted) if wanted in keys else len(keys)
    return {
        "sheet_base": base,
        "sections": sections if wanted == ALL_SECTIONS else [sections[position]],
        "section_links": links,
        "current_section": wanted,
        "next_section": links[position + 1] if position + 1 < len(links) else None,
        "done": sum(link.done for link in links),
        "total": sum(link.total for link in links),
    }


def _own_sheet(request, assessment, *, row: Row | None = None, status: int = 200,
               page_error: str = ""):
    sections = _own_rows(assessment, request.user, read_only=not assessment.is_open)
    if row is not None:
        _replace(sections, row)
    me = TeamMember.objects.filter(assessment=assessment, user=request.user).first()
    return render(request, "assessments/answer_sheet.html", {
        "assessment": assessment, "me": me, "problem_row": row, "page_error": page_error,
        "max_upload": _max_upload(), "scale_values": services.scale_values(assessment.pack),
        **_paginate(request, sections, row=row,
                    base=_sheet_url(assessment, consensus=False)),
    }, status=status)


@require_GET
@org_view()
def consensus_sheet(request, pk):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM)
    return _consensus_sheet(request, assessment)


def _consensus_sheet(request, assessment, *, row: Row | None = None, status: int = 200,
                     page_error: str = ""):
    sections, results, me = _consensus_rows(
        request, assessment, read_only=_consensus_read_only(request, assessment))
    if row is not None:
        _replace(sections, row)
    discussion = discussion_context(request, assessment, sections,
                                    shown=results.sees_all_members)
    pages = _paginate(request, sections, row=row, base=_sheet_url(assessment, consensus=True))
    if discussion.get("discuss_only"):
        pages.update(discussion.pop("filtered"))
    return render(request, "assessments/consensus_sheet.html", {
        "assessment": assessment, "me": me, "problem_row": row, "page_error": page_error,
        "team": results.team,
        "independent": assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
        "show_members": results.sees_all_members,
        "consensus_open": consensus_is_open(assessment),
        "can_write": request.user.has_perm("assessments.write_agreed_answers", assessment),
        "agreed_by_rule": agreed_by_rule(assessment),
        "max_upload": _max_upload(),
        **pages,
        **discussion,
    }, status=status)


def _replace(sections, row: Row) -> None:
    for _section, rows in sections:
        for n, existing in enumerate(rows):
            if existing.item.pk == row.item.pk:
                row.members, row.show_members = existing.members, existing.show_members
                row.disagreement = existing.disagreement
                rows[n] = row


def _max_upload() -> int:
    """The largest file that can be attached: the service's limit, or the request size limit
    if that is lower (less room for the rest of the form)."""
    return min(services.MAX_EVIDENCE_BYTES, settings.MAX_UPLOAD_BYTES - 64 * 1024)


# ---------------------------------------------------------------------------------------
# Saving one answer (autosave and the no-JavaScript forms)


def _parse_answer(post, *, consensus: bool) -> tuple[dict, dict[str, list[str]]]:
    """The fields this request saves (the `save` names, or all of the form's) and their
    values; fields not sent are left as they are."""
    allowed = CONSENSUS_FIELDS if consensus else ANSWER_FIELDS
    names = [n for n in post.getlist("save") if n]
    errors = {}
    unknown = [n for n in names if n not in (*allowed, "all", "rationale")]
    if unknown:
        errors["save"] = [f"Unknown answer field(s): {', '.join(unknown)}."]
    if not names or "all" in names:
        names = list(allowed)
    sent: dict = {}
    for name in names:
        if name == "criteria_met":
            sent[name] = post.getlist(name)
        elif name == "evidence_links" and name in post:
            sent[name] = post[name].replace("\r\n", "\n").split("\n")
        elif name in ("value", "note", "rationale") and name in post:
            sent[name] = post[name].replace("\r\n", "\n") if name != "value" else post[name]
    return sent, errors


def _typed(row: Row, sent: dict) -> None:
    """Show what was sent (typed), not what is stored, after a refused save."""
    if "value" in sent:
        row.value = sent["value"]
    if "criteria_met" in sent:
        row.criteria_met = frozenset(sent["criteria_met"])
    if "note" in sent:
        row.note = sent["note"]
    if "evidence_links" in sent:
        row.links = "\n".join(sent["evidence_links"])
    if "rationale" in sent:
        row.rationale = sent["rationale"]


def _conflict(row_for, current: Response, sent: dict, labels: dict[str, str]) -> Conflict:
    theirs = row_for(current)
    mine, resend = [], [("expected_version", str(current.version))]
    for name, value in sent.items():
        resend.append(("save", name))
        if name == "criteria_met":
            shown = "; ".join(_criteria_texts(theirs.item, value)) or "none"
            resend += [(name, v) for v in value]
        elif name == "evidence_links":
            shown = ", ".join(v for v in value if v.strip()) or "none"
            resend.append((name, "\n".join(value)))
        elif name == "value":
            shown = labels.get(value, value) or "no answer"
            resend.append((name, value))
        else:
            shown = value or "(empty)"
            resend.append((name, value))
        mine.append((FIELD_LABELS[name], shown))
    return Conflict(theirs=theirs, mine=mine, resend=resend, version=current.version)


def _require_writer(request, assessment: Assessment, consensus: bool) -> None:
    """Agreed answers (and their files) are written by those the assessment names."""
    if consensus and not request.user.has_perm("assessments.write_agreed_answers",
                                               assessment):
        raise PermissionDenied(agreed_by_rule(assessment))


def _save(request, pk, key, *, consensus: bool):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM)
    if request.method == "POST":
        _require_writer(request, assessment, consensus)
    item = services.answerable_item(assessment.pack, key)
    sheet = _consensus_sheet if consensus else _own_sheet

    def fresh_row(focus: bool = False) -> Row:
        row = _fresh_row(request, assessment, item, consensus=consensus)
        row.focus = focus
        return row

    def fragment(row: Row, status: int = 200) -> HttpResponse:
        return _row_fragment(request, assessment, row, status=status)

    if item is None:
        message = f"{key!r} is not a {assessment.pack.item_noun} of this assessment."
        if _is_htmx(request):
            return render(request, "assessments/_save_problem.html", {"message": message},
                          status=422 if request.method == "POST" else 404)
        if request.method == "GET":
            raise Http404("No such question.")
        return sheet(request, assessment, status=422, page_error=message)

    if request.method == "GET":
        # The row as saved now ("keep their answer" after a conflict).
        if _is_htmx(request):
            return fragment(fresh_row(focus=True))
        return redirect(_sheet_url(assessment, consensus=consensus, item=item))

    sent, errors = _parse_answer(request.POST, consensus=consensus)
    raw_version = request.POST.get("expected_version", "")
    expected = None
    if raw_version.strip():
        try:
            expected = int(raw_version)
        except ValueError:
            errors["version"] = ["The page sent an unreadable version; reload it."]
    try:
        if errors:
            raise ValidationError(errors)
        saved = services.save_answer(assessment=assessment, item=item, user=request.user,
                                     consensus=consensus, expected_version=expected, **sent)
    except services.AnswerConflict as conflict:
        row = fresh_row()
        labels = {lvl["value"]: lvl["label"] for lvl in row.levels}
        row.conflict = _conflict(
            lambda r: _row(assessment, item, r, consensus=consensus, read_only=True),
            conflict.current, sent, labels)
        row.errors = conflict.message_dict
        row.status = "conflict"
        row.version = expected if expected is not None else row.version
        _typed(row, sent)
        if _is_htmx(request):
            return fragment(row, status=409)
        return sheet(request, assessment, row=row, status=409)
    except ValidationError as exc:
        row = fresh_row()
        row.errors = exc.message_dict
        row.status = "invalid"
        if expected is not None:
            row.version = expected
        _typed(row, sent)
        if _is_htmx(request):
            return fragment(row, status=422)
        return sheet(request, assessment, row=row, status=422)
    if not _is_htmx(request):
        return redirect(_sheet_url(assessment, consensus=consensus, item=item))
    if request.POST.get("resolve") == "1":  # the conflict's choice replaces the whole row
        row = fresh_row(focus=True)
        row.status = "saved"
        return fragment(row)
    # The answer form takes only the row's feedback from the answer (hx-select-oob): send
    # just that, from the answer as saved.
    row = _row(assessment, item, saved, consensus=consensus, read_only=False)
    row.status = "saved"
    return render(request, "assessments/_row_feedback.html", {"assessment": assessment,
                                                               "row": row})


@require_http_methods(["GET", "POST"])
@org_view()
def save_own_answer(request, pk, key):
    return _save(request, pk, key, consensus=False)


@require_http_methods(["GET", "POST"])
@org_view()
def save_consensus(request, pk, key):
    return _save(request, pk, key, consensus=True)


# ---------------------------------------------------------------------------------------
# Evidence files


@require_POST
@org_view()
def upload_evidence(request, pk, key):
    assessment = _assessment(request, pk)
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM)
    consensus = request.GET.get("consensus") == "1"
    _require_writer(request, assessment, consensus)
    item = services.answerable_item(assessment.pack, key)
    sheet = _consensus_sheet if consensus else _own_sheet
    if item is None:
        return sheet(request, assessment, status=422,
                     page_error=f"{key!r} is not a {assessment.pack.item_noun} of this assessment.")
    try:
        expected = int(request.POST.get("expected_version", ""))
    except ValueError:
        expected = None
    try:
        evidence, created = services.attach_evidence(
            assessment=assessment, item=item, user=request.user,
            upload=request.FILES.get("file"), consensus=consensus)
    except ValidationError as exc:
        row = _fresh_row(request, assessment, item, consensus=consensus)
        row.errors = exc.message_dict
        row.status = "invalid"
        if expected is not None:
            row.version = expected
        if _is_htmx(request):
            return _row_fragment(request, assessment, row, status=422)
        return sheet(request, assessment, row=row, status=422)
    if not _is_htmx(request):
        messages.success(request, f"Attached {evidence.original_name}.")
        return redirect(_sheet_url(assessment, consensus=consensus, item=item))
    row = _fresh_row(request, assessment, item, consensus=consensus)
    row.status = "attached"
    row.attached = evidence.original_name
    if not created and expected is not None:
        # The page keeps the version it was showing, so a save by someone else since
        # still counts as a conflict; only an answer this upload created moves it on.
        row.version = expected
    return _row_fragment(request, assessment, row)


def _row_fragment(request, assessment: Assessment, row: Row, status: int = 200):
    template = ("assessments/_consensus_row.html" if row.consensus
                else "assessments/_answer_row.html")
    return render(request, template, {"assessment": assessment, "row": row,
                                      "max_upload": _max_upload()}, status=status)


def _fresh_row(request, assessment: Assessment, item: PackItem, *, consensus: bool) -> Row:
    """The element's row as saved now: the user's own answer (two queries), or the team's
    with each member's beside it."""
    if consensus:
        sections, _results, _me = _consensus_rows(
            request, assessment, read_only=_consensus_read_only(request, assessment))
        return _find_row(sections, item)
    read_only = not assessment.is_open
    answers, files = own_answers(assessment=assessment, user=request.user, item=item)
    return _row(assessment, item, answers.get(item.pk), consensus=False, read_only=read_only,
                evidence=files[item.pk])


@require_GET
@org_view()
def evidence_file(request, pk, evidence_pk):
    assessment = _assessment(request, pk)
    # Files are the team's working material: its members download them, nobody else; and a
    # member's own files only those who may see that member's answers (rules.py).
    _require(request, assessment, "assessments.answer_assessment", NOT_ON_TEAM_FILES)
    evidence = Evidence.objects.filter(
        organization=request.organization, response__assessment=assessment, pk=evidence_pk,
    ).select_related("response").first()
    if evidence is None or not sees_answer_of(request.user, assessment,
                                              evidence.response.respondent_id):
        raise Http404("No such file.")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    audit.record_view(evidence)
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
