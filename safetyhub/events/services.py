"""Writes for safety event reports: submitting a report (staff, workforce, API; the public
patient and family page builds on the same function), and the reporter's autosaved draft.
Keyword-only functions, one transaction each; bad input raises ValidationError naming each
field and the reason, and changes nothing.

Anonymity: a report made anonymously stores no reporter, and its audit entries are written
with no actor (core.audit.anonymously); its follow-up code is shown once and kept only as a
SHA-256. Idempotency: a client key (a hidden field of the form, a header or field of the API)
makes a replay return the report the first request made, never a second row."""

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safetyhub.core import audit, notifications
from safetyhub.core.models import Membership, Organization, Role, Site, User
from safetyhub.frameworks.services import lock_pack

from .identifiers import identifier_flags
from .models import EventAttachment, EventDraft, EventReport
from .tasks import tell_reviewers_of_report
from .taxonomy import MEDICATION_SCALE, Question, active_taxonomy_pack, taxonomy_of

MAX_NARRATIVE = 10_000
MAX_ACTIONS = 5_000
MAX_ANSWER_TEXT = 500
MAX_LIST = 20  # people involved, contributing factors, answers of a multi question
MAX_CLIENT_KEY = 200
MAX_DRAFT_BYTES = 40_000
CLOCK_SKEW = dt.timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 20  # 100 random bits
REFERENCE_CHARS = 8  # 40 bits: unique within an organization, retried on a clash
NEW_REPORT_KIND = "events.new_report"
REVIEWER_ROLES = (Role.EVENT_REVIEWER, Role.SAFETY_LEAD)
PATIENT_FIELDS = {  # field → its choices (race and ethnicity: several may apply)
    "patient_age_band": EventReport.AgeBand,
    "patient_sex": EventReport.Sex,
    "patient_race_ethnicity": EventReport.RaceEthnicity,
    "patient_language": EventReport.Language,
    "patient_interpreter_needed": EventReport.YesNo,
    "patient_disability": EventReport.YesNo,
}
# Attachments: what a file is, by its first bytes (never its name), and its extension.
ATTACHMENT_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


@dataclass(frozen=True)
class Submission:
    report: EventReport
    created: bool  # False: a replay of an earlier submission with the same client key
    follow_up_code: str | None  # anonymous reports only; shown once, never stored


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_follow_up_code() -> str:
    """100 random bits as five groups of four characters: ABCD-EFGH-…"""
    raw = _random(CODE_CHARS)
    return "-".join(raw[i:i + 4] for i in range(0, CODE_CHARS, 4))


def follow_up_code_hash(code: str) -> str:
    """The stored form of a follow-up code. Case, spaces and dashes do not matter, and the
    letters people confuse with digits (O, I, L) read as the digits."""
    normal = "".join(code.split()).replace("-", "").upper()
    normal = normal.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return hashlib.sha256(f"event-follow-up:{normal}".encode()).hexdigest()


def client_key_hash(key: str) -> str:
    return hashlib.sha256(f"event-client-key:{key}".encode()).hexdigest()


def earliest_event_date(organization: Organization) -> dt.date:
    """No event is reported as happening before this day: the organization's creation in
    SafetyHub (issue 11). One place, for whoever imports older history to revisit."""
    return timezone.localdate(organization.created_at)


# --- checking a report -------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def check_answers(questions: Iterable[Question], answers: Mapping[str, Any] | None,
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """The category's answers, cleaned, and the problems (keyed `answers.<question id>`)."""
    questions = list(questions)
    answers = dict(answers or {})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    by_id = {q.id: q for q in questions}
    for key in answers:
        if key not in by_id:
            errors[f"answers.{str(key)[:60]}"] = "Not a question of the chosen category."
    for question in questions:
        field = f"answers.{question.id}"
        value = answers.get(question.id)
        if _empty(value):
            if question.required:
                errors[field] = f"Answer this question: {question.text}"
            continue
        if question.type == "yes-no":
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if value not in ("yes", "no"):
                errors[field] = "Answer yes or no."
                continue
        elif question.type == "choice":
            if not isinstance(value, str) or value not in question.values:
                errors[field] = "Choose one of: " + ", ".join(
                    c.key for c in question.choices) + "."
                continue
        elif question.type == "multi":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or len(value) > MAX_LIST or any(
                    not isinstance(v, str) or v not in question.values for v in value):
                errors[field] = "Choose any of: " + ", ".join(
                    c.key for c in question.choices) + "."
                continue
            value = list(dict.fromkeys(value))
        else:  # text
            if not isinstance(value, str):
                errors[field] = "Must be text."
                continue
            value = value.strip()
            if len(value) > MAX_ANSWER_TEXT:
                errors[field] = f"At most {MAX_ANSWER_TEXT} characters ({len(value)} given)."
                continue
        clean[question.id] = value
    return clean, errors


def _check_keys(values: Any, allowed: frozenset[str], *, field: str, what: str,
                errors: dict[str, str]) -> list[str]:
    if _empty(values):
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        errors[field] = "Must be a list."
        return []
    if len(values) > MAX_LIST:
        errors[field] = f"At most {MAX_LIST} entries."
        return []
    unknown = [str(v)[:60] for v in values if v not in allowed]
    if unknown:
        errors[field] = f"Unknown {what}: {', '.join(unknown)} (choose from: " \
                        f"{', '.join(sorted(allowed))})."
        return []
    return list(dict.fromkeys(values))


def _check_patient(patient: Mapping[str, Any] | None, errors: dict[str, str]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in (patient or {}).items():
        choices = PATIENT_FIELDS.get(key)
        if choices is None:
            errors[str(key)[:60]] = "Not a patient characteristic SafetyHub records."
            continue
        allowed = frozenset(choices.values)
        if key == "patient_race_ethnicity":
            clean[key] = _check_keys(value, allowed, field=key, what="categories",
                                     errors=errors)
        elif _empty(value):
            clean[key] = ""
        elif value not in allowed:
            errors[key] = f"Choose one of: {', '.join(choices.values)}."
        else:
            clean[key] = value
    return clean


def _check_text(value: Any, *, field: str, limit: int, required: bool,
                errors: dict[str, str]) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Must be text."
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = "This field is required."
    elif len(value) > limit:
        errors[field] = f"At most {limit:,} characters ({len(value):,} given)."
    return value


def _check_occurred(occurred_at: Any, organization: Organization,
                    errors: dict[str, str]) -> dt.datetime | None:
    if occurred_at is None:
        errors["occurred_at"] = "Say when it happened."
        return None
    if not isinstance(occurred_at, dt.datetime):
        errors["occurred_at"] = "Must be a date and time."
        return None
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = "Cannot be in the future."
    elif timezone.localdate(occurred_at) < earliest_event_date(organization):
        errors["occurred_at"] = (
            f"Cannot be before {earliest_event_date(organization):%d %B %Y}, when "
            f"{organization.name} joined SafetyHub.")
    return occurred_at


def sniff_attachment(upload) -> str | None:
    """The file's type by its first bytes: PDF, PNG or JPEG, else None."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _check_attachments(attachments: Iterable, errors: dict[str, str]) -> list[tuple[Any, str]]:
    files = [f for f in attachments if f is not None]
    if len(files) > settings.EVENT_ATTACHMENTS_MAX:
        errors["attachments"] = f"At most {settings.EVENT_ATTACHMENTS_MAX} files."
        return []
    checked = []
    limit = settings.EVENT_ATTACHMENT_MAX_BYTES
    for upload in files:
        if upload.size > limit:
            errors["attachments"] = (f"Each file is at most {limit / 1048576:g} MB; "
                                     f"{upload.size / 1048576:.1f} MB is too large.")
            return []
        content_type = sniff_attachment(upload)
        if content_type is None:
            errors["attachments"] = ("Attach a PDF, PNG or JPEG file (checked by what the file "
                                     "holds, not its name).")
            return []
        checked.append((upload, content_type))
    return checked


def _without_metadata(upload, content_type: str) -> ContentFile:
    """An image re-encoded from its pixels alone: a photo's EXIF (camera serial number,
    place, time) would say who took it. PDFs are kept as sent (see docs/events.md)."""
    data = upload.read()
    upload.seek(0)
    if content_type == "application/pdf":
        return ContentFile(data)
    from PIL import Image, ImageOps  # Pillow: WeasyPrint's dependency

    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened)  # keep the picture's way up
            if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK", "I;16"):
                image = image.convert("RGBA" if content_type == "image/png" else "RGB")
            # a new image from the pixels alone carries no EXIF, XMP, ICC or text chunks
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            out = io.BytesIO()
            clean.save(out, format="PNG" if content_type == "image/png" else "JPEG", quality=90)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError({"attachments": "The image cannot be read; attach it again or "
                                              "as a PDF."}) from None
    return ContentFile(out.getvalue())


# --- submitting --------------------------------------------------------------------------------


def _replay(report: EventReport) -> Submission:
    """The report an earlier request with the same client key made. An anonymous reporter
    gets a new follow-up code (the first may never have reached them: that is why clients
    retry), and the earlier one stops working; only the one holding the client key can ask."""
    code = None
    if report.is_anonymous:
        code = new_follow_up_code()
        report.follow_up_code_hash = follow_up_code_hash(code)
        with audit.anonymously():
            report.save(update_fields=["follow_up_code_hash"])
    return Submission(report=report, created=False, follow_up_code=code)


def reviewers(organization: Organization) -> list[User]:
    """Who is told of a new report: the event reviewers and patient-safety leads."""
    return [m.user for m in Membership.objects.filter(
        organization=organization, role__in=REVIEWER_ROLES, is_active=True,
        user__is_active=True).select_related("user")]


@transaction.atomic
def submit_report(
    *,
    organization: Organization,
    kind: str,
    event_type: str,
    category: str,
    occurred_at: dt.datetime | None,
    narrative: str,
    channel: str,
    site_id: int | None = None,
    harm_level: str = "",
    people_involved: Iterable[str] = (),
    immediate_actions: str = "",
    contributing_factors: Iterable[str] = (),
    answers: Mapping[str, Any] | None = None,
    reporter: User | None = None,
    anonymous: bool = False,
    reported_by: str = "",
    patient: Mapping[str, Any] | None = None,
    client_key: str = "",
    attachments: Iterable = (),
    clear_draft_of: User | None = None,
) -> Submission:
    """Check and store one report. Everything is checked against the organization's taxonomy
    pack; every problem is reported at once. With a `client_key` that made a report before,
    that report is returned (`created` False) and nothing new is stored."""
    key_hash = None
    if client_key:
        if len(client_key) > MAX_CLIENT_KEY:
            raise ValidationError({"client_key": f"At most {MAX_CLIENT_KEY} characters."})
        key_hash = client_key_hash(client_key)
        earlier = EventReport.objects.filter(organization=organization,
                                             client_key=key_hash).first()
        if earlier is not None:
            return _replay(earlier)

    errors: dict[str, str] = {}
    if kind not in EventReport.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(EventReport.Kind.values)}."})
    if channel not in EventReport.Channel.values:
        raise ValidationError({"channel": "Choose one of: "
                                          f"{', '.join(EventReport.Channel.values)}."})
    pack = active_taxonomy_pack(organization=organization)
    if pack is None:
        raise ValidationError({"category": "No event taxonomy is loaded (run `safetyhub "
                                           "packs --sync`)."})
    taxonomy = taxonomy_of(pack)

    if event_type not in taxonomy.keys("event-types"):
        errors["event_type"] = _unknown("event type", event_type, taxonomy.keys("event-types"))
    categories = {option.key for option in taxonomy.categories(kind)}
    if not category:
        errors["category"] = "Choose a category."
    elif category not in categories:
        errors["category"] = _unknown(f"category for a {EventReport.Kind(kind).label.lower()}",
                                      category, categories)
    harm_keys = {option.key for option in taxonomy.harm_levels(kind)}
    if harm_level and harm_level not in harm_keys:
        errors["harm_level"] = _unknown("harm level", harm_level, harm_keys)
    elif not harm_level and event_type == "incident":
        errors["harm_level"] = "Say how much harm it did (choose 'Unknown' if not known yet)."
    occurred = _check_occurred(occurred_at, organization, errors)
    narrative = _check_text(narrative, field="narrative", limit=MAX_NARRATIVE, required=True,
                            errors=errors)
    immediate_actions = _check_text(immediate_actions, field="immediate_actions",
                                    limit=MAX_ACTIONS, required=False, errors=errors)
    people = _check_keys(people_involved, taxonomy.keys("people-roles"),
                         field="people_involved", what="roles", errors=errors)
    factors = _check_keys(contributing_factors, taxonomy.keys("contributing-factors"),
                          field="contributing_factors", what="contributing factors",
                          errors=errors)
    clean_answers, answer_errors = check_answers(
        taxonomy.questions_for(category) if category in categories else (), answers)
    errors.update(answer_errors)
    clean_patient = _check_patient(patient, errors)
    site = None
    if site_id is not None:
        site = Site.objects.filter(organization=organization, pk=site_id,
                                   is_active=True).first()
        if site is None:
            errors["site_id"] = "No such site or unit in this organization."
    if kind == EventReport.Kind.WORKFORCE:
        if reported_by not in EventReport.ReportedBy.values:
            errors["reported_by"] = ("Say who is reporting: " +
                                     ", ".join(EventReport.ReportedBy.values) + ".")
    elif reported_by:
        errors["reported_by"] = "Only a workforce event says who reports it."
    if not anonymous and reporter is None and channel != EventReport.Channel.PATIENT_FAMILY:
        errors["anonymous"] = "A named report needs a signed-in reporter."
    checked_files = _check_attachments(attachments, errors)
    if errors:
        raise ValidationError(errors)

    medication = next((clean_answers[q.id] for q in taxonomy.questions_for(category)
                       if q.choices_from == MEDICATION_SCALE and q.id in clean_answers), "")
    code = new_follow_up_code() if anonymous else None
    report = EventReport(
        organization=organization, kind=kind, taxonomy=pack, event_type=event_type,
        category=category, occurred_at=occurred, site=site, narrative=narrative,
        harm_level=harm_level if harm_level else "", medication_error_category=medication,
        people_involved=people, immediate_actions=immediate_actions,
        contributing_factors=factors, answers=clean_answers, channel=channel,
        reported_by=reported_by if kind == EventReport.Kind.WORKFORCE else "",
        reporter=None if anonymous else reporter, is_anonymous=anonymous,
        follow_up_code_hash=follow_up_code_hash(code) if code else None,
        client_key=key_hash, identifier_flags=identifier_flags(narrative, immediate_actions),
        **clean_patient,
    )
    with audit.anonymously() if anonymous else nullcontext():
        for _attempt in range(5):
            report.reference = f"EV-{_random(REFERENCE_CHARS)}"
            try:
                with transaction.atomic():  # a savepoint: a clash spoils nothing else
                    report.save(force_insert=True)
                break
            except IntegrityError:
                report.pk = None
                report._state.adding = True
                if key_hash is not None:
                    earlier = EventReport.objects.filter(organization=organization,
                                                         client_key=key_hash).first()
                    if earlier is not None:  # a concurrent request with the same key won
                        return _replay(earlier)
        else:  # pragma: no cover - five 40-bit clashes in a row
            raise ValidationError({"reference": "Could not allocate a reference; try again."})
        for number, (upload, content_type) in enumerate(checked_files, start=1):
            content = _without_metadata(upload, content_type) if anonymous else upload
            name = f"{report.reference}-{number}{ATTACHMENT_TYPES[content_type]}"
            attachment = EventAttachment(report=report, organization=organization,
                                         content_type=content_type, size=upload.size)
            attachment.file.save(name, content, save=False)
            attachment.size = attachment.file.size
            attachment.save()
        if pack.locked_at is None:
            lock_pack(pack=pack)
        if clear_draft_of is not None:
            EventDraft.objects.filter(organization=organization, user=clear_draft_of).delete()
        # Queued in this transaction: the reviewers hear of the report once it is stored.
        tell_reviewers_of_report.enqueue(
            report_id=report.pk,
            reporter_id=None if anonymous or reporter is None else reporter.pk)
    return Submission(report=report, created=True, follow_up_code=code)


def _unknown(what: str, value: Any, allowed: Iterable[str]) -> str:
    return f"Unknown {what} {str(value)[:60]!r} (choose from: {', '.join(sorted(allowed))})."


def tell_reviewers(*, report_id: int, reporter_id: int | None) -> int:
    """Notify the event reviewers and safety leads of a new report (not the reporter, if a
    reviewer reported it); returns how many were told. The notice names the category and the
    reference, never the reporter (who may have chosen to stay anonymous)."""
    report = (EventReport.objects.select_related("organization", "taxonomy")
              .filter(pk=report_id).first())
    if report is None:
        return 0
    taxonomy = taxonomy_of(report.taxonomy)
    link = reverse("events:detail", args=[report.organization.slug, report.pk])
    title = (f"New {EventReport.Kind(report.kind).label.lower()} reported: "
             f"{taxonomy.category_title(report.kind, report.category)} ({report.reference})")
    reporter = User.objects.filter(pk=reporter_id).first() if reporter_id else None
    return len(notifications.notify(
        recipients=reviewers(report.organization), kind=NEW_REPORT_KIND,
        organization=report.organization, title=title, link=link, actor=reporter,
        dedupe_key=f"events.new_report:{report.pk}"))


# --- drafts ------------------------------------------------------------------------------------


DRAFT_FIELDS = frozenset({
    "kind", "event_type", "category", "occurred_at", "site_id", "narrative", "harm_level",
    "people_involved", "immediate_actions", "contributing_factors", "reported_by", "anonymous",
    "client_key", *PATIENT_FIELDS,
})


def save_draft(*, organization: Organization, user: User, data: Mapping[str, Any]) -> EventDraft:
    """Keep what the person has typed so far (only the form's own fields, as text or lists of
    text, at most MAX_DRAFT_BYTES in all). Nothing is checked beyond that: a draft may be
    half-written."""
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key in DRAFT_FIELDS or key.startswith("answers."):
            if isinstance(value, list):
                clean[key] = [str(v) for v in value][:MAX_LIST]
            elif value is not None:
                clean[key] = str(value)
    if len(repr(clean)) > MAX_DRAFT_BYTES:
        raise ValidationError({"draft": "The draft is too long to keep; shorten the text."})
    key = clean.get("client_key")
    if key and EventReport.objects.filter(organization=organization,
                                          client_key=client_key_hash(key)).exists():
        # A late autosave of a form already sent (its last keystrokes' save can arrive after
        # the report): keeping it would bring the sent report back as a "draft".
        raise ValidationError({"draft": "This report has been sent already."})
    with transaction.atomic():
        draft, _created = EventDraft.objects.update_or_create(
            organization=organization, user=user, defaults={"data": clean})
    return draft


def discard_draft(*, organization: Organization, user: User) -> None:
    EventDraft.objects.filter(organization=organization, user=user).delete()


