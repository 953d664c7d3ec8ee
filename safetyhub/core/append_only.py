"""The database itself refuses UPDATE and DELETE of audit entries, on PostgreSQL and SQLite
alike, so even raw SQL from the application's own connection cannot rewrite history quietly.

Someone who owns the database can still drop the trigger; what catches them is the keyed
hash chain and the checkpoints kept outside the database (see audit.py). The trigger is
suspended only by `suspended()`: emptying the whole database with `flush` (tests, a fresh
start) and the one-time re-signing of old entries in a migration.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

MESSAGE = "audit entries are append-only"

_INSTALL = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION safetyhub_audit_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{MESSAGE}';
        END;
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON core_auditentry
        FOR EACH ROW EXECUTE FUNCTION safetyhub_audit_append_only()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON core_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON core_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    ],
}
_REMOVE = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_append_only ON core_auditentry",
        "DROP FUNCTION IF EXISTS safetyhub_audit_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_append_only_update",
        "DROP TRIGGER IF EXISTS audit_append_only_delete",
    ],
}
_SUSPEND = {
    "postgresql": ["ALTER TABLE core_auditentry DISABLE TRIGGER audit_append_only"],
    "sqlite": _REMOVE["sqlite"],
}
_RESUME = {
    "postgresql": ["ALTER TABLE core_auditentry ENABLE TRIGGER audit_append_only"],
    "sqlite": _INSTALL["sqlite"],
}


def _run(connection: BaseDatabaseWrapper, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def install(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _INSTALL)


def remove(connection: BaseDatabaseWrapper) -> None:
    _run(connection, _REMOVE)


def is_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the guard is in place on this connection's database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_append_only'")
            row = cursor.fetchone()
            return row is not None and row[0] != "D"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'audit_append_only_%'")
            return cursor.fetchone()[0] == 2
    return False


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the guard for the block, and put it back however the block ends (a guard that
    is not installed, as before its migration, stays so)."""
    if not is_installed(connection):
        yield
        return
    _run(connection, _SUSPEND)
    try:
        yield
    finally:
        _run(connection, _RESUME)
