import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from safetyhub.core import audit, services
from safetyhub.core.models import AuditEntry, AuditTrailIsAppendOnly, Membership, Role, Site

from ..factories import OrganizationFactory, SiteFactory, UserFactory


def entries_for(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by(
            "seq")
    )


def tamper(sql: str, params: list) -> None:
    """Change audit rows behind the application's back, as an intruder with database
    access would (on PostgreSQL, first switching off the append-only trigger)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER audit_append_only")


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_raw_updates_of_entries(org):
    entry = entries_for(SiteFactory(organization=org))[0]
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE id = %s", [entry.pk])


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


def test_verify_detects_a_rehashed_forgery(org):
    """Rewriting an entry and recomputing its own hash still breaks the next link."""
    sites = [SiteFactory(organization=org, name=f"Unit {n}") for n in range(3)]
    target = entries_for(sites[0])[0]
    target.actor_label = "forger"
    forged_hash = audit.entry_hash(target)
    tamper("UPDATE core_auditentry SET actor_label = %s, hash = %s WHERE id = %s",
           ["forger", forged_hash, target.pk])
    with pytest.raises(CommandError, match=rf"entry #{target.seq + 1} does not link"):
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
    reports = audit.verify_chains([f"org:{org.pk}"])
    assert reports[0].ok, reports[0].problems
    assert reports[0].entries == 2 + 32  # organization + admin membership + 32 sites
