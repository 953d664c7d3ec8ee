"""The public reporting page: patients, family members and care partners report a safety
concern with no account, and later see where it stands with a follow-up code.

The page asks in plain words and this module turns the answers into a report through the
same `submit_report` as every other channel (channel `patient_family`, kind patient safety):

* "Was someone hurt?" → the event type and the AHRQ Harm Scale level (HURT below);
* "When?" → a day and a rough time of day, stored as that day at a set hour (TIME_OF_DAY);
* "Where?" → one of the organization's active sites and units, or none ("I am not sure");
* the category is the taxonomy's catch-all (`other`): a family member is not asked to
  classify; the reviewers classify at triage.

Every public reporter gets a follow-up code (an anonymous one from `submit_report`; a named
one made here the same way), since none of them has an account to look at. A named reporter's
relationship and contact details live in `PublicReporter`, beside the report; an anonymous
reporter's contact details are never stored, even if typed.

Nothing here sees the request: the caller (views_public) keeps the address, the session and
the user agent out of everything this writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import Organization, Site

from . import services
from .models import EventReport, PublicReporter, PublicReportingPage
from .taxonomy import active_taxonomy_pack, taxonomy_of
from .triage_queries import status_for_follow_up

MAX_WHAT_HAPPENED = services.MAX_NARRATIVE
MAX_NAME = 150
MAX_PHONE = 40
MAX_EMAIL = 254
PUBLIC_CATEGORY = "other"  # the catch-all category; reviewers classify at triage
# Who audit entries name for a report from the public page: no one (a member of staff who
# happens to be signed in in the same browser is not its author).
PUBLIC_ACTOR = "public reporting page"


@dataclass(frozen=True)
class Hurt:
    key: str
    label: str  # what the page says
    event_type: str
    harm_level: str  # a key of the AHRQ Harm Scale section of the taxonomy ("" for a near miss)


# The plain-word answers to "Was someone hurt?", in the order the page shows them, and what
# each means in the taxonomy (the mapping is the project's own; docs/public-reporting.md).
HURT = (
    Hurt("no", "No one was hurt.", "incident", "none"),
    Hurt("almost", "No. It almost happened, but someone stopped it in time.", "near-miss", ""),
    Hurt("little", "Yes, a little. They needed a bit more care or a longer stay.",
         "incident", "mild"),
    Hurt("hurt", "Yes. It made daily life harder for them.", "incident", "moderate"),
    Hurt("badly", "Yes, they were badly hurt.", "incident", "severe"),
    Hurt("died", "Yes. The person died.", "incident", "death"),
    Hurt("not-sure", "I am not sure.", "incident", "unknown"),
)
HURT_BY_KEY = {hurt.key: hurt for hurt in HURT}

# "About what time?" → the hour the report records (local time). Rough on purpose: people
# remember "in the evening", not 19:40.
TIME_OF_DAY = {
    "morning": ("In the morning", 9),
    "afternoon": ("In the afternoon", 15),
    "evening": ("In the evening", 20),
    "night": ("At night", 2),
    "not-sure": ("I am not sure", 12),
}


class Relationship:
    """Who is reporting, as the page asks it (stored as PublicReporter.Relationship)."""

    CHOICES = (
        (PublicReporter.Relationship.PATIENT, "I am the patient."),
        (PublicReporter.Relationship.FAMILY, "I am in the patient's family."),
        (PublicReporter.Relationship.CARE_PARTNER,
         "I help care for the patient (a care partner or friend)."),
    )
    VALUES = frozenset(PublicReporter.Relationship.values)


_PHONE = re.compile(r"[0-9+()./\- ]{6,40}")


@dataclass(frozen=True)
class PublicSubmission:
    report: EventReport
    created: bool
    follow_up_code: str


# --- the page's switch -------------------------------------------------------------------------


def is_open(organization: Organization) -> bool:
    return PublicReportingPage.objects.filter(organization=organization, is_open=True).exists()


def open_organization(slug: str) -> Organization | None:
    """The organization whose public page has this slug, if the page is on (else None: the
    page answers 404, the same for "no such organization" and "page turned off")."""
    return Organization.objects.filter(
        slug=str(slug)[:60], public_reporting_page__is_open=True).first()


@transaction.atomic
def set_public_page(*, organization: Organization, is_open: bool) -> PublicReportingPage:
    """Turn the organization's public reporting page on or off (audited, by whoever is
    acting)."""
    page, _created = PublicReportingPage.objects.get_or_create(organization=organization)
    if page.is_open != is_open:
        page.is_open = is_open
        page.save(update_fields=["is_open", "updated_at"])
    return page


def public_sites(organization: Organization) -> list[Site]:
    """The places a reporter may pick: the organization's active sites and units."""
    return list(Site.objects.filter(organization=organization, is_active=True)
                .order_by("name", "pk"))


# --- taking a report ---------------------------------------------------------------------------


def _category(organization: Organization) -> str:
    """The catch-all category of the organization's taxonomy, or failing that its first
    patient-safety category that asks nothing that must be answered."""
    pack = active_taxonomy_pack(organization=organization)
    if pack is None:
        return PUBLIC_CATEGORY
    taxonomy = taxonomy_of(pack)
    options = taxonomy.categories(EventReport.Kind.PATIENT_SAFETY)
    keys = [option.key for option in options]
    if PUBLIC_CATEGORY in keys:
        return PUBLIC_CATEGORY
    for key in keys:
        if not any(q.required for q in taxonomy.questions_for(key)):
            return key
    return PUBLIC_CATEGORY


def _when(day: Any, time_of_day: str, organization: Organization,
          errors: dict[str, str]) -> dt.datetime | None:
    if time_of_day not in TIME_OF_DAY:
        errors["time_of_day"] = "Please pick a time of day, or 'I am not sure'."
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        errors["day"] = ("Please tell us the day it happened. If you are not sure, pick the "
                         "closest day.")
        return None
    today = timezone.localdate()
    if day > today:
        errors["day"] = "This day is after today. Please pick today or a day before."
        return None
    earliest = services.earliest_event_date(organization)
    if day < earliest:
        errors["day"] = (f"We can only take reports here about things that happened on or "
                         f"after {earliest:%B} {earliest.day}, {earliest.year}.")
        return None
    if time_of_day not in TIME_OF_DAY:
        return None
    hour = TIME_OF_DAY[time_of_day][1]
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    # "This evening" said in the afternoon: the event cannot be later than now.
    return min(moment, timezone.now())


def _text(value: Any, *, field: str, limit: int, errors: dict[str, str], missing: str = ""
          ) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if missing and not text:
        errors[field] = missing
    elif len(text) > limit:
        errors[field] = (f"Please make this shorter. It has {len(text):,} letters and "
                         f"the most is {limit:,}.")
    return text


def _contact(*, anonymous: Any, name: Any, phone: Any, email: Any,
             errors: dict[str, str]) -> tuple[bool | None, dict[str, str]]:
    if anonymous not in (True, False):
        errors["anonymous"] = "Please choose: give your name, or stay anonymous."
        return None, {}
    if anonymous:
        return True, {}  # whatever was typed into the contact boxes is not kept
    clean = {
        "name": _text(name, field="contact_name", limit=MAX_NAME, errors=errors,
                      missing="Please tell us your name, or choose to stay anonymous."),
        "phone": _text(phone, field="contact_phone", limit=MAX_PHONE, errors=errors),
        "email": _text(email, field="contact_email", limit=MAX_EMAIL, errors=errors),
    }
    if not clean["phone"] and not clean["email"] and "contact_phone" not in errors \
            and "contact_email" not in errors:
        errors["contact_phone"] = "Please give a phone number or an email, so we can reach you."
    if clean["phone"] and "contact_phone" not in errors and (
            not _PHONE.fullmatch(clean["phone"])
            or sum(c.isdigit() for c in clean["phone"]) < 6):
        errors["contact_phone"] = "This phone number does not look right. Please check it."
    if clean["email"] and "contact_email" not in errors:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors["contact_email"] = "This email does not look right. Please check it."
    return False, clean


# What submit_report calls a field → the public form's field, for the rare problem only it
# finds (an organization's own taxonomy without the expected keys, a site just retired).
_FIELD_OF = {"narrative": "what_happened", "occurred_at": "day", "site_id": "site",
             "harm_level": "hurt", "event_type": "hurt"}


@dataclass(frozen=True)
class _Checked:
    narrative: str
    occurred_at: dt.datetime | None
    hurt: Hurt | None
    anonymous: bool | None
    contact: dict[str, str]


def _check(*, organization: Organization, what_happened: Any, day: Any, time_of_day: Any,
           site_id: int | None, hurt: Any, relationship: Any, anonymous: Any,
           contact_name: Any, contact_phone: Any, contact_email: Any,
           errors: dict[str, str]) -> _Checked:
    narrative = _text(what_happened, field="what_happened", limit=MAX_WHAT_HAPPENED,
                      errors=errors, missing="Please tell us what happened.")
    occurred_at = _when(day, time_of_day, organization, errors)
    chosen = HURT_BY_KEY.get(hurt) if isinstance(hurt, str) else None
    if chosen is None:
        errors["hurt"] = "Please tell us if someone was hurt. You can pick 'I am not sure'."
    if relationship not in Relationship.VALUES:
        errors["relationship"] = ("Please tell us who you are: the patient, family, or a "
                                  "care partner.")
    is_anonymous, contact = _contact(anonymous=anonymous, name=contact_name,
                                     phone=contact_phone, email=contact_email, errors=errors)
    if site_id is not None and not Site.objects.filter(
            organization=organization, pk=site_id, is_active=True).exists():
        errors["site"] = "Please pick a place from the list, or 'I am not sure'."
    return _Checked(narrative=narrative, occurred_at=occurred_at, hurt=chosen,
                    anonymous=is_anonymous, contact=contact)


def problems(*, organization: Organization, what_happened: Any = "", day: Any = None,
             time_of_day: Any = "not-sure", site_id: int | None = None, hurt: Any = "",
             relationship: Any = "", anonymous: Any = None, contact_name: Any = "",
             contact_phone: Any = "", contact_email: Any = "", **_ignored: Any
             ) -> dict[str, str]:
    """What `submit_public_report` would refuse in these answers, without storing anything:
    for a page whose form already found a problem, so that every problem shows at once."""
    errors: dict[str, str] = {}
    _check(organization=organization, what_happened=what_happened, day=day,
           time_of_day=time_of_day, site_id=site_id, hurt=hurt, relationship=relationship,
           anonymous=anonymous, contact_name=contact_name, contact_phone=contact_phone,
           contact_email=contact_email, errors=errors)
    return errors


@transaction.atomic
def submit_public_report(
    *,
    organization: Organization,
    what_happened: Any,
    day: Any,
    time_of_day: Any,
    site_id: int | None,
    hurt: Any,
    relationship: Any,
    anonymous: Any,
    contact_name: Any = "",
    contact_phone: Any = "",
    contact_email: Any = "",
    patient: Mapping[str, Any] | None = None,
    client_key: str = "",
) -> PublicSubmission:
    """Check the public page's answers (every problem at once, in plain words, keyed by the
    page's own field names) and store one report. A replay with the same client key returns
    the report the first request made, with a new follow-up code (the first one may never
    have reached the reporter); the earlier code stops working."""
    errors: dict[str, str] = {}
    checked = _check(organization=organization, what_happened=what_happened, day=day,
                     time_of_day=time_of_day, site_id=site_id, hurt=hurt,
                     relationship=relationship, anonymous=anonymous,
                     contact_name=contact_name, contact_phone=contact_phone,
                     contact_email=contact_email, errors=errors)
    if errors:
        raise ValidationError(errors)
    chosen, contact = checked.hurt, checked.contact

    with audit.acting_as(label=PUBLIC_ACTOR):
        try:
            submission = services.submit_report(
                organization=organization, kind=EventReport.Kind.PATIENT_SAFETY,
                event_type=chosen.event_type, category=_category(organization),
                occurred_at=checked.occurred_at, narrative=checked.narrative,
                channel=EventReport.Channel.PATIENT_FAMILY, site_id=site_id,
                harm_level=chosen.harm_level, reporter=None, anonymous=checked.anonymous,
                patient=patient, client_key=client_key)
        except ValidationError as exc:
            raise ValidationError({_FIELD_OF.get(field, field): messages
                                   for field, messages in exc.message_dict.items()}) from None
        report = submission.report
        code = submission.follow_up_code
        if code is None:  # a named reporter: a code of its own, made and kept the same way
            code = services.new_follow_up_code()
            report.follow_up_code_hash = services.follow_up_code_hash(code)
            report.save(update_fields=["follow_up_code_hash"])
        if submission.created:
            PublicReporter.objects.create(
                organization=organization, report=report, relationship=relationship,
                name=contact.get("name", ""), phone=contact.get("phone", ""),
                email=contact.get("email", ""))
    return PublicSubmission(report=report, created=submission.created, follow_up_code=code)


# --- following a report up ---------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    reported_on: dt.date
    status: str
    status_words: str
    closing_message: str


# Where a report stands, as the follow-up page says it.
STATUS_WORDS = {
    EventReport.Status.NEW: "We have your report. No one has read it yet.",
    EventReport.Status.IN_REVIEW: "Someone on our safety team is reading your report.",
    EventReport.Status.INVESTIGATING: "We are looking into what happened.",
    EventReport.Status.ACTIONS: "We are making changes so it does not happen again.",
    EventReport.Status.CLOSED: "We have finished looking into your report.",
}


def follow_up(*, organization: Organization, code: str) -> FollowUp | None:
    """Where the report with this follow-up code stands, or None for a code that is not one
    of this organization's (wrong, replaced, or another organization's: the same answer)."""
    code = (code or "").strip()
    if not code or len(code) > 100:
        return None
    report = EventReport.objects.filter(
        organization=organization,
        follow_up_code_hash=services.follow_up_code_hash(code)).first()
    if report is None:
        return None
    audit.record_view(report)  # every opening of a report is on the record; this one by no one
    triaged = status_for_follow_up(report)  # the closing message is triage's
    return FollowUp(
        reported_on=timezone.localdate(report.created_at),
        status=triaged.status,
        status_words=STATUS_WORDS.get(triaged.status, triaged.status_label),
        closing_message=triaged.closing_message,
    )
