"""Reads for the action plan pages and API: the filtered plan, the board's columns, an
initiative with its notes, cycles and measures. A fixed number of queries whatever the
number of initiatives (the tests count them at 1 and 3)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from safetyhub.core.models import Membership, Organization, Site, User
from safetyhub.core.queries import site_tree
from safetyhub.frameworks.models import Pack, PackItem
from safetyhub.frameworks.queries import NAP_PACK, newest_versions
from safetyhub.measures.models import Measure

from .models import Initiative, PdsaCycle, ProgressNote
from .services import CLOSED, is_overdue

NO_OWNER = "none"


@dataclass
class Area:
    """A foundational area of the National Action Plan with its recommendations."""

    section: PackItem
    recommendations: list[PackItem] = field(default_factory=list)


def nap_areas(*, organization: Organization) -> list[Area]:
    """The areas and recommendations of the newest National Action Plan pack (two queries)."""
    pack: Pack | None = next(iter(newest_versions(organization=organization,
                                                  pack_ids={NAP_PACK})), None)
    if pack is None:
        return []
    areas: dict[int, Area] = {}
    for item in pack.items.filter(kind__in=[PackItem.Kind.SECTION, PackItem.Kind.ITEM]):
        item.pack = pack
        if item.kind == PackItem.Kind.SECTION:
            areas[item.pk] = Area(section=item)
        elif item.parent_id in areas:
            areas[item.parent_id].recommendations.append(item)
    return list(areas.values())


def people(*, organization: Organization) -> list[tuple[User, str]]:
    """Active members, each with their role, by name (one query)."""
    memberships = (Membership.objects.filter(organization=organization, is_active=True,
                                             user__is_active=True)
                   .select_related("user").order_by("user__full_name", "user__email"))
    return [(m.user, m.role) for m in memberships]


def sites_with_units(tree: list[tuple[Site, int]], site_pk: int) -> set[int]:
    """The site and every site or unit inside it, from `site_tree`'s order."""
    found: set[int] = set()
    depth_of_root = None
    for site, depth in tree:
        if depth_of_root is not None:
            if depth <= depth_of_root:
                break
            found.add(site.pk)
        elif site.pk == site_pk:
            depth_of_root = depth
            found.add(site.pk)
    return found


@dataclass(frozen=True)
class PlanFilter:
    area: str = ""
    recommendation: str = ""
    status: str = ""
    owner: str = ""  # a user id, or NO_OWNER
    site_ids: frozenset[int] | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.area or self.recommendation or self.status or self.owner
                    or self.site_ids is not None or self.overdue)


def plan_initiatives(*, organization: Organization, filters: PlanFilter = PlanFilter(),
                     today: dt.date) -> list[Initiative]:
    """The organization's initiatives that pass the filters, soonest due first (undated
    last), each with `overdue` and `cycle_count` set. One query."""
    qs = initiatives_queryset(organization=organization, filters=filters, today=today)
    rows = list(qs)
    for initiative in rows:
        initiative.overdue = is_overdue(initiative, today)
    return rows


def initiatives_queryset(*, organization: Organization, filters: PlanFilter = PlanFilter(),
                         today: dt.date) -> QuerySet[Initiative]:
    qs = (Initiative.objects.filter(organization=organization)
          .select_related("recommendation__pack", "recommendation__parent", "tactic__pack",
                          "source_assessment", "source_item__pack", "owner", "site")
          .annotate(cycle_count=Count("cycles", distinct=True))
          .order_by(F("due_on").asc(nulls_last=True), "pk"))
    if filters.area:
        qs = qs.filter(recommendation__pack__pack_id=NAP_PACK,
                       recommendation__parent__key=filters.area)
    if filters.recommendation:
        qs = qs.filter(recommendation__pack__pack_id=NAP_PACK,
                       recommendation__key=filters.recommendation)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner == NO_OWNER:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.site_ids is not None:
        qs = qs.filter(site_id__in=filters.site_ids)
    if filters.overdue:
        qs = qs.filter(overdue_q(today))
    return qs


@dataclass
class PlanCounts:
    total: int
    overdue: int
    by_status: list[tuple[str, str, int]]  # (value, label, count), in the statuses' order


def plan_counts(initiatives: list[Initiative]) -> PlanCounts:
    counts = {value: 0 for value in Initiative.Status.values}
    for initiative in initiatives:
        counts[initiative.status] = counts.get(initiative.status, 0) + 1
    return PlanCounts(
        total=len(initiatives),
        overdue=sum(1 for i in initiatives if getattr(i, "overdue", False)),
        by_status=[(s.value, s.label, counts[s.value]) for s in Initiative.Status],
    )


@dataclass
class Column:
    status: str
    label: str
    initiatives: list[Initiative]


def board_columns(initiatives: list[Initiative]) -> list[Column]:
    """One column per status, in the statuses' order, each keeping the plan's order."""
    columns = {s.value: Column(status=s.value, label=s.label, initiatives=[])
               for s in Initiative.Status}
    for initiative in initiatives:
        columns[initiative.status].initiatives.append(initiative)
    return list(columns.values())


def team_of(initiative: Initiative) -> list[User]:
    return list(initiative.team.order_by("full_name", "email"))


def notes_of(initiative: Initiative) -> QuerySet[ProgressNote]:
    return initiative.notes.select_related("author")


def cycles_of(initiative: Initiative) -> QuerySet[PdsaCycle]:
    return initiative.cycles.prefetch_related(
        Prefetch("measures", queryset=Measure.objects.only("pk", "name")))


def measures_of_initiative(initiative: Initiative) -> QuerySet[Measure]:
    return initiative.measures.all()


def organization_measures(*, organization: Organization) -> QuerySet[Measure]:
    return Measure.objects.filter(organization=organization).order_by("name", "pk")


def site_choices(*, organization: Organization, include: Site | None = None
                 ) -> list[tuple[Site, int]]:
    """Open sites in tree order (and `include`, the one already chosen, even if closed)."""
    return [(site, depth) for site, depth in site_tree(organization=organization)
            if site.is_active or (include is not None and site.pk == include.pk)]


def choosable_items(*, organization: Organization, kind: str,
                    include: PackItem | None = None) -> list[PackItem]:
    """Recommendations (items) or tactics of the newest framework packs the organization
    sees, in pack order, plus `include` (the one already chosen, if from an older
    version)."""
    packs = [p for p in newest_versions(organization=organization) if p.kind == "framework"]
    items = list(PackItem.objects.filter(pack__in=packs, kind=kind)
                 .select_related("pack", "parent").order_by("pack__pack_id", "position"))
    if include is not None and all(item.pk != include.pk for item in items):
        items.insert(0, include)
    return items


def owners(*, organization: Organization) -> list[User]:
    """Everyone who may be chosen in the owner filter: active members, and anyone who owns
    an initiative (a former member's initiatives must stay findable). One query."""
    owning = Initiative.objects.filter(organization=organization).values("owner_id")
    return list(User.objects.filter(
        Q(memberships__organization=organization, memberships__is_active=True)
        | Q(pk__in=owning)).distinct().order_by("full_name", "email"))


def overdue_q(today: dt.date) -> Q:
    return Q(due_on__lt=today) & ~Q(status__in=CLOSED)
