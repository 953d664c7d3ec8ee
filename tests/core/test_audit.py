import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from safetyhub.core import append_only, audit, services
from safetyhub.core.models import AuditEntry, AuditTrailIsAppendOnly, Membership, Role, Site

from ..factories import OrganizationFactory, SiteFactory, UserFactory


def entries_for(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by(
            "seq")
    )


def tamper(sql: str, params: list) -> None:
    """Change audit rows behind the application's back, as an intruder who owns the
    database would (first switching off the append-only trigger)."""
    with append_only.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_create_update_delete_are_recorded_with_actor_and_changes(org, owner):
    with audit.acting_as(owner):
        site = services.add_site(organization=org, name="ICU", kind=Site.Kind.UNIT)
        site.name = "Intensive Care Unit"
        site.save()
        site_id = site.pk
        site.delete()
    created, changed, deleted = (
        AuditEntry.objects.filter(object_type="core.Site", object_id=str(site_id)).order_by("seq")
    )
    assert [created.action, changed.action, deleted.action] == ["create", "update", "delete"]
    assert {e.actor_id for e in (created, changed, deleted)} == {owner.pk}
    assert {e.organization_id for e in (created, changed, deleted)} == {org.pk}
    assert created.changes["name"] == {"from": None, "to": "ICU"}
    assert changed.changes == {"name": {"from": "ICU", "to": "Intensive Care Unit"}}
    assert deleted.changes["name"] == {"from": "Intensive Care Unit", "to": None}


def test_saving_without_changes_writes_no_entry(org):
    site = SiteFactory(organization=org)
    count = AuditEntry.objects.count()
    site.save()
    assert AuditEntry.objects.count() == count


def test_redacted_fields_are_marked_changed_without_values(db):
    user = UserFactory()
    user.set_password("a whole new secret phrase")
    user.save()
    entry = entries_for(user)[-1]
    assert entry.changes == {"password": {"changed": True}}
    assert "secret" not in str(entry.changes)


def test_work_outside_a_request_is_attributed_to_the_system(org):
    site = SiteFactory(organization=org)
    entry = entries_for(site)[0]
    assert entry.actor_id is None
    assert entry.actor_label == audit.SYSTEM_ACTOR


def test_each_organization_has_its_own_chain(org, other_org):
    SiteFactory(organization=org)
    SiteFactory(organization=other_org)
    chains = set(AuditEntry.objects.values_list("chain", flat=True))
    assert {f"org:{org.pk}", f"org:{other_org.pk}"} <= chains
    for key in (f"org:{org.pk}", f"org:{other_org.pk}"):
        seqs = list(AuditEntry.objects.filter(chain=key).order_by("seq").values_list(
            "seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))


def test_entries_cannot_be_changed_or_deleted_through_the_orm(org):
    entry = entries_for(SiteFactory(organization=org))[0]
    entry.object_repr = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.parametrize("sql", [
    "UPDATE core_auditentry SET object_repr = 'x' WHERE id = %s",
    "DELETE FROM core_auditentry WHERE id = %s",
])
def test_the_database_refuses_raw_updates_and_deletes_of_entries(org, sql):
    entry = entries_for(SiteFactory(organization=org))[0]
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


def test_verify_passes_on_an_untouched_trail(org, capsys):
    for n in range(3):
        SiteFactory(organization=org, name=f"Unit {n}")
    call_command("audit", "verify")
    assert "audit trail intact" in capsys.readouterr().out


def test_verify_names_an_altered_entry(org):
    sites = [SiteFactory(organization=org, name=f"Unit {n}") for n in range(3)]
    target = entries_for(sites[1])[0]
    tamper("UPDATE core_auditentry SET actor_label = %s WHERE id = %s", ["someone else",
                                                                         target.pk])
    with pytest.raises(CommandError, match=rf"org:{org.pk}: entry #{target.seq} was altered"):
        call_command("audit", "verify")


def test_verify_names_a_removed_entry(org):
    sites = [SiteFactory(organization=org, name=f"Unit {n}") for n in range(3)]
    target = entries_for(sites[1])[0]
    tamper("DELETE FROM core_auditentry WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=rf"entry #{target.seq} is missing"):
        call_command("audit", "verify")


def test_verify_names_a_removed_tail(org):
    sites = [SiteFactory(organization=org, name=f"Unit {n}") for n in range(3)]
    last = entries_for(sites[-1])[0]
    tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match=rf"entries after #{last.seq - 1} were removed"):
        call_command("audit", "verify")


def rewrite_chain_from(target: AuditEntry, key: bytes, **changes) -> None:
    """The forger's move: change an entry, then recompute its hash and every later hash
    and the chain head, as anyone with write access to the database can. Without the
    audit key they must sign with a key of their own."""
    later = list(AuditEntry.objects.filter(chain=target.chain, seq__gte=target.seq)
                 .order_by("seq"))
    prev = target.prev_hash
    for entry in later:
        if entry.pk == target.pk:
            for name, value in changes.items():
                setattr(entry, name, value)
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(entry, key)
        tamper("UPDATE core_auditentry SET actor_label = %s, prev_hash = %s, hash = %s "
               "WHERE id = %s", [entry.actor_label, entry.prev_hash, entry.hash, entry.pk])
        prev = entry.hash
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditchain SET last_hash = %s WHERE key = %s",
                       [prev, target.chain])


def test_verify_detects_a_chain_rehashed_to_its_end(org):
    """Editing an entry and recomputing every later hash (the attack a plain SHA-256 chain
    cannot catch) fails: the forger does not hold the key."""
    sites = [SiteFactory(organization=org, name=f"Unit {n}") for n in range(3)]
    target = entries_for(sites[0])[0]
    rewrite_chain_from(target, b"a key the forger made up, 32 bytes+", actor_label="forger")
    with pytest.raises(CommandError, match=rf"org:{org.pk}: entry #{target.seq} was altered"):
        call_command("audit", "verify")


def test_a_chain_rehashed_with_the_real_key_verifies_so_the_key_is_what_protects_it(org):
    """The counterpart: whoever holds the key can sign a forged chain. The key must be
    kept away from the database (docs/operations.md)."""
    target = entries_for(SiteFactory(organization=org))[0]
    rewrite_chain_from(target, audit.signing_key()[1], actor_label="forger")
    call_command("audit", "verify")


def test_entries_record_the_key_that_signed_them(org):
    entry = entries_for(SiteFactory(organization=org))[0]
    key_id, key = audit.signing_key()
    assert entry.key_id == key_id
    assert entry.hash == audit.entry_hash(entry, key)
    assert entry.hash != audit.entry_hash(entry, b"another key of at least 32 bytes!")


def test_rotated_keys_verify_old_entries_and_sign_new_ones(org, settings):
    first = SiteFactory(organization=org, name="Before")
    old_id, old_key = audit.signing_key()
    settings.AUDIT_KEYS = [("2027", b"n" * 40), (old_id, old_key)]
    second = SiteFactory(organization=org, name="After")
    assert entries_for(first)[0].key_id == old_id
    assert entries_for(second)[0].key_id == "2027"
    assert all(report.ok for report in audit.verify_chains())

    settings.AUDIT_KEYS = [("2027", b"n" * 40)]  # the old key dropped too early
    with pytest.raises(CommandError, match=rf"signed with key '{old_id}', which is not in"):
        call_command("audit", "verify")


def test_sensitive_views_are_recorded_and_others_are_not(org, owner):
    from safetyhub.core.access import tenant_row

    site = SiteFactory(organization=org)
    with audit.acting_as(owner):
        tenant_row(Site, organization=org, pk=site.pk)
    assert not AuditEntry.objects.filter(action="view").exists()

    audit.register(Site, sensitive=True)
    try:
        with audit.acting_as(owner):
            tenant_row(Site, organization=org, pk=site.pk)
    finally:
        audit.register(Site)
    view = AuditEntry.objects.get(action="view")
    assert (view.actor_id, view.object_id, view.organization_id) == (owner.pk, str(site.pk),
                                                                     org.pk)


def test_a_failed_write_leaves_neither_rows_nor_entries(org, owner):
    before_sites, before_entries = Site.objects.count(), AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.add_site(organization=org, name="Doomed", kind=Site.Kind.UNIT)
        raise RuntimeError("boom")
    assert (Site.objects.count(), AuditEntry.objects.count()) == (before_sites, before_entries)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    org = OrganizationFactory()
    admin = UserFactory()
    Membership.objects.create(organization=org, user=admin, role=Role.ORG_ADMIN)
    errors = []

    def add_sites(worker: int) -> None:
        try:
            for n in range(8):
                services.add_site(organization=org, name=f"W{worker}-{n}", kind="unit")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add_sites, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reports = audit.verify_chains([f"org:{org.pk}"])  # and the lanes the writers opened
    assert all(report.ok for report in reports), [report.problems for report in reports]
    # organization + admin membership + 32 sites
    assert sum(report.entries for report in reports) == 2 + 32
