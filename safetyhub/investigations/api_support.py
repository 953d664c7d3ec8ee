"""API for care-for-the-caregiver records: list, record and read offers of peer support,
and record the person's answer. For support coordinators only: anyone else, whatever their
role, gets the same 404 as for a record that does not exist (never a 403, which would say
there is something to refuse), and the attempt is audited (support.py's door). Bad input is
answered 422 naming the field and the reason; nothing is written and the refusal is
audited. Aggregate counts for everyone else are in /resolution-measures."""

import datetime as dt
from enum import StrEnum

from django.http import HttpRequest
from ninja import Field, Router, Schema

from safetyhub.core.api import api_organization
from safetyhub.core.inputs import Id, Line, Text
from safetyhub.core.models import Organization
from safetyhub.events.models import EventReport

from . import support as services
from .models_resolution import SupportOffer

router = Router(tags=["investigations"])

MEMBER = "core.view_organization"  # any member: support.py's door decides

Answer = StrEnum("Answer", {c.name: c.value for c in SupportOffer.Response})


class SupportOfferRead(Schema):
    id: int
    event_id: int
    event_reference: str
    staff_name: str
    staff_role: str
    offered_by: str
    offered_at: dt.datetime
    response: Answer
    responded_at: dt.datetime | None
    note: str


class SupportOfferCreate(Schema):
    event_id: Id = Field(..., description="a harm event of the organization")
    staff_name: Line = Field(..., max_length=services.MAX_NAME)
    staff_role: Line = Field("", max_length=services.MAX_ROLE)
    offered_by: Line = Field(..., max_length=services.MAX_NAME)
    offered_at: dt.datetime = Field(..., description="not before the event happened")
    note: Text = Field("", max_length=services.MAX_NOTE)


class SupportResponseIn(Schema):
    response: Answer
    responded_at: dt.datetime | None = Field(None, description="needed unless 'waiting'")


def _org(request: HttpRequest, slug: str) -> Organization:
    return api_organization(request, slug, MEMBER)


def _read(offer: SupportOffer) -> dict:
    return {"id": offer.pk, "event_id": offer.report_id,
            "event_reference": offer.report.reference, "staff_name": offer.staff_name,
            "staff_role": offer.staff_role, "offered_by": offer.offered_by,
            "offered_at": offer.offered_at, "response": offer.response,
            "responded_at": offer.responded_at, "note": offer.note}


@router.get("/orgs/{slug}/support-offers", response=list[SupportOfferRead])
def offer_list(request, slug: str):
    """Offers of peer support, newest first (support coordinators only)."""
    org = _org(request, slug)
    return [_read(o) for o in services.visible_offers(user=request.user, organization=org)]


@router.post("/orgs/{slug}/support-offers", response=SupportOfferRead)
def offer_create(request, slug: str, payload: SupportOfferCreate):
    org = _org(request, slug)
    report = EventReport.objects.filter(organization=org, pk=payload.event_id).first()
    offer = services.offer_support(
        organization=org, by=request.user, report=report, staff_name=payload.staff_name,
        staff_role=payload.staff_role, offered_by=payload.offered_by,
        offered_at=payload.offered_at, note=payload.note)
    return _read(offer)


@router.get("/orgs/{slug}/support-offers/{offer_id}", response=SupportOfferRead)
def offer_detail(request, slug: str, offer_id: Id):
    org = _org(request, slug)
    return _read(services.access_offer(user=request.user, organization=org, pk=offer_id))


@router.post("/orgs/{slug}/support-offers/{offer_id}/response", response=SupportOfferRead)
def offer_response(request, slug: str, offer_id: Id, payload: SupportResponseIn):
    org = _org(request, slug)
    offer = services.access_offer(user=request.user, organization=org, pk=offer_id)
    return _read(services.record_response(offer=offer, by=request.user,
                                          response=payload.response.value,
                                          responded_at=payload.responded_at))
