"""API for spread: where an initiative spread (and where it came from), and spreading it to
other sites and units. The same doors and rules as the initiative's other endpoints (api.py):
every member reads; whoever may change the initiative spreads it; bad input is answered 422
naming the field (`units` or `owner`), and nothing is created."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from safetyhub.core.inputs import Id
from safetyhub.core.models import Organization, Site

from . import queries_spread, services_spread
from .api import InitiativeStatus, PersonRead, _initiative, _people
from .models import Initiative

router = Router(tags=["improvement"])


class SpreadUnit(Schema):
    site_id: Id = Field(..., description="a site or unit of the organization")
    owner: Id | str | None = Field(None, description="user id or email of an active member")


class SpreadCreate(Schema):
    units: list[SpreadUnit] = Field(..., min_length=1, max_length=200)


class MeasureCopyRead(Schema):
    id: int
    name: str
    copied_from_id: int = Field(..., description="the original initiative's measure")
    points: int = Field(..., description="how many data points the unit has entered")
    status: str = Field(..., description="what the unit's chart says: no-data, error, "
                                         "common, improvement, concern or signal")
    status_label: str


class AdopterRead(Schema):
    initiative_id: int
    title: str
    status: InitiativeStatus
    site_id: int | None
    site: str | None
    owner: PersonRead | None
    created_at: dt.datetime
    measures: list[MeasureCopyRead]


class OriginRead(Schema):
    initiative_id: int
    title: str
    site_id: int | None
    site: str | None


class SpreadRead(Schema):
    initiative_id: int
    spread_from: OriginRead | None = Field(..., description="the initiative this one was "
                                                            "spread from, if any")
    adopters: list[AdopterRead]


def _adopter(adopter: queries_spread.Adopter) -> dict:
    initiative = adopter.initiative
    return {
        "initiative_id": initiative.pk, "title": initiative.title, "status": initiative.status,
        "site_id": initiative.site_id, "site": initiative.site.name if initiative.site else None,
        "owner": initiative.owner, "created_at": initiative.created_at,
        "measures": [{"id": p.copy.measure.pk, "name": p.copy.measure.name,
                      "copied_from_id": p.original.measure.pk, "points": len(p.copy.points),
                      "status": p.copy.status.kind, "status_label": p.copy.status.label}
                     for p in adopter.pairs if p.copy is not None],
    }


def _spread_of(initiative: Initiative) -> dict:
    origin = queries_spread.spread_origin(initiative)
    return {
        "initiative_id": initiative.pk,
        "spread_from": None if origin is None else {
            "initiative_id": origin.pk, "title": origin.title, "site_id": origin.site_id,
            "site": origin.site.name if origin.site else None},
        "adopters": [_adopter(a) for a in queries_spread.where_spread(initiative=initiative)],
    }


def _units(organization: Organization, units: list[SpreadUnit]) -> list[services_spread.Adoption]:
    """The sites named, each with its owner; 422 naming `units` for a site that is missing
    or another organization's (alike), `owner` for anyone but an active member."""
    ids = [u.site_id for u in units]
    sites = {s.pk: s for s in Site.objects.filter(organization=organization, pk__in=ids)}
    missing = sorted(set(ids) - set(sites))
    if missing:
        raise ValidationError({"units": "No such site or unit in this organization: "
                                        f"{', '.join(map(str, missing))}."})
    owners = [u.owner for u in units if u.owner is not None]
    found = _people(organization, owners, "owner") if owners else []
    by_ref = {u.pk: u for u in found} | {u.email.lower(): u for u in found}

    def owner(ref):
        if ref is None:
            return None
        return by_ref[ref if isinstance(ref, int) else ref.strip().lower()]

    return [services_spread.Adoption(site=sites[u.site_id], owner=owner(u.owner))
            for u in units]


@router.get("/orgs/{slug}/initiatives/{initiative_id}/spread", response=SpreadRead)
def spread_status(request, slug: str, initiative_id: int):
    """Where the initiative spread: each adopting unit's initiative (status, owner) and its
    copies of the measures with what each unit's chart says; and where it came from."""
    _org, initiative = _initiative(request, slug, initiative_id)
    return _spread_of(initiative)


@router.post("/orgs/{slug}/initiatives/{initiative_id}/spread",
             response={201: list[AdopterRead]})
def spread_create(request, slug: str, initiative_id: int, payload: SpreadCreate):
    """Spread the initiative to other sites or units: each gets its own initiative (proposed,
    with the owner given) and its own copy of the measures' definitions. All or nothing."""
    org, initiative = _initiative(request, slug, initiative_id, write=True)
    adopted = services_spread.spread_initiative(initiative=initiative, by=request.user,
                                                units=_units(org, payload.units))
    ids = {a.pk for a in adopted}
    rows = [a for a in queries_spread.where_spread(initiative=initiative)
            if a.initiative.pk in ids]
    rows.sort(key=lambda a: [x.pk for x in adopted].index(a.initiative.pk))
    return Status(201, [_adopter(a) for a in rows])
