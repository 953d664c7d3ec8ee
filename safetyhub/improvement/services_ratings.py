"""Progress ratings: rate an initiative's month on the IHI Assessment Scale for
Collaboratives, read its history, and the current rating the board shows.

The scale is data (progress_scale.yaml): its points and short names follow IHI's published
scale, its descriptions are SafetyHub's own paraphrase (see the file's PROVENANCE note).
One rating per initiative per month; rating a month again updates it (audited as a change).
A month in the future cannot be rated: a rating says what has happened."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from safetyhub.core import audit
from safetyhub.core.models import User

from .models import Initiative
from .models_ratings import SCALE_POINTS, ProgressRating

SCALE_PATH = Path(__file__).with_name("progress_scale.yaml")
MAX_NOTE = 2000


@dataclass(frozen=True)
class ScalePoint:
    value: Decimal
    name: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.value} {self.name}"


@dataclass(frozen=True)
class Scale:
    source: str
    descriptions_by: str
    points: tuple[ScalePoint, ...]

    def point(self, value: Decimal) -> ScalePoint:
        return next(p for p in self.points if p.value == value)


@functools.cache
def scale() -> Scale:
    """The scale, checked once per process against the values the database accepts."""
    raw = yaml.safe_load(SCALE_PATH.read_text(encoding="utf-8"))
    points = tuple(ScalePoint(value=Decimal(str(p["value"])), name=p["name"],
                              description=p["description"]) for p in raw["points"])
    if [p.value for p in points] != SCALE_POINTS:
        raise ValueError(f"{SCALE_PATH.name}: points must be 0.5 to 5.0 in half steps")
    return Scale(source=raw["source"], descriptions_by=raw["descriptions_by"], points=points)


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def parse_rating(value) -> Decimal:
    """A point of the scale, or a ValidationError naming `rating`."""
    try:
        rating = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        rating = None
    if rating is None or not rating.is_finite() or rating not in SCALE_POINTS:
        raise ValidationError({"rating": "Choose a point of the scale: 0.5 to 5.0 in half "
                                         "steps."})
    return rating.quantize(Decimal("0.1"))


def parse_month(value) -> dt.date:
    """A month as YYYY-MM (or a date, taken as its month); ValidationError naming `month`."""
    if isinstance(value, dt.date):
        return first_of_month(value)
    text = str(value or "").strip()
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return first_of_month(dt.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    raise ValidationError({"month": "Give the month as YYYY-MM, e.g. 2026-03."})


def rate_month(*, initiative: Initiative, by: User, month: dt.date, rating, note: str = ""
               ) -> ProgressRating:
    """Rate the initiative's month (created, or updated when the month is rated already)."""
    rating = parse_rating(rating)
    month = parse_month(month)
    if month > first_of_month(timezone.localdate()):
        raise ValidationError({"month": "A month in the future cannot be rated yet."})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"At most {MAX_NOTE} characters (this note has "
                                       f"{len(note)})."})
    fields = {"rating": rating, "note": note, "rated_by": by, "rated_at": timezone.now()}
    with audit.acting_as(by), transaction.atomic():
        existing = (ProgressRating.objects.select_for_update()
                    .filter(initiative=initiative, month=month).first())
        if existing is None:
            try:
                with transaction.atomic():
                    return ProgressRating.objects.create(
                        initiative=initiative, organization_id=initiative.organization_id,
                        month=month, **fields)
            except IntegrityError:
                # Someone rated the month at the same moment: theirs is updated below.
                existing = ProgressRating.objects.select_for_update().get(
                    initiative=initiative, month=month)
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing


def ratings_of(initiative: Initiative) -> list[ProgressRating]:
    return list(ProgressRating.objects.filter(initiative=initiative)
                .select_related("rated_by").order_by("month"))


def current_ratings(initiatives) -> dict[int, ProgressRating]:
    """The latest rating of each initiative (one query for the whole board)."""
    ids = [i.pk for i in initiatives]
    latest: dict[int, ProgressRating] = {}
    for r in ProgressRating.objects.filter(initiative_id__in=ids).order_by("month"):
        latest[r.initiative_id] = r
    return latest


def is_stale(rating: ProgressRating | None, today: dt.date | None = None) -> bool:
    """True when this month has no rating yet."""
    today = today or timezone.localdate()
    return rating is None or rating.month < first_of_month(today)


def history_svg(ratings: list[ProgressRating]):
    """The ratings month by month as a step line on the scale (0 to 5), rendered by the one
    chart module (core.charts: accessible SVG with role="img", a <title> and a description
    that says every month in words). None when there is nothing to draw."""
    from safetyhub.core import charts

    if not ratings:
        return None
    points = scale()
    data = [{"month": r.month.isoformat(), "rating": float(r.rating),
             "label": f"{r.rating}"} for r in ratings]
    said = "; ".join(f"{r.month:%B %Y} {r.rating} ({points.point(r.rating).name})"
                     for r in ratings)
    x = charts.date_axis("month", [r.month for r in ratings], label_format="%b %Y",
                         padding=16)
    y = {"field": "rating", "type": "quantitative", "scale": {"domain": [0, 5], "nice": False},
         "axis": {"title": "Rating (0.5 to 5)", "tickCount": 5, "format": "d"}}
    spec = {
        "usermeta": {"title": "Progress ratings by month"},
        "description": "Step chart of the initiative's monthly progress rating on the IHI "
                       f"Assessment Scale for Collaboratives (0.5 to 5): {said}.",
        "width": charts.PLOT_WIDTH,
        "height": 160,
        "data": {"values": data},
        "layer": [
            {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2,
                      "color": charts.CATEGORY[0]},
             "encoding": {"x": x, "y": y}},
            {"mark": {"type": "point", "filled": True, "size": 50, "color": charts.CATEGORY[0]},
             "encoding": {"x": x, "y": y}},
            {"mark": {"type": "text", "dy": -10},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        ],
    }
    return charts.render_svg(spec)


def annotate_current_ratings(initiatives) -> None:
    """Give each initiative `current_rating` (its latest, or None) and `current_rating_stale`
    (this month not rated yet), for the board's cards."""
    initiatives = list(initiatives)
    latest = current_ratings(initiatives)
    today = timezone.localdate()
    for i in initiatives:
        i.current_rating = latest.get(i.pk)
        i.current_rating_stale = is_stale(i.current_rating, today)
