"""What assessments put on My work (registered in apps.py): the questions a person has to
answer or finish, the consensus they lead, and for the status strip the latest
self-assessment's headline and the PSSM readiness. Each function costs a fixed number of
queries whatever the number of assessments."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from safetyhub.core.models import Organization, User
from safetyhub.core.my_work import Hint, Status, WorkItem
from safetyhub.frameworks.models import PackItem

from .models import Assessment, Response, TeamMember
from .queries import assessment_results, assessments_for
from .readiness import gaps_owned_by
from .rules import is_lead_role


def _questions(assessment: Assessment) -> str:
    """What a person calls the parts of this pack (an attestation has statements)."""
    return "statements" if assessment.pack.kind == "attestation" else "questions"


def _items_per_pack(assessments: list[Assessment]) -> dict[int, int]:
    """How many answerable items each pack has. One query."""
    return dict(PackItem.objects.filter(
        pack__in={a.pack_id for a in assessments}, kind=PackItem.Kind.ITEM)
        .values("pack").annotate(n=Count("pk")).values_list("pack", "n"))


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.organization.slug, assessment.pk])


def _ordered(items: list[WorkItem]) -> list[WorkItem]:
    """Overdue first, then soonest due (undated last)."""
    return sorted(items, key=lambda i: (not i.overdue, i.due_on is None, i.due_on or 0))


def to_answer(user: User, organization: Organization) -> list[WorkItem]:
    """Open assessments scored member by member where the user is on the team and has not
    said their own answers are done. Three queries."""
    today = timezone.localdate()
    assessments = [m.assessment for m in TeamMember.objects.filter(
        user=user, finished_at=None, assessment__organization=organization,
        assessment__status=Assessment.Status.OPEN, assessment__opens_on__lte=today,
        assessment__mode=Assessment.Mode.INDEPENDENT_THEN_CONSENSUS,
    ).select_related("assessment__pack", "assessment__organization")]
    if not assessments:
        return []
    totals = _items_per_pack(assessments)
    answered = dict(Response.objects.filter(
        assessment__in=assessments, respondent=user).exclude(value="")
        .values("assessment").annotate(n=Count("pk")).values_list("assessment", "n"))
    items = []
    for a in assessments:
        done = answered.get(a.pk, 0)
        words = _questions(a)
        items.append(WorkItem(
            title=a.title, link=_url("answer", a),
            kind="Your answers to finish" if done else f"{words.capitalize()} to answer",
            due_on=a.closes_on, overdue=a.closes_on < today,
            detail=(f"{done} of {totals.get(a.pack_id, 0)} {words} answered. When you are "
                    "done, say so on the answer sheet."),
        ))
    return _ordered(items)


def consensus_to_lead(user: User, organization: Organization) -> list[WorkItem]:
    """Open assessments the user leads, with the step the team is at. Three queries."""
    today = timezone.localdate()
    assessments = list(Assessment.objects.filter(
        organization=organization, status=Assessment.Status.OPEN,
        # a subquery, not a join on the team: the counts below count the whole team
        pk__in=TeamMember.objects.filter(user=user, role=TeamMember.Role.LEAD)
        .values("assessment"),
    ).select_related("pack", "organization").annotate(
        members=Count("team", distinct=True),
        finished=Count("team", filter=Q(team__finished_at__isnull=False), distinct=True)))
    if not assessments:
        return []
    totals = _items_per_pack(assessments)
    agreed = dict(Response.objects.filter(assessment__in=assessments, respondent=None)
                  .exclude(value="").values("assessment").annotate(n=Count("pk"))
                  .values_list("assessment", "n"))
    items = []
    for a in assessments:
        words = _questions(a)
        progress = f"{agreed.get(a.pk, 0)} of {totals.get(a.pack_id, 0)} {words} agreed."
        if a.mode == Assessment.Mode.CONSENSUS_ONLY or a.consensus_opened_at:
            kind, link, detail = "Consensus to lead", _url("consensus", a), progress
        elif a.finished == a.members:
            kind, link = "Consensus to open", _url("detail", a)
            detail = "Everyone has finished their own answers: open consensus."
        else:
            kind, link = "Team answering", _url("detail", a)
            detail = (f"{a.finished} of {a.members} members have finished their own answers. "
                      "Open consensus when the team is ready.")
        items.append(WorkItem(title=a.title, link=link, kind=kind, due_on=a.due_on,
                              overdue=a.due_on < today, detail=detail))
    return _ordered(items)


def start_hint(user: User, organization: Organization) -> Hint:
    if is_lead_role(user, organization.pk):
        return Hint(text="No assessment waits on you. Start a self-assessment with an "
                         "interdisciplinary team to see where to begin.",
                    link=reverse("assessments:start", args=[organization.slug]),
                    link_text="Start a self-assessment")
    return Hint(text="No assessment waits on you. When a lead puts you on an assessment's "
                     "team, its questions appear here.")


def _latest(user: User, organization: Organization, *, kind: str,
            finalized: bool) -> Assessment | None:
    qs = assessments_for(user=user, organization=organization).filter(pack__kind=kind)
    if finalized:
        qs = qs.filter(status=Assessment.Status.FINALIZED).order_by("-finalized_at", "-pk")
    return qs.select_related("organization").first()


def self_assessment_status(user: User, organization: Organization) -> Status:
    """The headline of the latest finalized self-assessment the user may see."""
    assessment = _latest(user, organization, kind="instrument", finalized=True)
    if assessment is None:
        may_start = is_lead_role(user, organization.pk)
        return Status(
            value="None finalized yet",
            detail="A finalized self-assessment gives the team its starting point.",
            link=reverse("assessments:start" if may_start else "assessments:list",
                         args=[organization.slug]),
            link_text="Start a self-assessment" if may_start else "Assessments")
    results = assessment_results(assessment=assessment, viewer=None)
    means = results.means
    top = max((level.numeric for level in results.scale if level.numeric is not None),
              default=None)
    value = (f"{means.overall_mean:.1f} of {top}" if means and means.overall_mean is not None
             and top is not None else "No scored answers")
    return Status(value=value,
                  detail=f"Mean maturity, {assessment.title} "
                         f"(finalized {assessment.finalized_at:%-d %b %Y})",
                  link=_url("results", assessment), link_text="Results")


def pssm_status(user: User, organization: Organization) -> Status | None:
    """The latest attestation the user may see (open or finalized: readiness is now)."""
    assessment = _latest(user, organization, kind="attestation", finalized=False)
    if assessment is None:
        return Status(value="Not started",
                      detail="Answer the CMS Patient Safety Structural Measure statements to "
                             "see how ready the hospital is to attest.",
                      link=reverse("assessments:list", args=[organization.slug]),
                      link_text="Assessments")
    result = assessment_results(assessment=assessment, viewer=None).attestation
    if result is None:
        return None
    when = ("in progress" if assessment.is_open
            else f"finalized {assessment.finalized_at:%-d %b %Y}")
    detail = f"Domains met, {assessment.title} ({when})"
    if result.unscorable:
        detail += f"; {result.unscorable} cannot be scored until their official text is entered"
    return Status(value=f"{result.score} of {result.possible}", detail=detail,
                  link=_url("readiness", assessment), link_text="Readiness",
                  tone="good" if result.score == result.possible else "")


def attestation_gaps(user: User, organization: Organization) -> list[WorkItem]:
    """Statements of open attestations not yet met whose follow-up the person owns."""
    today = timezone.localdate()
    return [
        WorkItem(title=f"{gap.item.number} {gap.item.title}".strip(),
                 link=_url("readiness", gap.assessment) + f"#statement-{gap.item.key}",
                 kind="Attestation gap", due_on=gap.target_date,
                 overdue=gap.target_date is not None and gap.target_date < today,
                 detail=gap.assessment.title)
        for gap in gaps_owned_by(user=user, organization=organization)
    ]
