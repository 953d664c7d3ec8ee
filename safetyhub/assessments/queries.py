"""Reads for assessment pages, reports and the API: plain data, a fixed number of queries
whatever the size of the team."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from safetyhub.core.models import Membership, Organization, Role
from safetyhub.frameworks.models import PackItem, PackLink

from . import scoring
from .models import (
    Assessment,
    ChosenPriority,
    Evidence,
    OfficialText,
    Response,
    TeamMember,
)
from .rules import sees_member_answers


def visible_assessments(*, user, organization: Organization) -> QuerySet[Assessment]:
    """The assessments the user may see: all of them for admins, safety leads and executive
    viewers; otherwise those whose team they are on (none for a non-member)."""
    from safetyhub.core.rules import is_member

    from .rules import is_reader_role

    qs = Assessment.objects.filter(organization=organization)
    if not is_member(user, organization):
        return qs.none()
    if not is_reader_role(user, organization):
        qs = qs.filter(pk__in=TeamMember.objects.filter(user=user.pk).values("assessment"))
    return qs


def assessments_for(*, user, organization: Organization) -> QuerySet[Assessment]:
    """The assessments the user may see (`visible_assessments`), for the list page."""
    return (visible_assessments(user=user, organization=organization)
            .select_related("pack", "site")
            .annotate(team_size=Count("team", distinct=True)).order_by("-opens_on", "-pk"))


def scale_of(assessment: Assessment) -> list[scoring.ScaleLevel]:
    return [scoring.ScaleLevel(value=lvl["value"], label=lvl["label"], numeric=lvl.get("numeric"))
            for lvl in assessment.pack.scale_levels]


@dataclass
class ItemResult:
    item: PackItem
    consensus: Response | None
    by_member: list[tuple[TeamMember, Response | None]]  # the members of `Results.members`
    disagreement: bool = False  # False when the viewer may not see every member's answer
    evidence_count: int = 0
    needs_official_text: bool = False  # an attestation statement whose wording is unconfirmed
    official_text: OfficialText | None = None  # the organization's entry of that wording

    @property
    def awaits_official_text(self) -> bool:
        """A "yes" to it counts for nothing yet: its official text is not entered."""
        return self.needs_official_text and self.official_text is None

    @property
    def consensus_value(self) -> str:
        return self.consensus.value if self.consensus else ""


@dataclass
class SectionResult:
    section: PackItem
    items: list[ItemResult] = field(default_factory=list)


@dataclass
class Results:
    assessment: Assessment
    kind: str
    scale: list[scoring.ScaleLevel]
    team: list[TeamMember]
    members: list[TeamMember]  # whose own answers the viewer sees (rules.sees_member_answers)
    sees_all_members: bool  # every member's, and what is derived from them (disagreement)
    sections: list[SectionResult]
    means: scoring.MeanResult | None
    attestation: scoring.AttestationResult | None
    answered_by_member: dict[int, int]
    items_total: int
    disagreement_levels: int

    def labels(self) -> dict[str, str]:
        return {level.value: level.label for level in self.scale}


def needs_official_text(pack, item: PackItem) -> bool:
    """Is this an attestation statement whose wording the pack does not have, so that the
    organization must enter its official text before a "yes" to it counts?"""
    return pack.kind == "attestation" and item.kind == PackItem.Kind.ITEM \
        and item.wording_unconfirmed


def assessment_results(*, assessment: Assessment, viewer) -> Results:
    """Everything the results page, the report and the API show, in six queries, as
    `viewer` may see it: the agreed answers and their scores, and of the members' own
    answers every member's, the viewer's own, or none (rules.py states who sees what). With
    `viewer` None: agreed answers only (comparisons and trends)."""
    pack = assessment.pack
    items = list(PackItem.objects.filter(
        pack=pack, kind__in=[PackItem.Kind.SECTION, PackItem.Kind.ITEM]).order_by("position"))
    for item in items:
        item.pack = pack  # already loaded: templates read item.pack without a query each
    team = list(TeamMember.objects.filter(assessment=assessment).select_related("user"))
    sees_all = viewer is not None and sees_member_answers(viewer, assessment)
    members = [m for m in team if sees_all or (viewer is not None and m.user_id == viewer.pk)]
    # Progress (how many answers each member gave) is counted from every member's answers;
    # their content is read only for the members shown.
    answered = dict(
        Response.objects.filter(assessment=assessment, respondent__isnull=False)
        .exclude(value="").values("respondent_id").annotate(n=Count("pk"))
        .values_list("respondent_id", "n"))
    responses = list(Response.objects.filter(assessment=assessment).filter(
        Q(respondent=None) | Q(respondent__in=[m.user_id for m in members])))
    evidence = dict(Evidence.objects.filter(response__assessment=assessment)
                    .values("response__item_id").annotate(n=Count("pk"))
                    .values_list("response__item_id", "n"))
    official = {t.item_id: t for t in OfficialText.objects.filter(assessment=assessment)
                .select_related("entered_by")} if pack.kind == "attestation" else {}
    scale = scale_of(assessment)
    scoring_rule = pack.content.get("scoring") or {}
    threshold = scoring_rule.get("disagreement_levels", 2)

    consensus = {r.item_id: r for r in responses if r.respondent_id is None}
    own: dict[tuple[int, int], Response] = {
        (r.item_id, r.respondent_id): r for r in responses if r.respondent_id is not None}

    sections: list[SectionResult] = []
    by_section: dict[int, SectionResult] = {}
    for item in items:
        if item.kind == PackItem.Kind.SECTION:
            by_section[item.pk] = SectionResult(section=item)
            sections.append(by_section[item.pk])
            continue
        by_member = [(m, own.get((item.pk, m.user_id))) for m in members]
        values = [r.value for _m, r in by_member if r is not None]
        result = ItemResult(
            item=item, consensus=consensus.get(item.pk), by_member=by_member,
            disagreement=sees_all and scoring.disagrees(values, scale=scale,
                                                        threshold=threshold),
            evidence_count=evidence.get(item.pk, 0),
            needs_official_text=needs_official_text(pack, item),
            official_text=official.get(item.pk),
        )
        by_section[item.parent_id].items.append(result)

    plain_sections = [scoring.Section(key=s.section.key, title=s.section.title,
                                      items=tuple(i.item.key for i in s.items))
                      for s in sections]
    answers = {i.item.key: i.consensus_value for s in sections for i in s.items}
    means = attestation = None
    if scoring_rule.get("method") == "all-or-nothing":
        pending = {i.item.key for s in sections for i in s.items if i.awaits_official_text}
        attestation = scoring.score_all_or_nothing(sections=plain_sections, answers=answers,
                                                   met=scoring_rule.get("met") or "yes",
                                                   pending=pending)
    else:
        means = scoring.score_means(sections=plain_sections, scale=scale, answers=answers)
    return Results(
        assessment=assessment, kind=pack.kind, scale=scale, team=team, members=members,
        sees_all_members=sees_all, sections=sections,
        means=means, attestation=attestation, answered_by_member=answered,
        items_total=sum(len(s.items) for s in sections), disagreement_levels=threshold,
    )


@dataclass
class PriorityView:
    result: ItemResult
    priority: scoring.Priority
    recommendations: list[PackItem]
    tactics: list[PackItem]
    statements: list[PackItem]  # attestation statements (e.g. PSSM) the element supports


def where_to_start(*, results: Results) -> tuple[list[PriorityView], list[PriorityView]]:
    """Ranked priorities and the items that need discussion, each linked through the
    crosswalk to its recommendations, their tactics, and the attestation statements those
    recommendations support. Three queries whatever the number of items."""
    plain_sections = [scoring.Section(key=s.section.key, title=s.section.title,
                                      items=tuple(i.item.key for i in s.items))
                      for s in results.sections]
    answers = {i.item.key: i.consensus_value for s in results.sections for i in s.items}
    disagreements = {i.item.key for s in results.sections for i in s.items if i.disagreement}
    ranked, discuss = scoring.rank_priorities(sections=plain_sections, scale=results.scale,
                                              answers=answers, disagreements=disagreements)
    by_key = {i.item.key: i for s in results.sections for i in s.items}
    item_ids = [i.item.pk for i in by_key.values()]

    recs: dict[int, list[PackItem]] = defaultdict(list)
    # Pack content is large JSON and not needed here: leave it unread.
    for link in PackLink.objects.filter(source_id__in=item_ids).select_related(
            "target__pack").defer("target__pack__content", "target__data"):
        if link.target.kind == PackItem.Kind.ITEM and link.target.pack.kind == "framework":
            recs[link.source_id].append(link.target)
    rec_ids = {r.pk for rs in recs.values() for r in rs}
    tactics: dict[int, list[PackItem]] = defaultdict(list)
    for tactic in PackItem.objects.filter(kind=PackItem.Kind.TACTIC, parent_id__in=rec_ids
                                          ).select_related("pack").defer("pack__content"):
        tactics[tactic.parent_id].append(tactic)
    statements: dict[int, list[PackItem]] = defaultdict(list)
    for link in PackLink.objects.filter(target_id__in=rec_ids,
                                        source__pack__kind="attestation").select_related(
            "source__pack").defer("source__pack__content", "source__data"):
        statements[link.target_id].append(link.source)

    def view(priority: scoring.Priority) -> PriorityView:
        result = by_key[priority.item]
        linked = recs.get(result.item.pk, [])
        return PriorityView(
            result=result, priority=priority, recommendations=linked,
            tactics=[t for r in linked for t in tactics.get(r.pk, [])],
            statements=sorted({s for r in linked for s in statements.get(r.pk, [])},
                              key=lambda s: s.position),
        )

    return [view(p) for p in ranked], [view(p) for p in discuss]


@dataclass
class Change:
    key: str
    title: str
    earlier: float | None
    later: float | None

    @property
    def delta(self) -> float | None:
        if self.earlier is None or self.later is None:
            return None
        return self.later - self.earlier


def compare(*, earlier: Results, later: Results) -> tuple[list[Change], list[Change]]:
    """Change per section (mean) and per item (consensus numeric value), matched by key, so
    two versions of one instrument compare wherever their keys agree."""
    def numbers(results: Results) -> dict[str, float | None]:
        numeric = scoring.numeric_of(results.scale)
        return {i.item.key: numeric.get(i.consensus_value)
                for s in results.sections for i in s.items}

    def section_means(results: Results) -> dict[str, float | None]:
        return {s.key: s.mean for s in results.means.sections} if results.means else {}

    before, after = numbers(earlier), numbers(later)
    titles = {i.item.key: i.item.title for s in later.sections for i in s.items}
    items = [Change(key=k, title=titles[k], earlier=before.get(k), later=after[k])
             for k in after]
    s_before, s_after = section_means(earlier), section_means(later)
    section_titles = {s.section.key: s.section.title for s in later.sections}
    sections = [Change(key=k, title=section_titles[k], earlier=s_before.get(k), later=v)
                for k, v in s_after.items()]
    return sections, items


def same_scope(assessments: QuerySet[Assessment], *, assessment: Assessment
               ) -> QuerySet[Assessment]:
    """The assessments of the same instrument (any version) and the same scope as
    `assessment`: the whole organization with the whole organization, a site or unit with
    itself. Only these are compared: a unit's answers say nothing of the organization's."""
    return assessments.filter(
        organization=assessment.organization_id, pack__pack_id=assessment.pack.pack_id,
        site=assessment.site_id)


def cycles_of(*, assessment: Assessment) -> QuerySet[Assessment]:
    """Every finalized cycle of the same instrument (any version) and scope (`same_scope`),
    oldest first, for trends."""
    return same_scope(Assessment.objects.filter(status=Assessment.Status.FINALIZED),
                      assessment=assessment).select_related("pack").order_by("opens_on", "pk")


def cycle_axis(cycles: list[Assessment]) -> dict[int, dt.date | str]:
    """Where each cycle sits on a trend chart's axis: its opening date, or, when two cycles
    open on the same date, a label with its title as well for every cycle, so that no two
    share a tick."""
    dates = [c.opens_on for c in cycles]
    if len(set(dates)) == len(dates):
        return {c.pk: c.opens_on for c in cycles}
    labels = {c.pk: f"{c.title} ({c.opens_on:%-d %b %Y})" for c in cycles}
    seen = [label for label in labels.values()]
    return {pk: label if seen.count(label) == 1 else f"{label} #{pk}"
            for pk, label in labels.items()}


def own_answers(*, assessment: Assessment, user, item: PackItem | None = None,
                ) -> tuple[dict[int, Response], dict[int, list[Evidence]]]:
    """The user's own answers by item id and their evidence files by item id (only `item`'s
    if given): two queries at most, whatever the team size."""
    responses = Response.objects.filter(assessment=assessment, respondent=user)
    if item is not None:
        responses = responses.filter(item=item)
    answers = {r.item_id: r for r in responses}
    item_of = {r.pk: r.item_id for r in answers.values()}
    files = defaultdict(list)
    if answers:
        for evidence in Evidence.objects.filter(response__in=item_of):
            files[item_of[evidence.response_id]].append(evidence)
    return answers, files


def evidence_by_response(*, results: Results) -> dict[int, list[Evidence]]:
    """The evidence files of the answers in `results` (the agreed answers and the members'
    answers its viewer may see), by answer id (one query)."""
    shown = [m.user_id for m in results.members]
    files = defaultdict(list)
    for evidence in Evidence.objects.filter(response__assessment=results.assessment).filter(
            Q(response__respondent=None) | Q(response__respondent__in=shown)):
        files[evidence.response_id].append(evidence)
    return files


def visible_responses(*, assessment: Assessment, viewer) -> QuerySet[Response]:
    """The answers of the assessment the viewer may see: the agreed answers, the viewer's
    own, and every member's if the viewer `sees_member_answers` (rules.py)."""
    responses = Response.objects.filter(assessment=assessment)
    if not sees_member_answers(viewer, assessment):
        responses = responses.filter(Q(respondent=None) | Q(respondent=viewer.pk))
    return responses


def chosen_priorities(*, assessment: Assessment) -> list[ChosenPriority]:
    """The priorities the team chose, in the order chosen, with their items and who chose
    them (one query)."""
    chosen = list(ChosenPriority.objects.filter(assessment=assessment)
                  .select_related("item", "chosen_by"))
    for entry in chosen:
        entry.item.pack = assessment.pack
    return chosen


@dataclass
class MemberProgress:
    member: TeamMember
    role: str  # the person's role in the organization ("Patient/family advisor", …)
    answered: int
    total: int

    @property
    def finished(self) -> bool:
        return self.member.finished_at is not None


def not_done_members(*, assessment: Assessment) -> list[MemberProgress]:
    """Team members who have not answered every item on their own or not said they are
    finished (everyone counts: leads, staff and patient and family advisors alike). Empty
    when the team answers together only. Three queries."""
    if assessment.mode == Assessment.Mode.CONSENSUS_ONLY:
        return []
    team = list(TeamMember.objects.filter(assessment=assessment).select_related("user"))
    total = PackItem.objects.filter(pack_id=assessment.pack_id, kind=PackItem.Kind.ITEM).count()
    answered = dict(
        Response.objects.filter(assessment=assessment, respondent__isnull=False)
        .exclude(value="").values("respondent_id").annotate(n=Count("pk"))
        .values_list("respondent_id", "n"))
    roles = dict(Membership.objects.filter(
        organization_id=assessment.organization_id, user__in=[m.user_id for m in team],
    ).values_list("user_id", "role"))
    return [MemberProgress(member=m, role=Role(roles[m.user_id]).label
                           if m.user_id in roles else "no longer a member",
                           answered=answered.get(m.user_id, 0), total=total)
            for m in team
            if answered.get(m.user_id, 0) < total or m.finished_at is None]
