"""The assessment report, as a web page and as a PDF from the same template, and the
responses as a spreadsheet.

The HTML page and the PDF render `assessments/report.html`; only its layout differs (the
site's page shell, or a bare print document that WeasyPrint lays out with
static/css/report.css, given by path). Charts come from safetyhub.core.charts: the same SVG
inline on the web page and as an image in the PDF. They are drawn on a background thread
while the request reads the database and WeasyPrint parses the page (vl-convert releases
the GIL), and WeasyPrint picks each one up when it reaches it. Every export is written to
the audit trail.

The views run outside the request transaction: rendering a PDF takes a second or two, and
on SQLite an open write transaction would hold the database's write lock all that time.
They only read, and the audit entry is its own transaction.
"""

import dataclasses
import datetime as dt
import io
from collections import Counter

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from safetyhub.core import audit, charts, throttle
from safetyhub.core.decorators import org_view
from safetyhub.core.exports import spreadsheet_cell
from safetyhub.core.models import AuditEntry
from safetyhub.core.pdf import ChartPainter, write_pdf
from safetyhub.frameworks.models import PackItem

from .. import queries, scoring
from ..access import access_assessment
from ..models import Assessment

PSSM_PACK = "pssm"
TOP_PRIORITIES = 5  # priorities printed in full with their tactics
TACTICS_PER_PRIORITY = 5
HEATMAP_ROWS = 40  # elements per heat map: a map of 40 rows still fits one Letter page
TREND_CYCLES = 8  # at most this many cycles in the trend chart (the latest ones)
CHANGED_ELEMENTS = 10  # elements listed under "rose" and under "fell"
DISAGREEMENTS = 20  # disagreements listed (widest first); the heat map shows them all
CAUTION = ("These results are for the organization's own learning and for tracking its "
           "progress over time. They are not a full review of its safety programme or "
           "culture, and they are not for ranking or comparing organizations.")
# An attestation (the PSSM) is a publicly reported measure: the caution above is the
# self-assessment's only.
ATTESTATION_NOTE = ("These are the organization's answers for attestation readiness, not its "
                    "submission: the official measure specification governs what it attests.")
MEMBERS_OMITTED = ("Left out: each member's own answers are seen only by that member and the "
                   "assessment's lead until the lead opens consensus, then by the team. This "
                   "workbook holds the agreed answers (and your own, if you are on the team).")
REPORT_CSS = "css/report.css"
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the report's content -------------------------------------------------------------------

def _max_value(results: queries.Results) -> int:
    return max((level.numeric for level in results.scale if level.numeric is not None),
               default=4)


def _signed(delta: float | None) -> str:
    if delta is None:
        return "—"
    text = charts.format_number(delta)
    return text if text.startswith("-") or text == "0.00" else f"+{text}"


def _member_names(team) -> list[str]:
    """Short column names for team members (first names), told apart when two share one."""
    names = [member.user.get_short_name() for member in team]
    counts = Counter(names)
    names = [str(m.user) if counts[n] > 1 else n for n, m in zip(names, team, strict=True)]
    counts = Counter(names)
    return [f"{name} ({member.user.email})" if counts[name] > 1 else name
            for name, member in zip(names, team, strict=True)]


def _summary(results: queries.Results, painter: ChartPainter) -> dict:
    labels = results.labels()
    numeric_levels = [level for level in results.scale if level.numeric is not None]
    other_levels = [level for level in results.scale if level.numeric is None]
    context: dict = {"numeric_levels": numeric_levels, "other_levels": other_levels}
    if results.means is not None:
        rows = []
        for section, score in zip(results.sections, results.means.sections, strict=True):
            rows.append({
                "section": section.section,
                "mean": charts.format_number(score.mean),
                "numeric": score.numeric,
                "levels": [score.distribution.get(level.value, 0) for level in numeric_levels],
                "others": [score.non_numeric.get(level.value, 0) for level in other_levels],
                "unanswered": score.unanswered,
            })
        context.update(
            area_rows=rows,
            overall_mean=charts.format_number(results.means.overall_mean),
            numeric_answers=results.means.numeric_answers,
            other_totals=[(level.label, results.means.non_numeric.get(level.value, 0))
                          for level in other_levels],
            unanswered=results.means.unanswered,
            max_value=_max_value(results),
            area_chart=painter.chart(charts.area_means_spec(
                sections=[(f"{s.section.number} {s.section.title}".strip(), score.mean)
                          for s, score in zip(results.sections, results.means.sections,
                                              strict=True)],
                max_value=_max_value(results))),
        )
    if results.attestation is not None:
        context["domains"] = _domains(results)
        context["met_label"] = labels.get(_met_value(results.assessment), "yes")
    return context


def _met_value(assessment: Assessment) -> str:
    return (assessment.pack.content.get("scoring") or {}).get("met") or "yes"


def _domains(results: queries.Results) -> list[dict]:
    """Each attestation domain: met or not, and the statements that block it."""
    labels = results.labels()
    by_key = {row.item.key: row for s in results.sections for row in s.items}
    out = []
    for section, score in zip(results.sections, results.attestation.sections, strict=True):
        out.append({
            "section": section.section, "met": score.met, "state": score.state,
            "affirmed": len(section.items) - len(score.blocking), "total": len(section.items),
            "blocking": [{"item": by_key[key].item,
                          "answer": labels.get(by_key[key].consensus_value, "")}
                         for key in score.blocking],
            "pending": [by_key[key].item for key in score.pending],
        })
    return out


def _heatmaps(results: queries.Results, painter: ChartPainter) -> list[dict]:
    """Heat maps of the elements by each member's own answer (of the members whose answers
    the reader may see) and the consensus: whole areas together, up to HEATMAP_ROWS elements
    a map (one map is much cheaper to draw than one per area, and a longer one would not fit
    a page)."""
    independent = (results.assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS
                   and bool(results.members))
    members = _member_names(results.members) if independent else []
    columns = [*members, "Consensus"]
    levels = [(level.value, level.label) for level in results.scale]
    chunks: list[list[tuple[PackItem, queries.ItemResult]]] = [[]]
    for section in results.sections:
        rows = [(section.section, row) for row in section.items]
        if chunks[-1] and len(chunks[-1]) + len(rows) > HEATMAP_ROWS:
            chunks.append([])
        for entry in rows:
            if len(chunks[-1]) == HEATMAP_ROWS:
                chunks.append([])
            chunks[-1].append(entry)
    maps = []
    for chunk in filter(None, chunks):
        rows, values, sections = [], {}, []
        for section, row in chunk:
            if section not in sections:
                sections.append(section)
            name = f"{row.item.number} {row.item.title}".strip()
            rows.append(name)
            if independent:
                for column, (_member, response) in zip(members, row.by_member, strict=True):
                    values[(name, column)] = response.value if response else None
            values[(name, "Consensus")] = row.consensus_value or None
        maps.append({"sections": sections,
                     "chart": painter.chart(charts.heatmap_spec(
                         rows=rows, columns=columns, values=values, levels=levels,
                         noun=results.assessment.pack.item_noun))})
    return maps


def _disagreements(results: queries.Results) -> dict:
    """Elements whose members' own answers disagree, widest spread first (then in the
    instrument's order), at most DISAGREEMENTS of them: how many members gave each answer
    (by the heat map's codes), the agreed answer and the team's rationale. Empty for a
    reader who may not see every member's answers (`disagreement` is False for them)."""
    labels = results.labels()
    codes = {level.value: charts.level_code(level.value, level.label) for level in results.scale}
    numbers = scoring.numeric_of(results.scale)
    found = []
    for section in results.sections:
        for row in section.items:
            if not row.disagreement:
                continue
            answers = Counter(r.value for _m, r in row.by_member if r is not None and r.value)
            numeric = [numbers[v] for v in answers if v in numbers]
            spread = max(numeric) - min(numeric) if numeric else 0
            found.append((-spread, len(found), {
                "section": section.section, "item": row.item, "spread": spread,
                "answers": [f"{codes.get(value, value)}: {n}"
                            for value, n in sorted(answers.items(),
                                                   key=lambda kv: _scale_index(results, kv[0]))],
                "consensus": labels.get(row.consensus_value, ""),
                "rationale": row.consensus.rationale if row.consensus else "",
            }))
    found.sort(key=lambda entry: entry[:2])
    return {"listed": [entry for *_, entry in found[:DISAGREEMENTS]], "total": len(found)}


def _scale_index(results: queries.Results, value: str) -> int:
    for index, level in enumerate(results.scale):
        if level.value == value:
            return index
    return len(results.scale)


def _priorities(results: queries.Results) -> dict:
    """Where to start: the ranked elements (lowest first) with their recommendations,
    tactics and the attestation statements they support, and the ones to discuss. For an
    attestation pack the ranked list is the statements answered but not met: where_to_start
    is given a met = 1, anything else = 0 reading of the scale."""
    labels = results.labels()
    view_of = results
    if results.attestation is not None:
        met = _met_value(results.assessment)
        view_of = dataclasses.replace(results, scale=[
            dataclasses.replace(level, numeric=1 if level.value == met else 0)
            for level in results.scale])
    ranked, discuss = queries.where_to_start(results=view_of)
    if results.attestation is not None:
        ranked = [v for v in ranked if v.priority.numeric == 0]
    sections = {s.section.key: s.section for s in results.sections}

    def entry(view: queries.PriorityView) -> dict:
        return {"item": view.result.item, "section": sections.get(view.priority.section),
                "answer": labels.get(view.priority.value, ""),
                "reasons": view.priority.needs_discussion,
                "recommendations": view.recommendations,
                "tactics": view.tactics[:TACTICS_PER_PRIORITY],
                "more_tactics": max(0, len(view.tactics) - TACTICS_PER_PRIORITY),
                "statements": view.statements}

    # Disagreements have their own section: the list to discuss names the other reasons.
    other = [v for v in discuss if set(v.priority.needs_discussion) - {"members disagreed"}]
    return {"top": [entry(v) for v in ranked[:TOP_PRIORITIES]],
            "more": max(0, len(ranked) - TOP_PRIORITIES),
            "discuss": [entry(v) for v in other],
            "disagreed_only": len(discuss) - len(other)}


def _pssm_readiness(*, user, assessment: Assessment, results: queries.Results) -> dict | None:
    """The PSSM domains met and blocking: from this assessment when it is a PSSM one, else
    from the organization's latest PSSM assessment the user may see (the latest finalized
    one, or the latest open one when none is finalized)."""
    if assessment.pack.pack_id == PSSM_PACK and results.attestation is not None:
        source, source_results = assessment, results
    else:
        candidates = list(
            queries.assessments_for(user=user, organization=assessment.organization)
            .filter(pack__pack_id=PSSM_PACK).order_by("-opens_on", "-pk"))
        finalized = [a for a in candidates if not a.is_open]
        source = (finalized or candidates or [None])[0]
        if source is None:
            return None
        source_results = queries.assessment_results(assessment=source, viewer=None)
        if source_results.attestation is None:
            return None
    return {"assessment": source, "is_this": source.pk == assessment.pk,
            "score": source_results.attestation.score,
            "possible": source_results.attestation.possible,
            "unscorable": source_results.attestation.unscorable,
            "domains": _domains(source_results)}


def _change(*, user, assessment: Assessment, results: queries.Results,
            painter: ChartPainter) -> dict:
    """Change since the previous finalized cycle of the same instrument (any version), and
    the trend across the latest cycles, from the cycles the user may see."""
    visible = queries.assessments_for(user=user, organization=assessment.organization).filter(
        pack__pack_id=assessment.pack.pack_id).values("pk")
    here = (assessment.opens_on, assessment.pk)
    earlier = [c for c in queries.cycles_of(assessment=assessment).filter(pk__in=visible)
               if (c.opens_on, c.pk) < here]
    if not earlier:
        return {"previous": None}
    cycles = earlier[-(TREND_CYCLES - 1):]
    past = {c.pk: queries.assessment_results(assessment=c, viewer=None) for c in cycles}
    previous = past[cycles[-1].pk]
    context: dict = {"previous": previous.assessment}
    if results.means is not None and previous.means is not None:
        section_changes, item_changes = queries.compare(earlier=previous, later=results)
        context["areas"] = [{"title": c.title, "earlier": charts.format_number(c.earlier),
                             "later": charts.format_number(c.later),
                             "delta": _signed(c.delta)} for c in section_changes]
        context["overall"] = {
            "earlier": charts.format_number(previous.means.overall_mean),
            "later": charts.format_number(results.means.overall_mean),
            "delta": _signed(None if None in (previous.means.overall_mean,
                                              results.means.overall_mean)
                             else results.means.overall_mean - previous.means.overall_mean)}
        numbers = {row.item.key: row.item.number for s in results.sections for row in s.items}
        up = sorted((c for c in item_changes if c.delta and c.delta > 0),
                    key=lambda c: -c.delta)
        down = sorted((c for c in item_changes if c.delta and c.delta < 0),
                      key=lambda c: c.delta)
        context["elements_up"] = [{"number": numbers.get(c.key, ""), "title": c.title,
                                   "earlier": c.earlier, "later": c.later}
                                  for c in up[:CHANGED_ELEMENTS]]
        context["elements_down"] = [{"number": numbers.get(c.key, ""), "title": c.title,
                                     "earlier": c.earlier, "later": c.later}
                                    for c in down[:CHANGED_ELEMENTS]]
        context["more_up"] = max(0, len(up) - CHANGED_ELEMENTS)
        context["more_down"] = max(0, len(down) - CHANGED_ELEMENTS)
        keys = [s.section.key for s in results.sections]
        titles = {s.section.key: f"{s.section.number} {s.section.title}".strip()
                  for s in results.sections}
        series: dict[str, list[tuple[dt.date | str, float | None]]] = {
            titles[k]: [] for k in keys}
        axis = queries.cycle_axis([*cycles, assessment])
        for res in [*past.values(), results]:
            means = {s.key: s.mean for s in res.means.sections} if res.means else {}
            for key in keys:
                series[titles[key]].append((axis[res.assessment.pk], means.get(key)))
        context["trend_chart"] = painter.chart(charts.trend_spec(
            series=series, max_value=_max_value(results)))
    elif results.attestation is not None and previous.attestation is not None:
        before = {s.key: s.met for s in previous.attestation.sections}
        context["score"] = {"earlier": previous.attestation.score,
                            "later": results.attestation.score,
                            "possible": results.attestation.possible}
        context["domain_changes"] = [
            {"section": section.section, "earlier": before.get(score.key),
             "later": score.met}
            for section, score in zip(results.sections, results.attestation.sections,
                                      strict=True)]
    return context


def report_context(*, user, assessment: Assessment, painter: ChartPainter) -> dict:
    """Everything report.html shows, for this user (other cycles and the PSSM readiness come
    only from assessments the user may see). Charts are handed to `painter` as soon as their
    data is known, so they are drawn while the rest is read."""
    results = queries.assessment_results(assessment=assessment, viewer=user)
    pack = assessment.pack
    team = [{"name": str(m.user), "role": m.get_role_display(),
             "answered": results.answered_by_member.get(m.user_id, 0)} for m in results.team]
    return {
        "assessment": assessment,
        "organization": assessment.organization,
        "pack": pack,
        "results": results,
        "attestation": results.attestation is not None,
        "independent": assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
        "members_shown": [str(m.user) for m in results.members],
        "team": team,
        "shipped_instrument": pack.is_builtin and pack.kind == "instrument",
        "summary": _summary(results, painter),
        "heatmaps": _heatmaps(results, painter),
        "level_codes": [(charts.level_code(level.value, level.label), level.label)
                        for level in results.scale],
        "disagreements": _disagreements(results),
        "chosen": queries.chosen_priorities(assessment=assessment),
        "priorities": _priorities(results),
        "pssm": _pssm_readiness(user=user, assessment=assessment, results=results),
        "change": _change(user=user, assessment=assessment, results=results,
                          painter=painter),
        "generated_at": timezone.localtime(),
        "generated_by": str(user),
    }


# --- rendering ------------------------------------------------------------------------------

def _filename(assessment: Assessment, ext: str) -> str:
    return f"{assessment.organization.slug}-assessment-{assessment.pk}.{ext}"


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # An export holds the organization's results: no shared cache may keep it.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _record_export(assessment: Assessment, fmt: str) -> None:
    """A report or the spreadsheet read: a "view" of the assessment, with its format."""
    audit.record(action=AuditEntry.Action.VIEW, obj=assessment, changes={"format": fmt})


def render_pdf(*, user, assessment: Assessment) -> bytes:
    """The report as PDF: report.html in its print layout, laid out by WeasyPrint with
    report.css (read from disk). WeasyPrint loads nothing but the report's own charts."""
    with ChartPainter() as painter:
        html = render_to_string("assessments/report.html", {
            **report_context(user=user, assessment=assessment, painter=painter),
            "layout": "assessments/_report_print.html", "print": True,
        })
        return write_pdf(html=html, painter=painter, stylesheet=REPORT_CSS).content


@transaction.non_atomic_requests
@require_GET
@org_view()
def report_html(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    with throttle.report_slot(organization=request.organization), ChartPainter() as painter:
        context = report_context(user=request.user, assessment=assessment, painter=painter)
        response = render(request, "assessments/report.html",
                          {**context, "layout": "base.html", "print": False})
    _record_export(assessment, "html")
    return response


@transaction.non_atomic_requests
@require_GET
@org_view()
def report_pdf(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    with throttle.report_slot(organization=request.organization):
        pdf = render_pdf(user=request.user, assessment=assessment)
    _record_export(assessment, "pdf")
    return _download(pdf, content_type=PDF_TYPE, filename=_filename(assessment, "pdf"))


# --- spreadsheet ----------------------------------------------------------------------------

def cell(value):
    """A value safe to put in a workbook cell: characters a workbook cannot hold are
    dropped, and text that would run as a formula is quoted (core.exports)."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return spreadsheet_cell(value)


DOMAIN_STATE = {"met": "Yes", "not-met": "No", "cannot-score": "Cannot be scored yet"}


def _pending_reason(pending: list[PackItem]) -> str:
    """Why a domain cannot be scored yet, in words (the page says the same)."""
    if not pending:
        return ""
    listed = ", ".join(item.number or item.key for item in pending)
    return (f"the pack does not have the official wording of {listed}; a yes counts only "
            "after your organization enters the official text from the specification")


def _official_texts_sheet(workbook, results: queries.Results) -> None:
    """The statements whose official wording the organization entered, as entered."""
    rows = [row for s in results.sections for row in s.items if row.needs_official_text]
    if not rows:
        return
    sheet = workbook.create_sheet("Official texts")
    sheet.append(["Statement", "SafetyHub's paraphrase", "Official text (entered by your "
                  "organization)", "Taken from", "Entered by", "Entered at"])
    for row in rows:
        entry = row.official_text
        sheet.append([cell(v) for v in [
            row.item.number or row.item.key, row.item.title,
            entry.text if entry else "Not entered: a yes does not count yet",
            entry.source if entry else "", _person(entry.entered_by) if entry else "",
            timezone.localtime(entry.entered_at).replace(tzinfo=None) if entry else None]])
    for column, width in zip("ABCDEF", [10, 40, 60, 30, 24, 18], strict=True):
        sheet.column_dimensions[column].width = width


def _person(user) -> str:
    return str(user) if user is not None else ""


def build_workbook(*, assessment: Assessment, viewer) -> bytes:
    """The answers `viewer` may see (the agreed ones, the viewer's own, and every member's
    for those who see them: rules.py) and the scores, as a workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    results = queries.assessment_results(assessment=assessment, viewer=viewer)
    labels = results.labels()
    numbers = scoring.numeric_of(results.scale)
    order = {row.item.pk: i
             for i, row in enumerate(r for section in results.sections for r in section.items)}
    team_order = {m.user_id: i for i, m in enumerate(results.team)}
    responses = sorted(
        queries.visible_responses(assessment=assessment, viewer=viewer)
        .select_related("item", "item__parent", "respondent", "updated_by"),
        key=lambda r: (order.get(r.item_id, 1 << 30), r.respondent_id is not None,
                       team_order.get(r.respondent_id, 1 << 30), r.pk))
    bold = Font(bold=True)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Responses"
    noun = assessment.pack.item_noun.capitalize()  # "Question", or "Statement" (PSSM)
    headers = ["Section", f"{noun} number", f"{noun} title", "Respondent", "Answer value",
               "Answer label", "Numeric", "Checks met", "Note", "Evidence links",
               "Rationale", "Updated by", "Updated at"]
    sheet.append(headers)
    for response in responses:
        item = response.item
        section = item.parent
        updated = (timezone.localtime(response.updated_at).replace(tzinfo=None)
                   if response.updated_at else None)
        sheet.append([cell(v) for v in [
            f"{section.number} {section.title}".strip() if section else "",
            item.number, item.title,
            _person(response.respondent) if response.respondent_id else "Consensus",
            response.value, labels.get(response.value, ""), numbers.get(response.value),
            ", ".join(response.criteria_met), response.note,
            "\n".join(response.evidence_links), response.rationale,
            _person(response.updated_by), updated,
        ]])
    for column, width in enumerate([34, 10, 50, 24, 10, 20, 9, 12, 40, 40, 40, 24, 18], 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row in sheet.iter_rows(min_row=2, min_col=13, max_col=13):
        row[0].number_format = "yyyy-mm-dd hh:mm"
    for header in sheet[1]:
        header.font = bold
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions

    summary = workbook.create_sheet("Summary")
    pack = assessment.pack
    for label, value in [
        ("Organization", assessment.organization.name),
        ("Assessment", assessment.title),
        (f"{pack.item_noun.capitalize()}s from", f"{pack.title}, version {pack.version}"),
        ("Licence", pack.content.get("licence", "")),
        ("Site", assessment.site.name if assessment.site else "Whole organization"),
        ("Status", assessment.get_status_display()),
        *([("Members' own answers", MEMBERS_OMITTED)]
          if assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS
          and not results.sees_all_members else []),
        ("Note", ATTESTATION_NOTE if results.attestation is not None else CAUTION),
    ]:
        summary.append([cell(label), cell(value)])
        summary.cell(row=summary.max_row, column=1).font = bold
    summary.append([])
    other_levels = [level for level in results.scale if level.numeric is None]
    if results.means is not None:
        summary.append(["Area", "Mean", "Numeric answers",
                        *[level.label for level in other_levels], "Unanswered", "Questions"])
        header_row = summary.max_row
        for section, score in zip(results.sections, results.means.sections, strict=True):
            summary.append([cell(f"{section.section.number} {section.section.title}".strip()),
                            score.mean, score.numeric,
                            *[score.non_numeric.get(level.value, 0) for level in other_levels],
                            score.unanswered, len(section.items)])
        summary.append(["Overall", results.means.overall_mean,
                        results.means.numeric_answers,
                        *[results.means.non_numeric.get(level.value, 0)
                          for level in other_levels],
                        results.means.unanswered, results.items_total])
        for row in summary.iter_rows(min_row=header_row + 1, min_col=2, max_col=2):
            row[0].number_format = "0.00"
    else:
        summary.append(["Domain", "Met", "Statements affirmed", "Statements", "Blocking",
                        "Cannot be scored yet because"])
        header_row = summary.max_row
        for domain in _domains(results):
            summary.append([
                cell(f"{domain['section'].number} {domain['section'].title}".strip()),
                DOMAIN_STATE[domain["state"]], domain["affirmed"], domain["total"],
                cell(", ".join(b["item"].number or b["item"].key
                               for b in domain["blocking"])),
                cell(_pending_reason(domain["pending"]))])
        summary.append(["Score", f"{results.attestation.score} of "
                                 f"{results.attestation.possible}"])
        if results.attestation.unscorable:
            summary.append(["Cannot be scored yet", f"{results.attestation.unscorable} "
                                                    "domain(s)"])
        _official_texts_sheet(workbook, results)
    for header in summary[header_row]:
        header.font = bold
    summary.column_dimensions["A"].width = 44
    for column in range(2, 10):
        summary.column_dimensions[get_column_letter(column)].width = 16

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@transaction.non_atomic_requests
@require_GET
@org_view()
def responses_xlsx(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    with throttle.report_slot(organization=request.organization):
        content = build_workbook(assessment=assessment, viewer=request.user)
    _record_export(assessment, "xlsx")
    return _download(content, content_type=XLSX_TYPE, filename=_filename(assessment, "xlsx"))

