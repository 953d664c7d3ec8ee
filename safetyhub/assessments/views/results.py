"""Results, where to start, and progress over time for one assessment cycle.

Views parse, call queries and render; the scoring rules live in scoring.py and are stated
in words on every page that shows a score. Each page runs a fixed number of queries whatever
the size of the team (the results and priorities pages are tested for it)."""

import dataclasses

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from safetyhub.core.decorators import org_view
from safetyhub.core.views.organizations import add_errors
from safetyhub.frameworks.models import PackItem
from safetyhub.frameworks.queries import resources_by_key

from .. import queries, services
from ..access import access_assessment
from ..forms import ChoosePriorityForm
from ..models import Assessment

# An area whose Unsure answers exceed this share of its elements gets a note: its mean rests
# on too few answers to be read alone (shared/reference/self_assessment.md §4.3).
UNSURE_SHARE_WARNING = 0.25


def chart(name: str, **kwargs) -> str | None:
    """An SVG drawn by safetyhub.core.charts, or None when that module (or the function) is
    not installed yet: the pages then show their tables only, which carry the same figures."""
    try:
        from safetyhub.core import charts
    except ImportError:
        return None
    draw = getattr(charts, name, None)
    if draw is None:
        return None
    return mark_safe(draw(**kwargs))  # the chart module escapes every text it draws


def is_attestation(results: queries.Results) -> bool:
    return results.attestation is not None


def _evidence_count(row: queries.ItemResult) -> int:
    links = len(row.consensus.evidence_links) if row.consensus else 0
    return row.evidence_count + links


def tables_context(results: queries.Results) -> dict:
    """What `assessments/_results_tables.html` needs, built from `results` alone (the report
    page can include the same partial with this context)."""
    labels = results.labels()
    numeric_levels = [level for level in results.scale if level.numeric is not None]
    other_levels = [level for level in results.scale if level.numeric is None]
    independent = results.assessment.mode == Assessment.Mode.INDEPENDENT_THEN_CONSENSUS
    # The members whose own answers this viewer may see (all, their own, or none).
    show_members = independent and bool(results.members)
    element_sections = []
    by_key: dict[str, PackItem] = {}
    for section in results.sections:
        rows = []
        for row in section.items:
            by_key[row.item.key] = row.item
            rows.append({
                "result": row,
                "answer": labels.get(row.consensus_value, ""),
                "members": [labels.get(r.value, "") if r is not None else ""
                            for _m, r in row.by_member],
                "evidence": _evidence_count(row),
            })
        element_sections.append({"section": section.section, "rows": rows})

    context = {
        "results": results,
        "attestation": is_attestation(results),
        "labels": labels,
        "numeric_levels": numeric_levels,
        "other_levels": other_levels,
        "independent": independent,
        "show_members": show_members,
        "element_columns": 4 + (len(results.members) if show_members else 0),
        "element_sections": element_sections,
        "disagreements": sum(1 for s in results.sections for r in s.items if r.disagreement),
        "unsure_share_percent": round(UNSURE_SHARE_WARNING * 100),
    }

    if results.means is not None:
        section_rows = []
        for section, score in zip(results.sections, results.means.sections, strict=True):
            unsure = score.non_numeric.get("unsure", 0)
            items = len(section.items)
            section_rows.append({
                "section": section.section,
                "score": score,
                "levels": [score.distribution.get(level.value, 0) for level in numeric_levels],
                "others": [score.non_numeric.get(level.value, 0) for level in other_levels],
                "unsure_warning": bool(items) and unsure / items > UNSURE_SHARE_WARNING,
            })
        context["section_rows"] = section_rows
        context["overall"] = {
            "mean": results.means.overall_mean,
            "numeric": results.means.numeric_answers,
            "levels": [sum(r["levels"][i] for r in section_rows)
                       for i in range(len(numeric_levels))],
            "others": [results.means.non_numeric.get(level.value, 0) for level in other_levels],
            "unanswered": results.means.unanswered,
        }
        context["max_value"] = max((level.numeric for level in numeric_levels), default=4)
        context["area_chart"] = chart(
            "area_means_svg",
            sections=[(s.section.title, score.mean)
                      for s, score in zip(results.sections, results.means.sections,
                                          strict=True)],
            max_value=context["max_value"],
        )

    if results.attestation is not None:
        answers = {r.item.key: r.consensus_value for s in results.sections for r in s.items}
        domains = []
        for section, score in zip(results.sections, results.attestation.sections, strict=True):
            domains.append({
                "section": section.section,
                "score": score,
                "yes": len(section.items) - len(score.blocking),
                "total": len(section.items),
                "blocking": [{"item": by_key[key],
                              "answer": labels.get(answers.get(key, ""), "")}
                             for key in score.blocking],
                "pending": [by_key[key] for key in score.pending],
            })
        context["domains"] = domains
        context["met_label"] = labels.get(
            (results.assessment.pack.content.get("scoring") or {}).get("met") or "yes", "yes")
    return context


@require_GET
@org_view()
def results(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    context = tables_context(queries.assessment_results(assessment=assessment,
                                                        viewer=request.user))
    context["assessment"] = assessment
    return render(request, "assessments/results.html", context)


# --- Where to start -----------------------------------------------------------------------

def _attestation_priorities(
    results: queries.Results,
) -> tuple[list[queries.PriorityView], list[queries.PriorityView]]:
    """For an attestation pack the statements to work on are those that block a domain.
    where_to_start ranks numeric answers, so it is given the same results on a met = 1,
    anything else = 0 view of the scale: its ranked list then starts with every statement
    answered but not met (each one blocks its domain), in the pack's order; statements not
    answered come in its needs-discussion list."""
    met = (results.assessment.pack.content.get("scoring") or {}).get("met") or "yes"
    scale = [dataclasses.replace(level, numeric=1 if level.value == met else 0)
             for level in results.scale]
    ranked, discuss = queries.where_to_start(results=dataclasses.replace(results, scale=scale))
    return [v for v in ranked if v.priority.numeric == 0], discuss


def _resources(views: list[queries.PriorityView]) -> dict[tuple[int, str], PackItem]:
    """Every resource the listed tactics name, one query per pack that holds those tactics
    (in practice one: the National Action Plan's tactics library)."""
    keys_by_pack: dict[int, tuple] = {}
    for view in views:
        for tactic in view.tactics:
            pack, keys = keys_by_pack.setdefault(tactic.pack_id, (tactic.pack, set()))
            keys.update(tactic.data.get("resources", []))
    found = {}
    for pack_pk, (pack, keys) in keys_by_pack.items():
        for resource in resources_by_key(pack=pack, keys=sorted(keys)):
            resource.pack = pack
            found[(pack_pk, resource.key)] = resource
    return found


# The ranked list shows this many first; "Show all" shows the rest.
TOP_PRIORITIES = 10
CHOOSE = "assessments.lead_assessment"
NOT_CHOOSER = ("Only the assessment's lead, an organization admin or a patient-safety lead "
               "can choose the team's priorities.")


def _priorities_page(request, assessment: Assessment, *, show_all: bool = False,
                     forms: dict[str, ChoosePriorityForm] | None = None, status: int = 200):
    results = queries.assessment_results(assessment=assessment, viewer=request.user)
    attestation = is_attestation(results)
    if attestation:
        ranked, discuss = _attestation_priorities(results)
    else:
        ranked, discuss = queries.where_to_start(results=results)
    total_ranked = len(ranked)
    chosen = queries.chosen_priorities(assessment=assessment)
    chosen_keys = {c.item.key for c in chosen}
    # A chosen entry beyond the top ten stays in view, or the team could not see what it chose.
    if not show_all and total_ranked > TOP_PRIORITIES:
        ranked = [v for i, v in enumerate(ranked)
                  if i < TOP_PRIORITIES or v.result.item.key in chosen_keys]
    resources = _resources(ranked)  # the needs-discussion list links recommendations only
    labels = results.labels()
    # The relation is declared by the improvement app (Initiative.source_assessment); reading
    # it through the assessment keeps this app free of an import of improvement.
    in_plan = dict(assessment.initiatives.values_list("source_item_id", "pk"))
    can_choose = request.user.has_perm(CHOOSE, assessment)
    forms = forms or {}

    def entry(view: queries.PriorityView, *, with_tactics: bool) -> dict:
        key = view.result.item.key
        return {
            "view": view,
            "item": view.result.item,
            "answer": labels.get(view.priority.value, ""),
            "tactics": [(t, [resources[(t.pack_id, key)] for key in t.data.get("resources", [])
                             if (t.pack_id, key) in resources])
                        for t in view.tactics] if with_tactics else [],
            "in_plan": in_plan.get(view.result.item.pk),
            "chosen": key in chosen_keys,
            "form": forms.get(key) or (ChoosePriorityForm(auto_id=f"choose-{key}-%s")
                                       if can_choose else None),
        }

    sections = {s.section.key: s.section for s in results.sections}
    return render(request, "assessments/priorities.html", {
        "assessment": assessment,
        "results": results,
        "attestation": attestation,
        "ranked": [entry(v, with_tactics=True) for v in ranked],
        "total_ranked": total_ranked,
        "top": TOP_PRIORITIES,
        "show_all": show_all or total_ranked <= TOP_PRIORITIES,
        "discuss": [entry(v, with_tactics=False) for v in discuss],
        "sections": sections,
        "chosen": [{"entry": c, "in_plan": in_plan.get(c.item_id)} for c in chosen],
        "min_chosen": services.MIN_CHOSEN,
        "max_chosen": services.MAX_CHOSEN,
        "can_choose": can_choose and len(chosen) < services.MAX_CHOSEN,
        "can_plan": can_choose,
        "disagreement_levels": results.disagreement_levels,
    }, status=status)


@require_GET
@org_view()
def priorities(request, pk: int):
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    return _priorities_page(request, assessment, show_all=request.GET.get("all") == "1")


def _chosen_item(request, pk: int, key: str) -> tuple[Assessment, PackItem]:
    assessment = access_assessment(user=request.user, organization=request.organization, pk=pk)
    if not request.user.has_perm(CHOOSE, assessment):
        raise PermissionDenied(NOT_CHOOSER)
    item = services.answerable_item(assessment.pack, key)
    if item is None:
        raise Http404("No such question in this assessment.")
    return assessment, item


@require_POST
@org_view()
def choose_priority(request, pk: int, key: str):
    """Mark one entry of "Where to start" as a priority the team will work on."""
    assessment, item = _chosen_item(request, pk, key)
    form = ChoosePriorityForm(request.POST, auto_id=f"choose-{key}-%s")
    if form.is_valid():
        try:
            services.choose_priority(assessment=assessment, item=item, by=request.user,
                                     **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Chose {item.number} {item.title} as a priority.")
            return redirect(reverse("assessments:priorities",
                                    kwargs={"org_slug": request.organization.slug,
                                            "pk": assessment.pk}) + "#chosen-heading")
    return _priorities_page(request, assessment, show_all=True, forms={key: form}, status=422)


@require_POST
@org_view()
def drop_priority(request, pk: int, key: str):
    assessment, item = _chosen_item(request, pk, key)
    try:
        services.drop_priority(assessment=assessment, item=item, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{item.number} {item.title} is no longer a chosen priority.")
    return redirect(reverse("assessments:priorities",
                            kwargs={"org_slug": request.organization.slug,
                                    "pk": assessment.pk}) + "#chosen-heading")


# --- Progress over time -------------------------------------------------------------------

def _signed(delta: float | None, digits: int) -> dict:
    if delta is None:
        return {"text": "—", "direction": "Not comparable", "css": "none"}
    if round(delta, digits) == 0:
        return {"text": f"{0:.{digits}f}", "direction": "No change", "css": "same"}
    return {"text": f"{delta:+.{digits}f}", "direction": "Up" if delta > 0 else "Down",
            "css": "up" if delta > 0 else "down"}


def _compare_means(earlier: queries.Results, later: queries.Results) -> dict:
    section_changes, item_changes = queries.compare(earlier=earlier, later=later)
    before_labels, after_labels = earlier.labels(), later.labels()
    before = {r.item.key: r.consensus_value for s in earlier.sections for r in s.items}
    area_rows = [{"change": c, **_signed(c.delta, 2)} for c in section_changes]
    by_key = {c.key: c for c in item_changes}
    element_sections = []
    for section in later.sections:
        rows = []
        for row in section.items:
            change = by_key[row.item.key]
            rows.append({
                "item": row.item, "change": change,
                "earlier_label": before_labels.get(before.get(row.item.key, ""), ""),
                "later_label": after_labels.get(row.consensus_value, ""),
                "in_earlier": row.item.key in before,
                **_signed(change.delta, 0),
            })
        element_sections.append({"section": section.section, "rows": rows})
    overall = _signed(
        None if earlier.means is None or later.means is None
        or earlier.means.overall_mean is None or later.means.overall_mean is None
        else later.means.overall_mean - earlier.means.overall_mean, 2)
    return {"area_rows": area_rows, "element_sections": element_sections,
            "overall": {"earlier": earlier.means.overall_mean if earlier.means else None,
                        "later": later.means.overall_mean if later.means else None,
                        **overall}}


def _compare_attestation(earlier: queries.Results, later: queries.Results) -> dict:
    before = {s.key: s for s in earlier.attestation.sections}
    before_labels, after_labels = earlier.labels(), later.labels()
    before_answers = {r.item.key: r.consensus_value for s in earlier.sections for r in s.items}
    domains = []
    for section, score in zip(later.sections, later.attestation.sections, strict=True):
        old = before.get(score.key)
        if old is None:
            change = "Not in the earlier cycle"
        elif old.met == score.met:
            change = "No change"
        else:
            change = "Now met" if score.met else "No longer met"
        domains.append({"section": section.section, "earlier": old, "later": score,
                        "change": change})
    element_sections = []
    for section in later.sections:
        rows = []
        for row in section.items:
            old = before_answers.get(row.item.key)
            rows.append({
                "item": row.item,
                "earlier_label": before_labels.get(old or "", ""),
                "later_label": after_labels.get(row.consensus_value, ""),
                "in_earlier": old is not None,
                "changed": old is not None and old != row.consensus_value,
            })
        element_sections.append({"section": section.section, "rows": rows})
    score = _signed(later.attestation.score - earlier.attestation.score, 0)
    return {"domains": domains, "element_sections": element_sections,
            "score": {"earlier": earlier.attestation, "later": later.attestation, **score}}


def _trend(cycles: list[Assessment], *, attestation: bool, max_value: int) -> dict:
    """Per finalized cycle, oldest first: the area means (or the attestation score), as a
    table and as the series the trend chart draws. Areas are matched by key across versions
    and named as in the newest cycle that has them."""
    rows, titles, keys, possible = [], {}, [], 0
    axis = queries.cycle_axis(cycles)
    for cycle in cycles:
        res = queries.assessment_results(assessment=cycle, viewer=None)
        if attestation:
            values = {"score": res.attestation.score}
            possible = max(possible, res.attestation.possible)
        else:
            values = {s.key: s.mean for s in res.means.sections}
            values["__overall"] = res.means.overall_mean
            for section in res.sections:
                titles[section.section.key] = section.section.title
                if section.section.key not in keys:
                    keys.append(section.section.key)
        rows.append({"cycle": cycle, "values": values})
    if attestation:
        label = "Score (domains met)"
        return {
            "columns": [label],
            "table": [{"cycle": r["cycle"], "cells": [r["values"]["score"]]} for r in rows],
            "series": {label: [(axis[r["cycle"].pk], r["values"]["score"]) for r in rows]},
            "max_value": possible,
            "value_title": "Domains met",
        }
    return {
        "columns": [titles[k] for k in keys] + ["Overall"],
        "table": [{"cycle": r["cycle"],
                   "cells": [r["values"].get(k) for k in keys] + [r["values"]["__overall"]]}
                  for r in rows],
        "series": {titles[k]: [(axis[r["cycle"].pk], r["values"].get(k)) for r in rows]
                   for k in keys},
        "max_value": max_value,
        "value_title": "Mean",
    }


@require_GET
@org_view()
def compare(request, pk: int):
    org = request.organization
    assessment = access_assessment(user=request.user, organization=org, pk=pk)
    # Only cycles of the same scope compare: the organization with the organization, a site
    # or unit with itself (queries.same_scope).
    same_instrument = queries.same_scope(
        queries.assessments_for(user=request.user, organization=org), assessment=assessment)
    choices = [a for a in same_instrument if a.pk != assessment.pk]
    results_now = queries.assessment_results(assessment=assessment, viewer=None)
    attestation = is_attestation(results_now)
    context = {"assessment": assessment, "choices": choices, "attestation": attestation,
               "other": None, "error": ""}

    raw = request.GET.get("with", "")
    status = 200
    if raw:
        other = next((a for a in choices if str(a.pk) == raw.strip()), None)
        if other is None:
            context["error"] = ("Choose another cycle of the same questions and scope from "
                                f"the list; {raw[:20]!r} is not one.")
            status = 400
        else:
            other = access_assessment(user=request.user, organization=org, pk=other.pk)
            results_other = queries.assessment_results(assessment=other, viewer=None)
            earlier, later = sorted([results_now, results_other],
                                    key=lambda r: (r.assessment.opens_on, r.assessment.pk))
            context.update(other=other, earlier=earlier.assessment, later=later.assessment)
            if attestation != is_attestation(results_other):
                context["error"] = "These two cycles are scored differently and cannot be compared."
                status = 400
            elif attestation:
                context.update(_compare_attestation(earlier, later))
            else:
                context.update(_compare_means(earlier, later))
            if earlier.assessment.pack_id != later.assessment.pack_id:
                context["versions_differ"] = (earlier.assessment.pack.version,
                                              later.assessment.pack.version)

    visible = same_instrument.values("pk")
    cycles = list(queries.cycles_of(assessment=assessment).filter(pk__in=visible))
    trend = _trend(cycles, attestation=attestation, max_value=max(
        (level.numeric for level in results_now.scale if level.numeric is not None), default=4))
    context["trend"] = trend
    context["trend_chart"] = (
        chart("trend_svg", series=trend["series"], max_value=trend["max_value"],
              value_title=trend["value_title"])
        if len(cycles) >= 2 else None)
    return render(request, "assessments/compare.html", context, status=status)
