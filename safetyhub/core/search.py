"""Search over an organization's own work: one box, every kind of record.

Domain apps register what is searchable in their `apps.py` `ready()`:

    search.register_source(
        Initiative, key="initiative", label="Initiatives",
        fields=["title", "description"],            # the first is the title
        url=lambda initiative, org: reverse(...),
        visible=lambda user, org: Initiative.objects.filter(organization=org),
    )

Each registered record has one `SearchEntry` (its words), written on post_save and removed
on post_delete; `safetyhub search_reindex` rebuilds the lot. Rows written with bulk_create
send no signals: their writer calls `index_objects` itself.

Matching is by stemmed words ("falls" finds "fall", not "shortfalls"), done by the database:
SQLite FTS5 with the porter stemmer by default, PostgreSQL full-text search (english) in
production; one interface, the backend chosen by the connection's vendor.

Tenancy fails closed: a search looks only at entries of the person's organization (and the
shared texts of sources registered `shared`), and only at records that the source's
`visible(user, organization)` queryset (the app's own access rule) lets the person open;
the records behind the hits are loaded through `visible` again before anything is shown.
Whatever is not registered is never indexed: members' own answers and notes are not.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Organization, SearchEntry
from .rules import is_member

MAX_WORDS = 8
PAGE = 50  # hits shown at most (the counts say how many there are)
BATCH = 500
# Highlight markers: control characters never stored in SafetyHub text (core/inputs.py), so
# the marked text can be escaped whole and the markers then turned into <mark>.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")

Field = str | Callable[[Any], str]


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    model: type[models.Model]
    fields: tuple[Field, ...]
    url: Callable[[Any, Organization], str]
    visible: Callable[[Any, Organization], QuerySet]
    organization_of: Callable[[Any], int | None]
    shared: bool
    related: tuple[str, ...]

    def text(self, obj) -> tuple[str, str]:
        """(title, body) of one record."""
        parts = [_value(obj, f) for f in self.fields]
        return parts[0], "\n".join(p for p in parts[1:] if p)


_sources: dict[str, Source] = {}


def _value(obj, field: Field) -> str:
    value = field(obj) if callable(field) else getattr(obj, field)
    return "" if value is None else str(value)


def register_source(
    model: type[models.Model], *, key: str, label: str, fields: Sequence[Field],
    url: Callable[[Any, Organization], str], visible: Callable[[Any, Organization], QuerySet],
    organization_of: Callable[[Any], int | None] | None = None, shared: bool = False,
    related: Sequence[str] = (),
) -> Source:
    """Make `model`'s records searchable under `key` ("Initiatives" is its `label`).

    `fields`: attribute names or callables; the first gives the title, the rest the body.
    `url(obj, organization)`: where a hit leads. `visible(user, organization)`: the records
    the person may open there (the app's access rule; an empty queryset for none).
    `organization_of(obj)`: the owning organization's id (default `obj.organization_id`);
    None only for a `shared` source's texts, open to every organization. `related`:
    select_related paths the fields need (read once when the index is rebuilt)."""
    if not fields:
        raise ValueError("register_source: fields must name at least the title")
    source = Source(key=key, label=label, model=model, fields=tuple(fields), url=url,
                    visible=visible, shared=shared, related=tuple(related),
                    organization_of=organization_of or (lambda obj: obj.organization_id))
    existing = _sources.get(key)
    if existing is not None and existing.model is not model:
        raise ValueError(f"register_source: {key!r} is already {existing.model.__name__}'s")
    _sources[key] = source
    uid = f"safetyhub-search-{key}"
    post_save.connect(_saved, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid, weak=False)
    return source


def sources() -> list[Source]:
    return list(_sources.values())


def source_for(model: type[models.Model]) -> Source | None:
    return next((s for s in _sources.values() if s.model is model), None)


# --- keeping the index up to date -----------------------------------------------------------


def _entry(source: Source, obj) -> SearchEntry:
    title, body = source.text(obj)
    return SearchEntry(kind=source.key, object_id=obj.pk, title=title, body=body,
                       organization_id=source.organization_of(obj))


def index_objects(objects: Iterable[models.Model], *, new: bool = False) -> int:
    """(Re)write the entries of `objects` (of registered models); returns how many. `new`:
    the objects were just created, so they have no entries to remove first."""
    by_source: dict[str, list] = defaultdict(list)
    for obj in objects:
        source = source_for(type(obj))
        if source is not None and obj.pk is not None:
            by_source[source.key].append(obj)
    written = 0
    for key, objs in by_source.items():
        source = _sources[key]
        entries = [_entry(source, obj) for obj in objs]
        if not new:
            SearchEntry.objects.filter(kind=key, object_id__in=[o.pk for o in objs]).delete()
        SearchEntry.objects.bulk_create(entries, batch_size=BATCH)
        written += len(entries)
    return written


def unindex(model: type[models.Model], pks: Iterable[int]) -> None:
    source = source_for(model)
    if source is not None:
        SearchEntry.objects.filter(kind=source.key, object_id__in=list(pks)).delete()


def reindex(*, keys: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the entries of the named sources (all by default): {key: records indexed}."""
    chosen = [_sources[k] for k in keys] if keys is not None else sources()
    counts = {}
    for source in chosen:
        SearchEntry.objects.filter(kind=source.key).delete()
        batch, count = [], 0
        rows = source.model._default_manager.order_by("pk")
        if source.related:
            rows = rows.select_related(*source.related)
        for obj in rows.iterator(chunk_size=BATCH):
            batch.append(_entry(source, obj))
            if len(batch) >= BATCH:
                SearchEntry.objects.bulk_create(batch)
                count, batch = count + len(batch), []
        SearchEntry.objects.bulk_create(batch)
        counts[source.key] = count + len(batch)
    return counts


def _saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if not raw:  # fixtures loading: `search_reindex` afterwards
        index_objects([instance], new=created)


def _deleted(sender, instance, **kwargs) -> None:
    unindex(sender, [instance.pk])


def build_if_empty(sender=None, using="default", **kwargs) -> None:
    """post_migrate: an index that was just created (or lost) is built from the records
    (not after a partial migration that left a source's table missing)."""
    tables = set(connection.introspection.table_names())
    needed = {SearchEntry._meta.db_table} | {s.model._meta.db_table for s in sources()}
    if needed <= tables and not SearchEntry.objects.exists():
        reindex()


# --- searching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str
    label: str
    title: SafeString
    snippet: SafeString
    url: str

    @property
    def plain_title(self) -> str:
        return html.unescape(self.title.replace("<mark>", "").replace("</mark>", ""))


@dataclass(frozen=True)
class Results:
    query: str
    hits: list[Hit]
    counts: dict[str, int]  # hits per kind, over every kind searched

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def words_of(query: str) -> list[str]:
    """The words a query searches for (letters and digits; at most MAX_WORDS)."""
    return _WORD.findall(query.lower())[:MAX_WORDS]


def search(*, user, organization: Organization, query: str,
           kinds: Iterable[str] | None = None, limit: int = PAGE) -> Results:
    """Records of the organization that the person may open and whose words hold every word
    of `query` (stemmed), best first; `kinds` narrows the hits (the counts cover all)."""
    words = words_of(query)
    if not words or not is_member(user, organization):
        return Results(query=query, hits=[], counts={})
    scopes = _scopes(user, organization)
    kinds = None if kinds is None else list(kinds)
    if connection.vendor == "postgresql":
        counts, rows = _postgresql(scopes, organization, words, kinds, limit)
    else:
        counts, rows = _sqlite(scopes, organization, words, kinds, limit)
    return Results(query=query, hits=_hits(user, organization, rows), counts=counts)


def _scopes(user, organization: Organization) -> list[tuple[Source, QuerySet]]:
    """Each source with the records the person may open in the organization."""
    return [(source, source.visible(user, organization).order_by().values("pk"))
            for source in sources()]


def _allowed(scopes, organization: Organization) -> QuerySet[SearchEntry]:
    """Entries the person may see in the organization: each source's own, scoped twice (the
    entry's organization, and the source's visible records)."""
    scope = Q(pk__in=[])
    for source, visible in scopes:
        owner = Q(organization=organization)
        if source.shared:
            owner |= Q(organization__isnull=True)
        scope |= Q(kind=source.key) & owner & Q(object_id__in=visible)
    return SearchEntry.objects.filter(scope)


def _allowed_sql(scopes, organization: Organization) -> tuple[str, list]:
    """`_allowed` as a condition on the entry `e`, for SQLite's raw query (written out
    rather than `e.id IN (…)`, which made SQLite scan every entry)."""
    parts, params = [], []
    for source, visible in scopes:
        visible_sql, visible_params = visible.query.sql_with_params()
        owner = "e.organization_id = %s" + (" OR e.organization_id IS NULL"
                                             if source.shared else "")
        parts.append(f"(e.kind = %s AND ({owner}) AND e.object_id IN ({visible_sql}))")
        params += [source.key, organization.pk, *visible_params]
    return "(" + (" OR ".join(parts) or "0") + ")", params


def _sqlite(scopes, organization, words, kinds, limit):
    # Each word quoted: FTS5's operators (NEAR, OR, *, :) in a query are read as words.
    match = " ".join(f'"{w}"' for w in words)
    allowed_sql, allowed_params = _allowed_sql(scopes, organization)
    base = ("FROM core_searchentry_fts JOIN core_searchentry e "
            "ON e.id = core_searchentry_fts.rowid "
            "WHERE core_searchentry_fts MATCH %s AND " + allowed_sql)
    params = [match, *allowed_params]
    kind_sql = ""
    if kinds is not None:
        kind_sql = (" AND e.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")") if kinds \
            else " AND 0"
    with connection.cursor() as cursor:
        cursor.execute("SELECT e.kind, count(*) " + base + " GROUP BY e.kind", params)
        counts = dict(cursor.fetchall())
        # The best `limit` first (bm25: lower is better; a word in the title weighs four
        # times one in the body), then the highlights of those only: computed in the first
        # query they would be made for every match before the sort.
        cursor.execute("SELECT e.id " + base + kind_sql
                       + " ORDER BY bm25(core_searchentry_fts, 4.0, 1.0), e.id LIMIT %s",
                       [*params, *(kinds or []), limit])
        best = [row[0] for row in cursor.fetchall()]
        if not best:
            return counts, []
        cursor.execute(
            "SELECT e.id, e.kind, e.object_id, "
            "highlight(core_searchentry_fts, 0, char(2), char(3)), "
            "snippet(core_searchentry_fts, 1, char(2), char(3), '…', 24) "
            "FROM core_searchentry_fts JOIN core_searchentry e "
            "ON e.id = core_searchentry_fts.rowid WHERE core_searchentry_fts MATCH %s "
            "AND core_searchentry_fts.rowid IN (" + ", ".join(["%s"] * len(best)) + ")",
            [match, *best])
        marked = {row[0]: row[1:] for row in cursor.fetchall()}
    return counts, [marked[pk] for pk in best if pk in marked]


def _postgresql(scopes, organization, words, kinds, limit):
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVectorField,
    )
    from django.db.models import Count, F
    from django.db.models.expressions import RawSQL

    query = SearchQuery(" ".join(words), config="english", search_type="plain")
    # the generated column of migration 0009, which the model does not declare
    document = RawSQL('"core_searchentry"."document"', [], output_field=SearchVectorField())
    matched = _allowed(scopes, organization).annotate(document=document).filter(document=query)
    counts = dict(matched.order_by().values("kind").annotate(n=Count("pk"))
                  .values_list("kind", "n"))
    if kinds is not None:
        matched = matched.filter(kind__in=kinds)
    marks = {"start_sel": _START, "stop_sel": _STOP, "config": "english"}
    rows = (matched.annotate(
        rank=SearchRank(F("document"), query),
        title_marked=SearchHeadline("title", query, highlight_all=True, **marks),
        body_marked=SearchHeadline("body", query, max_words=24, min_words=12, **marks))
        .order_by("-rank", "pk")
        .values_list("kind", "object_id", "title_marked", "body_marked")[:limit])
    return counts, list(rows)


def _marked(text: str) -> SafeString:
    """Escape the text, then make the database's highlight markers <mark> elements."""
    return mark_safe(  # escaped just before: the only tags are our own <mark>s
        escape(text or "").replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _hits(user, organization: Organization, rows) -> list[Hit]:
    """The hits whose records the person may still open, loaded through each source's
    `visible` (one query per kind), in the order found."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, object_id, _title, _body in rows:
        wanted[kind].add(object_id)
    records = {}
    for kind, ids in wanted.items():
        source = _sources.get(kind)
        if source is None:
            continue
        for obj in source.visible(user, organization).filter(pk__in=ids):
            records[kind, obj.pk] = obj
    hits = []
    for kind, object_id, title, body in rows:
        obj = records.get((kind, object_id))
        if obj is None:
            continue
        source = _sources[kind]
        hits.append(Hit(kind=kind, label=source.label, title=_marked(title),
                        snippet=_marked(body), url=source.url(obj, organization)))
    return hits


def counts_by_label(results: Results) -> list[tuple[Source, int]]:
    """(source, hits) for every registered source, in registration order."""
    counts = Counter(results.counts)
    return [(s, counts[s.key]) for s in sources()]
