"""Refused attempts in the audit trail (issue 12, "Bad input": clear errors, nothing changed,
the attempt audited).

A service refuses bad input with ValidationError inside its transaction, which rolls back
every write, an audit entry included. So the refusal is recorded by `refusals_audited`
wrapped *around* the transaction: after the rollback, as an "event" entry naming who tried,
what, and which fields were refused and why (reasons are SafetyHub's own words, never the
text that was typed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import models

from safetyhub.core import audit
from safetyhub.core.models import AuditEntry

REFUSED = "refused"


def refusal_fields(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: list(reasons) for field, reasons in exc.message_dict.items()}
    return {"body": list(exc.messages)}


@contextmanager
def refusals_audited(*, by, organization_id: int, attempt: str, object_type: str,
                     obj: models.Model | None = None) -> Iterator[None]:
    """Record a ValidationError raised inside the block as `by`'s refused `attempt` (e.g.
    "add action") on `obj` (or on a record of `object_type` not yet made), then re-raise."""
    try:
        yield
    except ValidationError as exc:
        with audit.acting_as(by):
            audit.record(action=AuditEntry.Action.EVENT, obj=obj,
                         organization_id=organization_id, object_type=object_type,
                         changes={"event": REFUSED, "attempt": attempt,
                                  "fields": refusal_fields(exc)})
        raise
