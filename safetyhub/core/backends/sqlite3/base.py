"""Django's SQLite backend, appending audit entries just before COMMIT (see ..)."""

from django.db.backends.sqlite3 import base

from .. import AuditedTransactions


class DatabaseWrapper(AuditedTransactions, base.DatabaseWrapper):
    pass
