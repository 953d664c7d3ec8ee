"""Care for the caregiver: peer support offered to staff involved in a harm event.

The offer (who, which event, when, by whom) and the person's answer are recorded so that
ONLY support coordinators see who. Everyone else, whatever their role (patient-safety
leads, organization admins, event reviewers included), meets the same 404 as for a record
that does not exist, and the attempt is audited (`access_offer`, `visible_offers`); they
see aggregate counts only (resolution_measures.py). Support records are not searchable,
not exported and not shown on the event's pages; their audit entries name no one (apps.py
redacts the names and the note, and `SupportOffer.__str__` says "Support offer 12").

Services are keyword-only, one transaction each; bad input is refused with the field and
the reason, nothing is written, and the refusal is audited (fields only, never values).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import Organization, Role, User
from safetyhub.core.rules import has_role
from safetyhub.events.models import EventReport

from .models_resolution import SupportOffer
from .resolution import harm_events_q, needs_resolution
from .services import REFUSED

NOT_FOUND = "No such support record."
MAX_NAME = 150
MAX_ROLE = 100
MAX_NOTE = 2000
is_support_coordinator = has_role(Role.SUPPORT_COORDINATOR)


def refuse(*, organization: Organization, action: str, fields: list[str], by=None,
           object_id: str = "") -> None:
    """Audit a refused attempt in the shape of services.refusals_audited (which fields,
    never what was typed; here no event is named, so nothing ties the attempt to a
    person's event). Written in the caller's transaction: pages and the API answer the
    refusal rather than raising it through the request's transaction (views_support.py)."""
    with audit.acting_as(by if getattr(by, "is_authenticated", False) else None):
        audit.record(action="event", object_type=REFUSED, organization_id=organization.pk,
                     object_id=str(object_id)[:64], object_repr="Support record",
                     changes={"action": action, "refused": sorted(fields)})


def _refused_opening(*, user, organization: Organization, pk) -> Http404:
    """Audit that someone who is not a support coordinator asked for support records, and
    give the 404 every such request gets."""
    refuse(organization=organization, action="open_support_records", fields=["role"],
           by=user, object_id=str(pk or ""))
    return Http404(NOT_FOUND)


def visible_offers(*, user, organization: Organization, pk=None) -> QuerySet[SupportOffer]:
    """The organization's support offers, for a support coordinator; for anyone else the
    attempt is audited and answered 404 (the same as for an offer that does not exist)."""
    if not is_support_coordinator(user, organization):
        raise _refused_opening(user=user, organization=organization, pk=pk)
    return (SupportOffer.objects.filter(organization=organization)
            .select_related("report", "report__site"))


def access_offer(*, user, organization: Organization, pk) -> SupportOffer:
    """One support offer, for a support coordinator of its organization (404 otherwise,
    audited; an opening by a coordinator is audited as a view: the model is sensitive)."""
    from safetyhub.core.access import tenant_row

    offers = visible_offers(user=user, organization=organization, pk=pk)
    try:
        return tenant_row(SupportOffer, organization=organization, pk=pk, queryset=offers)
    except Http404:
        raise Http404(NOT_FOUND) from None


def events_for_support(organization: Organization) -> QuerySet[EventReport]:
    """The harm events a coordinator may attach an offer to: their minimal facts only
    (reference, date, unit), newest first, the last year."""
    since = timezone.now() - dt.timedelta(days=366)
    return (EventReport.objects.filter(harm_events_q(), organization=organization,
                                       occurred_at__gte=since)
            .select_related("site").order_by("-occurred_at", "-pk"))


def _when_problem(value: dt.datetime | None, *, after: dt.datetime, what: str) -> str | None:
    if value is None:
        return "Give the date and time."
    if value < after:
        return f"This is before {what} ({timezone.localtime(after):%d %b %Y %H:%M})."
    if value > timezone.now() + dt.timedelta(minutes=5):
        return "This is in the future; record it once it has happened."
    return None


def _texts(errors: dict, **texts: tuple[str, bool, int]) -> None:
    for name, (value, required, limit) in texts.items():
        if required and not value.strip():
            errors.setdefault(name, "Write this part; it cannot be empty.")
        elif len(value) > limit:
            errors.setdefault(name, f"Keep it under {limit} characters.")


def _check(errors: dict, *, organization: Organization, by: User, object_id: str,
           action: str) -> None:
    if errors:
        refuse(organization=organization, action=action, fields=list(errors), by=by,
               object_id=object_id)
        raise ValidationError(errors)


def offer_support(*, organization: Organization, by: User, report: EventReport | None,
                  staff_name: str, staff_role: str = "", offered_by: str,
                  offered_at: dt.datetime | None, note: str = "") -> SupportOffer:
    """Record that peer support was offered to a member of staff involved in a harm event.
    Only a support coordinator records it (others: the same 404, audited)."""
    if not is_support_coordinator(by, organization):
        raise _refused_opening(user=by, organization=organization, pk="")
    errors: dict[str, str] = {}
    if report is None or report.organization_id != organization.pk:
        errors["event"] = "Choose a harm event of this organization."
    elif not needs_resolution(report):
        errors["event"] = ("Peer support is recorded for events that reached a patient with "
                           "harm (mild harm or worse).")
    _texts(errors, staff_name=(staff_name, True, MAX_NAME),
           staff_role=(staff_role, False, MAX_ROLE), offered_by=(offered_by, True, MAX_NAME),
           note=(note, False, MAX_NOTE))
    if "event" not in errors:
        problem = _when_problem(offered_at, after=report.occurred_at, what="the event happened")
        if problem:
            errors["offered_at"] = problem
    _check(errors, organization=organization, by=by, object_id="", action="offer_support")
    with transaction.atomic(), audit.acting_as(by):
        return SupportOffer.objects.create(
            organization=organization, report=report, staff_name=staff_name.strip(),
            staff_role=staff_role.strip(), offered_by=offered_by.strip(),
            offered_at=offered_at, note=note.strip(), recorded_by=by)


def record_response(*, offer: SupportOffer, by: User, response: str,
                    responded_at: dt.datetime | None) -> SupportOffer:
    """Record the person's answer: accepted or declined (or back to no answer yet)."""
    organization = offer.organization
    if not is_support_coordinator(by, organization):
        raise _refused_opening(user=by, organization=organization, pk=offer.pk)
    errors: dict[str, str] = {}
    if response not in SupportOffer.Response.values:
        errors["response"] = "Choose accepted, declined or no answer yet."
    elif response != SupportOffer.Response.WAITING:
        problem = _when_problem(responded_at, after=offer.offered_at, what="the offer")
        if problem:
            errors["responded_at"] = problem
    _check(errors, organization=organization, by=by, object_id=str(offer.pk),
           action="record_response")
    with transaction.atomic(), audit.acting_as(by):
        offer.response = response
        offer.responded_at = None if response == SupportOffer.Response.WAITING else responded_at
        offer.save()
    return offer
