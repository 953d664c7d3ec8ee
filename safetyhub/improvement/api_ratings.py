"""API for progress ratings: an initiative's monthly ratings on the IHI Assessment Scale for
Collaboratives (read), and rating a month (PUT, create or update). Same rules as the pages:
every member reads, those who may change the initiative rate it; 404 for outsiders; bad
input (a rating off the scale, a malformed or future month) is answered 422 naming the
field."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema

from . import services_ratings as ratings
from .api import _initiative

router = Router(tags=["improvement"])


class RatingWrite(Schema):
    rating: str = Field(..., max_length=10, examples=["2.5"],
                        description="a point of the scale: 0.5 to 5.0 in half steps")
    note: str = Field("", max_length=ratings.MAX_NOTE)


class RatingRead(Schema):
    month: str = Field(..., description="YYYY-MM")
    rating: Decimal
    name: str = Field(..., description="the scale point's short name (IHI's)")
    note: str
    rated_by_id: int | None
    rated_at: dt.datetime

    @staticmethod
    def resolve_month(r) -> str:
        return f"{r.month:%Y-%m}"

    @staticmethod
    def resolve_name(r) -> str:
        return ratings.scale().point(r.rating).name


@router.get("/orgs/{slug}/initiatives/{initiative_id}/ratings", response=list[RatingRead])
def rating_list(request, slug: str, initiative_id: int):
    _org, initiative = _initiative(request, slug, initiative_id)
    return ratings.ratings_of(initiative)


@router.put("/orgs/{slug}/initiatives/{initiative_id}/ratings/{month}", response=RatingRead)
def rating_put(request, slug: str, initiative_id: int, month: str, payload: RatingWrite):
    """Rate the month (YYYY-MM); rating it again replaces the rating (audited)."""
    _org, initiative = _initiative(request, slug, initiative_id, write=True)
    return ratings.rate_month(initiative=initiative, by=request.user, month=month,
                              rating=payload.rating, note=payload.note)
