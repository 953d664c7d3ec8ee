"""Reads for lessons: an organization's drafts (its own door), the network library with its
filters, one published lesson (through the network's door), charts drawn from a lesson's
numbers, and the choices the forms offer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from safetyhub import spc
from safetyhub.core.access import tenant_row
from safetyhub.core.models import Organization
from safetyhub.measures.chart import spc_svg

from . import library
from .access import NetworkAccess, current_members, network_row
from .models import Network
from .models_lessons import LessonComment, LessonDraft, PublishedLesson


def drafts_for(*, organization: Organization) -> QuerySet[LessonDraft]:
    return LessonDraft.objects.filter(organization=organization).select_related("approved_by")


def access_draft(*, user, organization: Organization, pk) -> LessonDraft:
    """One of the organization's drafts (404 for another's, a missing one or a bad id)."""
    return tenant_row(LessonDraft, organization=organization, pk=pk)


def access_lesson(*, access: NetworkAccess, pk) -> PublishedLesson:
    """A published lesson of the network the person reached through `access_network`."""
    return network_row(PublishedLesson, network=access.network, pk=pk,
                       queryset=PublishedLesson.objects.filter(withdrawn_at__isnull=True))


def member_networks(organization: Organization) -> list[Network]:
    """Networks the organization is a current member of (where it may publish)."""
    return list(Network.objects.filter(members__organization=organization,
                                       members__left_at__isnull=True).distinct())


@dataclass
class LibraryFilters:
    q: str = ""
    category: str = ""
    recommendation: str = ""
    strength: str = ""


def library_lessons(*, network: Network,
                    filters: LibraryFilters) -> QuerySet[PublishedLesson] | library.RankedLessons:
    """The library's lessons: the best matches first when searching, else the newest."""
    lookups = {}
    if filters.category:
        lookups["category"] = filters.category
    if filters.recommendation:
        lookups["recommendation_keys__contains"] = f"|{filters.recommendation}|"
    if filters.strength:
        lookups["strength_keys__contains"] = f"|{filters.strength}|"
    lessons = PublishedLesson.objects.filter(network=network, withdrawn_at__isnull=True)
    if filters.q.strip():
        return library.search(lessons.select_related("owner"), network=network,
                              query=filters.q, lookups=lookups)
    return lessons.filter(**lookups).select_related("owner").order_by("-published_at", "-pk")


def category_choices(network: Network) -> list[tuple[str, str]]:
    rows = (PublishedLesson.objects.filter(network=network, withdrawn_at__isnull=True)
            .exclude(category="").values_list("category", "category_title").distinct())
    return sorted({(key, title or key) for key, title in rows}, key=lambda r: r[1])


def recommendation_choices() -> list[tuple[str, str]]:
    """The National Action Plan's recommendations (the shipped pack), by number."""
    from safetyhub.frameworks.models import Pack, PackItem
    from safetyhub.frameworks.queries import NAP_PACK

    pack = Pack.objects.filter(organization=None, pack_id=NAP_PACK).order_by(
        "-created_at").first()
    if pack is None:
        return []
    return [(item.key, f"{item.number}. {item.title}" if item.number else item.title)
            for item in pack.items.filter(kind=PackItem.Kind.ITEM)]


def comments_of(lesson: PublishedLesson) -> list[LessonComment]:
    return list(lesson.comments.select_related("organization"))


def is_current_member(network: Network, organization: Organization) -> bool:
    return current_members(network).filter(organization=organization).exists()


@dataclass
class LessonChart:
    title: str
    svg: SafeString | None
    error: str = ""


def chart_svgs(charts: list[dict]) -> list[LessonChart]:
    """A lesson's charts, drawn with the SPC engine and renderer from the numbers alone;
    points are named by position ("1", "2", …), never by date."""
    out = []
    for chart in charts:
        values = chart.get("values") or []
        labels = [str(k) for k in range(1, len(values) + 1)]
        try:
            points = spc.qic(labels, values, chart.get("n"), chart=chart.get("chart", "run"),
                             multiply=chart.get("multiplier") or 1)
        except spc.SPCInputError as exc:
            out.append(LessonChart(title=chart.get("title", ""), svg=None, error=str(exc)))
            continue
        out.append(LessonChart(title=chart.get("title", ""), svg=spc_svg(
            title=chart.get("title", ""), chart=chart.get("chart", "run"), labels=labels,
            points=points, explanations=spc.explain(points), unit=chart.get("unit", ""))))
    return out


def organization_categories(organization: Organization) -> list[tuple[str, str]]:
    """The event categories of the organization's taxonomy (both kinds of event)."""
    from safetyhub.events.taxonomy import KINDS as EVENT_KINDS
    from safetyhub.events.taxonomy import active_taxonomy_pack, taxonomy_of

    pack = active_taxonomy_pack(organization=organization)
    if pack is None:
        return []
    taxonomy = taxonomy_of(pack)
    seen: dict[str, str] = {}
    for kind in EVENT_KINDS:
        for option in taxonomy.categories(kind):
            seen.setdefault(option.key, option.title)
    return list(seen.items())
