"""Audit entries are appended as a transaction's last step before COMMIT (core/backends), so
writers of one organization do not queue behind each other's whole transaction; the chain
keeps every guarantee: one entry per change, committed with it or not at all, linked, signed."""

import contextlib
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from safetyhub.core import audit
from safetyhub.core.models import AuditChain, AuditEntry, Site

from ..factories import OrganizationFactory, SiteFactory
from .test_audit import tamper

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes the database's one write lock when a transaction begins "
           "(transaction_mode IMMEDIATE), so a second writer waits whatever the audit does")


def chain_of(org) -> str:
    return f"org:{org.pk}"


def site_names_in_trail(org) -> list[str]:
    """The sites created, in the order they were recorded (over all the chain's lanes)."""
    return [entry.changes["name"]["to"] for entry in AuditEntry.objects.filter(
        organization_id=org.pk, object_type="core.Site", action="create").order_by("at", "id")]


def assert_chain_intact(org) -> int:
    """Every lane of the organization's chain verifies; the number of entries in all."""
    reports = audit.verify_chains([chain_of(org)])
    assert reports and all(report.ok for report in reports), [r.problems for r in reports]
    return sum(report.entries for report in reports)


def test_an_entry_recorded_in_a_transaction_is_appended_when_it_ends(org):
    head_before = AuditChain.objects.get(key=chain_of(org)).last_seq
    with transaction.atomic():
        site = Site.objects.create(organization=org, name="ICU", kind=Site.Kind.UNIT)
        entry = audit.record(action=AuditEntry.Action.EVENT, obj=site, changes={"n": 1})
        assert entry.pk is None  # waiting: the head is not locked yet
        assert connection.audit_pending
    (entry_of_create,) = AuditEntry.objects.filter(object_type="core.Site",
                                                 object_id=str(site.pk), action="create")
    assert (entry_of_create.seq, entry.seq) == (head_before + 1, head_before + 2)
    assert entry.pk is not None and entry.prev_hash == entry_of_create.hash
    assert AuditChain.objects.get(key=chain_of(org)).last_hash == entry.hash
    assert_chain_intact(org)


def test_a_transaction_reads_its_own_entries(org):
    with transaction.atomic():
        site = SiteFactory(organization=org, name="Read back")
        assert AuditEntry.objects.filter(object_id=str(site.pk),
                                         object_type="core.Site").count() == 1
        assert not connection.audit_pending


def test_a_rolled_back_savepoint_forgets_only_the_entries_of_its_changes(org):
    with transaction.atomic():
        SiteFactory(organization=org, name="Kept")
        with contextlib.suppress(RuntimeError), transaction.atomic():
            SiteFactory(organization=org, name="Undone")
            raise RuntimeError("undo the inner block")
        SiteFactory(organization=org, name="Kept too")
    assert site_names_in_trail(org) == ["Kept", "Kept too"]
    assert_chain_intact(org)


def test_an_entry_read_back_in_a_savepoint_that_rolls_back_is_appended_again(org):
    """Reading the trail appends the waiting entries there and then, inside whatever
    savepoint is open; rolling that savepoint back removes the row but not the change it
    records, so the entry must be appended again, once."""
    with transaction.atomic():
        site = SiteFactory(organization=org, name="Outside the savepoint")
        with contextlib.suppress(RuntimeError), transaction.atomic():
            assert AuditEntry.objects.filter(object_id=str(site.pk)).exists()
            raise RuntimeError("roll back the block that appended it")
    assert site_names_in_trail(org) == ["Outside the savepoint"]
    assert_chain_intact(org)


def test_entries_of_several_chains_in_one_transaction_each_link_in_their_own(org, other_org):
    with transaction.atomic():
        for n in range(3):
            SiteFactory(organization=org, name=f"A{n}")
            SiteFactory(organization=other_org, name=f"B{n}")
            audit.record_account_event(event="test", detail={"n": n})
    assert site_names_in_trail(org) == ["A0", "A1", "A2"]
    assert site_names_in_trail(other_org) == ["B0", "B1", "B2"]
    assert all(report.ok for report in audit.verify_chains())


@pytest.mark.django_db(transaction=True)
def test_an_entry_that_cannot_be_appended_undoes_its_change(monkeypatch):
    org = OrganizationFactory()

    def broken(entries):
        raise RuntimeError("the trail is unavailable")

    with pytest.raises(RuntimeError, match="unavailable"), transaction.atomic():
        Site.objects.create(organization=org, name="Unaudited", kind=Site.Kind.UNIT)
        monkeypatch.setattr(audit, "append_entries", broken)
    monkeypatch.undo()
    assert not Site.objects.filter(name="Unaudited").exists()
    assert not connection.audit_pending
    SiteFactory(organization=org, name="After")  # the connection works on
    assert site_names_in_trail(org) == ["After"]
    assert_chain_intact(org)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_another_writer_of_the_organization_commits_while_a_transaction_is_open():
    """The point of appending at the end: the head is not locked while the transaction does
    its work, so a second writer of the same organization does not wait for it."""
    org = OrganizationFactory()
    done = threading.Event()
    errors: list[Exception] = []

    def other_writer() -> None:
        try:
            with transaction.atomic():
                SiteFactory(organization=org, name="Second writer")
            done.set()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        SiteFactory(organization=org, name="First writer")
        writer = threading.Thread(target=other_writer)
        writer.start()
        finished = done.wait(timeout=15)
    writer.join(timeout=30)
    assert errors == []
    assert finished, "the second writer waited for the first writer's whole transaction"
    lane = AuditEntry.objects.filter(chain=chain_of(org), object_type="core.Site")
    assert [e.changes["name"]["to"] for e in lane.order_by("seq")] == ["Second writer",
                                                                        "First writer"]
    assert_chain_intact(org)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_finds_the_chain_held_takes_another_lane_which_verify_covers(
        settings, tmp_path):
    """A head stays locked from the append to the commit (the commit waits for the disk),
    so a writer that finds it held appends to a lane of its own instead of waiting."""
    settings.AUDIT_CHAIN_LANES = 2
    org = OrganizationFactory()
    done = threading.Event()
    errors: list[Exception] = []

    def other_writer() -> None:
        try:
            with transaction.atomic():
                SiteFactory(organization=org, name="Second writer")
            done.set()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        SiteFactory(organization=org, name="First writer")
        audit.flush()  # appended now: lane 0 is this transaction's until it commits
        writer = threading.Thread(target=other_writer)
        writer.start()
        finished = done.wait(timeout=15)
    writer.join(timeout=30)
    assert errors == [] and finished
    lanes = {entry.changes["name"]["to"]: entry.chain for entry in AuditEntry.objects.filter(
        organization_id=org.pk, object_type="core.Site")}
    assert lanes == {"First writer": chain_of(org), "Second writer": f"{chain_of(org)}/1"}
    assert assert_chain_intact(org) == 3

    file = tmp_path / "heads.jsonl"
    call_command("audit", "checkpoint", "--file", str(file))
    assert {json.loads(line)["chain"] for line in file.read_text().splitlines()} >= {
        chain_of(org), f"{chain_of(org)}/1"}
    second = AuditEntry.objects.get(chain=f"{chain_of(org)}/1")
    tamper("UPDATE core_auditentry SET actor_label = 'someone else' WHERE id = %s",
           [second.pk])
    with pytest.raises(CommandError, match=rf"{chain_of(org)}/1: entry #1 was altered"):
        call_command("audit", "verify", "--chain", chain_of(org))


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_transactions_into_one_organization_keep_one_exact_chain():
    """8 writers, each on its own connection, 15 transactions each into one organization:
    two entries per committed transaction (create, rename), none for a transaction rolled
    back or for a savepoint rolled back inside one, and one unbroken chain."""
    org = OrganizationFactory()
    writers, rounds = 8, 15
    committed: list[int] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    start = threading.Barrier(writers)

    def write(worker: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(rounds):
                with contextlib.suppress(RuntimeError), transaction.atomic():
                    site = Site.objects.create(organization=org, name=f"W{worker}-{n}",
                                               kind=Site.Kind.UNIT)
                    site.name = f"W{worker}-{n} renamed"
                    site.save()
                    if n % 3 == 0:  # a savepoint rolled back inside a committed transaction
                        with contextlib.suppress(RuntimeError), transaction.atomic():
                            Site.objects.create(organization=org, name=f"Undone {worker}-{n}",
                                                kind=Site.Kind.UNIT)
                            raise RuntimeError
                    if n % 5 == 4:
                        raise RuntimeError("roll the whole transaction back")
                    with lock:
                        committed.append(site.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(committed) == writers * (rounds - rounds // 5)

    assert assert_chain_intact(org) == 1 + 2 * len(committed)  # and the organization's own
    site_entries = list(AuditEntry.objects.filter(organization_id=org.pk, object_type="core.Site")
                        .values_list("object_id", "action"))
    assert sorted(site_entries) == sorted(
        (str(pk), action) for pk in committed for action in ("create", "update"))
    assert set(Site.objects.filter(organization=org).values_list("pk", flat=True)) == set(
        committed)
