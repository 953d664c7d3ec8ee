"""Building the rollups (models_rollups.py) from an organization's own data: reports (through
the event dashboard's kept monthly figures, events/event_stats.py, so a month already counted
for the organization's own dashboard is not counted again), review actions, and the latest
finalised self-assessment. Run by the worker: the daily job rebuilds every sharing
organization's rows (and drops those of organizations that share nothing any more), and a
task rebuilds one organization's at once when it turns a sharing choice on.

Only complete months are rolled up (the month under way would change at every report); a
network dashboard shows complete months."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safetyhub.core.models import Organization
from safetyhub.events import event_stats
from safetyhub.events.models import MonthlyEventStats
from safetyhub.events.severity import HARM_RANK, WORKFORCE_RANK

from .models import NetworkMember
from .models_rollups import ActionRollup, AreaScoreRollup, EventRollup, HarmBand, RollupState

__all__ = ["HARMED", "MONTHS", "OTHER_CATEGORY", "action_counts", "area_means",
           "builtin_categories", "event_counts", "harm_band", "last_complete_month",
           "quarter_of", "refresh_all", "refresh_organization", "sharing_organizations"]

MONTHS = 36  # how far back the rollups reach (as the event dashboard's kept months)
OTHER_CATEGORY = "other"
STREAMS = ("shares_event_counts", "shares_action_strength", "shares_assessment_scores")


def harm_band(harm_level: str) -> str:
    rank = HARM_RANK.get(harm_level, WORKFORCE_RANK.get(harm_level, 0))
    if rank >= HARM_RANK["severe"]:
        return HarmBand.SEVERE
    if rank >= HARM_RANK["mild"]:
        return HarmBand.HARM
    if rank == HARM_RANK["none"]:
        return HarmBand.NONE
    return HarmBand.UNKNOWN


def builtin_categories() -> dict[str, str]:
    """{category key: title} of the taxonomy shipped with SafetyHub. A category an
    organization made up in its own taxonomy is rolled up as "other": its name could say
    whose it is, and no other member counts the same thing."""
    from safetyhub.events.taxonomy import BUILTIN_TAXONOMY, taxonomy_of
    from safetyhub.frameworks.models import Pack
    from safetyhub.frameworks.queries import version_key

    shipped = list(Pack.objects.filter(organization=None, pack_id=BUILTIN_TAXONOMY))
    if not shipped:
        return {}
    taxonomy = taxonomy_of(max(shipped, key=lambda p: version_key(p.version)))
    out: dict[str, str] = {}
    for kind in ("patient_safety", "workforce"):
        for option in taxonomy.categories(kind):
            out[option.key] = option.title
    return out


def quarter_of(month: dt.date) -> dt.date:
    return month.replace(month=(month.month - 1) // 3 * 3 + 1, day=1)


HARMED = (HarmBand.HARM, HarmBand.SEVERE)


def last_complete_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _first_month(last: dt.date) -> dt.date:
    first = last
    for _ in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def event_counts(organization: Organization, *, first: dt.date, last: dt.date,
                 categories: dict[str, str] | None = None) -> Counter:
    """{(month, category, harm band): reports} of the complete months first..last, read from
    the event dashboard's kept monthly figures (made first where missing)."""
    categories = builtin_categories() if categories is None else categories
    kept = (MonthlyEventStats.objects.filter(organization=organization,
                                             unit=event_stats.EVERY_UNIT,
                                             month__gte=first, month__lte=last))
    wanted = event_stats.months_between(first, last)
    if set(kept.values_list("month", flat=True).distinct()) != set(wanted):
        # Makes (and keeps) the months not kept yet; the sum it returns is not needed here.
        event_stats.figures_for(organization=organization, first=first, last=last)
    out: Counter = Counter()
    for month, figures in kept.values_list("month", "figures"):
        for _type, category, harm, n in figures.get("classes", []):
            key = category if category in categories else OTHER_CATEGORY
            out[(month, key, harm_band(harm))] += n
    return out


def action_counts(organization: Organization, *, first: dt.date, last: dt.date) -> Counter:
    """{(month, strength): actions} planned in first..last (cancelled ones left out)."""
    from safetyhub.investigations.models import ReviewAction

    start, end = event_stats.bounds(first, last)
    rows = (ReviewAction.objects.filter(organization=organization, created_at__gte=start,
                                        created_at__lt=end)
            .exclude(status=ReviewAction.Status.CANCELLED).order_by()
            .annotate(month=TruncMonth("created_at")).values_list("month", "strength")
            .annotate(n=Count("*")))
    out: Counter = Counter()
    for month, strength, n in rows:
        month = month.date() if isinstance(month, dt.datetime) else month
        out[(month, strength)] += n
    return out


def area_means(organization: Organization) -> list[AreaScoreRollup]:
    """The area means of the organization's latest finalised assessment of each shipped
    instrument (scored by means; attestations have no means to spread)."""
    from safetyhub.assessments.models import Assessment
    from safetyhub.assessments.queries import assessment_results

    latest: dict[str, Assessment] = {}
    for assessment in (Assessment.objects.filter(
            organization=organization, status=Assessment.Status.FINALIZED, site=None,
            pack__organization=None).select_related("pack").order_by("-finalized_at", "-pk")):
        latest.setdefault(assessment.pack.pack_id, assessment)
    rows = []
    for pack_id, assessment in latest.items():
        results = assessment_results(assessment=assessment, viewer=None)
        if results.means is None:
            continue
        for position, section in enumerate(results.means.sections):
            if section.mean is None:
                continue
            rows.append(AreaScoreRollup(
                organization=organization, pack_id=pack_id,
                pack_title=assessment.pack.title, area=section.key[:60],
                area_title=section.title[:300], position=position, mean=section.mean,
                finalized_on=timezone.localdate(assessment.finalized_at)
                if assessment.finalized_at else assessment.closes_on))
    return rows


def sharing_organizations() -> dict[int, set[str]]:
    """{organization id: the streams it shares with at least one network} over current
    memberships."""
    out: dict[int, set[str]] = {}
    for org_id, *flags in (NetworkMember.objects.filter(left_at__isnull=True)
                           .values_list("organization_id", *STREAMS)):
        chosen = {stream for stream, on in zip(STREAMS, flags, strict=True) if on}
        if chosen:
            out.setdefault(org_id, set()).update(chosen)
    return out


def _forget(organization_id: int) -> None:
    for model in (EventRollup, ActionRollup, AreaScoreRollup, RollupState):
        model.objects.filter(organization_id=organization_id).delete()


def refresh_organization(*, organization_id: int, today: dt.date | None = None,
                         streams: set[str] | None = None,
                         categories: dict[str, str] | None = None) -> bool:
    """Rebuild one organization's rollups, of the streams it shares (none: its rows go).
    Returns whether it has rows now. One transaction: a dashboard never reads half.
    (`streams` and `categories`: already read by the caller, for the nightly job.)"""
    if streams is None:
        streams = sharing_organizations().get(organization_id, set())
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return False
    last = last_complete_month(today)
    first = _first_month(last)
    events = (event_counts(organization, first=first, last=last, categories=categories)
              if "shares_event_counts" in streams else {})
    actions = (action_counts(organization, first=first, last=last)
               if "shares_action_strength" in streams else {})
    areas = area_means(organization) if "shares_assessment_scores" in streams else []
    by_quarter: dict[tuple[dt.date, str], list[int]] = {}
    for (month, category, band), n in events.items():
        counts = by_quarter.setdefault((quarter_of(month), category), [0, 0])
        counts[0] += n
        counts[1] += n if band in HARMED else 0
    with transaction.atomic():
        _forget(organization_id)
        if not streams:
            return False
        EventRollup.objects.bulk_create(
            [EventRollup(organization_id=organization_id, quarter=quarter, category=category,
                         events=n, harmed=harmed)
             for (quarter, category), (n, harmed) in by_quarter.items() if n],
            batch_size=2000)
        ActionRollup.objects.bulk_create(
            [ActionRollup(organization_id=organization_id, month=month, strength=strength,
                          actions=n) for (month, strength), n in actions.items() if n])
        AreaScoreRollup.objects.bulk_create(areas)
        RollupState.objects.create(organization_id=organization_id, built_at=timezone.now(),
                                   through_month=last)
    return True


def refresh_all(*, today: dt.date | None = None) -> int:
    """The daily job: rebuild the rollups of every organization that shares something, drop
    those of organizations that no longer do; returns how many organizations were built."""
    sharing = sharing_organizations()
    stale = set(RollupState.objects.values_list("organization_id", flat=True)) - set(sharing)
    stale |= set(EventRollup.objects.exclude(organization_id__in=list(sharing))
                 .values_list("organization_id", flat=True).distinct())
    for organization_id in stale:
        with transaction.atomic():
            _forget(organization_id)
    built = 0
    categories = builtin_categories()
    for organization_id in sorted(sharing):
        built += refresh_organization(organization_id=organization_id, today=today,
                                      streams=sharing[organization_id],
                                      categories=categories)
    store_network_sums(today=today)
    return built


def store_network_sums(*, organization_id: int | None = None,
                       today: dt.date | None = None) -> None:
    """Sum and store the dashboard figures of every network (or those `organization_id` is a
    current member of) from the rollups just built, so that pages read them ready-made."""
    from .aggregates import store_network_sums as store
    from .models import Network

    networks = Network.objects.all()
    if organization_id is not None:
        networks = networks.filter(members__organization_id=organization_id,
                                   members__left_at__isnull=True).distinct()
    for network in networks:
        store(network=network, today=today)
