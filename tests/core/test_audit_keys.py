"""The audit key's configuration, and the upgrade that signs entries written before the
trail was keyed."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from safetyhub.core import append_only, audit
from safetyhub.core.models import AuditChain, AuditEntry
from safetyhub.settings import audit_keys_from

BEFORE = ("core", "0002_audit_append_only_trigger")


def test_audit_keys_are_read_newest_first():
    keys = audit_keys_from(f"2027:{'a' * 32}, 2026.b:{'b' * 40}")
    assert keys == [("2027", b"a" * 32), ("2026.b", b"b" * 40)]


@pytest.mark.parametrize(("value", "reason"), [
    ("short:tooshort", "'short': the secret must be at least 32 characters"),
    (f"no key id {'x' * 40}", "key 1: give it an id"),
    (f"k:{'x' * 32},k:{'y' * 32}", "key id 'k' is given twice"),
    (f":{'x' * 32}", "key 1: give it an id"),
])
def test_bad_audit_keys_are_refused_with_the_reason(value, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        audit_keys_from(value)


def legacy_chain(count: int, *, chain: str = "platform") -> list[tuple]:
    """Entries as the trail wrote them before it was keyed: plain SHA-256 links."""
    rows, prev = [], ""
    for seq in range(1, count + 1):
        at = dt.datetime(2026, 1, 1, 12, seq, tzinfo=dt.UTC)
        payload = {"chain": chain, "seq": seq, "at": at.isoformat(timespec="microseconds"),
                   "organization": None, "actor": None, "actor_label": "system",
                   "action": "event", "object_type": "test.Legacy", "object_id": str(seq),
                   "object_repr": f"legacy {seq}", "changes": {}, "prev": prev}
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()).hexdigest()
        rows.append((chain, seq, at, "system", "event", "test.Legacy", str(seq),
                     f"legacy {seq}", "{}", prev, digest))
        prev = digest
    return rows


def migrate(target: tuple | None = None) -> None:
    """Migrate to `target`, or every app to its newest migration."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


def insert_legacy(rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO core_auditentry (chain, seq, at, actor_label, action, object_type, "
            "object_id, object_repr, changes, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cursor.execute("INSERT INTO core_auditchain (key, last_seq, last_hash) "
                       "VALUES (%s, %s, %s)", [rows[-1][0], rows[-1][1], rows[-1][-1]])


@pytest.fixture
def before_keying(transactional_db):
    """The database as it was before the trail was keyed; brought back up afterwards."""
    with append_only.suspended(connection):
        AuditEntry.objects.all()._raw_delete(connection.alias)
    AuditChain.objects.all().delete()
    migrate(BEFORE)
    yield
    migrate()


def test_upgrade_signs_an_intact_legacy_chain_with_the_key(before_keying):
    insert_legacy(legacy_chain(5))
    migrate()
    entries = list(AuditEntry.objects.filter(chain="platform").order_by("seq"))
    assert [e.key_id for e in entries] == [audit.signing_key()[0]] * 5
    assert [e.object_repr for e in entries] == [f"legacy {n}" for n in range(1, 6)]
    report, = audit.verify_chains(["platform"])
    assert report.ok and report.entries == 5
    assert append_only.is_installed(connection)


def test_upgrade_refuses_to_sign_a_chain_that_was_already_altered(before_keying):
    rows = legacy_chain(4)
    rows[1] = (*rows[1][:3], "forger", *rows[1][4:])
    insert_legacy(rows)
    with pytest.raises(RuntimeError, match="audit chain platform is broken at entry #2"):
        migrate()
    # let the fixture bring the schema back up
    with append_only.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
