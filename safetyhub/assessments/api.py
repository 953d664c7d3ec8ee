"""API for assessment cycles: start and list them, autosave answers (with conflict
detection), read results and priorities, finish, finalize, reopen, and find the reports.

Every endpoint resolves the organization with `api_organization` (404 for outsiders) and the
assessment with `access_assessment` (404 for anyone who may not see it), then applies the same
permission rules as the pages (`assessments.*` in rules.py); writes go through services.py.
"""

import datetime as dt
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from safetyhub.core.access import access_site
from safetyhub.core.api import ErrorDetail, api_organization
from safetyhub.core.inputs import Day, Id, Text
from safetyhub.core.models import Membership, Organization, User
from safetyhub.frameworks.access import access_pack
from safetyhub.frameworks.models import PackItem

from . import queries, services
from . import readiness as readiness_mod
from .access import access_assessment
from .models import Assessment, ChosenPriority, OfficialText, Response, TeamMember
from .rules import agreed_by_rule

router = Router(tags=["assessments"])

VIEW_ORG = "core.view_organization"

# Named apart from core's `Role` (and other apps' enums): OpenAPI has one namespace of schemas.
AssessmentMode = StrEnum("AssessmentMode", {c.name: c.value for c in Assessment.Mode})
AssessmentStatus = StrEnum("AssessmentStatus", {c.name: c.value for c in Assessment.Status})
TeamRole = StrEnum("TeamRole", {c.name: c.value for c in TeamMember.Role})
AgreedBy = StrEnum("AgreedBy", {c.name: c.value for c in Assessment.AgreedBy})


# --- schemas -------------------------------------------------------------------------------


class TeamMemberRead(Schema):
    user_id: int
    email: str = Field(..., alias="user.email")
    full_name: str = Field(..., alias="user.full_name")
    role: TeamRole
    finished_at: dt.datetime | None


class AssessmentRead(Schema):
    id: int
    title: str
    mode: AssessmentMode
    status: AssessmentStatus
    pack_id: str = Field(..., alias="pack.pack_id")
    pack_version: str = Field(..., alias="pack.version")
    pack_kind: str = Field(..., alias="pack.kind")
    site_id: int | None
    site: str | None = Field(None, alias="site.name")
    opens_on: dt.date
    closes_on: dt.date
    due_on: dt.date
    reminder_days: list[int]
    team_size: int
    created_at: dt.datetime
    finalized_at: dt.datetime | None
    agreed_by: AgreedBy = Field(..., description="who writes the agreed answers: `leads` the "
                                "assessment's lead and the patient-safety leads on the team, "
                                "`team` anyone on it")
    consensus_opened_at: dt.datetime | None = Field(
        ..., description="when the lead opened consensus; before, each member's own answers "
                         "are seen only by that member and the lead")


class AssessmentDetail(AssessmentRead):
    team: list[TeamMemberRead]
    my_role: TeamRole | None = Field(
        None, description="your place on the team (empty: you read it through your role)")
    can_answer: bool
    can_lead: bool
    can_write_agreed: bool = Field(..., description="you may write the agreed answers")
    sees_member_answers: bool = Field(
        ..., description="you see every member's own answers (else only yours, or none)")
    agreed_by_rule: str = Field(..., description="who writes the agreed answers, in words")


class AssessmentCreate(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    pack_id: str = Field(..., min_length=1, max_length=60)
    version: str = Field("", max_length=20, description="empty: the newest visible version")
    mode: AssessmentMode = AssessmentMode.INDEPENDENT_THEN_CONSENSUS
    lead: Id | str | None = Field(
        None, description="user id or email of an active member; empty: you")
    team: list[Id | str] = Field(
        default_factory=list, max_length=500,
        description="user ids or emails of active members of the organization")
    site_id: Id | None = None
    opens_on: Day | None = None
    window_days: int = Field(services.DEFAULT_WINDOW_DAYS, ge=1, le=366)
    due_on: Day | None = None
    reminder_days: list[int] = Field(default_factory=lambda: list(services.DEFAULT_REMINDER_DAYS),
                                     max_length=366)
    agreed_by: AgreedBy = Field(AgreedBy.LEADS, description="who writes the agreed answers")


class ResponseWrite(Schema):
    """The fields to save; a field left out keeps its saved value."""

    value: str | None = Field(None, max_length=20, description="a value of the pack's scale; "
                                                               "empty string clears it")
    criteria_met: list[str] | None = Field(None, max_length=100)
    note: str | None = None
    evidence_links: list[str] | None = Field(None, max_length=100)
    rationale: str | None = Field(None, description="consensus answers only")
    consensus: bool = Field(False, description="save the team's agreed answer, not your own")
    expected_version: int | None = Field(
        None, ge=0, description="the version you loaded: refused with 409 if it changed since")


class ResponseRead(Schema):
    item_key: str = Field(..., alias="item.key")
    consensus: bool = Field(..., alias="is_consensus")
    respondent_id: int | None
    value: str
    criteria_met: list[str]
    note: str
    evidence_links: list[str]
    rationale: str
    version: int
    updated_by_id: int | None
    updated_by: str | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_updated_by(response: Response) -> str | None:
        return str(response.updated_by) if response.updated_by_id else None


class ConflictRead(Schema):
    detail: list[ErrorDetail]
    current: ResponseRead = Field(..., description="the answer as saved now")
    submitted: dict = Field(..., description="the fields you sent, not saved")


class FinishWrite(Schema):
    finished: bool = True


class ReopenWrite(Schema):
    reason: str = Field(..., max_length=2000)


class ScaleLevelRead(Schema):
    value: str
    label: str
    numeric: int | None


class MemberValue(Schema):
    user_id: int
    name: str
    value: str | None
    version: int | None


class ConsensusValue(Schema):
    value: str
    version: int
    rationale: str


class OfficialTextRead(Schema):
    """The official wording of a statement, as your organization entered it."""

    item_key: str = Field(..., alias="item.key")
    text: str
    source: str
    entered_by: str | None
    entered_at: dt.datetime

    @staticmethod
    def resolve_entered_by(entry: OfficialText) -> str | None:
        return str(entry.entered_by) if entry.entered_by_id else None


class OfficialTextWrite(Schema):
    text: str = Field(..., max_length=services.MAX_OFFICIAL_TEXT,
                      description="the statement's official text, word for word")
    source: str = Field(..., max_length=services.MAX_OFFICIAL_SOURCE,
                        description="where it was taken from: document, version, page")


class StatementTextRead(Schema):
    """A statement whose wording the pack does not have, and your organization's entry."""

    key: str
    number: str
    title: str = Field(..., description="the pack's paraphrase")
    status: str
    official_text: OfficialTextRead | None = Field(
        ..., description="empty: not entered, so a yes to it counts for nothing yet")


class ItemResultRead(Schema):
    key: str
    number: str
    title: str
    section: str
    consensus: ConsensusValue | None
    members: list[MemberValue] = Field(
        ..., description="each member's own answer, as far as you may see them: every "
                         "member's for the assessment's lead (and the whole team once "
                         "consensus is open), your own for the rest of the team, none for "
                         "anyone outside it")
    disagreement: bool = Field(..., description="members' own answers disagree (false when "
                                                "you may not see every member's answer)")
    evidence_count: int
    needs_official_text: bool = Field(
        ..., description="an attestation statement whose wording the pack does not have: a "
                         "yes counts only once your organization enters its official text")
    official_text: OfficialTextRead | None


class SectionMeanRead(Schema):
    key: str
    title: str
    mean: float | None
    answered: int
    numeric: int
    non_numeric: dict[str, int]
    unanswered: int
    distribution: dict[str, int]


class MeansRead(Schema):
    overall_mean: float | None
    numeric_answers: int
    non_numeric: dict[str, int]
    unanswered: int
    sections: list[SectionMeanRead]


DomainState = StrEnum("DomainState", {"MET": "met", "NOT_MET": "not-met",
                                      "CANNOT_SCORE": "cannot-score"})


class DomainRead(Schema):
    key: str
    title: str
    met: bool
    state: DomainState = Field(..., description="cannot-score: a statement in it still lacks "
                                                "its official text (see `pending`)")
    blocking: list[str]
    pending: list[str] = Field(..., description="statements whose official text your "
                                                 "organization has not entered; a yes to "
                                                 "them counts for nothing yet")


class AttestationRead(Schema):
    score: int
    possible: int
    unscorable: int = Field(..., description="domains that cannot be scored yet")
    sections: list[DomainRead]


class ProgressRead(Schema):
    user_id: int
    name: str
    answered: int
    finished_at: dt.datetime | None


class ResultsRead(Schema):
    assessment_id: int
    status: AssessmentStatus
    kind: str
    scale: list[ScaleLevelRead]
    items_total: int
    disagreement_levels: int
    progress: list[ProgressRead]
    means: MeansRead | None
    attestation: AttestationRead | None
    items: list[ItemResultRead]


class PriorityRead(Schema):
    key: str
    number: str
    title: str
    section: str
    value: str
    numeric: int | None
    needs_discussion: list[str]
    recommendations: list[str]
    tactics: list[str]
    statements: list[str]


class PrioritiesRead(Schema):
    ranked: list[PriorityRead] = Field(..., description="lowest maturity first")
    needs_discussion: list[PriorityRead]


PriorityLevel = StrEnum("PriorityLevel", {c.name: c.value for c in ChosenPriority.Level})


class ChosenPriorityRead(Schema):
    """An element (or statement) the team chose to work on."""

    item_key: str = Field(..., alias="item.key")
    number: str = Field(..., alias="item.number")
    title: str = Field(..., alias="item.title")
    reason: str
    effort: PriorityLevel
    impact: PriorityLevel
    chosen_by: str | None
    chosen_at: dt.datetime

    @staticmethod
    def resolve_chosen_by(entry: ChosenPriority) -> str | None:
        return str(entry.chosen_by) if entry.chosen_by_id else None


class ChosenPriorityWrite(Schema):
    reason: str = Field(..., max_length=services.MAX_PRIORITY_REASON,
                        description="why the team will work on it")
    effort: PriorityLevel
    impact: PriorityLevel


class ReportLinks(Schema):
    html: str
    pdf: str
    xlsx: str


class StatementFollowUpRead(Schema):
    owner_id: int | None
    owner: str | None
    target_date: dt.date | None
    no_evidence_reason: str

    @staticmethod
    def resolve_owner(follow_up) -> str | None:
        return str(follow_up.owner) if follow_up.owner_id else None


class StatementFollowUpWrite(Schema):
    owner: Id | str | None = Field(None, description="user id or email of an active member; "
                                                     "null: nobody")
    target_date: Day | None = None
    no_evidence_reason: Text = Field("", max_length=services.MAX_NO_EVIDENCE_REASON,
                                     description="why a yes has no evidence attached")


class PlatformFigureRead(Schema):
    """A figure from the organization's own records in SafetyHub (not an attestation: whether
    the statement is met is the organization's judgement)."""

    key: str
    label: str
    value: str
    period: str
    link: str = Field(..., description="the page of the records behind the figure")
    note: str


class ReadinessStatementRead(Schema):
    key: str
    number: str
    title: str
    state: str = Field(..., description="met, not-met or cannot-score")
    answer: str
    evidence_count: int = Field(..., description="files on the agreed answer")
    needs_reason: bool = Field(..., description="a yes with no evidence and no stated reason")
    overdue: bool
    follow_up: StatementFollowUpRead | None
    platform_figures: list[PlatformFigureRead] = Field(
        ..., description="what SafetyHub's own records show for the statement (PSSM only)")


class ReadinessDomainRead(Schema):
    key: str
    number: str
    title: str
    state: str = Field(..., description="met, not-met or cannot-score")
    statements: list[ReadinessStatementRead]


class AttestationPeriodRead(Schema):
    reporting_year: int | None = Field(None, description="the calendar year reported on")
    submission_date: dt.date | None


class AttestationPeriodWrite(Schema):
    reporting_year: int | None = Field(None, ge=2000, le=2200)
    submission_date: Day | None = None


class AttestationReadinessRead(Schema):
    score: int
    possible: int
    unscorable: int
    period: AttestationPeriodRead
    gaps: int
    gaps_without_owner: int
    gaps_overdue: int
    yes_without_evidence: int = Field(..., description="yes answers with no evidence and no "
                                                       "stated reason")
    domains: list[ReadinessDomainRead]
    evidence_binder: str = Field(..., description="address of the ZIP (the team only)")


# --- helpers -------------------------------------------------------------------------------


def _assessment(request: HttpRequest, slug: str, pk: int, permission: str = VIEW_ORG, *,
                with_pack_content: bool = True):
    org = api_organization(request, slug, permission)
    return org, access_assessment(user=request.user, organization=org, pk=pk,
                                  with_pack_content=with_pack_content)


def _require(request: HttpRequest, permission: str, assessment: Assessment, reason: str):
    if not request.user.has_perm(permission, assessment):
        raise PermissionDenied(reason)


def _is_lead(request: HttpRequest, assessment: Assessment) -> bool:
    return request.user.has_perm("assessments.lead_assessment", assessment)


class DetailOut:
    """An assessment with its team and what the caller may do, shaped for AssessmentDetail."""

    def __init__(self, request: HttpRequest, assessment: Assessment):
        self._assessment = assessment
        self.team = list(TeamMember.objects.filter(assessment=assessment).select_related("user"))
        self.team_size = len(self.team)
        self.my_role = next((m.role for m in self.team if m.user_id == request.user.pk), None)
        self.can_answer = self.my_role is not None and assessment.is_open
        self.can_lead = _is_lead(request, assessment)
        self.can_write_agreed = assessment.is_open and request.user.has_perm(
            "assessments.write_agreed_answers", assessment)
        self.sees_member_answers = request.user.has_perm("assessments.see_member_answers",
                                                         assessment)
        self.agreed_by_rule = agreed_by_rule(assessment)

    def __getattr__(self, name: str):
        return getattr(self._assessment, name)


def _members_by_reference(organization: Organization, refs: list[int | str], field: str
                          ) -> list[User]:
    """Active members of the organization named by user id or email; 422 naming `field` for
    anyone else (missing, inactive or another organization's: the same answer)."""
    ids = {r for r in refs if isinstance(r, int)}
    emails = {r.strip().lower() for r in refs if isinstance(r, str)}
    wanted = Q(user_id__in=ids)
    for email in emails:
        wanted |= Q(user__email__iexact=email)
    found = (Membership.objects.filter(organization=organization, is_active=True,
                                       user__is_active=True)
             .filter(wanted).select_related("user"))
    users = {m.user.pk: m.user for m in found if m.user.pk in ids
             or m.user.email.lower() in emails}
    by_email = {u.email.lower() for u in users.values()}
    unknown = [str(i) for i in sorted(ids - set(users))] + sorted(emails - by_email)
    if unknown:
        raise ValidationError({field: "Not active members of this organization: "
                                      f"{', '.join(unknown)}."})
    return list(users.values())


def _item(assessment: Assessment, key: str) -> PackItem:
    item = services.answerable_item(assessment.pack, key)
    if item is None:
        raise ValidationError({"item_key": f"{key!r} is not a {assessment.pack.item_noun} "
                                           "of this assessment."})
    return item


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors
                            for field, errors in exc.error_dict.items()})


# --- endpoints -----------------------------------------------------------------------------


@router.get("/orgs/{slug}/assessments", response=list[AssessmentRead])
def assessment_list(request, slug: str):
    """The assessments you may see: all of them for admins, safety leads and executive
    viewers; otherwise those whose team you are on."""
    org = api_organization(request, slug, VIEW_ORG)
    return queries.assessments_for(user=request.user, organization=org)


@router.post("/orgs/{slug}/assessments", response={201: AssessmentDetail})
def assessment_start(request, slug: str, payload: AssessmentCreate):
    """Start an assessment cycle of an instrument or attestation pack with a team."""
    org = api_organization(request, slug, "assessments.start_assessment")
    try:
        pack = access_pack(user=request.user, organization=org, pack_id=payload.pack_id,
                           version=payload.version)
    except Http404:
        raise ValidationError({"pack_id": "No such pack (or version) for this organization."}
                              ) from None
    site = None
    if payload.site_id is not None:
        try:
            site = access_site(user=request.user, organization=org, pk=payload.site_id)
        except Http404:
            raise ValidationError({"site_id": "No such site in this organization."}) from None
    lead = (request.user if payload.lead is None
            else _members_by_reference(org, [payload.lead], "lead")[0])
    team = _members_by_reference(org, payload.team, "team")
    try:
        assessment = services.start_assessment(
            organization=org, pack=pack, title=payload.title, mode=payload.mode, lead=lead,
            team=team, by=request.user, site=site, opens_on=payload.opens_on,
            window_days=payload.window_days, due_on=payload.due_on,
            reminder_days=payload.reminder_days, agreed_by=payload.agreed_by,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"pack": "pack_id", "site": "site_id"}) from None
    assessment = access_assessment(user=request.user, organization=org, pk=assessment.pk)
    return Status(201, DetailOut(request, assessment))


@router.get("/orgs/{slug}/assessments/{assessment_id}", response=AssessmentDetail)
def assessment_detail(request, slug: str, assessment_id: int):
    _org, assessment = _assessment(request, slug, assessment_id)
    return DetailOut(request, assessment)


@router.put("/orgs/{slug}/assessments/{assessment_id}/responses/{item_key}",
            response={200: ResponseRead, 409: ConflictRead})
def response_save(request, slug: str, assessment_id: int, item_key: str,
                  payload: ResponseWrite):
    """Autosave one answer: your own, or with `consensus` the team's agreed answer. Send
    `expected_version` (the version you loaded) to be told, with 409 and the saved answer,
    when someone else saved it in between."""
    # The pack's content is not needed: its items and scale are cached once it is locked.
    _org, assessment = _assessment(request, slug, assessment_id, with_pack_content=False)
    item = _item(assessment, item_key)
    if payload.consensus:
        _require(request, "assessments.write_agreed_answers", assessment,
                 agreed_by_rule(assessment))
    fields = payload.model_dump(exclude={"consensus", "expected_version"})
    try:
        response = services.save_answer(
            assessment=assessment, item=item, user=request.user, consensus=payload.consensus,
            expected_version=payload.expected_version, **fields)
    except services.AnswerConflict as conflict:
        current = conflict.current
        current.item = item
        return Status(409, {
            "detail": [{"field": field, "reason": reason}
                       for field, reasons in conflict.message_dict.items()
                       for reason in reasons],
            "current": current,
            "submitted": {k: v for k, v in fields.items() if v is not None}
            | {"expected_version": payload.expected_version},
        })
    response.item = item
    return response


@router.get("/orgs/{slug}/assessments/{assessment_id}/responses", response=list[ResponseRead])
def response_list(request, slug: str, assessment_id: int):
    """The team's agreed answers and your own; every member's for the assessment's lead,
    and for the whole team once the lead opens consensus. Nobody outside the team sees
    members' own answers."""
    _org, assessment = _assessment(request, slug, assessment_id)
    return (queries.visible_responses(assessment=assessment, viewer=request.user)
            .select_related("item", "updated_by")
            .order_by("item__position", "respondent_id", "pk"))


@router.post("/orgs/{slug}/assessments/{assessment_id}/finish", response=TeamMemberRead)
def finish(request, slug: str, assessment_id: int, payload: FinishWrite):
    """Say your own scoring is done (or, with `finished: false`, not done after all);
    reminders stop for those who are done."""
    _org, assessment = _assessment(request, slug, assessment_id)
    member = services.mark_finished(assessment=assessment, user=request.user,
                                    finished=payload.finished)
    member.user = request.user
    return member


@router.get("/orgs/{slug}/assessments/{assessment_id}/results", response=ResultsRead)
def results(request, slug: str, assessment_id: int):
    """Section means, counts and distributions (instruments) or domains met and the
    statements blocking them (attestations); per item the consensus answer, the members'
    answers and whether they disagree."""
    _org, assessment = _assessment(request, slug, assessment_id)
    res = queries.assessment_results(assessment=assessment, viewer=request.user)
    items = []
    for section in res.sections:
        for r in section.items:
            items.append({
                "key": r.item.key, "number": r.item.number, "title": r.item.title,
                "section": section.section.key,
                "consensus": ({"value": r.consensus.value, "version": r.consensus.version,
                               "rationale": r.consensus.rationale} if r.consensus else None),
                "members": [
                    {"user_id": m.user_id, "name": str(m.user),
                     "value": answer.value if answer else None,
                     "version": answer.version if answer else None}
                    for m, answer in r.by_member
                ],
                "disagreement": r.disagreement, "evidence_count": r.evidence_count,
                "needs_official_text": r.needs_official_text,
                "official_text": r.official_text,
            })
    return {
        "assessment_id": assessment.pk, "status": assessment.status, "kind": res.kind,
        "scale": res.scale, "items_total": res.items_total,
        "disagreement_levels": res.disagreement_levels,
        "progress": [{"user_id": m.user_id, "name": str(m.user),
                      "answered": res.answered_by_member.get(m.user_id, 0),
                      "finished_at": m.finished_at} for m in res.team],
        "means": res.means, "attestation": res.attestation, "items": items,
    }


@router.get("/orgs/{slug}/assessments/{assessment_id}/official-texts",
            response=list[StatementTextRead])
def official_text_list(request, slug: str, assessment_id: int):
    """The statements whose wording the pack does not have (attestations only), each with
    your organization's entry of its official text, if any."""
    _org, assessment = _assessment(request, slug, assessment_id)
    res = queries.assessment_results(assessment=assessment, viewer=None)
    return [{"key": r.item.key, "number": r.item.number, "title": r.item.title,
             "status": r.item.status, "official_text": r.official_text}
            for section in res.sections for r in section.items if r.needs_official_text]


@router.put("/orgs/{slug}/assessments/{assessment_id}/official-texts/{item_key}",
            response=OfficialTextRead)
def official_text_enter(request, slug: str, assessment_id: int, item_key: str,
                        payload: OfficialTextWrite):
    """Enter (or correct) the official text of a statement whose wording the pack does not
    have; from then on a yes to it counts. The assessment's lead (or a patient-safety lead or
    admin), while it is open."""
    _org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can enter official texts.")
    item = _item(assessment, item_key)
    entry = services.enter_official_text(assessment=assessment, item=item, text=payload.text,
                                         source=payload.source, by=request.user)
    entry.item = item
    return entry


def _priority(view: queries.PriorityView) -> dict:
    item = view.result.item
    return {
        "key": item.key, "number": item.number, "title": item.title,
        "section": view.priority.section, "value": view.priority.value,
        "numeric": view.priority.numeric, "needs_discussion": view.priority.needs_discussion,
        "recommendations": [r.key for r in view.recommendations],
        "tactics": [t.key for t in view.tactics],
        "statements": [s.key for s in view.statements],
    }


@router.get("/orgs/{slug}/assessments/{assessment_id}/priorities", response=PrioritiesRead)
def priorities(request, slug: str, assessment_id: int):
    """Where to start: items ranked by the team's agreed maturity (lowest first), and those
    that need discussion; each with its recommendations, their tactics and the attestation
    statements they support (keys of the linked packs)."""
    _org, assessment = _assessment(request, slug, assessment_id)
    ranked, discuss = queries.where_to_start(
        results=queries.assessment_results(assessment=assessment, viewer=request.user))
    return {"ranked": [_priority(p) for p in ranked],
            "needs_discussion": [_priority(p) for p in discuss]}


@router.get("/orgs/{slug}/assessments/{assessment_id}/priorities/chosen",
            response=list[ChosenPriorityRead])
def chosen_priority_list(request, slug: str, assessment_id: int):
    """The priorities the team chose to work on (3 to 5), in the order chosen."""
    _org, assessment = _assessment(request, slug, assessment_id)
    return queries.chosen_priorities(assessment=assessment)


@router.put("/orgs/{slug}/assessments/{assessment_id}/priorities/chosen/{item_key}",
            response=ChosenPriorityRead)
def chosen_priority_set(request, slug: str, assessment_id: int, item_key: str,
                        payload: ChosenPriorityWrite):
    """Choose an item as a priority (or change its reason and judgements); at most
    five per assessment. The assessment's lead, a patient-safety lead or an admin."""
    _org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can choose the team's priorities.")
    item = _item(assessment, item_key)
    entry = services.choose_priority(assessment=assessment, item=item, reason=payload.reason,
                                     effort=payload.effort.value, impact=payload.impact.value,
                                     by=request.user)
    entry.item = item
    return entry


@router.delete("/orgs/{slug}/assessments/{assessment_id}/priorities/chosen/{item_key}",
               response={204: None})
def chosen_priority_drop(request, slug: str, assessment_id: int, item_key: str):
    """Remove an item from the chosen priorities."""
    _org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can choose the team's priorities.")
    item = _item(assessment, item_key)
    try:
        services.drop_priority(assessment=assessment, item=item, by=request.user)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from exc
    return Status(204, None)


@router.post("/orgs/{slug}/assessments/{assessment_id}/finalize", response=AssessmentDetail)
def finalize(request, slug: str, assessment_id: int):
    """Close the assessment: answers become read-only. Every item needs an agreed answer."""
    _org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can finalize it.")
    assessment = services.finalize(assessment=assessment, by=request.user)
    return DetailOut(request, assessment)


@router.post("/orgs/{slug}/assessments/{assessment_id}/open-consensus",
             response=AssessmentDetail)
def open_consensus(request, slug: str, assessment_id: int):
    """End independent scoring: from now on the whole team sees each member's own answers,
    notes and evidence (before, only each member and the lead do). Cannot be undone."""
    org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can open consensus.")
    services.open_consensus(assessment=assessment, by=request.user)
    return DetailOut(request, access_assessment(user=request.user, organization=org,
                                                pk=assessment.pk))


@router.post("/orgs/{slug}/assessments/{assessment_id}/reopen", response=AssessmentDetail)
def reopen(request, slug: str, assessment_id: int, payload: ReopenWrite):
    """Open a finalized assessment again, saying why (recorded in the audit trail)."""
    _org, assessment = _assessment(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can reopen it.")
    assessment = services.reopen(assessment=assessment, by=request.user, reason=payload.reason)
    return DetailOut(request, assessment)


@router.get("/orgs/{slug}/assessments/{assessment_id}/report", response=ReportLinks)
def report(request, slug: str, assessment_id: int):
    """Where the report is: the web page, the PDF and the responses spreadsheet."""
    org, assessment = _assessment(request, slug, assessment_id)
    kwargs = {"org_slug": org.slug, "pk": assessment.pk}
    return {name: request.build_absolute_uri(reverse(f"assessments:{view}", kwargs=kwargs))
            for name, view in (("html", "report"), ("pdf", "report_pdf"), ("xlsx", "xlsx"))}


# --- attestation readiness -------------------------------------------------------------------


def _attestation(request: HttpRequest, slug: str, pk: int) -> Assessment:
    _org, assessment = _assessment(request, slug, pk)
    if assessment.pack.kind != "attestation":
        raise Http404("Only attestations have readiness.")
    return assessment


def _readiness_out(assessment: Assessment) -> dict:
    ready = readiness_mod.readiness(assessment=assessment)
    return {
        "score": ready.score, "possible": ready.possible, "unscorable": ready.unscorable,
        "period": {"reporting_year": getattr(ready.attestation, "reporting_year", None),
                   "submission_date": getattr(ready.attestation, "submission_date", None)},
        "gaps": len(ready.gaps), "gaps_without_owner": len(ready.unowned_gaps),
        "gaps_overdue": len(ready.overdue_gaps),
        "yes_without_evidence": len(ready.needing_reason),
        "domains": [{
            "key": d.section.key, "number": d.section.number, "title": d.section.title,
            "state": d.state, "statements": [{
                "key": s.item.key, "number": s.item.number, "title": s.item.title,
                "state": s.state, "answer": s.answer, "evidence_count": len(s.evidence),
                "needs_reason": s.needs_reason, "overdue": s.overdue(ready.today),
                "follow_up": s.follow_up, "platform_figures": s.platform}
                for s in d.statements]}
            for d in ready.domains],
        "evidence_binder": reverse("assessments:evidence_binder",
                                   args=[assessment.organization.slug, assessment.pk]),
    }


@router.get("/orgs/{slug}/assessments/{assessment_id}/readiness", response=AttestationReadinessRead)
def readiness(request, slug: str, assessment_id: int):
    """Attestation readiness (the PSSM): per domain each statement's state from the agreed
    answer, its evidence count, and its follow-up; the reporting period; the counts of gaps
    without an owner and of yes answers with no evidence and no stated reason."""
    return _readiness_out(_attestation(request, slug, assessment_id))


@router.put("/orgs/{slug}/assessments/{assessment_id}/readiness/period",
            response=AttestationPeriodRead)
def readiness_period(request, slug: str, assessment_id: int, payload: AttestationPeriodWrite):
    """State the reporting year and the submission date. The assessment's lead (or a
    patient-safety lead or admin)."""
    assessment = _attestation(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can state the reporting period.")
    return services.set_attestation_period(
        assessment=assessment, reporting_year=payload.reporting_year,
        submission_date=payload.submission_date, by=request.user)


@router.put("/orgs/{slug}/assessments/{assessment_id}/readiness/statements/{item_key}",
            response=StatementFollowUpRead)
def readiness_follow_up(request, slug: str, assessment_id: int, item_key: str,
                        payload: StatementFollowUpWrite):
    """Set a statement's follow-up: the owner and target date of a gap, and why a yes has
    no evidence attached. The assessment's lead (or a patient-safety lead or admin)."""
    assessment = _attestation(request, slug, assessment_id)
    _require(request, "assessments.lead_assessment", assessment,
             "Only the assessment's lead can set a statement's follow-up.")
    item = _item(assessment, item_key)
    owner = None
    if payload.owner is not None:
        [owner] = _members_by_reference(assessment.organization, [payload.owner], "owner")
    return services.set_follow_up(assessment=assessment, item=item, owner=owner,
                                  target_date=payload.target_date,
                                  no_evidence_reason=payload.no_evidence_reason,
                                  by=request.user)

