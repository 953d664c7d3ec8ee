"""Reads for the framework explorer, search and the API."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from safetyhub.core.models import Organization

from .models import Pack, PackItem, PackLink

NAP_PACK = "nap-2020"


def visible_packs(*, organization: Organization | None) -> QuerySet[Pack]:
    """Packs shipped with SafetyHub plus the organization's own."""
    return Pack.objects.filter(Q(organization__isnull=True) | Q(organization=organization))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def newest_versions(
    *, organization: Organization | None, pack_ids: set[str] | None = None
) -> list[Pack]:
    """The newest version of each visible pack (an organization's own before a shipped one
    of the same id, which upload refuses anyway)."""
    packs = visible_packs(organization=organization)
    if pack_ids is not None:
        packs = packs.filter(pack_id__in=pack_ids)
    newest: dict[str, Pack] = {}
    for pack in packs:
        current = newest.get(pack.pack_id)
        if current is None or version_key(pack.version) > version_key(current.version):
            newest[pack.pack_id] = pack
    return sorted(newest.values(), key=lambda p: (p.organization_id is not None, p.pack_id))


def pack_list(*, organization: Organization) -> list[Pack]:
    packs = visible_packs(organization=organization).annotate(
        item_count=Count("items", filter=Q(items__kind=PackItem.Kind.ITEM)),
        tactic_count=Count("items", filter=Q(items__kind=PackItem.Kind.TACTIC)),
    )
    return sorted(packs, key=lambda p: (p.organization_id is not None, p.pack_id,
                                        version_key(p.version)))


@dataclass
class SectionView:
    section: PackItem
    items: list[PackItem] = field(default_factory=list)


def pack_outline(*, pack: Pack) -> list[SectionView]:
    """Sections with their items, in the pack's order (two queries' worth: one)."""
    sections: dict[int, SectionView] = {}
    for item in pack.items.filter(kind__in=[PackItem.Kind.SECTION, PackItem.Kind.ITEM]):
        if item.kind == PackItem.Kind.SECTION:
            sections[item.pk] = SectionView(section=item)
        elif item.parent_id in sections:
            sections[item.parent_id].items.append(item)
    return list(sections.values())


def navigation_areas() -> list[PackItem]:
    """The foundational areas of the newest shipped National Action Plan pack, for menus."""
    pack = Pack.objects.filter(organization=None, pack_id=NAP_PACK).order_by("-created_at").first()
    if pack is None:
        return []
    return list(pack.items.filter(kind=PackItem.Kind.SECTION).select_related("pack"))


def tactics(
    *, organization: Organization, section: str = "", recommendation: str = ""
) -> QuerySet[PackItem]:
    newest = newest_versions(organization=organization)
    qs = PackItem.objects.filter(pack__in=newest, kind=PackItem.Kind.TACTIC).select_related(
        "pack", "parent", "parent__parent")
    if recommendation:
        qs = qs.filter(parent__key=recommendation)
    if section:
        qs = qs.filter(parent__parent__key=section)
    return qs.order_by("pack__pack_id", "position")


def resources_by_key(*, pack: Pack, keys: list[str]) -> list[PackItem]:
    found = {r.key: r for r in pack.items.filter(kind=PackItem.Kind.RESOURCE, key__in=keys)}
    return [found[k] for k in keys if k in found]


@dataclass
class Crosswalk:
    """What an item is linked to, both ways, grouped by pack; and, one step further, what
    those items lead to (e.g. PSSM statement → recommendation → its tactics and elements)."""

    direct: dict[str, list[tuple[PackItem, PackLink]]]
    tactics: list[PackItem]
    via: dict[str, list[tuple[PackItem, PackItem]]]


def _neighbours(items: list[PackItem]) -> list[tuple[PackItem, PackItem, PackLink]]:
    """(item, other end, link) for every link touching `items`."""
    ids = [i.pk for i in items]
    by_id = {i.pk: i for i in items}
    links = PackLink.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).select_related(
        "source__pack", "target__pack", "source__parent", "target__parent")
    out = []
    for link in links:
        if link.source_id in by_id:
            out.append((by_id[link.source_id], link.target, link))
        if link.target_id in by_id:
            out.append((by_id[link.target_id], link.source, link))
    return out


def crosswalk(*, item: PackItem, organization: Organization) -> Crosswalk:
    visible = {p.pk for p in visible_packs(organization=organization).only("pk")}
    direct: dict[str, list] = defaultdict(list)
    firsts = []
    for _item, other, link in _neighbours([item]):
        if other.pack_id in visible:
            direct[other.pack.pack_id].append((other, link))
            firsts.append(other)
    tactic_parents = [item, *firsts]
    tactic_rows = list(
        PackItem.objects.filter(kind=PackItem.Kind.TACTIC, parent__in=tactic_parents,
                                pack_id__in=visible).select_related("pack", "parent")
    )
    via: dict[str, list] = defaultdict(list)
    seen = {item.pk} | {f.pk for f in firsts}
    for first, other, _link in _neighbours(firsts):
        if other.pk not in seen and other.pack_id in visible:
            seen.add(other.pk)
            via[other.pack.pack_id].append((other, first))
    return Crosswalk(direct=dict(direct), tactics=tactic_rows, via=dict(via))


def search(*, organization: Organization, query: str, limit: int = 50) -> list[PackItem]:
    """Items of the newest visible packs whose text holds every word of `query`."""
    words = [w for w in query.lower().split() if w][:8]
    if not words:
        return []
    qs = PackItem.objects.filter(pack__in=newest_versions(organization=organization))
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return list(qs.select_related("pack", "parent").order_by("pack__pack_id", "position")[:limit])
