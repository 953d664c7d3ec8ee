"""Django's PostgreSQL backend, appending audit entries just before COMMIT (see ..)."""

from django.db.backends.postgresql import base

from .. import AuditedTransactions


class DatabaseWrapper(AuditedTransactions, base.DatabaseWrapper):
    pass
