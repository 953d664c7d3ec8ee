"""Database backends that append the audit entries a transaction collected as its last step
before COMMIT, so the chain head of an organization is locked for milliseconds rather than for
the whole request (core/audit.py explains the chain).

Django has no pre-commit hook, so the hook lives where every commit passes: the connection's
own `commit()`. `settings.DATABASES` names these backends (`safetyhub.core.backends.postgresql`
and `…sqlite3`); they are Django's own with `AuditedTransactions` mixed in, and a connection
without it (Django's stock backend) appends each entry at once, the old way, under a head lock
held until commit.

The bookkeeping mirrors Django's `on_commit` list: each waiting entry remembers the savepoints
that were open when it was recorded, so rolling back to a savepoint forgets the entries of the
changes it undid, and a rollback or a lost connection forgets them all.
"""

from typing import Any


class AuditedTransactions:
    """Mixed into a Django DatabaseWrapper (before it in the bases)."""

    # Entries recorded in the open transaction and not yet appended, each with the savepoints
    # open when it was recorded.
    audit_pending: list[tuple[frozenset, Any]]
    # Entries appended before the transaction's end (a read of the trail asked for them, see
    # AuditTrailManager): with the savepoints open when recorded and when appended, so a
    # rollback to a savepoint that removed the row but not the change puts the entry back.
    audit_appended: list[tuple[frozenset, frozenset, Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._forget_audit()

    def _forget_audit(self) -> None:
        self.audit_pending = []
        self.audit_appended = []

    def audit_waits_for_commit(self) -> bool:
        """Whether an entry recorded now can wait for the end of the open transaction: there
        is one, and it is not just the transaction a test case wraps around each test (there a
        write outside any atomic block of its own is appended at once, as in autocommit)."""
        if self.in_atomic_block:
            return any(not block._from_testcase for block in self.atomic_blocks)
        return not self.get_autocommit()

    def flush_audit(self) -> None:
        """Append the waiting entries now, inside the open transaction. If that fails they stay
        waiting (the caller's transaction or savepoint is then rolled back)."""
        if not self.audit_pending:
            return
        from safetyhub.core import audit  # the backend loads before the apps are ready

        audit.append_entries([entry for _sids, entry in self.audit_pending])
        now = frozenset(self.savepoint_ids)
        self.audit_appended += [(sids, now, entry) for sids, entry in self.audit_pending]
        self.audit_pending = []

    # --- where Django ends transactions and savepoints --------------------------------------

    def connect(self) -> None:
        self._forget_audit()
        super().connect()

    def commit(self) -> None:
        self.validate_thread_sharing()
        self.validate_no_atomic_block()
        if self.audit_pending:
            try:
                self.flush_audit()
            except BaseException:
                # The change must not commit without its entries. Roll back here: an error
                # that is not a DatabaseError would otherwise leave the transaction open.
                self.rollback()
                raise
        super().commit()
        self.audit_appended = []

    def rollback(self) -> None:
        self._forget_audit()
        super().rollback()

    def close(self) -> None:
        self._forget_audit()  # closing in a transaction rolls it back
        super().close()

    def savepoint_rollback(self, sid: str) -> None:
        super().savepoint_rollback(sid)
        put_back = [(recorded, entry) for recorded, appended, entry in self.audit_appended
                    if sid in appended and sid not in recorded]
        self.audit_appended = [item for item in self.audit_appended if sid not in item[1]]
        for _recorded, entry in put_back:
            entry.pk = None  # its row is gone with the savepoint; it will be appended again
        self.audit_pending = put_back + [item for item in self.audit_pending
                                         if sid not in item[0]]

    def savepoint_commit(self, sid: str) -> None:
        super().savepoint_commit(sid)
        # Under a test case's transaction nothing commits: the end of the outermost block of
        # the code under test stands for its commit, so tests see the trail production has.
        if self.audit_pending and self.atomic_blocks and all(
                block._from_testcase for block in self.atomic_blocks):
            self.flush_audit()
