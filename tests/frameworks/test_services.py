import pytest
import yaml
from django.core.exceptions import ValidationError

from safetyhub.core.models import AuditEntry
from safetyhub.frameworks import queries, services
from safetyhub.frameworks.builtin import builtin_packs
from safetyhub.frameworks.models import Pack, PackItem, PackLink

ORG_PACK = {
    "id": "riverside-falls",
    "version": 1,
    "kind": "instrument",
    "title": {"text": "Riverside falls readiness", "provenance": "project"},
    "publisher": "Riverside General",
    "year": 2026,
    "licence": "Internal use",
    "scale": {"levels": [{"value": "0", "label": "No", "numeric": 0},
                         {"value": "1", "label": "Yes", "numeric": 1}]},
    "scoring": {"method": "mean"},
    "sections": [{"id": "RISK", "title": "Risk", "items": [
        {"id": "RISK-1", "title": "Fall risk screened on admission",
         "criteria": [{"id": "a", "text": "Policy names the tool"}]},
    ]}],
    "links": [{"from": "riverside-falls:RISK-1", "to": "nap-2020:R13"}],
}


def upload(org, owner, data=ORG_PACK, name="falls.yaml"):
    return services.upload_pack(organization=org, file_name=name, text=yaml.safe_dump(data),
                                by=owner)


def test_shipped_packs_are_loaded_by_migrate(db):
    shipped = {(lp.pack.id, lp.pack.version) for lp in builtin_packs()}
    stored = set(Pack.objects.filter(organization=None).values_list("pack_id", "version"))
    assert stored == shipped


def test_shipped_pack_counts_meet_the_content_bar(db):
    nap = Pack.objects.get(pack_id="nap-2020")
    recommendations = nap.items.filter(kind=PackItem.Kind.ITEM)
    assert recommendations.count() == 17
    for rec in recommendations:
        tactics = rec.children.filter(kind=PackItem.Kind.TACTIC)
        assert 3 <= tactics.count() <= 6, rec.key
        assert all(t.data["resources"] for t in tactics)
    instrument = Pack.objects.get(pack_id="safetyhub-sa")
    elements = instrument.items.filter(kind=PackItem.Kind.ITEM)
    assert 25 <= elements.count() <= 40
    assert all(1 <= len(e.data["criteria"]) <= 4 for e in elements)
    keyed = set(PackLink.objects.filter(source__pack=instrument, target__pack=nap)
                .values_list("target__key", flat=True))
    assert keyed == set(recommendations.values_list("key", flat=True))
    assert [lvl["label"] for lvl in instrument.content["scale"]["levels"]][:5] == [
        "Not started", "Beginning", "Making Progress", "Significant Impact", "Exemplary"]
    pssm = Pack.objects.get(pack_id="pssm")
    assert pssm.items.filter(kind=PackItem.Kind.SECTION).count() == 5
    assert pssm.items.filter(kind=PackItem.Kind.ITEM).count() == 25
    who = Pack.objects.get(pack_id="who-gpsap-2021")
    assert who.items.filter(kind=PackItem.Kind.SECTION).count() == 7
    assert who.items.filter(kind=PackItem.Kind.ITEM).count() == 35


def test_shipped_packs_never_claim_official_text(db):
    for pack in Pack.objects.filter(organization=None):
        assert not PackItem.objects.filter(pack=pack, title_provenance="official-text").exists()
        assert "official-text" not in str(pack.content)


def test_sync_is_idempotent(db):
    before = (Pack.objects.count(), PackItem.objects.count(), PackLink.objects.count())
    report = services.sync_builtin_packs()
    assert all(line.endswith("unchanged") for line in report)
    assert (Pack.objects.count(), PackItem.objects.count(), PackLink.objects.count()) == before


def test_a_locked_pack_refuses_a_changed_file(db, monkeypatch):
    nap = Pack.objects.get(pack_id="nap-2020")
    services.lock_pack(pack=nap)
    nap.sha256 = "0" * 64  # as if the file on disk had changed since
    Pack.objects.filter(pk=nap.pk).update(sha256="0" * 64)
    with pytest.raises(services.PackInUse, match="publish the changed pack as a new version"):
        services.sync_builtin_packs()


def test_upload_stores_an_organization_pack_with_links(org, owner):
    pack = upload(org, owner)
    assert (pack.organization, pack.pack_id, pack.version) == (org, "riverside-falls", "1")
    link = PackLink.objects.get(pack=pack)
    assert (link.source.key, link.target.pack.pack_id, link.target.key) == (
        "RISK-1", "nap-2020", "R13")
    entry = AuditEntry.objects.get(object_type="frameworks.Pack", object_id=str(pack.pk))
    assert entry.organization_id == org.pk
    assert entry.changes["sha256"]["to"] == pack.sha256 and "content" not in entry.changes


def test_upload_lists_every_problem_and_stores_nothing(org, owner):
    bad = {**ORG_PACK, "links": [{"from": "riverside-falls:RISK-1", "to": "pssm:9Z"}],
           "scale": {"levels": [{"value": "0", "label": "No", "numeric": 0},
                                {"value": "0", "label": "Again"}]}}
    with pytest.raises(ValidationError) as exc:
        upload(org, owner, bad, name="bad.yaml")
    assert exc.value.message_dict["file"] == [
        "bad.yaml: scale: Value error, scale value '0' appears twice"]
    bad["scale"] = ORG_PACK["scale"]
    with pytest.raises(ValidationError) as exc:
        upload(org, owner, bad, name="bad.yaml")
    assert exc.value.message_dict["file"] == [
        "bad.yaml: links[0].to: 'pssm:9Z' names no item of pack 'pssm'"]
    assert not Pack.objects.filter(organization=org).exists()


def test_upload_refuses_a_shipped_pack_id(org, owner):
    with pytest.raises(ValidationError, match="the id of a pack SafetyHub ships"):
        upload(org, owner, {**ORG_PACK, "id": "nap-2020"})


def test_a_used_org_pack_keeps_its_content_and_takes_new_versions(org, owner):
    first = upload(org, owner)
    services.lock_pack(pack=first)
    changed = {**ORG_PACK, "title": {"text": "Changed title", "provenance": "project"}}
    with pytest.raises(ValidationError, match="is in use and cannot change"):
        upload(org, owner, changed)
    first.refresh_from_db()
    assert first.title == "Riverside falls readiness"
    second = upload(org, owner, {**changed, "version": 2})
    assert [p.version for p in queries.newest_versions(organization=org,
                                                       pack_ids={"riverside-falls"})] == ["2"]
    assert second.pk != first.pk


def test_an_unused_org_pack_version_may_be_replaced(org, owner):
    first = upload(org, owner)
    changed = {**ORG_PACK, "title": {"text": "Better title", "provenance": "project"}}
    second = upload(org, owner, changed)
    assert second.pk == first.pk and second.title == "Better title"
    assert PackItem.objects.filter(pack=second).count() == 2


def test_org_packs_are_invisible_to_other_organizations(org, owner, other_org):
    upload(org, owner)
    assert not queries.visible_packs(organization=other_org).filter(
        pack_id="riverside-falls").exists()
    assert queries.search(organization=other_org, query="falls readiness") == []
    assert [i.key for i in queries.search(organization=org, query="fall risk screened")] == [
        "RISK-1"]


def test_crosswalk_reads_both_ways_and_one_step_further(org):
    pssm = Pack.objects.get(pack_id="pssm")
    statement = pssm.items.get(key="3B")
    walk = queries.crosswalk(item=statement, organization=org)
    assert "nap-2020" in walk.direct and "who-gpsap-2021" in walk.direct
    linked_recs = {item.key for item, _link in walk.direct["nap-2020"]}
    assert walk.tactics and {t.parent.key for t in walk.tactics} <= linked_recs
    assert "safetyhub-sa" in walk.via  # instrument elements keyed to those recommendations
    rec = Pack.objects.get(pack_id="nap-2020").items.get(key=next(iter(linked_recs)))
    back = queries.crosswalk(item=rec, organization=org)
    assert statement in [item for item, _link in back.direct["pssm"]]


def test_search_finds_items_by_every_word(org):
    results = queries.search(organization=org, query="root cause")
    assert results
    assert all("root" in r.search_text and "cause" in r.search_text for r in results)
    assert queries.search(organization=org, query="   ") == []
