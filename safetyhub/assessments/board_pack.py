"""The self-assessment's sections of the board pack (core/board_pack.py): the headline and
trend, the chosen priorities and the PSSM readiness. Only finalized assessments of the whole
organization count: a board reads agreed results, never a draft or one unit's."""

from __future__ import annotations

from safetyhub.core import board_pack, charts
from safetyhub.core.models import Organization

from . import queries
from .models import Assessment
from .views.reports import CAUTION, PSSM_PACK, TREND_CYCLES, _domains, _max_value, _priorities

PRIORITIES = 5


def _finalized(organization: Organization, period: board_pack.Period):
    """The organization-wide finalized assessments opened by the period's end, newest first."""
    return (Assessment.objects.filter(organization=organization, site=None,
                                      status=Assessment.Status.FINALIZED,
                                      opens_on__lte=period.end)
            .select_related("pack").order_by("-opens_on", "-pk"))


def _latest_self_assessment(organization, period) -> Assessment | None:
    return (_finalized(organization, period).exclude(pack__pack_id=PSSM_PACK)
            .exclude(pack__kind="attestation").first())


def _licence(assessment: Assessment) -> tuple[str, str]:
    pack = assessment.pack
    content = pack.content
    text = (f"{pack.title}, version {pack.version}"
            f"{', ' + content['publisher'] if content.get('publisher') else ''}. "
            f"Licence: {content.get('licence', 'not stated')}.")
    return (f"Source: {pack.title}", text)


def self_assessment_section(*, organization: Organization, period: board_pack.Period,
                            options: board_pack.Options) -> dict | None:
    latest = _latest_self_assessment(organization, period)
    if latest is None:
        return None
    results = queries.assessment_results(assessment=latest, viewer=None)
    if results.means is None:
        return None
    cycles = list(_finalized(organization, period).filter(pack__pack_id=latest.pack.pack_id)
                  [:TREND_CYCLES])[::-1]
    context: dict = {
        "assessment": latest, "max_value": _max_value(results),
        "overall": charts.format_number(results.means.overall_mean),
        "areas": [{"title": f"{s.section.number} {s.section.title}".strip(),
                   "mean": charts.format_number(score.mean)}
                  for s, score in zip(results.sections, results.means.sections, strict=True)],
        "cycles": len(cycles),
        "headlines": [(f"Self-assessment, {latest.opens_on:%B %Y}",
                       f"{charts.format_number(results.means.overall_mean)} of "
                       f"{_max_value(results)}")],
        "appendix": [_licence(latest),
                     ("About the self-assessment", CAUTION + " Scores are the team's agreed "
                      "answers, averaged per area; answers such as Unsure or Not applicable "
                      "are left out of the means.")],
    }
    if len(cycles) > 1:
        series: dict[str, list] = {}
        for cycle in cycles:
            res = (results if cycle.pk == latest.pk
                   else queries.assessment_results(assessment=cycle, viewer=None))
            if res.means is None:
                continue
            for s, score in zip(res.sections, res.means.sections, strict=True):
                series.setdefault(f"{s.section.number} {s.section.title}".strip(), []).append(
                    (cycle.opens_on, score.mean))
        context["trend_chart"] = options.painter.chart(charts.trend_spec(
            series=series, max_value=_max_value(results)))
    return context


def priorities_section(*, organization: Organization, period: board_pack.Period,
                       options: board_pack.Options) -> dict | None:
    """The priorities the team chose on the latest self-assessment, with why and its
    judgement of effort and impact; until it has chosen, the lowest-scored elements."""
    latest = _latest_self_assessment(organization, period)
    if latest is None:
        return None
    chosen = queries.chosen_priorities(assessment=latest)
    if chosen:
        return {"assessment": latest, "chosen_priorities": chosen, "chosen": True}
    results = queries.assessment_results(assessment=latest, viewer=None)
    return {"assessment": latest, "priorities": _priorities(results)["top"][:PRIORITIES],
            "chosen": False}


def pssm_section(*, organization: Organization, period: board_pack.Period,
                 options: board_pack.Options) -> dict | None:
    latest = _finalized(organization, period).filter(pack__pack_id=PSSM_PACK).first()
    if latest is None:
        return None
    results = queries.assessment_results(assessment=latest, viewer=None)
    if results.attestation is None:
        return None
    score = results.attestation
    return {"assessment": latest, "score": score.score, "possible": score.possible,
            "unscorable": score.unscorable, "domains": _domains(results),
            "headlines": [("PSSM readiness", f"{score.score} of {score.possible} domains")],
            "appendix": [_licence(latest),
                         ("About the PSSM readiness", "Each domain scores only when every "
                          "statement in it is answered yes (all or nothing). A yes to a "
                          "statement whose official wording the organization has not entered "
                          "does not count yet.")]}


def register() -> None:
    board_pack.register_section(
        "self_assessment", title="Self-assessment: headline and trend", order=20,
        build=self_assessment_section, template="assessments/board_pack/self_assessment.html")
    board_pack.register_section(
        "priorities", title="Chosen priorities", order=30, build=priorities_section,
        template="assessments/board_pack/priorities.html")
    board_pack.register_section(
        "pssm", title="CMS Patient Safety Structural Measure: readiness", order=60,
        build=pssm_section, template="assessments/board_pack/pssm.html")
