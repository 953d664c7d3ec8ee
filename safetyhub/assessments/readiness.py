"""Attestation readiness (the CMS PSSM): per domain, each statement's status from the team's
agreed answer, the evidence on that answer, and the follow-up (who owns a gap and by when,
or why a "yes" has no evidence); the reporting period; readiness across finalized cycles;
and the evidence binder (a ZIP of an index PDF and the evidence files, a folder per domain).

Only the agreed (consensus) answers and their files are read: a member's own answers and
files never reach this page or the binder (rules.py).
"""

import datetime as dt
import re
import tempfile
import zipfile
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from safetyhub.core.platform_evidence import Figure

from . import pssm_evidence, queries
from .models import Assessment, Attestation, Evidence, Response, StatementFollowUp

PSSM_PACK = "pssm"
HISTORY_CYCLES = 8  # cycles shown in the readiness history (the latest ones)
NO_ANSWER = "No agreed answer yet"
STATE_LABELS = {"met": "Met", "not-met": "Not met", "cannot-score": "Cannot be scored yet"}
STATE_CLASSES = {"met": "status-met", "not-met": "status-unmet", "cannot-score": "status-pending"}


class _HasState:
    """A statement's or a domain's state ("met", "not-met", "cannot-score") in words and as
    the page's CSS class."""

    state: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_class(self) -> str:
        return STATE_CLASSES[self.state]


@dataclass
class StatementReadiness(_HasState):
    result: queries.ItemResult
    answer: str  # the agreed answer's label, or NO_ANSWER
    state: str  # "met", "not-met" or "cannot-score" (scoring.SectionAttestation.state)
    evidence: list[Evidence]
    follow_up: StatementFollowUp | None
    affirmed: bool  # the agreed answer is the pack's "met" value
    # What SafetyHub's own records show for the statement (PSSM only; pssm_evidence.py)
    platform: list[Figure] = field(default_factory=list)

    @property
    def item(self):
        return self.result.item

    @property
    def is_gap(self) -> bool:
        return self.state != "met"

    @property
    def needs_reason(self) -> bool:
        """A "yes" with no evidence attached and no reason stated why."""
        return self.affirmed and not self.evidence and not (
            self.follow_up and self.follow_up.no_evidence_reason)

    @property
    def unowned(self) -> bool:
        return self.is_gap and not (self.follow_up and self.follow_up.owner_id)

    def overdue(self, today: dt.date) -> bool:
        return self.is_gap and bool(self.follow_up and self.follow_up.target_date
                                    and self.follow_up.target_date < today)


@dataclass
class DomainReadiness(_HasState):
    section: object  # the domain's PackItem
    state: str
    statements: list[StatementReadiness] = field(default_factory=list)


@dataclass
class Readiness:
    assessment: Assessment
    attestation: Attestation | None
    domains: list[DomainReadiness]
    score: int
    possible: int
    unscorable: int
    today: dt.date
    platform_shown: bool = False  # some statement carries figures from SafetyHub's records

    @property
    def statements(self) -> list[StatementReadiness]:
        return [s for d in self.domains for s in d.statements]

    @property
    def gaps(self) -> list[StatementReadiness]:
        return [s for s in self.statements if s.is_gap]

    @property
    def unowned_gaps(self) -> list[StatementReadiness]:
        return [s for s in self.statements if s.unowned]

    @property
    def overdue_gaps(self) -> list[StatementReadiness]:
        return [s for s in self.statements if s.overdue(self.today)]

    @property
    def needing_reason(self) -> list[StatementReadiness]:
        return [s for s in self.statements if s.needs_reason]


def met_value(assessment: Assessment) -> str:
    return (assessment.pack.content.get("scoring") or {}).get("met") or "yes"


def consensus_evidence(assessment: Assessment) -> QuerySet[Evidence]:
    """The files attached to the team's agreed answers (never to a member's own)."""
    return Evidence.objects.filter(response__assessment=assessment,
                                   response__respondent__isnull=True).select_related("response")


def readiness(*, assessment: Assessment, with_platform: bool = True) -> Readiness:
    """The readiness of an attestation assessment, from its agreed answers only: a fixed
    number of queries whatever the number of statements. With `with_platform`, a PSSM
    cycle's statements carry what SafetyHub's own records show for them."""
    results = queries.assessment_results(assessment=assessment, viewer=None)
    labels = results.labels()
    met = met_value(assessment)
    files: dict[int, list[Evidence]] = {}
    for evidence in consensus_evidence(assessment):
        files.setdefault(evidence.response.item_id, []).append(evidence)
    follow_ups = {f.item_id: f for f in StatementFollowUp.objects.filter(
        assessment=assessment).select_related("owner")}
    today = timezone.localdate()
    platform = (pssm_evidence.by_statement(organization=assessment.organization, today=today)
                if with_platform and assessment.pack.pack_id == PSSM_PACK else {})
    domains = []
    for section, score in zip(results.sections, results.attestation.sections, strict=True):
        domain = DomainReadiness(section=section.section, state=score.state)
        for row in section.items:
            value = row.consensus_value
            state = ("cannot-score" if row.awaits_official_text
                     else "met" if value == met else "not-met")
            domain.statements.append(StatementReadiness(
                result=row, answer=labels.get(value, NO_ANSWER) if value else NO_ANSWER,
                state=state, evidence=files.get(row.item.pk, []),
                follow_up=follow_ups.get(row.item.pk), affirmed=value == met,
                platform=platform.get(row.item.key, [])))
        domains.append(domain)
    attestation = Attestation.objects.filter(assessment=assessment).first()
    return Readiness(assessment=assessment, attestation=attestation, domains=domains,
                     score=results.attestation.score, possible=results.attestation.possible,
                     unscorable=results.attestation.unscorable, today=today,
                     platform_shown=bool(platform))


def current_cycle(*, user, organization) -> Assessment | None:
    """The organization's current PSSM cycle as the user may see it: the latest open one,
    else the latest finalized one."""
    visible = list(queries.assessments_for(user=user, organization=organization)
                   .filter(pack__pack_id=PSSM_PACK).order_by("-opens_on", "-pk"))
    open_ones = [a for a in visible if a.is_open]
    return (open_ones or visible or [None])[0]


def gaps_owned_by(*, user, organization) -> QuerySet[StatementFollowUp]:
    """The open attestation gaps the user owns in the organization (for My work): statements
    of open assessments whose agreed answer is not "yes", earliest target date first."""
    affirmed = Response.objects.filter(assessment=OuterRef("assessment"), item=OuterRef("item"),
                                       respondent__isnull=True, value="yes")
    return (StatementFollowUp.objects
            .filter(organization=organization, owner=user,
                    assessment__status=Assessment.Status.OPEN,
                    assessment__pack__kind="attestation")
            .exclude(Exists(affirmed))
            .select_related("assessment", "item")
            .order_by("target_date", "pk"))


@dataclass
class HistoryPoint:
    assessment: Assessment
    reporting_year: int | None
    score: int
    possible: int
    unscorable: int
    is_this: bool


def history(*, user, assessment: Assessment) -> list[HistoryPoint]:
    """Readiness over time: each finalized cycle of the same attestation the user may see
    (the latest HISTORY_CYCLES), oldest first, and this one (open or not) in its place."""
    cycles = list(queries.assessments_for(user=user, organization=assessment.organization)
                  .filter(pack__pack_id=assessment.pack.pack_id)
                  .filter(status=Assessment.Status.FINALIZED)
                  .exclude(pk=assessment.pk).order_by("-opens_on", "-pk")[:HISTORY_CYCLES - 1])
    cycles = sorted([*cycles, assessment], key=lambda a: (a.opens_on, a.pk))
    years = dict(Attestation.objects.filter(assessment__in=cycles)
                 .values_list("assessment_id", "reporting_year"))
    points = []
    for cycle in cycles:
        scored = queries.assessment_results(assessment=cycle, viewer=None).attestation
        points.append(HistoryPoint(assessment=cycle, reporting_year=years.get(cycle.pk),
                                   score=scored.score, possible=scored.possible,
                                   unscorable=scored.unscorable, is_this=cycle.pk == assessment.pk))
    return points


# --- the evidence binder ---------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w .()-]+")


def safe_name(text: str, *, limit: int = 80) -> str:
    """A file or folder name any unzip tool accepts: no separators, control characters or
    leading dots, at most `limit` characters."""
    cleaned = " ".join(_UNSAFE.sub("_", text).split()).lstrip(".") or "file"
    return cleaned[:limit].rstrip() or "file"


@dataclass
class BinderFile:
    evidence: Evidence
    path: str  # inside the ZIP
    missing: bool = False  # the file is gone from storage


def binder_files(ready: Readiness) -> dict[int, list[BinderFile]]:
    """Where each agreed answer's file goes in the binder, by item id: one folder per domain,
    each file named by its statement and kept apart by its id."""
    out: dict[int, list[BinderFile]] = {}
    for domain in ready.domains:
        folder = safe_name(f"Domain {domain.section.number} {domain.section.title}", limit=60)
        for statement in domain.statements:
            for evidence in statement.evidence:
                number = statement.item.number or statement.item.key
                name = safe_name(f"{number} {evidence.pk} {evidence.original_name}")
                out.setdefault(statement.item.pk, []).append(
                    BinderFile(evidence=evidence, path=f"{folder}/{name}"))
    return out


def build_binder(*, ready: Readiness, generated_by: str,
                 index_pdf) -> tempfile.SpooledTemporaryFile:
    """The evidence binder as a ZIP in a temporary file (read from the start): `index.pdf`
    (made by `index_pdf(html)`) and the files, one folder per domain. A file missing from
    storage is named as missing in the index instead."""
    files = binder_files(ready)
    # Handed to the response, which closes it once sent: no `with` here.
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    try:
        _write_binder(out, ready=ready, files=files, generated_by=generated_by,
                      index_pdf=index_pdf)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _write_binder(out, *, ready: Readiness, files: dict[int, list[BinderFile]],
                  generated_by: str, index_pdf) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entries in files.values():
            for entry in entries:
                try:
                    with entry.evidence.file.open("rb") as handle:
                        archive.writestr(entry.path, handle.read())
                except FileNotFoundError:
                    entry.missing = True
        html = render_to_string("assessments/evidence_binder_index.html", {
            "ready": ready, "assessment": ready.assessment,
            "organization": ready.assessment.organization, "files": files, "attestation": True,
            "generated_at": timezone.localtime(), "generated_by": generated_by})
        archive.writestr("index.pdf", index_pdf(html))
