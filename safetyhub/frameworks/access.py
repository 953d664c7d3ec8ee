"""The door to packs: shipped packs are open to every member; an organization's own packs
only to that organization. The same 404 for a pack that is missing or another's."""

from django.http import Http404

from safetyhub.core.models import Organization

from .models import Pack, PackItem
from .queries import newest_versions, visible_packs


def access_pack(*, user, organization: Organization, pack_id: str, version: str = "") -> Pack:
    if version:
        pack = visible_packs(organization=organization).filter(
            pack_id=str(pack_id), version=str(version)).first()
    else:
        pack = next(iter(newest_versions(organization=organization, pack_ids={str(pack_id)})),
                    None)
    if pack is None:
        raise Http404("No such framework pack.")
    return pack


def access_pack_item(*, user, organization: Organization, pack: Pack, key: str) -> PackItem:
    item = pack.items.filter(key=str(key)).select_related("pack", "parent").first()
    if item is None:
        raise Http404("No such item in this pack.")
    return item
