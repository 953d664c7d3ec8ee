"""Writes for assessment cycles: start, answer (autosave, with conflict detection), finish,
finalize, reopen, evidence. Keyword-only functions, one transaction each; bad input raises
ValidationError naming the field and changes nothing."""

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.inputs import check_date, text_problem
from safetyhub.core.models import Membership, Organization, Site, User
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.frameworks.services import lock_pack

from . import notifications
from .models import (
    Assessment,
    Attestation,
    ChosenPriority,
    Evidence,
    OfficialText,
    Response,
    StatementFollowUp,
    TeamMember,
)
from .queries import needs_official_text
from .rules import agreed_by_rule, team_role, writes_agreed_answers

DEFAULT_WINDOW_DAYS = 30
DEFAULT_REMINDER_DAYS = (7, 15, 29)
MAX_NOTE = 5000
MAX_LINKS = 10
MAX_OFFICIAL_TEXT = 5000
MAX_OFFICIAL_SOURCE = 300
MAX_NO_EVIDENCE_REASON = 1000
MAX_PRIORITY_REASON = 2000
# The team works on three to five priorities at a time (issue 10): choosing a sixth is
# refused; fewer than three is allowed (a team chooses one at a time) and the pages say so.
MIN_CHOSEN = 3
MAX_CHOSEN = 5
# Pasted text keeps its tabs and line breaks; other control characters are refused.
EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "text/plain": ".txt",
    "text/csv": ".csv",
}
# the extensions a file of each type may keep (the first in EVIDENCE_TYPES is given otherwise)
EXTENSIONS_OF = {content_type: {ext} for content_type, ext in EVIDENCE_TYPES.items()} | {
    "image/jpeg": {".jpg", ".jpeg"}}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class AnswerConflict(ValidationError):
    """Someone saved this answer since the caller loaded it. Carries the saved answer."""

    def __init__(self, current: Response):
        self.current = current
        super().__init__({"version": (
            f"{current.updated_by or 'Someone'} changed this answer since you opened it. "
            "Their answer is shown beside yours; choose which to keep.")})


@dataclass(frozen=True)
class _LockedPack:
    items: dict[str, tuple]  # key: the item row's values, in `_ITEM_FIELDS` order
    scale: tuple[str, ...]


_ITEM_FIELDS = tuple(f.attname for f in PackItem._meta.concrete_fields)


@functools.lru_cache(maxsize=64)
def _locked_pack(pack_pk: int, locked_at: dt.datetime) -> _LockedPack:
    """A locked pack's answerable items and scale, kept in memory: an assessment's pack is
    locked when the assessment starts and a locked pack never changes (a change is a new
    version), so autosave need not read them again for every answer. (Keyed by the lock time
    too: a pack row is locked once in its life.)"""
    pack = Pack.objects.only("content").get(pk=pack_pk)
    rows = PackItem.objects.filter(pack_id=pack_pk, kind=PackItem.Kind.ITEM).values_list(
        *_ITEM_FIELDS)
    key = _ITEM_FIELDS.index("key")
    return _LockedPack(items={row[key]: row for row in rows},
                       scale=tuple(level["value"] for level in pack.scale_levels))


def scale_values(pack: Pack) -> list[str]:
    """The values of the pack's scale, in order."""
    if pack.locked_at is not None:
        return list(_locked_pack(pack.pk, pack.locked_at).scale)
    return [level["value"] for level in pack.scale_levels]


def answerable_item(pack: Pack, key: str) -> PackItem | None:
    """The pack's item (not an area or section) with this key, or None. A new instance each
    time (callers may set attributes on it), with `item.pack` set to `pack`."""
    if pack.locked_at is None:
        # Not expected (starting an assessment locks its pack), but never serve stale items.
        return PackItem.objects.filter(pack=pack, key=str(key), kind=PackItem.Kind.ITEM).first()
    row = _locked_pack(pack.pk, pack.locked_at).items.get(str(key))
    if row is None:
        return None
    item = PackItem.from_db(PackItem.objects.db, _ITEM_FIELDS, row)
    item.pack = pack
    return item


@transaction.atomic
def start_assessment(
    *,
    organization: Organization,
    pack: Pack,
    title: str,
    mode: str,
    lead: User,
    team: Iterable[User],
    by: User,
    site: Site | None = None,
    opens_on: dt.date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    due_on: dt.date | None = None,
    reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS,
    agreed_by: str = Assessment.AgreedBy.LEADS,
) -> Assessment:
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Give the assessment a title."
    if pack.kind not in ("instrument", "attestation"):
        errors["pack"] = ("Choose a self-assessment or an attestation; this framework has "
                          "nothing to answer.")
    if pack.organization_id not in (None, organization.pk):
        errors["pack"] = "No such self-assessment or attestation."
    if mode not in Assessment.Mode.values:
        errors["mode"] = f"Unknown mode {mode!r}."
    if agreed_by not in Assessment.AgreedBy.values:
        errors["agreed_by"] = (f"Unknown choice {str(agreed_by)[:20]!r}: choose "
                               f"{' or '.join(Assessment.AgreedBy.values)}.")
    if site is not None and site.organization_id != organization.pk:
        errors["site"] = "The site belongs to another organization."
    if not 1 <= window_days <= 366:
        errors["window_days"] = "The window is 1 to 366 days."
        window_days = DEFAULT_WINDOW_DAYS  # (a window of 10¹² days overflowed the date below)
    opens_on = opens_on or timezone.localdate()
    if problem := check_date(opens_on):
        errors["opens_on"] = problem
        opens_on = timezone.localdate()
    closes_on = opens_on + dt.timedelta(days=window_days)
    due_on = due_on or closes_on
    if due_on < opens_on:
        errors["due_on"] = "The due date is before the assessment opens."
    days = sorted({int(d) for d in reminder_days})
    if any(d < 1 or d > window_days for d in days):
        errors["reminder_days"] = f"Reminder days must fall within the {window_days}-day window."
    people = {user.pk: user for user in [lead, *team]}
    active = set(Membership.objects.filter(
        organization=organization, is_active=True, user_id__in=people
    ).values_list("user_id", flat=True))
    outsiders = [u.email for pk, u in people.items() if pk not in active]
    if outsiders:
        errors["team"] = f"Not active members of this organization: {', '.join(outsiders)}."
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        organization=organization, site=site, pack=pack, title=title, mode=mode,
        opens_on=opens_on, closes_on=closes_on, due_on=due_on, reminder_days=days,
        created_by=by, agreed_by=agreed_by,
    )
    TeamMember.objects.bulk_create(
        TeamMember(assessment=assessment, user=user,
                   role=TeamMember.Role.LEAD if user.pk == lead.pk else TeamMember.Role.MEMBER)
        for user in people.values()
    )
    lock_pack(pack=pack)
    notifications.team_added(assessment=assessment, users=people.values(), by=by)
    return assessment


def _check_answerable(assessment: Assessment, *, user: User, consensus: bool) -> None:
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is finalized; answers are "
                                             "read-only. A lead can reopen it."})
    if team_role(user, assessment) is None:
        raise ValidationError({"respondent": "Only members of the assessment team can answer."})
    if not consensus and assessment.mode == Assessment.Mode.CONSENSUS_ONLY:
        raise ValidationError({"respondent": "This assessment takes the team's agreed answers "
                                             "only."})
    if consensus and not writes_agreed_answers(user, assessment):
        raise ValidationError({"consensus": agreed_by_rule(assessment)})


def _clean_links(links: Iterable[str]) -> list[str]:
    cleaned = []
    for link in links:
        link = str(link).strip()
        if not link:
            continue
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 500:
            raise ValidationError({"evidence_links": f"{link!r} is not a web address "
                                                     "(http:// or https://)."})
        cleaned.append(link)
    if len(cleaned) > MAX_LINKS:
        raise ValidationError({"evidence_links": f"At most {MAX_LINKS} links per answer."})
    return cleaned


def save_answer(
    *,
    assessment: Assessment,
    item: PackItem,
    user: User,
    consensus: bool = False,
    expected_version: int | None = None,
    value: str | None = None,
    criteria_met: list[str] | None = None,
    note: str | None = None,
    evidence_links: list[str] | None = None,
    rationale: str | None = None,
) -> Response:
    """Save the fields given (None = leave as is) of the user's own answer, or of the team's
    consensus answer. With `expected_version`, refuse if someone saved in between."""
    _check_answerable(assessment, user=user, consensus=consensus)
    if item.pack_id != assessment.pack_id or item.kind != PackItem.Kind.ITEM:
        raise ValidationError({"item": f"{item.key!r} is not a {assessment.pack.item_noun} "
                                       "of this assessment."})
    changes: dict = {}
    if value is not None:
        if value and value not in scale_values(assessment.pack):
            raise ValidationError({"value": f"{value!r} is not an answer on this "
                                            "assessment's scale "
                                            f"({', '.join(scale_values(assessment.pack))})."})
        changes["value"] = value
    if criteria_met is not None:
        known = {c["id"] for c in item.data.get("criteria", [])}
        unknown = [c for c in criteria_met if c not in known]
        if unknown:
            raise ValidationError({"criteria_met": "Not checks of this "
                                                   f"{assessment.pack.item_noun}: {unknown}."})
        changes["criteria_met"] = sorted(set(criteria_met))
    if note is not None:
        if len(note) > MAX_NOTE:
            raise ValidationError({"note": f"Notes are at most {MAX_NOTE} characters."})
        changes["note"] = note
    if evidence_links is not None:
        changes["evidence_links"] = _clean_links(evidence_links)
    if rationale is not None:
        if not consensus:
            raise ValidationError({"rationale": "A rationale belongs to the consensus answer."})
        if len(rationale) > MAX_NOTE:
            raise ValidationError({"rationale": f"At most {MAX_NOTE} characters."})
        changes["rationale"] = rationale
    respondent = None if consensus else user
    # Without a savepoint (autosave is the busiest write): nothing in the block raises but a
    # database error, which must undo the whole request anyway; a conflict is raised after.
    with transaction.atomic(savepoint=False):
        response = _locked_response(assessment, item, respondent)
        conflict = expected_version is not None and response.version != expected_version
        if not conflict:
            for name, new in changes.items():
                setattr(response, name, new)
            response.version += 1
            response.updated_by = user
            response.save()
    if conflict:
        raise AnswerConflict(response)
    return response


def _locked_response(assessment: Assessment, item: PackItem, respondent) -> Response:
    lookup = {"assessment": assessment, "item": item, "respondent": respondent}
    try:
        response = Response.objects.select_for_update().get(**lookup)
    except Response.DoesNotExist:
        pass
    else:
        # The caller holds these already: spare the queries str(response) would make.
        response.item, response.respondent = item, respondent
        return response
    try:
        with transaction.atomic():
            return Response.objects.create(organization_id=assessment.organization_id,
                                           **lookup)
    except IntegrityError:
        # Someone created it at the same moment: use theirs (and its version).
        return Response.objects.select_for_update().get(**lookup)


@transaction.atomic
def enter_official_text(*, assessment: Assessment, item: PackItem, text: str, source: str,
                        by: User) -> OfficialText:
    """Store (or correct) the organization's entry of the official wording of a statement
    whose wording the pack does not have. Once it is entered, a "yes" to the statement counts
    towards its domain. Only while the assessment is open; the caller checks that `by` may
    lead it."""
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is finalized; its statements are "
                                             "read-only. A lead can reopen it."})
    if item.pack_id != assessment.pack_id or item.kind != PackItem.Kind.ITEM:
        raise ValidationError({"item": f"{item.key!r} is not a statement of this assessment's "
                                       "pack."})
    if not needs_official_text(assessment.pack, item):
        raise ValidationError({"item": (
            f"Statement {item.number or item.key} already has confirmed wording in the pack; "
            "only statements whose wording is not confirmed take your organization's entry.")})
    text, source = (text or "").strip(), (source or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Enter the statement's official text, word for word from the " \
                         "specification."
    elif len(text) > MAX_OFFICIAL_TEXT:
        errors["text"] = f"The official text is at most {MAX_OFFICIAL_TEXT} characters."
    elif problem := text_problem(text, single_line=False):
        errors["text"] = problem
    if not source:
        errors["source"] = "Say where the text comes from (the specification's title, " \
                           "version and page)."
    elif len(source) > MAX_OFFICIAL_SOURCE:
        errors["source"] = f"The source is one line of at most {MAX_OFFICIAL_SOURCE} " \
                           "characters."
    elif problem := text_problem(source, single_line=True):
        errors["source"] = problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry, _created = OfficialText.objects.select_for_update().update_or_create(
            assessment=assessment, item=item,
            defaults={"organization_id": assessment.organization_id, "text": text,
                      "source": source, "entered_by": by})
    return entry


def mark_finished(*, assessment: Assessment, user: User, finished: bool = True) -> TeamMember:
    member = TeamMember.objects.select_for_update().filter(assessment=assessment,
                                                           user=user).first()
    if member is None:
        raise ValidationError({"respondent": "You are not on this assessment's team."})
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is finalized."})
    member.finished_at = timezone.now() if finished else None
    member.save()
    return member


def unanswered_items(assessment: Assessment) -> list[PackItem]:
    """Items without a consensus answer (the answers a finalized assessment reports)."""
    answered = set(Response.objects.filter(assessment=assessment, respondent=None)
                   .exclude(value="").values_list("item_id", flat=True))
    return [item for item in PackItem.objects.filter(pack=assessment.pack,
                                                      kind=PackItem.Kind.ITEM)
            if item.pk not in answered]


@transaction.atomic
def finalize(*, assessment: Assessment, by: User) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is already finalized."})
    missing = unanswered_items(assessment)
    if missing:
        listed = ", ".join(f"{i.number or i.key} {i.title}" for i in missing[:50])
        raise ValidationError({"assessment": (
            f"{len(missing)} item(s) have no agreed answer yet: {listed}"
            + ("…" if len(missing) > 50 else ""))})
    assessment.status = Assessment.Status.FINALIZED
    assessment.finalized_at = timezone.now()
    assessment.finalized_by = by
    if assessment.consensus_opened_at is None:
        # A finalized assessment's answers are the whole team's to read, and stay so if it
        # is reopened (what the team has seen cannot be unseen).
        assessment.consensus_opened_at = assessment.finalized_at
        assessment.consensus_opened_by = by
    assessment.save()
    notifications.finalized(assessment=assessment, by=by)
    return assessment


@transaction.atomic
def open_consensus(*, assessment: Assessment, by: User) -> Assessment:
    """End independent scoring: from now on the whole team sees each member's own answers,
    notes and evidence (rules.sees_member_answers). It cannot be undone."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_open:
        raise ValidationError({"assessment": "This assessment is finalized; its team already "
                                             "sees every member's answers."})
    if assessment.mode == Assessment.Mode.CONSENSUS_ONLY:
        raise ValidationError({"assessment": "The team enters agreed answers directly: there "
                                             "are no own answers to show."})
    if assessment.consensus_opened_at is not None:
        raise ValidationError({"assessment": "Consensus is open already."})
    assessment.consensus_opened_at = timezone.now()
    assessment.consensus_opened_by = by
    assessment.save()
    notifications.consensus_opened(assessment=assessment, by=by)
    return assessment


@transaction.atomic
def reopen(*, assessment: Assessment, by: User, reason: str) -> Assessment:
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why the assessment is reopened (a sentence)."})
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.is_open:
        raise ValidationError({"assessment": "This assessment is open already."})
    assessment.status = Assessment.Status.OPEN
    assessment.finalized_at = None
    assessment.finalized_by = None
    assessment.save()
    audit.record(action="event", obj=assessment, object_type="assessments.Reopen",
                 changes={"reason": reason})
    return assessment


@transaction.atomic
@transaction.atomic  # a refused file leaves no empty answer behind
def attach_evidence(*, assessment: Assessment, item: PackItem, user: User, upload,
                    consensus: bool = False) -> tuple[Evidence, bool]:
    """Attach a file to the user's own answer (or, with `consensus`, the team's), creating
    the answer, empty, if there is none yet. Returns the file and whether the answer was
    created."""
    if upload is None:
        raise ValidationError({"file": "Choose a file to attach."})
    respondent = None if consensus else user
    response = Response.objects.filter(assessment=assessment, item=item,
                                       respondent=respondent).first()
    created = response is None
    if created:
        response = save_answer(assessment=assessment, item=item, user=user,
                               consensus=consensus)
    return add_evidence(response=response, upload=upload, by=user), created


def add_evidence(*, response: Response, upload, by: User) -> Evidence:
    """Attach a file to an answer; its size and type are checked (by content, not name)."""
    _check_answerable(response.assessment, user=by, consensus=response.is_consensus)
    if not response.is_consensus and response.respondent_id != by.pk:
        raise ValidationError({"file": "You can attach files to your own answers only."})
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": f"Files are at most {MAX_EVIDENCE_BYTES // 1048576} MB."})
    content_type = sniff_content_type(upload)
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"file": "Attach a PDF, an image, an office document or a text "
                                       "file."})
    # stored and offered for download under an extension that says what the file is: a
    # PNG named "scan.pdf" becomes "scan.png", so no program opens it as something else
    upload.name = name_for_type(upload.name, content_type)
    return Evidence.objects.create(
        response=response, organization_id=response.organization_id, file=upload,
        original_name=upload.name[-200:], content_type=content_type, size=upload.size,
        uploaded_by=by,
    )


def name_for_type(name: str, content_type: str) -> str:
    """`name` with the extension of `content_type` (the sniffed type) in place of any other;
    a name that already ends in an extension of that type is kept as it is."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    if f".{ext.lower()}" in EXTENSIONS_OF.get(content_type, ()):
        return name
    return (stem or "evidence") + EVIDENCE_TYPES[content_type]


def sniff_content_type(upload) -> str:
    """The type by the file's first bytes (what it is), falling back to its name for the
    text and legacy office formats that have no reliable signature."""
    head = upload.read(8)
    upload.seek(0)
    name = upload.name.lower()
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF"):
        return "image/webp" if name.endswith(".webp") else "application/octet-stream"
    if head.startswith(b"PK\x03\x04"):
        for content_type, ext in EVIDENCE_TYPES.items():
            if ext in (".docx", ".xlsx", ".pptx") and name.endswith(ext):
                return content_type
        return "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/msword" if name.endswith(".doc") else "application/vnd.ms-excel"
    if name.endswith((".txt", ".csv")) and b"\x00" not in head:
        return "text/csv" if name.endswith(".csv") else "text/plain"
    return "application/octet-stream"


# --- attestation readiness -------------------------------------------------------------------

def _check_attestation(assessment: Assessment) -> None:
    if assessment.pack.kind != "attestation":
        raise ValidationError({"assessment": "Only an attestation (such as the PSSM) has a "
                                             "reporting period and statement follow-ups."})


@transaction.atomic
def set_attestation_period(*, assessment: Assessment, reporting_year: int | None,
                           submission_date: dt.date | None, by: User) -> Attestation:
    """State the calendar year an attestation reports on and its submission date (either
    may be left empty). Allowed after finalizing too: the submission usually follows it.
    The caller checks that `by` may lead the assessment."""
    _check_attestation(assessment)
    errors = {}
    if reporting_year is not None and not 2000 <= reporting_year <= 2200:
        errors["reporting_year"] = "The reporting year is a calendar year, such as 2026."
    if submission_date is not None and (problem := check_date(submission_date)):
        errors["submission_date"] = problem
    elif (submission_date is not None and reporting_year is not None
          and submission_date.year < reporting_year):
        errors["submission_date"] = ("The submission date cannot come before the reporting "
                                     f"year ({reporting_year}) it reports on.")
    if errors:
        raise ValidationError(errors)
    attestation, _created = Attestation.objects.select_for_update().update_or_create(
        assessment=assessment,
        defaults={"organization_id": assessment.organization_id, "updated_by": by,
                  "reporting_year": reporting_year, "submission_date": submission_date})
    return attestation


@transaction.atomic
def set_follow_up(*, assessment: Assessment, item: PackItem, owner: User | None,
                  target_date: dt.date | None, no_evidence_reason: str, by: User,
                  ) -> StatementFollowUp:
    """Record who owns closing a statement's gap and by when, and why a "yes" has no
    evidence attached. The owner is an active member of the organization. The caller checks
    that `by` may lead the assessment."""
    _check_attestation(assessment)
    if item.pack_id != assessment.pack_id or item.kind != PackItem.Kind.ITEM:
        raise ValidationError({"item": f"{item.key!r} is not a statement of this assessment's "
                                       "pack."})
    reason = (no_evidence_reason or "").strip()
    errors = {}
    if owner is not None and not Membership.objects.filter(
            organization_id=assessment.organization_id, user=owner, is_active=True).exists():
        errors["owner"] = "The owner must be an active member of the organization."
    if target_date is not None and (problem := check_date(target_date)):
        errors["target_date"] = problem
    if len(reason) > MAX_NO_EVIDENCE_REASON:
        errors["no_evidence_reason"] = (f"The reason is at most {MAX_NO_EVIDENCE_REASON} "
                                        "characters.")
    elif problem := text_problem(reason, single_line=False):
        errors["no_evidence_reason"] = problem
    if errors:
        raise ValidationError(errors)
    previous_owner_id = StatementFollowUp.objects.filter(
        assessment=assessment, item=item).values_list("owner_id", flat=True).first()
    follow_up, _created = StatementFollowUp.objects.select_for_update().update_or_create(
        assessment=assessment, item=item,
        defaults={"organization_id": assessment.organization_id, "owner": owner,
                  "target_date": target_date, "no_evidence_reason": reason,
                  "updated_by": by})
    if owner is not None and owner.pk != previous_owner_id:
        notifications.gap_owner(assessment=assessment, item=item, owner=owner,
                                target_date=target_date, by=by)
    return follow_up

@transaction.atomic
def choose_priority(*, assessment: Assessment, item: PackItem, reason: str, effort: str,
                    impact: str, by: User) -> ChosenPriority:
    """Mark `item` as one the team will work on, saying why and judging its effort and
    impact (low, medium or high). Choosing it again replaces the reason and judgements. At
    most MAX_CHOSEN per assessment. The caller checks that `by` may lead the assessment."""
    # The lock serializes choices on one assessment, so two leads cannot both pick the fifth.
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if item.pack_id != assessment.pack_id or item.kind != PackItem.Kind.ITEM:
        raise ValidationError({"item": f"{item.key!r} is not a question of this assessment."})
    reason = (reason or "").strip()
    levels = ChosenPriority.Level.values
    errors = {}
    if not reason:
        errors["reason"] = "Say why the team will work on this (a sentence)."
    elif len(reason) > MAX_PRIORITY_REASON:
        errors["reason"] = f"The reason is at most {MAX_PRIORITY_REASON} characters."
    elif problem := text_problem(reason, single_line=False):
        errors["reason"] = problem
    for name, value in (("effort", effort), ("impact", impact)):
        if value not in levels:
            errors[name] = f"Choose the {name}: {', '.join(levels)}."
    existing = ChosenPriority.objects.filter(assessment=assessment, item=item).first()
    if existing is None and not errors and ChosenPriority.objects.filter(
            assessment=assessment).count() >= MAX_CHOSEN:
        errors["item"] = (f"The team has chosen {MAX_CHOSEN} priorities already, the most to "
                          "work on at once; remove one before choosing another.")
    if errors:
        raise ValidationError(errors)
    if existing is not None:
        existing.reason, existing.effort, existing.impact = reason, effort, impact
        existing.chosen_by = by
        existing.save()
        return existing
    return ChosenPriority.objects.create(
        assessment=assessment, organization_id=assessment.organization_id, item=item,
        reason=reason, effort=effort, impact=impact, chosen_by=by)


@transaction.atomic
def drop_priority(*, assessment: Assessment, item: PackItem, by: User) -> None:
    """The team no longer works on `item` (the audit trail keeps who chose and dropped it).
    The caller checks that `by` may lead the assessment."""
    deleted, _ = ChosenPriority.objects.filter(assessment=assessment, item=item).delete()
    if not deleted:
        raise ValidationError({"item": f"{item.number or item.key} is not a chosen priority."})
