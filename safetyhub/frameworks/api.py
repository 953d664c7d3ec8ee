"""API for packs, their items, tactics, the crosswalk, search and uploads."""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from safetyhub.core.api import api_organization

from . import queries, services
from .access import access_pack, access_pack_item
from .models import Pack, PackItem

router = Router(tags=["frameworks"])


class PackRead(Schema):
    pack_id: str
    version: str
    kind: str
    title: str
    builtin: bool = Field(..., alias="is_builtin")
    locked: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_locked(pack: Pack) -> bool:
        return pack.locked_at is not None


class PackItemRead(Schema):
    key: str
    kind: str
    number: str
    title: str
    title_provenance: str
    status: str
    parent: str | None = Field(None, alias="parent.key")
    data: dict


class PackDetail(PackRead):
    content: dict
    items: list[PackItemRead]

    @staticmethod
    def resolve_items(pack: Pack) -> list[PackItem]:
        return list(pack.items.select_related("parent"))


class LinkRead(Schema):
    pack_id: str
    version: str
    key: str
    title: str
    relation: str
    provenance: str
    note: str


class CrosswalkRead(Schema):
    item: PackItemRead
    links: list[LinkRead]
    tactics: list[PackItemRead]


class PackUpload(Schema):
    file_name: str = Field(..., min_length=1, max_length=200)
    content: str = Field(..., min_length=1, max_length=2_000_000)


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=200)


class TacticQuery(Schema):
    area: str = ""
    recommendation: str = ""


@router.get("/orgs/{slug}/packs", response=list[PackRead])
def packs(request, slug: str):
    org = api_organization(request, slug, "core.view_organization")
    return queries.pack_list(organization=org)


@router.post("/orgs/{slug}/packs", response={201: PackRead})
def pack_upload(request, slug: str, payload: PackUpload):
    org = api_organization(request, slug, "frameworks.upload_pack")
    pack = services.upload_pack(organization=org, file_name=payload.file_name,
                                text=payload.content, by=request.user)
    return Status(201, pack)


@router.get("/orgs/{slug}/packs/{pack_id}/{version}", response=PackDetail)
def pack_detail(request, slug: str, pack_id: str, version: str):
    org = api_organization(request, slug, "core.view_organization")
    return access_pack(user=request.user, organization=org, pack_id=pack_id, version=version)


@router.get("/orgs/{slug}/packs/{pack_id}/{version}/items/{key}", response=CrosswalkRead)
def item_detail(request, slug: str, pack_id: str, version: str, key: str):
    """An item with its crosswalk links (both ways) and the tactics that help with it."""
    org = api_organization(request, slug, "core.view_organization")
    pack = access_pack(user=request.user, organization=org, pack_id=pack_id, version=version)
    item = access_pack_item(user=request.user, organization=org, pack=pack, key=key)
    walk = queries.crosswalk(item=item, organization=org)
    links = [
        {"pack_id": target.pack.pack_id, "version": target.pack.version, "key": target.key,
         "title": target.title, "relation": link.relation, "provenance": link.provenance,
         "note": link.note}
        for pairs in walk.direct.values() for target, link in pairs
    ]
    return {"item": item, "links": links, "tactics": walk.tactics}


@router.get("/orgs/{slug}/tactics", response=list[PackItemRead])
def tactics(request, slug: str, filters: Query[TacticQuery]):
    org = api_organization(request, slug, "core.view_organization")
    return queries.tactics(organization=org, section=filters.area,
                           recommendation=filters.recommendation)


@router.get("/orgs/{slug}/search", response=list[PackItemRead])
def search(request, slug: str, filters: Query[SearchQuery]):
    org = api_organization(request, slug, "core.view_organization")
    return queries.search(organization=org, query=filters.q)
