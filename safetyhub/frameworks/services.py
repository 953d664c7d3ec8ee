"""Writes for content packs: loading the shipped packs, an organization's uploads, locking a
pack once it is used. One transaction each; problems raise ValidationError."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safetyhub.core import search
from safetyhub.core.models import Organization, User

from .builtin import builtin_packs
from .loader import LoadedPack, PackError, PackInvalid, load_packs, parse_pack
from .models import Pack, PackItem, PackLink
from .queries import newest_versions
from .schema import Pack as PackSchema


class PackInUse(ValidationError):
    pass


def _search_text(*parts) -> str:
    return " ".join(str(p) for p in parts if p).lower()


def _item_rows(pack: Pack, schema: PackSchema) -> list[PackItem]:
    """PackItem rows for every addressable part of the pack, in reading order."""
    rows: list[PackItem] = []
    position = 0

    def add(key, kind, title, data, *, parent=None, number="", status="") -> PackItem:
        nonlocal position
        position += 1
        row = PackItem(
            pack=pack, key=key, kind=kind, parent=parent, position=position, number=number or "",
            title=title.text if hasattr(title, "text") else str(title),
            title_provenance=title.provenance if hasattr(title, "provenance") else
            data.get("provenance", ""),
            status=status, data=data,
            search_text=_search_text(key, number, getattr(title, "text", title),
                                     flatten_text(data)),
        )
        rows.append(row)
        return row

    by_key: dict[str, PackItem] = {}
    for section in schema.sections:
        section_data = section.model_dump(mode="json", exclude={"items"})
        s_row = add(section.id, PackItem.Kind.SECTION, section.title, section_data,
                    number=section.number, status=section.status)
        by_key[section.id] = s_row
        for item in section.items:
            by_key[item.id] = add(item.id, PackItem.Kind.ITEM, item.title,
                                  item.model_dump(mode="json"), parent=s_row, number=item.number,
                                  status=item.status)
    for principle in schema.principles:
        add(principle.id, PackItem.Kind.PRINCIPLE, principle.title,
            principle.model_dump(mode="json"))
    for resource in schema.resources:
        add(resource.id, PackItem.Kind.RESOURCE, resource.name,
            resource.model_dump(mode="json"))
    for tactic in schema.tactics:
        add(tactic.id, PackItem.Kind.TACTIC, tactic.title, tactic.model_dump(mode="json"),
            parent=by_key.get(tactic.recommendation))
    return rows


def flatten_text(value) -> str:
    """The words of a pack item's content (for search), without ids, links and labels."""
    if isinstance(value, dict):
        return " ".join(flatten_text(v) for k, v in value.items() if k not in (
            "provenance", "status", "id", "url"))
    if isinstance(value, list):
        return " ".join(flatten_text(v) for v in value)
    return str(value) if isinstance(value, str) else ""


def _store(loaded: LoadedPack, *, organization: Organization | None, by: User | None) -> Pack:
    """Create or (if unused) replace the pack version's row, items and links."""
    schema = loaded.pack
    pack = Pack.objects.select_for_update().filter(
        organization=organization, pack_id=schema.id, version=schema.version
    ).first()
    if pack is not None:
        if pack.sha256 == loaded.sha256:
            return pack
        if pack.locked_at is not None:
            raise PackInUse({"version": (
                f"{schema.id} version {schema.version} is in use and cannot change; "
                "publish the changed pack as a new version")})
        pack.items.all().delete()
        pack.title, pack.kind = schema.title.text[:300], schema.kind
        pack.content, pack.sha256, pack.uploaded_by = _content(schema), loaded.sha256, by
        pack.save()
    else:
        pack = Pack.objects.create(
            organization=organization, pack_id=schema.id, version=schema.version,
            kind=schema.kind, title=schema.title.text[:300], content=_content(schema),
            sha256=loaded.sha256, uploaded_by=by,
        )
    rows = _item_rows(pack, schema)
    # Parents first, so children's parent ids are known (sections, then items, then rest).
    for depth in range(3):
        PackItem.objects.bulk_create([r for r in rows if _depth(r) == depth])
    search.index_objects(rows)  # bulk_create sends no post_save
    return pack


def _depth(row: PackItem) -> int:
    return 0 if row.parent is None else 1 + _depth(row.parent)


def _content(schema: PackSchema) -> dict:
    return schema.model_dump(mode="json", by_alias=True)


def _link(packs: Iterable[Pack], *, organization: Organization | None) -> None:
    """(Re)create the crosswalk links of `packs`; a link's ends resolve to the newest version
    of each named pack that the organization can see."""
    for pack in packs:
        PackLink.objects.filter(pack=pack).delete()
        links = pack.content.get("links", [])
        if not links:
            continue
        refs = {ref for link in links for ref in (link["from"], link["to"])}
        items = _resolve(refs, organization=organization, own=pack)
        PackLink.objects.bulk_create(
            PackLink(pack=pack, source=items[link["from"]], target=items[link["to"]],
                     relation=link["relation"], provenance=link["provenance"],
                     note=link.get("note") or "")
            for link in links
        )


def _resolve(refs: set[str], *, organization, own: Pack) -> dict[str, PackItem]:
    pack_ids = {ref.split(":", 1)[0] for ref in refs}
    packs = {p.pack_id: p for p in newest_versions(organization=organization, pack_ids=pack_ids)}
    packs[own.pack_id] = own
    by_ref = {}
    for item in PackItem.objects.filter(pack__in=packs.values()).select_related("pack"):
        if packs.get(item.pack.pack_id) == item.pack:
            by_ref[f"{item.pack.pack_id}:{item.key}"] = item
    return by_ref


@transaction.atomic
def sync_builtin_packs() -> list[str]:
    """Load the shipped packs into the database: new versions are added, unchanged ones are
    left alone, a changed unused version is replaced, a changed used one is refused."""
    loaded = builtin_packs()
    report, stored = [], []
    for lp in loaded:
        before = Pack.objects.filter(organization=None, pack_id=lp.pack.id,
                                     version=lp.pack.version).values_list("sha256", flat=True)
        state = "unchanged" if list(before) == [lp.sha256] else (
            "updated" if before else "added")
        stored.append(_store(lp, organization=None, by=None))
        report.append(f"{lp.pack.id} {lp.pack.version}: {state}")
    _link(stored, organization=None)
    return report


def known_item_ids(*, organization: Organization | None, excluding: str = "") -> dict[str, set]:
    """What a pack may link to: the newest visible version of each pack, by id."""
    known: dict[str, set[str]] = {}
    for pack in newest_versions(organization=organization):
        if pack.pack_id != excluding:
            known[pack.pack_id] = set(pack.items.values_list("key", flat=True))
    return known


@transaction.atomic
def upload_pack(*, organization: Organization, file_name: str, text: str, by: User) -> Pack:
    """Validate and store an organization's own pack. Every problem is reported at once, as
    `{"file": ["<file>: <path>: <reason>", …]}`; nothing is stored unless all is well."""
    parsed, errors = parse_pack(text, file=file_name)
    if parsed is not None and Pack.objects.filter(
        organization=None, pack_id=parsed.id
    ).exists():
        errors.append(PackError(file_name, "id",
                             f"{parsed.id!r} is the id of a pack SafetyHub ships; choose another"))
    if errors:
        raise ValidationError({"file": [str(e) for e in errors]})
    try:
        (loaded,) = load_packs(
            [(file_name, text)],
            known=known_item_ids(organization=organization, excluding=parsed.id),
        )
    except PackInvalid as exc:
        raise ValidationError({"file": [str(e) for e in exc.errors]}) from None
    pack = _store(loaded, organization=organization, by=by)
    _link([pack], organization=organization)
    return pack


@transaction.atomic
def lock_pack(*, pack: Pack) -> Pack:
    """Mark a pack as used: from now on it never changes (a change is a new version)."""
    if pack.locked_at is None:
        Pack.objects.filter(pk=pack.pk, locked_at=None).update(locked_at=timezone.now())
        pack.refresh_from_db(fields=["locked_at"])
    return pack

